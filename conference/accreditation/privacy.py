"""Data protection: a person's data as JSON, account erasure and the retention purge.

Erasure and the purge anonymise rather than delete rows: a registration keeps its state,
category, country and organisation type (so aggregate counts stay right) and every audit entry
stays, while names, addresses, free text and special-category data are wiped.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from conference import audit
from conference.accounts.models import ApiToken, RoleAssignment, User
from conference.accreditation.models import Registration, RegistrationEvent
from conference.accreditation.models import RegistrationState as S
from conference.accreditation.services import OPEN_STATES, transition
from conference.audit import AuditEntry
from conference.db import utcnow
from conference.editions.models import Edition, EditionState
from conference.errors import DomainError, NotAllowed
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.permissions import clearance

ERASED = "[erased]"


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _row(obj, *columns: str) -> dict:
    out = {}
    for name in columns:
        value = getattr(obj, name)
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        out[name] = value
    return out


def _session_title(user: User, session) -> str | None:
    """A session's title as ``user`` may see it: the programme's placeholder for a restricted
    session they are not cleared for (chairing or having booked it does not clear alone)."""
    # programme sits above accreditation in the layers: import at call time
    from conference.programme.services import RESTRICTED_TITLE

    if session is None:
        return None
    edition = db.session.get(Edition, session.edition_id)
    if clearance(user, edition).sees_details(session):
        return session.title
    return RESTRICTED_TITLE


def personal_data(user: User) -> dict:
    """Everything held about ``user``, for the download on /me/data.json."""
    from conference.badges.models import Badge
    from conference.calendar.models import CalendarToken
    from conference.checkin.models import Scan
    from conference.programme.models import Booking, ProgrammeSession, SessionSpeaker
    from conference.review.models import Conflict, Review, ReviewAssignment, ReviewerExpertise
    from conference.submissions.models import CoSpeaker, Submission

    registrations = list(
        db.session.scalars(
            sa.select(Registration).where(Registration.user_id == user.id).order_by(Registration.id)
        )
    )
    registration_ids = [r.id for r in registrations]
    years = {row.id: row.year for row in db.session.execute(sa.select(Edition.id, Edition.year))}

    def by_user(model, column, *fields, order=None):
        stmt = sa.select(model).where(column == user.id)
        return [_row(x, *fields) for x in db.session.scalars(stmt.order_by(order or model.id))]

    data = {
        "generated_at": utcnow().isoformat(),
        "account": _row(
            user,
            "id",
            "email",
            "full_name",
            "organisation",
            "organisation_type",
            "country",
            "position",
            "is_admin",
            "email_verified_at",
            "created_at",
            "updated_at",
            "password_changed_at",
            "last_login_at",
        ),  # fmt: skip
        "roles": [
            {"edition": years.get(r.edition_id), "role": r.role, "granted_at": _iso(r.created_at)}
            for r in db.session.scalars(
                sa.select(RoleAssignment).where(RoleAssignment.user_id == user.id)
            )
        ],
        "api_tokens": by_user(
            ApiToken,
            ApiToken.user_id,
            "name",
            "prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
        ),  # fmt: skip
        "registrations": [
            {
                "edition": years.get(r.edition_id),
                **_row(
                    r,
                    "id",
                    "state",
                    "full_name",
                    "email",
                    "organisation",
                    "organisation_type",
                    "country",
                    "position",
                    "nominating_authority",
                    "nominator_email",
                    "endorsement",
                    "endorsement_at",
                    "endorsement_note",
                    "dietary_needs",
                    "accessibility_needs",
                    "special_data_consent_at",
                    "privacy_consent_at",
                    "decided_at",
                    "decision_reason",
                    "created_at",
                    "updated_at",
                ),  # fmt: skip
                "requested_category": r.requested_category.name,
                "category": r.category.name if r.category else None,
                "history": [
                    _row(e, "from_state", "to_state", "reason", "created_at") for e in r.events
                ],
            }
            for r in registrations
        ],
        "submissions": [
            {
                "edition": years.get(s.edition_id),
                **_row(
                    s,
                    "id",
                    "title",
                    "abstract",
                    "keywords",
                    "audience",
                    "state",
                    "decision",
                    "submitted_at",
                    "withdrawn_at",
                    "created_at",
                    "updated_at",
                ),  # fmt: skip
                "co_speakers": [_row(c, "name", "email", "confirmed_at") for c in s.co_speakers],
            }
            for s in db.session.scalars(
                sa.select(Submission).where(Submission.author_id == user.id).order_by(Submission.id)
            )
        ],
        "co_speaker_invitations": [
            _row(c, "submission_id", "name", "email", "invited_at", "confirmed_at")
            for c in db.session.scalars(
                sa.select(CoSpeaker).where(
                    sa.or_(CoSpeaker.user_id == user.id, CoSpeaker.email == user.email)
                )
            )
        ],
        "reviews_written": [
            {"edition": years.get(r["edition_id"]), **r}
            for r in by_user(
                Review,
                Review.reviewer_id,
                "id",
                "edition_id",
                "submission_id",
                "relevance",
                "quality",
                "originality",
                "recommendation",
                "comments_to_authors",
                "confidential_comments",
                "submitted_at",
                "created_at",
                "updated_at",
            )  # fmt: skip
        ],
        "review_assignments": by_user(
            ReviewAssignment, ReviewAssignment.reviewer_id, "submission_id", "created_at"
        ),
        "declared_conflicts": by_user(
            Conflict, Conflict.reviewer_id, "submission_id", "source", "reason", "created_at"
        ),
        "reviewer_expertise": by_user(ReviewerExpertise, ReviewerExpertise.user_id, "track_id"),
        "bookings": [
            {
                **_row(b, "session_id", "state", "created_at", "promoted_at", "cancelled_at"),
                "session": _session_title(user, b.session),
            }
            for b in db.session.scalars(
                sa.select(Booking).where(Booking.user_id == user.id).order_by(Booking.id)
            )
        ],
        "sessions_speaking": [
            _row(s, "session_id", "name", "organisation")
            for s in db.session.scalars(
                sa.select(SessionSpeaker).where(SessionSpeaker.user_id == user.id)
            )
        ],
        "sessions_chairing": [
            {**_row(s, "id", "starts_at"), "title": _session_title(user, s)}
            for s in db.session.scalars(
                sa.select(ProgrammeSession).where(ProgrammeSession.chair_id == user.id)
            )
        ],
        "badges": [],
        "scans": [],
        "calendar_feed": None,
        "mail_sent_to_you": [
            _row(m, "subject", "status", "created_at", "sent_at")
            for m in db.session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.to == user.email)
                .order_by(OutboxMessage.id)
            )
        ],
        "actions_you_took": [
            _row(a, "action", "target_type", "target_id", "created_at")
            for a in db.session.scalars(
                sa.select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id)
            )
        ],
    }
    if registration_ids:
        data["badges"] = [
            _row(
                b,
                "registration_id",
                "version",
                "category_code",
                "state",
                "issued_at",
                "revoked_at",
                "revoke_reason",
                "printed_at",
            )  # fmt: skip
            for b in db.session.scalars(
                sa.select(Badge).where(Badge.registration_id.in_(registration_ids))
            )
        ]
        data["scans"] = [
            {
                "edition": years.get(s.edition_id),
                **_row(s, "checkpoint", "result", "reason", "scanned_at"),
            }  # fmt: skip
            for s in db.session.scalars(
                sa.select(Scan)
                .where(Scan.registration_id.in_(registration_ids))
                .order_by(Scan.scanned_at)
            )
        ]
    token = db.session.scalar(sa.select(CalendarToken).where(CalendarToken.user_id == user.id))
    if token is not None:
        data["calendar_feed"] = _row(token, "created_at", "last_used_at")
    return data


# --- anonymising --------------------------------------------------------------------------


def anonymise_registration(registration: Registration, *, now: dt.datetime | None = None) -> None:
    """Wipe a registration's personal data; its state, category, country and type stay."""
    now = now or utcnow()
    registration.user_id = None
    registration.full_name = ""
    registration.email = ""
    registration.organisation = ""
    registration.position = ""
    registration.nominating_authority = ""
    registration.nominator_email = ""
    registration.endorsement_note = ""
    registration.dietary_needs = ""
    registration.accessibility_needs = ""
    registration.special_data_consent_at = None
    registration.decision_reason = ERASED if registration.decision_reason else ""
    registration.anonymised_at = now
    for event in registration.events:
        if event.reason:
            event.reason = ERASED


def delete_account(user: User, password: str) -> None:
    """Erase ``user``'s account after checking the password (the caller commits and logs out).

    Open registrations are cancelled through the workflow (badges and bookings react to the
    signal); every registration is anonymised; the user row stays, anonymised, so that
    references (reviews, audit entries, decisions they took) keep their integrity.
    """
    if user.deleted_at is not None:
        raise NotAllowed("This account is already deleted.")
    if (
        not password
        or not user.password_hash
        or not check_password_hash(user.password_hash, password)
    ):
        raise DomainError("The password is not correct.", code="wrong_password", status_code=403)
    from conference.calendar.models import CalendarToken
    from conference.programme.models import SessionSpeaker
    from conference.submissions.models import CoSpeaker

    now = utcnow()
    old_email = user.email
    placeholder = f"deleted-{user.id}@invalid"
    registrations = list(
        db.session.scalars(sa.select(Registration).where(Registration.user_id == user.id))
    )
    for registration in registrations:
        if registration.state in OPEN_STATES and not registration.edition.is_archived:
            transition(registration, S.CANCELLED, user, reason="Account deleted.", notify=False)
        anonymise_registration(registration, now=now)
    for co_speaker in db.session.scalars(
        sa.select(CoSpeaker).where(
            sa.or_(CoSpeaker.user_id == user.id, CoSpeaker.email == old_email)
        )
    ):
        co_speaker.email = f"deleted-{user.id}-{co_speaker.id}@invalid"
        co_speaker.name = ""
        co_speaker.user_id = None
    for speaker in db.session.scalars(
        sa.select(SessionSpeaker).where(SessionSpeaker.user_id == user.id)
    ):
        speaker.name = "Speaker (account deleted)"
        speaker.organisation = ""
        speaker.user_id = None
    db.session.execute(sa.delete(CalendarToken).where(CalendarToken.user_id == user.id))
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(sa.delete(RoleAssignment).where(RoleAssignment.user_id == user.id))
    # Mail not yet sent is dropped; copies of sent mail lose the address and the text.
    db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.to == old_email, OutboxMessage.status != "sent"
        )
    )
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.to == old_email)
        .values(to=placeholder, text_body=ERASED, html_body=None)
    )
    # Audit entries stay; only the e-mail address used as the actor's label is replaced.
    db.session.execute(
        sa.update(AuditEntry).where(AuditEntry.actor_id == user.id).values(actor_label=placeholder)
    )
    user.email = placeholder
    user.full_name = ""
    user.organisation = ""
    user.organisation_type = ""
    user.country = ""
    user.position = ""
    user.password_hash = None
    user.is_admin = False
    user.email_verified_at = None
    user.deleted_at = now
    from conference.accounts.services import rotate_session

    rotate_session(user)
    audit.record(user, "account.delete", user, registrations=len(registrations))


def purge_edition(edition: Edition, older_than_days: int, *, now: dt.datetime | None = None) -> int:
    """Anonymise the registrations of a past ``edition`` once the retention period is over.

    Returns how many registrations were anonymised (already anonymised ones are skipped).
    """
    if older_than_days < 0:
        raise DomainError("--older-than-days must be zero or more.")
    now = now or utcnow()
    if edition.state not in (EditionState.CLOSED, EditionState.ARCHIVED):
        raise DomainError(
            f"The {edition.year} edition is {edition.state}; only closed or archived editions "
            "can be purged."
        )
    ended = dt.datetime.combine(edition.end_date, dt.time.max, tzinfo=edition.tz)
    due = ended + dt.timedelta(days=older_than_days)
    if now < due:
        raise DomainError(
            f"The {edition.year} edition ended on {edition.end_date:%d %B %Y}; with a retention "
            f"period of {older_than_days} days its registrations can be purged from "
            f"{due.astimezone(edition.tz):%d %B %Y}."
        )
    registrations = list(
        db.session.scalars(
            sa.select(Registration).where(
                Registration.edition_id == edition.id, Registration.anonymised_at.is_(None)
            )
        )
    )
    for registration in registrations:
        anonymise_registration(registration, now=now)
    audit.record(
        None,
        "registration.purge",
        ("Edition", edition.id),
        edition=edition,
        count=len(registrations),
        older_than_days=older_than_days,
    )
    return len(registrations)


def registration_event_count(edition: Edition) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(RegistrationEvent.id))
            .join(Registration)
            .where(Registration.edition_id == edition.id)
        )
        or 0
    )
