"""After acceptance: speakers confirm they will give the talk, and see when and where it is.

``unconfirmed_speakers(edition)`` is the organisers' list of accepted talks (decision
published, not withdrawn) whose speakers have not confirmed yet; the reminders of the
communications work are built on it.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from conference import audit, tlp
from conference.db import utcnow
from conference.errors import DomainError, NotAllowed
from conference.extensions import db
from conference.permissions import Channel, can, clearance
from conference.programme import services as programme
from conference.programme.services import materials as programme_materials
from conference.submissions.models import CoSpeaker, Decision, Submission, SubmissionState
from conference.submissions.services.reading import speakers_of


@dataclasses.dataclass(frozen=True)
class UnconfirmedTalk:
    """An accepted talk whose participation is not confirmed: the submission and the people
    who can confirm it (author and confirmed co-speakers, with accounts)."""

    submission: Submission
    speakers: tuple


def awaits_confirmation(submission: Submission) -> bool:
    """Accepted, published, still submitted and not confirmed yet."""
    return (
        submission.state == SubmissionState.SUBMITTED
        and submission.decision == Decision.ACCEPTED
        and submission.decision_published_at is not None
        and submission.participation_confirmed_at is None
    )


def unconfirmed_speakers(edition) -> list[UnconfirmedTalk]:
    """Accepted talks of ``edition`` (decision published, not withdrawn) without a
    confirmation of participation, oldest decision first, with their speakers."""
    rows = db.session.scalars(
        sa.select(Submission)
        .where(
            Submission.edition_id == edition.id,
            Submission.state == SubmissionState.SUBMITTED,
            Submission.decision == Decision.ACCEPTED,
            Submission.decision_published_at.is_not(None),
            Submission.participation_confirmed_at.is_(None),
        )
        .options(
            so.joinedload(Submission.author),
            so.selectinload(Submission.co_speakers).joinedload(CoSpeaker.user),
        )
        .order_by(Submission.decision_published_at, Submission.id)
    )
    return [UnconfirmedTalk(s, tuple(speakers_of(s))) for s in rows]


def confirm_participation(user, submission: Submission) -> None:
    """``user`` (a speaker of the accepted talk) confirms it will be given."""
    if not can(user, "submission.confirm_participation", submission):
        raise NotAllowed(_("Only the speakers of an accepted talk can confirm it."))
    if submission.participation_confirmed_at is not None:
        raise DomainError(_("This talk is already confirmed."), code="already_confirmed")
    submission.participation_confirmed_at = utcnow()
    audit.record(user, "submission.confirm_participation", submission)


@dataclasses.dataclass(frozen=True)
class ScheduledSlot:
    """When and where an accepted talk takes place, as its speaker may see it."""

    session_id: int
    title: str
    starts_at: object
    ends_at: object
    room: str | None
    cancelled: bool
    hidden: bool  # restricted and the speaker is not cleared yet (registration not accredited)
    may_upload: bool  # the viewer may upload slides to the session
    # The talk's TLP label (its own or its session's, the stricter), None when the access
    # rule hides the session (its label is part of its content).
    tlp: str | None = None


def scheduled_slots(user, edition, submission: Submission) -> list[ScheduledSlot]:
    """The sessions the talk is placed in, as ``user`` may see them."""
    viewer = clearance(user, edition)
    # The released programme (the public's), as every channel but the organisers' pages.
    sessions = [
        session
        for session in programme.programme_sessions(user, edition)
        if any(
            getattr(c, "submission_id", None) == submission.id
            for c in getattr(session, "contributions", None) or ()
        )
    ]
    slots = []
    for session in sessions:
        view = programme.session_view(session, viewer, channel=Channel.PAGE)
        own = next(
            (
                getattr(c, "tlp", None)
                for c in session.contributions
                if getattr(c, "submission_id", None) == submission.id
            ),
            None,
        )
        slots.append(
            ScheduledSlot(
                session_id=view.id,
                title=view.title,
                starts_at=view.starts_at,
                ends_at=view.ends_at,
                room=view.room.name if view.room else None,
                cancelled=view.is_cancelled,
                hidden=view.hidden,
                may_upload=can(user, "session.materials_manage", session, edition=edition),
                tlp=tlp.strictest(view.tlp, own) if view.cleared else None,
            )
        )
    return slots


def submission_files(submission: Submission):
    """The files and links uploaded to the submission (its speakers and organisers see them)."""
    return programme_materials.submission_materials(submission.id)
