"""The call itself: its window, guidance and open tracks, and the submission types."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from babel import dates
from flask_babel import get_locale
from flask_babel import gettext as _

from conference import audit
from conference.db import utcnow
from conference.editions.models import Edition
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import can, edition_writable
from conference.programme.models import Track
from conference.submissions.models import Submission, SubmissionType
from conference.submissions.services.limits import (
    DURATION_LIMIT,
    GUIDANCE_MAX,
    MAX_WORDS_LIMIT,
    clean_text,
    valid_id,
)
from conference.text import ngettext

# (code, name, max words, minutes, description): what "Add the standard types" creates.
STANDARD_TYPES = [
    ("talk", "Talk", 300, 20, "A talk of about 20 minutes followed by questions."),
    (
        "panel",
        "Panel proposal",
        500,
        60,
        "A moderated discussion with three to five panellists; name them as co-speakers.",
    ),
    ("poster", "Poster", 250, 60, "A poster shown during the poster session."),
    ("workshop", "Workshop", 600, 90, "A hands-on session with a clear outcome."),
]

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")


def submission_types(edition: Edition) -> list[SubmissionType]:
    return list(
        db.session.scalars(
            sa.select(SubmissionType)
            .where(SubmissionType.edition_id == edition.id)
            .order_by(SubmissionType.id)
        )
    )


def tracks(edition: Edition) -> list[Track]:
    return list(
        db.session.scalars(
            sa.select(Track)
            .where(Track.edition_id == edition.id)
            .order_by(Track.position, Track.id)
        )
    )


def open_tracks(edition: Edition) -> list[Track]:
    return [t for t in tracks(edition) if t.open_for_submissions]


def call_status(edition: Edition, now: dt.datetime | None = None) -> str:
    """``not_set``, ``not_yet_open``, ``open`` or ``closed`` (for pages and the API)."""
    now = now or utcnow()
    if edition.cfp_opens_at is None or edition.cfp_closes_at is None:
        return "not_set"
    if edition.cfp_open(now):
        return "open"
    if now < edition.cfp_opens_at and edition.state == "open":
        return "not_yet_open"
    return "closed"


def local_to_utc(edition: Edition, moment: dt.datetime, label: str) -> dt.datetime:
    """A wall-clock time in the edition's zone as aware UTC; refuses times that do not exist.
    ``label`` names the field in the message, already translated."""
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC)
    aware = moment.replace(tzinfo=edition.tz)
    back = aware.astimezone(dt.UTC).astimezone(edition.tz).replace(tzinfo=None)
    if back != moment:
        raise DomainError(
            _(
                "%(field)s: %(moment)s does not exist in %(zone)s (the clocks change then). "
                "Please choose another time.",
                field=label,
                # naive on purpose: the wall-clock time as typed, which has no UTC instant
                moment=dates.format_datetime(
                    moment, "dd MMM yyyy HH:mm", locale=get_locale() or "en"
                ),
                zone=edition.timezone,
            )
        )
    return aware.astimezone(dt.UTC)


def _ensure_call_manageable(actor, edition: Edition) -> None:
    if not can(actor, "call.manage", edition=edition):
        if not edition_writable(actor, edition):
            raise NotAllowed(
                _("The %(year)s edition is archived and read-only.", year=edition.year)
            )
        raise NotAllowed(_("Only the edition's organisers may change the call."))


def update_call(
    actor,
    edition: Edition,
    *,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    guidance: str,
    open_track_ids: list[int],
) -> None:
    """Set the call's window (aware UTC), guidance and the tracks open for submission."""
    _ensure_call_manageable(actor, edition)
    if (opens_at is None) != (closes_at is None):
        raise DomainError(_("Give both the opening and the closing time, or neither."))
    if opens_at is not None and closes_at <= opens_at:
        raise DomainError(_("The call must close after it opens."))
    guidance = clean_text(guidance, GUIDANCE_MAX, _("The guidance"))
    edition_tracks = tracks(edition)
    wanted = set(open_track_ids)
    unknown = wanted - {t.id for t in edition_tracks}
    if unknown:
        raise DomainError(_("One of the chosen tracks does not belong to this edition."))
    before = {
        "opens_at": edition.cfp_opens_at.isoformat() if edition.cfp_opens_at else None,
        "closes_at": edition.cfp_closes_at.isoformat() if edition.cfp_closes_at else None,
        "open_tracks": sorted(t.id for t in edition_tracks if t.open_for_submissions),
    }
    edition.cfp_opens_at = opens_at
    edition.cfp_closes_at = closes_at
    edition.cfp_guidance = guidance
    for track in edition_tracks:
        track.open_for_submissions = track.id in wanted
    audit.record(
        actor,
        "call.updated",
        edition,
        edition=edition,
        before=before,
        opens_at=opens_at.isoformat() if opens_at else None,
        closes_at=closes_at.isoformat() if closes_at else None,
        open_tracks=sorted(wanted),
    )
    db.session.commit()


def get_type(edition: Edition, type_id) -> SubmissionType:
    submission_type = db.session.get(SubmissionType, type_id) if valid_id(type_id) else None
    if submission_type is None or submission_type.edition_id != edition.id:
        raise NotFound(_("There is no such submission type in this edition."))
    return submission_type


def save_type(
    actor,
    edition: Edition,
    submission_type: SubmissionType | None,
    *,
    name: str,
    code: str,
    max_words,
    duration_minutes,
    description: str = "",
) -> SubmissionType:
    """Create (``submission_type`` None) or change a submission type and its limits."""
    _ensure_call_manageable(actor, edition)
    name = clean_text(name, 100, _("The name"))
    code = clean_text(code, 30, _("The code")).lower()
    description = clean_text(description, 2000, _("The description"))
    if not name:
        raise DomainError(_("Give the type a name."))
    if not _CODE.match(code):
        raise DomainError(
            _("The code must be 1–30 lower-case letters, digits, hyphens or underscores.")
        )
    if not isinstance(max_words, int) or not 1 <= max_words <= MAX_WORDS_LIMIT:
        raise DomainError(
            _("The word limit must be a whole number from 1 to %(limit)d.", limit=MAX_WORDS_LIMIT)
        )
    if not isinstance(duration_minutes, int) or not 0 <= duration_minutes <= DURATION_LIMIT:
        raise DomainError(
            _("The duration must be from 0 to %(limit)d minutes.", limit=DURATION_LIMIT)
        )
    clash = db.session.scalar(
        sa.select(SubmissionType).where(
            SubmissionType.edition_id == edition.id, SubmissionType.code == code
        )
    )
    if clash is not None and clash is not submission_type:
        raise Conflict(_("Another submission type already has the code “%(code)s”.", code=code))
    created = submission_type is None
    if created:
        submission_type = SubmissionType(edition_id=edition.id)
        db.session.add(submission_type)
    submission_type.name = name
    submission_type.code = code
    submission_type.max_words = max_words
    submission_type.duration_minutes = duration_minutes
    submission_type.description = description
    db.session.flush()
    audit.record(
        actor,
        "submission_type.created" if created else "submission_type.updated",
        submission_type,
        edition=edition,
        code=code,
        max_words=max_words,
        duration_minutes=duration_minutes,
    )
    db.session.commit()
    return submission_type


def type_usage(submission_type: SubmissionType) -> int:
    """How many submissions use ``submission_type``."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Submission)
            .where(Submission.type_id == submission_type.id)
        )
        or 0
    )


def type_in_use(submission_type: SubmissionType, used: int) -> str:
    """Why a used type cannot be removed (the service's refusal and the confirmation page)."""
    return ngettext(
        "“%(name)s” is used by %(num)d submission and cannot be removed; "
        "change its name or limits instead.",
        "“%(name)s” is used by %(num)d submissions and cannot be removed; "
        "change its name or limits instead.",
        used,
        name=submission_type.name,
    )


def delete_type(actor, edition: Edition, submission_type: SubmissionType) -> None:
    """Remove a type nobody has used yet (used types would leave submissions without one)."""
    _ensure_call_manageable(actor, edition)
    used = type_usage(submission_type)
    if used:
        raise Conflict(type_in_use(submission_type, used))
    audit.record(
        actor,
        "submission_type.deleted",
        submission_type,
        edition=edition,
        code=submission_type.code,
    )
    db.session.delete(submission_type)
    db.session.commit()


def add_standard_types(actor, edition: Edition) -> int:
    """Add talk, panel proposal, poster and workshop where missing; return how many were added."""
    _ensure_call_manageable(actor, edition)
    existing = {t.code for t in submission_types(edition)}
    added = 0
    for code, name, words, minutes, description in STANDARD_TYPES:
        if code in existing:
            continue
        db.session.add(
            SubmissionType(
                edition_id=edition.id,
                code=code,
                name=name,
                max_words=words,
                duration_minutes=minutes,
                description=description,
            )
        )
        added += 1
    if added:
        audit.record(actor, "submission_type.standard_added", edition, edition=edition, count=added)
    db.session.commit()
    return added
