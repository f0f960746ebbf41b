"""Data protection: a person's data as JSON, account erasure and the retention purge.

Erasure and the purge anonymise rather than delete rows: a registration keeps its state,
category, country and organisation type (so aggregate counts stay right) and every audit entry
stays, while names, addresses, free text and special-category data are wiped.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from conference import audit
from conference.accounts.models import ApiToken, RoleAssignment, User
from conference.accounts.services import rotate_session
from conference.accreditation.models import Registration, RegistrationEvent
from conference.accreditation.models import RegistrationState as S
from conference.accreditation.services import OPEN_STATES, invitations, question_data, transition
from conference.audit import AuditEntry
from conference.db import utcnow
from conference.editions.models import Edition, EditionState
from conference.errors import DomainError, NotAllowed
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.signals import account_deleting, personal_data_requested

ERASED = "[erased]"


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def row(obj, *columns: str) -> dict:
    """``columns`` of ``obj`` as a JSON-ready dict (dates as ISO 8601): one entry of the
    download, for this module and the areas' ``personal_data_requested`` handlers."""
    out = {}
    for name in columns:
        value = getattr(obj, name)
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        out[name] = value
    return out


def edition_years() -> dict[int, int]:
    """{edition id: year}: the download names editions by their year."""
    return {r.id: r.year for r in db.session.execute(sa.select(Edition.id, Edition.year))}


def registration_ids(user: User) -> list[int]:
    """The ids of ``user``'s registrations (badges and scans hang on them)."""
    return list(
        db.session.scalars(
            sa.select(Registration.id)
            .where(Registration.user_id == user.id)
            .order_by(Registration.id)
        )
    )


# The download's sections in the order the file lists them (people read it top to bottom).
# The areas' sections come from ``personal_data_requested``; one not listed here follows the
# listed ones, by name.
SECTIONS = (
    "generated_at",
    "account",
    "roles",
    "api_tokens",
    "registrations",
    "registration_answers",
    "submissions",
    "co_speaker_invitations",
    "reviews_written",
    "review_assignments",
    "declared_conflicts",
    "reviewer_expertise",
    "bookings",
    "sessions_speaking",
    "sessions_chairing",
    "badges",
    "scans",
    "calendar_feed",
    "mail_sent_to_you",
    "actions_you_took",
)


def _section_position(name: str) -> tuple[int, str]:
    return (SECTIONS.index(name) if name in SECTIONS else len(SECTIONS), name)


def personal_data(user: User) -> dict:
    """Everything held about ``user``, for the download on /me/data.json.

    Accreditation writes the account, roles, tokens, registrations, mail and audit sections;
    every other area answers ``personal_data_requested`` with its own ``(section, data)``.
    """
    registrations = list(
        db.session.scalars(
            sa.select(Registration).where(Registration.user_id == user.id).order_by(Registration.id)
        )
    )
    years = edition_years()
    data = {
        "generated_at": utcnow().isoformat(),
        "account": row(
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
        "api_tokens": [
            row(t, "name", "prefix", "created_at", "last_used_at", "revoked_at")
            for t in db.session.scalars(
                sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
            )
        ],
        "registrations": [
            {
                "edition": years.get(r.edition_id),
                **row(
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
                    row(e, "from_state", "to_state", "reason", "created_at") for e in r.events
                ],
            }
            for r in registrations
        ],
        "mail_sent_to_you": [
            row(m, "subject", "status", "created_at", "sent_at")
            for m in db.session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.to == user.email)
                .order_by(OutboxMessage.id)
            )
        ],
        "actions_you_took": [
            row(a, "action", "target_type", "target_id", "created_at")
            for a in db.session.scalars(
                sa.select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id)
            )
        ],
    }
    for _handler, (section, value) in personal_data_requested.send(user):
        data[section] = value
    return {name: data[name] for name in sorted(data, key=_section_position)}


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
    # Answers to the edition's own questions (and their files) go with the rest.
    question_data.erase_answers(registration)
    for event in registration.events:
        if event.reason:
            event.reason = ERASED


def delete_account(user: User, password: str) -> None:
    """Erase ``user``'s account after checking the password (the caller commits and logs out).

    Open registrations are cancelled through the workflow (badges and bookings react to
    ``registration_changed``); every registration is anonymised; the other areas clear their
    rows on ``account_deleting`` (co-speaker invitations, speaker links, the calendar feed); the
    user row stays, anonymised, so that references (reviews, audit entries, decisions they
    took) keep their integrity.
    """
    if user.deleted_at is not None:
        raise NotAllowed(_("This account is already deleted."))
    if (
        not password
        or not user.password_hash
        or not check_password_hash(user.password_hash, password)
    ):
        raise DomainError(_("The password is not correct."), code="wrong_password", status_code=403)
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
    # Each area removes or anonymises its own rows while the old address is still known.
    account_deleting.send(user)
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
    # Answers to sensitive questions are erased first, whatever else happens.
    sensitive = question_data.erase_sensitive_answers(edition)
    registrations = list(
        db.session.scalars(
            sa.select(Registration).where(
                Registration.edition_id == edition.id, Registration.anonymised_at.is_(None)
            )
        )
    )
    for registration in registrations:
        anonymise_registration(registration, now=now)
    invitations.erase_invitations(edition_id=edition.id, now=now)
    audit.record(
        None,
        "registration.purge",
        ("Edition", edition.id),
        edition=edition,
        count=len(registrations),
        older_than_days=older_than_days,
        sensitive_answers=sensitive,
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
