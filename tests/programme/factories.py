"""Factories for programme tests: rooms, tracks, types, sessions, accredited attendees."""

from __future__ import annotations

import datetime as dt
import itertools

from conference.accreditation.models import (
    AccreditationCategory,
    Registration,
    RegistrationState,
)
from conference.extensions import db
from conference.programme.models import (
    AccessPolicy,
    Contribution,
    ContributionKind,
    ProgrammeSession,
    Room,
    SessionInvitation,
    SessionSpeaker,
    SessionType,
    Track,
)
from tests.factories import make_edition, make_user

_seq = itertools.count(1)
UTC = dt.UTC


def make_category(edition=None, code: str | None = None, **values) -> AccreditationCategory:
    edition = edition or make_edition()
    n = next(_seq)
    category = AccreditationCategory(
        edition_id=edition.id,
        name=values.pop("name", f"Category {n}"),
        code=code or f"C{n}",
        **values,
    )
    db.session.add(category)
    db.session.commit()
    return category


def accredit(user, category, edition=None, state: str = RegistrationState.ACCREDITED):
    """Give ``user`` a registration in ``category`` (accredited by default)."""
    edition = edition or make_edition()
    registration = Registration(
        edition_id=edition.id,
        user_id=user.id,
        state=state,
        requested_category_id=category.id,
        category_id=category.id if state == RegistrationState.ACCREDITED else None,
        full_name=user.full_name,
        email=user.email,
    )
    db.session.add(registration)
    db.session.commit()
    return registration


def make_attendee(category=None, edition=None, **kwargs):
    """A user with an accredited registration in ``category`` (a new category by default)."""
    edition = edition or make_edition()
    user = make_user(**kwargs)
    accredit(user, category or make_category(edition), edition)
    return user


def make_room(edition=None, name: str | None = None, **values) -> Room:
    edition = edition or make_edition()
    room = Room(edition_id=edition.id, name=name or f"Room {next(_seq)}", **values)
    db.session.add(room)
    db.session.commit()
    return room


def make_track(edition=None, name: str | None = None, **values) -> Track:
    edition = edition or make_edition()
    track = Track(edition_id=edition.id, name=name or f"Track {next(_seq)}", **values)
    db.session.add(track)
    db.session.commit()
    return track


def make_type(edition=None, code: str | None = None, **values) -> SessionType:
    edition = edition or make_edition()
    code = code or f"type{next(_seq)}"
    session_type = SessionType(
        edition_id=edition.id, code=code, name=values.pop("name", code.title()), **values
    )
    db.session.add(session_type)
    db.session.commit()
    return session_type


def local(edition, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An aware UTC moment given as local time on the ``day``-th day (0-based) of ``edition``."""
    date = edition.start_date + dt.timedelta(days=day)
    return dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=edition.tz).astimezone(
        UTC
    )


def make_session(
    edition=None,
    *,
    title: str | None = None,
    day: int = 0,
    hour: int = 10,
    minutes: int = 60,
    restricted_to=None,
    invited=None,
    speakers=(),
    **values,
) -> ProgrammeSession:
    """A session; ``restricted_to=[category…]`` or ``invited=[user…]`` restrict it;
    ``submission_id=`` places that talk in it (one contribution filling the session)."""
    edition = edition or make_edition()
    submission_id = values.pop("submission_id", None)
    starts = values.pop("starts_at", None) or local(edition, day, hour)
    ends = values.pop("ends_at", None) or starts + dt.timedelta(minutes=minutes)
    session = ProgrammeSession(
        edition_id=edition.id,
        title=title or f"Session {next(_seq)}",
        starts_at=starts,
        ends_at=ends,
        **values,
    )
    if restricted_to is not None:
        session.access = AccessPolicy.CATEGORIES
        session.categories = list(restricted_to)
    if invited is not None:
        session.access = AccessPolicy.INVITATION
    db.session.add(session)
    db.session.flush()
    for user in invited or ():
        db.session.add(SessionInvitation(session_id=session.id, user_id=user.id))
    if submission_id is not None:
        db.session.add(
            Contribution(
                session_id=session.id,
                position=0,
                kind=ContributionKind.TALK,
                submission_id=submission_id,
                title=session.title,
                duration_minutes=int((ends - starts).total_seconds() // 60),
            )
        )
    for position, speaker in enumerate(speakers):
        if isinstance(speaker, str):
            db.session.add(SessionSpeaker(session_id=session.id, name=speaker, position=position))
        else:
            db.session.add(
                SessionSpeaker(
                    session_id=session.id,
                    user_id=speaker.id,
                    name=speaker.display_name,
                    organisation=speaker.organisation,
                    position=position,
                )
            )
    db.session.commit()
    return session
