"""The grid editor's rules: one day of the draft programme as rooms × time, accepted talks
not yet placed, and the moves the editor sends (move or resize a session, drop a talk into a
session). The server checks every move with the programme's clash rules (room, speakers,
chair, a speaker's stated unavailability, the edition's days, the room's opening hours) and
answers with the conflicts; a move with conflicts is saved only when the organiser insists
(``force``).

It lives in review because it places accepted submissions; the session changes go through
``programme.services.save_session`` and the talks through ``place_in_session``, so the rules
are those of the forms.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from conference import tlp
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import can
from conference.programme.models import Contribution, ProgrammeSession, Room
from conference.programme.services import (
    placement_clashes,
    programme_sessions,
    save_session,
    session_data_of,
    unconfirmed,
)
from conference.programme.services.contributions import check_fits
from conference.review.services.placement import PlacementClash, place_in_session
from conference.submissions.models import Decision, Submission, SubmissionState

SLOT_MINUTES = 5
DAY_START = dt.time(8, 0)
DAY_END = dt.time(20, 0)


class MoveConflict(Conflict):
    """The move clashes; nothing was saved (send it again with ``force`` to insist)."""

    code = "clashes"

    def __init__(self, conflicts: list[str]):
        super().__init__(_("This move clashes with the programme; nothing was saved."))
        self.conflicts = conflicts


@dataclasses.dataclass
class EditorDay:
    day: dt.date
    days: list[dt.date]
    rooms: list[Room]
    sessions: list[ProgrammeSession]
    start: dt.datetime  # the grid's first slot (aware UTC)
    slots: int
    unplaced: list[Submission]
    unconfirmed: dict[int, dict]

    @property
    def roomless(self) -> list[ProgrammeSession]:
        """The day's sessions without a room (listed under the grid)."""
        return [s for s in self.sessions if s.room_id is None]

    @property
    def room_ids(self) -> list[int]:
        return [room.id for room in self.rooms]

    def cells(self) -> list[tuple]:
        """``(session, column, row, span)`` of each session with a room, for a CSS grid
        (column 1 holds the times, row 1 the room names; one row per 5 minutes)."""
        columns = {room.id: index + 2 for index, room in enumerate(self.rooms)}
        placed = []
        for s in self.sessions:
            if s.room_id not in columns:
                continue
            row = int((s.starts_at - self.start).total_seconds() // 60) // SLOT_MINUTES + 2
            span = max(int((s.ends_at - s.starts_at).total_seconds() // 60) // SLOT_MINUTES, 1)
            placed.append((s, columns[s.room_id], row, span))
        return placed


def _local(edition, day: dt.date, moment: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, moment, tzinfo=edition.tz).astimezone(dt.UTC)


def unplaced_talks(edition) -> list[Submission]:
    """Accepted submissions not yet presented in any session."""
    placed = sa.select(Contribution.submission_id).where(Contribution.submission_id.is_not(None))
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(
                Submission.edition_id == edition.id,
                Submission.state == SubmissionState.SUBMITTED,
                Submission.decision == Decision.ACCEPTED,
                Submission.id.not_in(placed),
            )
            .order_by(Submission.title)
        )
    )


def editor_day(actor, edition, day: dt.date | None) -> EditorDay:
    """One day of the draft: rooms as columns, 5-minute rows from 08:00 to 20:00 (widened to
    hold every session of the day), the day's sessions, and the talks still to place."""
    days, d = [], edition.start_date
    while d <= edition.end_date and len(days) < 31:
        days.append(d)
        d += dt.timedelta(days=1)
    day = day if day in days else days[0]
    rooms = list(
        db.session.scalars(
            sa.select(Room).where(Room.edition_id == edition.id).order_by(Room.position, Room.name)
        )
    )
    first, last = _local(edition, day, DAY_START), _local(edition, day, DAY_END)
    midnight = _local(edition, day, dt.time(0))
    sessions = [
        s
        for s in programme_sessions(actor, edition, draft=True)
        if midnight <= s.starts_at < midnight + dt.timedelta(days=1)
    ]
    for s in sessions:
        first, last = min(first, s.starts_at), max(last, s.ends_at)
    slots = int((last - first).total_seconds() // 60) // SLOT_MINUTES
    return EditorDay(
        day=day,
        days=days,
        rooms=rooms,
        sessions=sessions,
        start=first,
        slots=slots,
        unplaced=unplaced_talks(edition),
        unconfirmed={s.id: unconfirmed(s) for s in sessions if s.contributions},
    )


def _session(edition, session_id) -> ProgrammeSession:
    session = db.session.get(ProgrammeSession, session_id) if isinstance(session_id, int) else None
    if session is None or session.edition_id != edition.id:
        raise NotFound(_("There is no such session in this edition."))
    return session


def move_conflicts(edition, session, *, room_id, starts_at, ends_at) -> list[str]:
    """The clashes ``session`` would have at these times in this room (nothing saved)."""
    return placement_clashes(
        edition,
        starts_at=starts_at,
        ends_at=ends_at,
        room_id=room_id,
        speakers=[(s.user_id, s.name) for s in session.speakers],
        chair_id=session.chair_id,
        ignore_session_id=session.id,
    )


def move_session(
    actor,
    edition,
    session_id,
    *,
    room_id,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    force: bool = False,
) -> ProgrammeSession:
    """Move or resize a session of the draft (the caller commits).

    Refused with the conflicts (``MoveConflict``) unless ``force``; refused outright when its
    contributions would not fit, or the times are not a valid range.
    """
    if not can(actor, "programme.manage", edition=edition):
        raise NotAllowed(_("Only the edition's organisers may change the programme."))
    session = _session(edition, session_id)
    if starts_at.tzinfo is None or ends_at <= starts_at:
        raise DomainError(_("The session must end after it starts."), code="invalid")
    if room_id is not None:
        room = db.session.get(Room, room_id)
        if room is None or room.edition_id != edition.id:
            raise DomainError(_("Choose a room of this edition."), code="invalid")
    check_fits(session, starts_at, ends_at)
    conflicts = move_conflicts(
        edition, session, room_id=room_id, starts_at=starts_at, ends_at=ends_at
    )
    if conflicts and not force:
        raise MoveConflict(conflicts)
    save_session(
        actor,
        edition,
        session_data_of(session, room_id=room_id, starts_at=starts_at, ends_at=ends_at),
        session,
    )
    return session


def set_label(actor, edition, session_id, label) -> ProgrammeSession:
    """Give a session of the draft another TLP label (the editor's label form; the caller
    commits). Same rules and audit entry (``tlp_from``, ``tlp_to``) as the session form."""
    if not can(actor, "programme.manage", edition=edition):
        raise NotAllowed(_("Only the edition's organisers may change the programme."))
    session = _session(edition, session_id)
    if not isinstance(label, str) or tlp.normalise(label) is None:
        raise DomainError(
            _("Choose one of the TLP labels: CLEAR, GREEN, AMBER, AMBER+STRICT, RED."),
            code="invalid",
        )
    if tlp.normalise(label) != session.tlp:
        save_session(actor, edition, session_data_of(session, tlp=label), session)
    return session


def drop_talk(actor, edition, submission_id, session_id, *, minutes: int, force: bool = False):
    """Put an accepted talk at the end of a session's running order (the caller commits)."""
    submission = (
        db.session.get(Submission, submission_id) if isinstance(submission_id, int) else None
    )
    if submission is None or submission.edition_id != edition.id:
        raise NotFound(_("There is no such submission in this edition."))
    try:
        return place_in_session(
            actor, submission, session_id, duration_minutes=minutes, allow_clashes=force
        )
    except PlacementClash as exc:
        raise MoveConflict(exc.clashes) from None
