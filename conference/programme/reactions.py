"""The programme's handlers of other areas' signals."""

from __future__ import annotations

import re

import sqlalchemy as sa

from conference.accreditation.reactions import copied_categories
from conference.db import copy_row
from conference.extensions import db
from conference.programme.models import ProgrammeSession, Room, SessionState, SessionType, Track
from conference.signals import edition_cloned, theme_requested

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@edition_cloned.connect
def copy_for_new_edition(edition, *, source, parts, mapping, **_kwargs) -> dict[str, int]:
    """A cloned edition gets the source's rooms, tracks and session types, and, when the
    organiser asked for the programme, its sessions that were not cancelled (without
    speakers, invitations or bookings), shifted by as many days as the edition. Runs in the
    cloning transaction."""
    counts = {}
    for model in (Room, Track, SessionType):
        mapping[model.__tablename__] = {}
        for row in db.session.scalars(sa.select(model).where(model.edition_id == source.id)):
            copy = copy_row(row, edition_id=edition.id)
            db.session.add(copy)
            mapping[model.__tablename__][row.id] = copy
        counts[model.__tablename__] = len(mapping[model.__tablename__])
    db.session.flush()

    counts["sessions"] = 0
    if "programme" not in parts:
        return counts
    delta = edition.start_date - source.start_date
    categories = copied_categories(edition, source, mapping)
    sessions = db.session.scalars(
        sa.select(ProgrammeSession).where(ProgrammeSession.edition_id == source.id)
    )
    for session in sessions:
        if session.state == SessionState.CANCELLED:
            continue
        copy = ProgrammeSession(
            edition_id=edition.id,
            title=session.title,
            description=session.description,
            type_id=_cloned_id(mapping["session_types"], session.type_id),
            track_id=_cloned_id(mapping["tracks"], session.track_id),
            room_id=_cloned_id(mapping["rooms"], session.room_id),
            starts_at=session.starts_at + delta,
            ends_at=session.ends_at + delta,
            capacity=session.capacity,
            booking_required=session.booking_required,
            chatham_house=session.chatham_house,
            access=session.access,
            categories=[categories[c.id] for c in session.categories],
        )
        db.session.add(copy)
        counts["sessions"] += 1
    return counts


def _cloned_id(copies: dict[int, object], old_id: int | None) -> int | None:
    """The id of the copy of row ``old_id`` (None when there was none)."""
    if old_id is None or old_id not in copies:
        return None
    return copies[old_id].id


@theme_requested.connect
def track_colours(edition) -> list[str]:
    """The edition's theme stylesheet gets a class per track's colour."""
    rules = []
    for track in db.session.scalars(sa.select(Track).where(Track.edition_id == edition.id)):
        colour = track.colour if _HEX_COLOUR.match(track.colour or "") else "#005a9c"
        rules.append(f".track-{track.id}{{--track-colour:{colour};}}")
    return rules
