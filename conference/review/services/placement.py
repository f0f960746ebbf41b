"""Accepted submissions into the programme: the session with its speakers, the programme's
clash rules, the speaker accreditation category offered, and a mail to speakers who still
have to register. Sends ``session_changed`` for the new session."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, mail
from conference.accreditation.services import (
    accreditation_category_offer,
    registration_for,
    speaker_category,
)
from conference.editions.models import Edition
from conference.editions.services import touch_programme
from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.permissions import Channel, Clearance, Disclosure, tlp_disclosure
from conference.programme.models import (
    Contribution,
    ContributionKind,
    ProgrammeSession,
    Room,
    SessionSpeaker,
    SessionState,
    SessionType,
)
from conference.programme.services import (
    WITHHELD_TITLE,
    ContributionSpec,
    append_contribution,
    latest_release,
    span,
)
from conference.programme.services import placement_clashes as programme_clashes
from conference.review.services.lookups import _require, speakers
from conference.signals import session_changed
from conference.submissions.models import Decision, Submission, SubmissionState
from conference.urls import external_url


def placement_rooms(edition: Edition) -> list[Room]:
    """The rooms a submission can be placed in, in the programme's order."""
    return list(
        db.session.scalars(
            sa.select(Room).where(Room.edition_id == edition.id).order_by(Room.position, Room.name)
        )
    )


def placement_types(edition: Edition) -> list[SessionType]:
    """The session types a placed submission can have, by name."""
    return list(
        db.session.scalars(
            sa.select(SessionType)
            .where(SessionType.edition_id == edition.id)
            .order_by(SessionType.name)
        )
    )


def session_for(submission: Submission):
    """The programme session presenting ``submission``, or None."""
    return db.session.scalar(
        sa.select(ProgrammeSession)
        .join(Contribution, Contribution.session_id == ProgrammeSession.id)
        .where(Contribution.submission_id == submission.id)
    )


def placement_sessions(edition: Edition) -> list[ProgrammeSession]:
    """The scheduled sessions an accepted talk can join, by start (with their free time)."""
    return list(
        db.session.scalars(
            sa.select(ProgrammeSession)
            .where(
                ProgrammeSession.edition_id == edition.id,
                ProgrammeSession.state == SessionState.SCHEDULED,
            )
            .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
        )
    )


def place_in_session(
    actor,
    submission: Submission,
    session_id,
    *,
    duration_minutes: int,
    allow_clashes: bool = False,
):
    """Add an accepted submission as a talk at the end of an existing session's running order.

    The talk must fit in the time the session has left; its speakers must not be elsewhere
    at the session's time (refused with the clashes unless ``allow_clashes``). Speakers are
    offered the speaker category and mailed as for a new session.
    """
    edition = db.session.get(Edition, submission.edition_id)
    _require(actor, "review.decide", submission)
    _check_placeable(submission)
    session = db.session.get(ProgrammeSession, session_id) if isinstance(session_id, int) else None
    if session is None or session.edition_id != edition.id:
        raise DomainError(_("Choose a session of this edition."))
    if session.is_cancelled:
        raise Conflict(_("This session is cancelled: choose another one."))
    people = speakers(submission)
    clashes = programme_clashes(
        edition,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        room_id=None,
        speakers=_placement_speakers(submission),
        ignore_session_id=session.id,
    )
    if clashes and not allow_clashes:
        raise PlacementClash(clashes)
    append_contribution(
        session,
        ContributionSpec(
            title=submission.title,
            description=submission.abstract or "",
            duration_minutes=duration_minutes,
            kind=ContributionKind.TALK,
            submission_id=submission.id,
            speakers=_presenters(people),
        ),
    )
    _after_placement(actor, edition, submission, session, people, clashes)
    return session


def _check_placeable(submission: Submission) -> None:
    if submission.state != SubmissionState.SUBMITTED or submission.decision != Decision.ACCEPTED:
        raise Conflict(_("Only accepted submissions can be placed in the programme."))
    if session_for(submission) is not None:
        raise Conflict(_("This submission is already in the programme."))


def _presenters(people: list[dict]) -> tuple[tuple[int | None, str, str], ...]:
    return tuple(
        (
            p["user"].id if p["user"] else None,
            p["name"][:200],
            (p["organisation"] or "")[:200],
        )
        for p in people
    )


def matching_session_type(submission: Submission):
    """The programme session type matching the submission type (by code, then by name)."""
    if submission.type is None:
        return None
    candidates = list(
        db.session.scalars(
            sa.select(SessionType).where(SessionType.edition_id == submission.edition_id)
        )
    )
    code = submission.type.code.casefold()
    name = submission.type.name.casefold()
    for candidate in candidates:
        if candidate.code.casefold() == code:
            return candidate
    for candidate in candidates:
        if candidate.name.casefold() == name:
            return candidate
    return None


class PlacementClash(Conflict):
    """Placing would create clashes and the chair did not choose to place despite them."""

    code = "clashes"

    def __init__(self, clashes: list[str]):
        super().__init__(
            _(
                "This placement clashes with the programme; nothing was saved. Tick “place "
                "despite the clashes” to save it anyway: %(clashes)s",
                clashes=" ".join(clashes),
            )
        )
        self.clashes = clashes


def _placement_speakers(submission: Submission) -> list[tuple[int | None, str]]:
    return [(p["user"].id if p["user"] else None, p["name"][:200]) for p in speakers(submission)]


def placement_clashes(
    submission: Submission, *, starts_at: dt.datetime, duration_minutes: int, room_id: int | None
) -> list[str]:
    """Room, speaker and date clashes the placement would create (the programme's rules)."""
    edition = db.session.get(Edition, submission.edition_id)
    return programme_clashes(
        edition,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=duration_minutes),
        room_id=room_id,
        speakers=_placement_speakers(submission),
    )


def place_in_programme(
    actor,
    submission: Submission,
    *,
    starts_at: dt.datetime,
    duration_minutes: int,
    room_id: int | None,
    type_id: int | None,
    allow_clashes: bool = False,
):
    """Make an accepted submission a programme session with its speakers.

    Refused with the list of clashes (room, speakers, the edition's dates) unless the chair
    chose to place it despite them (``allow_clashes``); the audit log keeps the clashes.
    Speakers with an account and no registration are offered the edition's speaker
    accreditation category; an existing registration keeps its requested category and
    nomination. Speakers left without a registration get a mail with the way to register.
    """
    edition = db.session.get(Edition, submission.edition_id)
    _require(actor, "review.decide", submission)
    _check_placeable(submission)
    if starts_at.tzinfo is None:
        raise DomainError(_("The start time needs a time zone."))
    if not 5 <= duration_minutes <= 24 * 60:
        raise DomainError(_("The duration must be between 5 minutes and 24 hours."))
    if room_id is not None:
        room = db.session.get(Room, room_id)
        if room is None or room.edition_id != edition.id:
            raise DomainError(_("Choose a room of this edition."))
    if type_id is not None:
        session_type = db.session.get(SessionType, type_id)
        if session_type is None or session_type.edition_id != edition.id:
            raise DomainError(_("Choose a session type of this edition."))
    clashes = placement_clashes(
        submission, starts_at=starts_at, duration_minutes=duration_minutes, room_id=room_id
    )
    if clashes and not allow_clashes:
        raise PlacementClash(clashes)
    session = ProgrammeSession(
        edition_id=edition.id,
        title=submission.title,
        description=submission.abstract,
        track_id=submission.track_id,
        type_id=type_id,
        room_id=room_id,
        starts_at=starts_at.astimezone(dt.UTC),
        ends_at=(starts_at + dt.timedelta(minutes=duration_minutes)).astimezone(dt.UTC),
        tlp=edition.tlp_default or "CLEAR",  # a new session starts with the edition's label
    )
    people = speakers(submission)
    talk = Contribution(
        position=0,
        kind=ContributionKind.TALK,
        submission_id=submission.id,
        title=submission.title[:300],
        description="",
        duration_minutes=duration_minutes,
    )
    session.contributions.append(talk)
    for position, (user_id, name, organisation) in enumerate(_presenters(people)):
        speaker = SessionSpeaker(
            user_id=user_id, name=name, organisation=organisation, position=position
        )
        session.speakers.append(speaker)
        talk.speakers.append(speaker)
    db.session.add(session)
    db.session.flush()
    return _after_placement(actor, edition, submission, session, people, clashes)


def _after_placement(actor, edition, submission, session, people, clashes):
    """Offer the speaker category, mail who must register, record, tell the other areas."""
    offered = _offer_speaker_category(actor, edition, people)
    to_register = _invite_to_register(edition, submission, session, people, offered)
    touch_programme(edition)
    audit.record(
        actor,
        "review.placed_in_programme",
        submission,
        edition=edition,
        session_id=session.id,
        offered=offered,
        invited_to_register=len(to_register),
        clashes=clashes,
        placed_despite_clashes=bool(clashes),
    )
    db.session.flush()
    session_changed.send(session, actor=actor)
    db.session.commit()
    return session


def _offer_speaker_category(actor, edition: Edition, people: list[dict]) -> list[int]:
    """Offer the speaker category to each of the talk's speakers with an account; returns
    their ids.

    Without a speaker category in the edition nothing is offered (the page says so). The
    offer never changes an existing registration's category or nomination.
    """
    category = speaker_category(edition)
    if category is None:
        return []
    offered = []
    for person in people:
        if person["user"] is None or person["user"].id in offered:
            continue
        user = person["user"]
        accreditation_category_offer(user, edition, category, actor)
        offered.append(user.id)
    return offered


def _invite_to_register(
    edition: Edition, submission, session, people: list[dict], offered
) -> list[str]:
    """Mail the speakers who still have no registration the way to register; returns the
    addresses written to.

    Once the edition has released its schedule, the placement is a draft change: the mail
    says the talk is placed and that its time and room come with the next release (whose own
    mail tells them), never the draft's slot.
    """
    slot_pending = latest_release(edition) is not None
    written = []
    for person in people:
        user = person["user"]
        if user is not None and (user.id in offered or registration_for(user, edition)):
            continue
        if not person["email"] or person["email"] in written:
            continue
        # The session's TLP label decides whether a mail body may name it to this person.
        withheld = (
            tlp_disclosure(Clearance(user, edition), session, session.tlp, Channel.MAIL)
            == Disclosure.NONE
        )
        mail.queue(
            person["email"],
            "review_speaker_register",
            _l(
                "%(edition)s: your talk is in the programme – please register",
                edition=edition.acronym or edition.title,
            ),
            edition=edition,
            name=person["name"],
            talk_title=submission.title,
            slot_pending=slot_pending,
            title=str(WITHHELD_TITLE) if withheld else session.title,
            room=session.room.name if session.room and not withheld else "",
            withheld=withheld,
            when="" if slot_pending else span(session, edition),
            register_link=external_url("accreditation.register", year=edition.year),
        )
        written.append(person["email"])
    return written
