"""What a session is placed in: rooms, tracks and session types, managed per edition."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit
from conference.accreditation.models import AccreditationCategory
from conference.editions.services import touch_programme
from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.programme.models import ProgrammeSession, Room, SessionType, Track
from conference.programme.services.common import clean_text, ensure_manage
from conference.text import ngettext


def rooms_of(edition) -> list:
    """The edition's rooms, in the organisers' order."""
    return list(
        db.session.scalars(
            sa.select(Room).where(Room.edition_id == edition.id).order_by(Room.position, Room.name)
        )
    )


def tracks_of(edition) -> list:
    """The edition's tracks, in the organisers' order."""
    return list(
        db.session.scalars(
            sa.select(Track)
            .where(Track.edition_id == edition.id)
            .order_by(Track.position, Track.name)
        )
    )


def types_of(edition) -> list:
    """The edition's session types, by name."""
    return list(
        db.session.scalars(
            sa.select(SessionType)
            .where(SessionType.edition_id == edition.id)
            .order_by(SessionType.name)
        )
    )


def _unique_name(model, edition, column, value, current=None, by_code=False) -> None:
    """Conflict if another row of ``model`` in ``edition`` has this name (or code)."""
    query = sa.select(model.id).where(model.edition_id == edition.id, column == value)
    if current is not None:
        query = query.where(model.id != current.id)
    if db.session.scalar(query) is not None:
        if by_code:
            raise Conflict(
                _("There is already one with the code “%(value)s” in this edition.", value=value)
            )
        raise Conflict(
            _("There is already one with the name “%(value)s” in this edition.", value=value)
        )


def save_room(
    actor,
    edition,
    *,
    name,
    capacity=None,
    directions="",
    position=0,
    opens_at=None,
    closes_at=None,
    room=None,
):
    """Create or edit a room (``opens_at``/``closes_at``: its daily hours, local times of
    day in the edition's zone, both or neither)."""

    ensure_manage(actor, edition)
    name = clean_text(name, _l("The name"), 100, required=True)
    directions = clean_text(directions, _l("Floor and directions"), 400)
    if capacity is not None and capacity < 0:
        raise DomainError(_("The capacity cannot be negative."))
    check_room_hours(opens_at, closes_at)
    _unique_name(Room, edition, Room.name, name, room)
    created = room is None
    if created:
        room = Room(edition_id=edition.id)
        db.session.add(room)
    room.name, room.capacity, room.directions, room.position = (
        name,
        capacity,
        directions,
        position or 0,
    )
    room.opens_at, room.closes_at = opens_at, closes_at
    db.session.flush()

    audit.record(
        actor, "room.create" if created else "room.update", room, edition=edition, name=name
    )
    touch_programme(edition)
    return room


def check_room_hours(opens_at: dt.time | None, closes_at: dt.time | None) -> None:
    """DomainError unless the hours are both empty, or both given with closing after opening."""
    if (opens_at is None) != (closes_at is None):
        raise DomainError(
            _("Give both the opening and the closing time, or leave both empty for no limit.")
        )
    if opens_at is not None and closes_at <= opens_at:
        raise DomainError(_("The room must close after it opens."))


def save_track(actor, edition, *, name, colour="#005a9c", position=0, track=None):
    """Create or edit a track."""

    ensure_manage(actor, edition)
    name = clean_text(name, _l("The name"), 100, required=True)
    colour = (colour or "").strip() or "#005a9c"
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        raise DomainError(_("The colour must look like #005a9c."))
    _unique_name(Track, edition, Track.name, name, track)
    created = track is None
    if created:
        track = Track(edition_id=edition.id)
        db.session.add(track)
    track.name, track.colour, track.position = name, colour.lower(), position or 0
    db.session.flush()

    audit.record(
        actor, "track.create" if created else "track.update", track, edition=edition, name=name
    )
    touch_programme(edition)
    return track


def save_type(actor, edition, *, name, code, is_break=False, session_type=None):
    """Create or edit a session type (plenary, panel, workshop, closed-door meeting, break…)."""

    ensure_manage(actor, edition)
    name = clean_text(name, _l("The name"), 100, required=True)
    code = clean_text(code, _l("The code"), 30, required=True).lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", code):
        raise DomainError(_("The code may contain only letters, digits, “-” and “_”."))
    _unique_name(SessionType, edition, SessionType.code, code, session_type, by_code=True)
    created = session_type is None
    if created:
        session_type = SessionType(edition_id=edition.id)
        db.session.add(session_type)
    session_type.name, session_type.code, session_type.is_break = name, code, bool(is_break)
    db.session.flush()

    audit.record(
        actor,
        "session_type.create" if created else "session_type.update",
        session_type,
        edition=edition,
        name=name,
    )
    touch_programme(edition)
    return session_type


def setting_usage(obj) -> int:
    """How many sessions use a room, track or session type."""
    column = {
        Room: ProgrammeSession.room_id,
        Track: ProgrammeSession.track_id,
        SessionType: ProgrammeSession.type_id,
    }[type(obj)]
    return db.session.scalar(sa.select(sa.func.count()).where(column == obj.id)) or 0


def delete_setting(actor, edition, obj) -> None:
    """Delete a room, track or session type that no session uses."""

    ensure_manage(actor, edition)
    used = setting_usage(obj)
    if used:
        raise Conflict(
            ngettext(
                "“%(name)s” is used by %(num)d session; change those sessions first.",
                "“%(name)s” is used by %(num)d sessions; change those sessions first.",
                used,
                name=obj.name,
            )
        )
    audit.record(actor, f"{type(obj).__name__.lower()}.delete", obj, edition=edition, name=obj.name)
    db.session.delete(obj)
    touch_programme(edition)
    db.session.flush()


def categories_of(edition) -> list[AccreditationCategory]:
    """The accreditation categories a session may be open to (for the session form)."""
    return list(
        db.session.scalars(
            sa.select(AccreditationCategory)
            .where(AccreditationCategory.edition_id == edition.id)
            .order_by(AccreditationCategory.position, AccreditationCategory.name)
        )
    )
