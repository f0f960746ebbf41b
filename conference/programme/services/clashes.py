"""Clash warnings for organisers: a room or a person in two places, a session off the dates
or outside its room's opening hours.

Warnings never block saving; review uses ``placement_clashes`` before it places a talk.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from conference.accounts.models import User
from conference.extensions import db
from conference.programme.models import ProgrammeSession, Room, SessionSpeaker, SessionState
from conference.programme.services.common import span
from conference.programme.services.speaking import unavailability_warnings
from conference.programme.services.visibility import session_query


def _overlapping(edition, session: ProgrammeSession):
    return (
        sa.select(ProgrammeSession)
        .where(
            ProgrammeSession.edition_id == edition.id,
            ProgrammeSession.id != session.id,
            ProgrammeSession.state != SessionState.CANCELLED,
            ProgrammeSession.starts_at < session.ends_at,
            ProgrammeSession.ends_at > session.starts_at,
        )
        .options(so.selectinload(ProgrammeSession.speakers), so.joinedload(ProgrammeSession.room))
        .order_by(ProgrammeSession.starts_at)
    )


def clash_warnings(session: ProgrammeSession, edition) -> list[str]:
    """Problems an organiser should know about (they do not block saving)."""
    warnings: list[str] = []
    local_start = session.starts_at.astimezone(edition.tz)
    local_end = session.ends_at.astimezone(edition.tz)
    if local_start.date() < edition.start_date or local_end.date() > edition.end_date:
        warnings.append(
            _(
                "The session is outside the edition's dates (%(start)s – %(end)s).",
                start=f"{edition.start_date:%d %b %Y}",
                end=f"{edition.end_date:%d %b %Y}",
            )
        )
    room = session.room
    if (
        room is not None
        and room.capacity is not None
        and session.capacity is not None
        and session.capacity > room.capacity
    ):
        warnings.append(
            _(
                "The capacity (%(capacity)s) is above the room's (%(room_capacity)s in %(room)s).",
                capacity=session.capacity,
                room_capacity=room.capacity,
                room=room.name,
            )
        )
    if session.is_cancelled:
        return warnings
    if room is not None and outside_room_hours(room, session.starts_at, session.ends_at, edition):
        warnings.append(
            _(
                "The session is outside the room's opening hours (%(room)s: %(opens)s–%(closes)s).",
                room=room.name,
                opens=f"{room.opens_at:%H:%M}",
                closes=f"{room.closes_at:%H:%M}",
            )
        )
    warnings.extend(unavailability_warnings(session, edition))
    people = _people_of(session)
    for other in db.session.scalars(_overlapping(edition, session)):
        if session.room_id is not None and other.room_id == session.room_id:
            warnings.append(
                _(
                    "%(room)s is also used by “%(title)s” (%(when)s).",
                    room=room.name,
                    title=other.title,
                    when=span(other, edition),
                )
            )
        for key, name in people.items():
            if key in _people_of(other):
                warnings.append(
                    _(
                        "%(name)s is also in “%(title)s” (%(when)s).",
                        name=name,
                        title=other.title,
                        when=span(other, edition),
                    )
                )
    return warnings


def outside_room_hours(room: Room, starts_at: dt.datetime, ends_at: dt.datetime, edition) -> bool:
    """Whether a session from ``starts_at`` to ``ends_at`` runs outside ``room``'s daily hours
    (local times in the edition's zone); a session running past midnight always does. A room
    without hours is always open."""
    if not room.has_hours:
        return False
    start, end = starts_at.astimezone(edition.tz), ends_at.astimezone(edition.tz)
    if start.date() != end.date():
        return True
    return start.time() < room.opens_at or end.time() > room.closes_at


def placement_clashes(
    edition,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    room_id: int | None,
    speakers: list[tuple[int | None, str]],
    chair_id: int | None = None,
    ignore_session_id: int | None = None,
) -> list[str]:
    """The clash warnings a new session with these times, room and people would have.

    Same rules as ``clash_warnings`` (room, room hours, speakers, chair, edition dates), on a
    session that is never saved, so that a form can show them before anything changes.
    ``ignore_session_id``: the session a talk joins (its own people are no clash).
    """
    draft = ProgrammeSession(
        id=ignore_session_id,
        edition_id=edition.id,
        starts_at=starts_at.astimezone(dt.UTC),
        ends_at=ends_at.astimezone(dt.UTC),
        state=SessionState.SCHEDULED,
        room_id=room_id,
        chair_id=chair_id,
    )
    draft.room = db.session.get(Room, room_id) if room_id else None
    draft.chair = db.session.get(User, chair_id) if chair_id else None
    draft.speakers = [
        SessionSpeaker(user_id=user_id, name=name, position=position)
        for position, (user_id, name) in enumerate(speakers)
    ]
    with db.session.no_autoflush:
        return clash_warnings(draft, edition)


def room_day(edition, room_id: int | None, day: dt.date) -> list[ProgrammeSession]:
    """The sessions already in ``room_id`` on ``day`` (edition time), cancelled ones included.

    For the small view of the day shown next to a placement form.
    """
    if not room_id or day is None:
        return []
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=edition.tz).astimezone(dt.UTC)
    end = start + dt.timedelta(days=1)
    return list(
        db.session.scalars(
            session_query(edition).where(
                ProgrammeSession.room_id == room_id,
                ProgrammeSession.starts_at < end,
                ProgrammeSession.ends_at > start,
            )
        )
    )


def _people_of(session: ProgrammeSession) -> dict:
    """Speakers and chair keyed by account id, or by name for guests."""
    people: dict = {}
    for speaker in session.speakers:
        key = ("user", speaker.user_id) if speaker.user_id else ("name", speaker.name.casefold())
        people[key] = speaker.name
    if session.chair_id is not None:
        people.setdefault(
            ("user", session.chair_id),
            session.chair.display_name if session.chair else _("The chair"),
        )
    return people
