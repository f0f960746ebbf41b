"""Programme data for the calendar tests, built directly with the models."""

from __future__ import annotations

import datetime as dt
import itertools

from conference.accreditation.models import (
    AccreditationCategory,
    Registration,
    RegistrationState,
)
from conference.db import utcnow
from conference.editions.models import Edition
from conference.extensions import db
from conference.programme.models import (
    AccessPolicy,
    Booking,
    BookingState,
    ProgrammeSession,
    Room,
    SessionInvitation,
    SessionSpeaker,
    SessionState,
    SessionType,
    Track,
)
from tests.factories import make_edition

_seq = itertools.count(1)


def local(edition: Edition, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An aware UTC moment given in the edition's local time, ``day`` 0 = the first day."""
    date = edition.start_date + dt.timedelta(days=day)
    return dt.datetime.combine(date, dt.time(hour, minute), edition.tz).astimezone(dt.UTC)


def touch(edition: Edition) -> None:
    edition.programme_changed_at = utcnow()
    db.session.commit()


def make_room(edition: Edition, name: str | None = None, **values) -> Room:
    room = Room(edition_id=edition.id, name=name or f"Room {next(_seq)}", **values)
    db.session.add(room)
    db.session.commit()
    return room


def make_track(edition: Edition, name: str | None = None, **values) -> Track:
    track = Track(edition_id=edition.id, name=name or f"Track {next(_seq)}", **values)
    db.session.add(track)
    db.session.commit()
    return track


def make_type(edition: Edition, name: str = "Plenary", code: str | None = None, **values):
    session_type = SessionType(
        edition_id=edition.id, name=name, code=code or f"type{next(_seq)}", **values
    )
    db.session.add(session_type)
    db.session.commit()
    return session_type


def make_category(edition: Edition, code: str | None = None, **values) -> AccreditationCategory:
    code = code or f"CAT{next(_seq)}"
    values.setdefault("name", f"Category {code}")
    category = AccreditationCategory(edition_id=edition.id, code=code, **values)
    db.session.add(category)
    db.session.commit()
    return category


def accredit(user, edition: Edition, category: AccreditationCategory | None = None):
    """An accredited registration of ``user`` in ``category`` (a new one by default)."""
    category = category or make_category(edition)
    registration = Registration(
        edition_id=edition.id,
        user_id=user.id,
        state=RegistrationState.ACCREDITED,
        requested_category_id=category.id,
        category_id=category.id,
        full_name=user.full_name,
        email=user.email,
    )
    db.session.add(registration)
    db.session.commit()
    return registration


def make_session(
    edition: Edition | None = None,
    *,
    title: str | None = None,
    day: int = 0,
    hour: int = 9,
    minutes: int = 60,
    room: Room | None = None,
    restricted_to: list[AccreditationCategory] | None = None,
    invited: list | None = None,
    speakers: list | None = None,
    chair=None,
    cancelled: str | None = None,
    **values,
) -> ProgrammeSession:
    """A session; ``restricted_to`` categories or ``invited`` users make it restricted;
    ``speakers`` are users or ``(name, organisation)`` guests."""
    edition = edition or make_edition()
    starts = local(edition, day, hour)
    access = AccessPolicy.OPEN
    if restricted_to:
        access = AccessPolicy.CATEGORIES
    elif invited is not None:
        access = AccessPolicy.INVITATION
    session = ProgrammeSession(
        edition_id=edition.id,
        title=title or f"Session {next(_seq)}",
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=minutes),
        room=room,
        access=values.pop("access", access),
        chair=chair,
        **values,
    )
    if cancelled is not None:
        session.state = SessionState.CANCELLED
        session.cancel_reason = cancelled
    session.categories = list(restricted_to or [])
    for user in invited or []:
        session.invitations.append(SessionInvitation(user=user))
    for position, speaker in enumerate(speakers or []):
        if isinstance(speaker, tuple):
            name, organisation = speaker
            session.speakers.append(
                SessionSpeaker(name=name, organisation=organisation, position=position)
            )
        else:
            session.speakers.append(
                SessionSpeaker(
                    user=speaker,
                    name=speaker.full_name,
                    organisation=speaker.organisation,
                    position=position,
                )
            )
    db.session.add(session)
    edition.programme_changed_at = utcnow()
    db.session.commit()
    return session


def book(user, session: ProgrammeSession) -> Booking:
    booking = Booking(
        edition_id=session.edition_id,
        session_id=session.id,
        user_id=user.id,
        state=BookingState.BOOKED,
    )
    session.booked_count += 1
    db.session.add(booking)
    db.session.commit()
    return booking


def make_programme(edition: Edition, count: int, *, days: int = 3, rooms: int = 6) -> None:
    """``count`` sessions spread over ``days`` days and ``rooms`` rooms, some restricted,
    with speakers, tracks and types (for query-count and size tests)."""
    room_rows = [make_room(edition, f"Hall {i + 1}", position=i) for i in range(rooms)]
    track = make_track(edition, "Policy")
    session_type = make_type(edition, "Talk", "talk")
    category = make_category(edition)
    slots = max(count // (days * rooms), 1)
    for i in range(count):
        room = room_rows[i % rooms]
        day = (i // rooms) % days
        slot = (i // (rooms * days)) % max(slots, 1)
        starts = local(edition, day, 8) + dt.timedelta(minutes=(slot * 30) % (14 * 60))
        session = ProgrammeSession(
            edition_id=edition.id,
            title=f"Generated session {i}",
            description=f"About topic {i}",
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=25),
            room=room,
            track=track,
            type=session_type,
        )
        if i % 5 == 0:
            session.access = AccessPolicy.CATEGORIES
            session.categories = [category]
        session.speakers.append(SessionSpeaker(name=f"Speaker {i}", organisation="Org"))
        db.session.add(session)
    edition.programme_changed_at = utcnow()
    db.session.commit()
