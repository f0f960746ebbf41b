"""Who a mailing goes to: the audience (a kind and its filters) turned into recipients.

An audience is stored with the mailing as plain JSON so that a draft shows the group as it is
*now* every time it is opened, and sending computes it once more, at the moment it is sent:

- ``registrations``: registrations by state, category, country, organisation type, and the
  people who booked, or were admitted at the door of (check-in), one session;
- ``speakers``: authors and confirmed co-speakers of submissions in given states;
- ``reviewers``: the edition's reviewers, optionally only those with unfinished reviews;
- ``role``: everyone holding a role in the edition;
- ``csv``: registrations listed (by id) in a CSV exported earlier from the registrations page.

Each recipient appears once (by lower-cased address), whichever way they match.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference.accounts.models import Role, RoleAssignment, User
from conference.accreditation.models import Registration, RegistrationState
from conference.checkin.models import Scan
from conference.editions.models import Edition
from conference.errors import DomainError
from conference.extensions import db
from conference.programme.models import Booking, BookingState, ProgrammeSession
from conference.review.models import Review, ReviewAssignment
from conference.submissions.models import CoSpeaker, Decision, Submission, SubmissionState

KINDS = ("registrations", "speakers", "reviewers", "role", "csv")
# What chairs may write to (organisers may write to every kind).
CHAIR_KINDS = ("speakers", "reviewers")

KIND_LABELS = {
    "registrations": _l("Registrations"),
    "speakers": _l("Speakers"),
    "reviewers": _l("Reviewers"),
    "role": _l("People with a role"),
    "csv": _l("Registrations from a CSV export"),
}

SPEAKER_STATES = ("accepted", "rejected", "waitlisted", "undecided", "draft", "withdrawn")
SPEAKER_STATE_LABELS = {
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "waitlisted": _l("On the waiting list"),
    "undecided": _l("Submitted, not decided yet"),
    "draft": _l("Draft (not submitted)"),
    "withdrawn": _l("Withdrawn"),
}

SESSION_MODES = ("booked", "attended")
MAX_CSV_IDS = 20_000
MAX_CSV_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Recipient:
    """One person a mailing goes to."""

    to: str
    name: str
    user_id: int | None
    registration_id: int | None = None


def _ints(values) -> list[int]:
    out = []
    for value in values or []:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if 0 < number < 2**31 and number not in out:
            out.append(number)
    return out


def _strings(values, allowed=None) -> list[str]:
    out = []
    for value in values or []:
        value = str(value).strip()
        if value and (allowed is None or value in allowed) and value not in out:
            out.append(value)
    return out


def normalise(audience: dict | None) -> dict:
    """The audience reduced to known keys and values (what is stored and compared)."""
    audience = dict(audience or {})
    kind = audience.get("kind")
    if kind not in KINDS:
        raise DomainError(_("Choose who the mailing goes to."))
    if kind == "registrations":
        session_id = _ints([audience.get("session_id")])
        mode = audience.get("session_mode")
        return {
            "kind": kind,
            "states": _strings(audience.get("states"), set(RegistrationState)),
            "category_ids": _ints(audience.get("category_ids")),
            "countries": [c.upper() for c in _strings(audience.get("countries")) if len(c) == 2],
            "organisation_types": _strings(audience.get("organisation_types")),
            "session_id": session_id[0] if session_id else None,
            "session_mode": mode if mode in SESSION_MODES else "booked",
        }
    if kind == "speakers":
        return {"kind": kind, "states": _strings(audience.get("states"), set(SPEAKER_STATES))}
    if kind == "reviewers":
        return {"kind": kind, "unfinished_only": bool(audience.get("unfinished_only"))}
    if kind == "role":
        role = audience.get("role")
        if role not in set(Role):
            raise DomainError(_("Choose a role."))
        return {"kind": kind, "role": role}
    ids = _ints(audience.get("registration_ids"))
    if len(ids) > MAX_CSV_IDS:
        raise DomainError(_("The list is too long."))
    return {"kind": kind, "registration_ids": ids}


def registration_ids_from_csv(data: bytes) -> list[int]:
    """The registration ids of a CSV exported from the registrations page (its "id" column).

    Raises ``DomainError`` with a message for the organiser when the file is not such a list."""
    if len(data) > MAX_CSV_BYTES:
        raise DomainError(_("The file is too large (at most 5 MB)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("The file is not a CSV file in UTF-8.")) from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise DomainError(_("The file is not a CSV file in UTF-8.")) from None
    if not rows or "id" not in [cell.strip().lower() for cell in rows[0]]:
        raise DomainError(
            _("The file has no “id” column: use a CSV exported from the registrations page.")
        )
    column = [cell.strip().lower() for cell in rows[0]].index("id")
    ids = _ints(row[column] for row in rows[1:] if len(row) > column)
    if not ids:
        raise DomainError(_("The file lists no registrations."))
    if len(ids) > MAX_CSV_IDS:
        raise DomainError(_("The list is too long."))
    return ids


def _registration_recipients(edition: Edition, audience: dict) -> list[Recipient]:
    stmt = (
        sa.select(Registration, User)
        .outerjoin(User, User.id == Registration.user_id)
        .where(Registration.edition_id == edition.id, Registration.anonymised_at.is_(None))
        .order_by(Registration.id)
    )
    if audience["kind"] == "csv":
        stmt = stmt.where(Registration.id.in_(audience["registration_ids"] or [-1]))
    else:
        if audience["states"]:
            stmt = stmt.where(Registration.state.in_(audience["states"]))
        if audience["category_ids"]:
            category = sa.func.coalesce(
                Registration.category_id, Registration.requested_category_id
            )
            stmt = stmt.where(category.in_(audience["category_ids"]))
        if audience["countries"]:
            stmt = stmt.where(Registration.country.in_(audience["countries"]))
        if audience["organisation_types"]:
            stmt = stmt.where(Registration.organisation_type.in_(audience["organisation_types"]))
        if audience["session_id"]:
            if audience["session_mode"] == "attended":
                stmt = stmt.where(
                    Registration.id.in_(
                        sa.select(Scan.registration_id).where(
                            Scan.edition_id == edition.id,
                            Scan.session_id == audience["session_id"],
                            Scan.result == "admitted",
                        )
                    )
                )
            else:
                stmt = stmt.where(
                    Registration.user_id.in_(
                        sa.select(Booking.user_id).where(
                            Booking.edition_id == edition.id,
                            Booking.session_id == audience["session_id"],
                            Booking.state == BookingState.BOOKED,
                        )
                    )
                )
    out = []
    for registration, user in db.session.execute(stmt):
        if user is not None and user.deleted_at is None:
            to, name = user.email, registration.full_name or user.display_name
        else:
            to, name = registration.email, registration.full_name
        out.append(Recipient(to, name, registration.user_id, registration.id))
    return out


def _speaker_recipients(edition: Edition, audience: dict) -> list[Recipient]:
    conditions = []
    submitted = Submission.state == SubmissionState.SUBMITTED
    for state in audience["states"] or SPEAKER_STATES[:4]:
        if state in (Decision.ACCEPTED, Decision.REJECTED, Decision.WAITLISTED):
            conditions.append(sa.and_(submitted, Submission.decision == state))
        elif state == "undecided":
            conditions.append(sa.and_(submitted, Submission.decision == Decision.PENDING))
        elif state == "draft":
            conditions.append(Submission.state == SubmissionState.DRAFT)
        elif state == "withdrawn":
            conditions.append(Submission.state == SubmissionState.WITHDRAWN)
    submissions = sa.select(Submission.id).where(
        Submission.edition_id == edition.id, sa.or_(*conditions)
    )
    authors = db.session.execute(
        sa.select(User)
        .join(Submission, Submission.author_id == User.id)
        .where(Submission.id.in_(submissions), User.deleted_at.is_(None))
        .order_by(Submission.id)
    ).scalars()
    out = [Recipient(u.email, u.display_name, u.id) for u in authors]
    co_speakers = db.session.execute(
        sa.select(CoSpeaker, User)
        .outerjoin(User, User.id == CoSpeaker.user_id)
        .where(CoSpeaker.submission_id.in_(submissions), CoSpeaker.confirmed_at.is_not(None))
        .order_by(CoSpeaker.id)
    )
    for co_speaker, user in co_speakers:
        if user is not None and user.deleted_at is None:
            out.append(Recipient(user.email, user.display_name, user.id))
        elif user is None:
            out.append(Recipient(co_speaker.email, co_speaker.name, None))
    return out


def _reviewer_recipients(edition: Edition, audience: dict) -> list[Recipient]:
    reviewers = sa.select(RoleAssignment.user_id).where(
        RoleAssignment.edition_id == edition.id, RoleAssignment.role == Role.REVIEWER
    )
    stmt = sa.select(User).where(User.id.in_(reviewers), User.deleted_at.is_(None))
    if audience["unfinished_only"]:
        finished = sa.select(Review.id).where(
            Review.submission_id == ReviewAssignment.submission_id,
            Review.reviewer_id == ReviewAssignment.reviewer_id,
            Review.submitted_at.is_not(None),
        )
        unfinished = sa.select(ReviewAssignment.reviewer_id).where(
            ReviewAssignment.edition_id == edition.id, ~sa.exists(finished)
        )
        stmt = stmt.where(User.id.in_(unfinished))
    users = db.session.scalars(stmt.order_by(User.id))
    return [Recipient(u.email, u.display_name, u.id) for u in users]


def _role_recipients(edition: Edition, audience: dict) -> list[Recipient]:
    holders = sa.select(RoleAssignment.user_id).where(
        RoleAssignment.edition_id == edition.id, RoleAssignment.role == audience["role"]
    )
    stmt = sa.select(User).where(User.id.in_(holders), User.deleted_at.is_(None))
    users = db.session.scalars(stmt.order_by(User.id))
    return [Recipient(u.email, u.display_name, u.id) for u in users]


_BUILDERS = {
    "registrations": _registration_recipients,
    "csv": _registration_recipients,
    "speakers": _speaker_recipients,
    "reviewers": _reviewer_recipients,
    "role": _role_recipients,
}


def recipients(edition: Edition, audience: dict) -> list[Recipient]:
    """The people ``audience`` selects in ``edition`` now, each address once."""
    audience = normalise(audience)
    seen: set[str] = set()
    out = []
    for recipient in _BUILDERS[audience["kind"]](edition, audience):
        address = (recipient.to or "").strip().lower()
        if not address or "@" not in address or address in seen:
            continue
        seen.add(address)
        out.append(Recipient(address, recipient.name, recipient.user_id, recipient.registration_id))
    return out


def session_choices(edition: Edition) -> list[tuple[int, str]]:
    """The edition's sessions for the booked/attended filter (organisers see every title)."""
    rows = db.session.execute(
        sa.select(ProgrammeSession.id, ProgrammeSession.title, ProgrammeSession.starts_at)
        .where(ProgrammeSession.edition_id == edition.id)
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
    )
    return [
        (row.id, f"{edition.local(row.starts_at):%Y-%m-%d %H:%M} · {row.title}") for row in rows
    ]
