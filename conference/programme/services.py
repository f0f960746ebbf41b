"""Programme rules: reading the programme for a viewer, managing sessions, bookings.

Every channel (HTML pages, search, the JSON API, calendar feeds, exports, badges) reads sessions
through ``programme_sessions`` and shows them through ``session_view``, so that a restricted
session is hidden the same way everywhere: a viewer who is not cleared sees only that a
"Restricted session" takes place at that time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference import audit
from conference.accounts.models import User
from conference.accounts.services import find_user
from conference.accreditation.models import AccreditationCategory
from conference.db import utcnow
from conference.editions.models import Edition
from conference.editions.services import touch_programme
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import Clearance, can, clearance
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
from conference.signals import registration_changed, session_changed
from conference.text import ngettext

RESTRICTED_TITLE = "Restricted session"

# --- reading the programme -----------------------------------------------------------------


def _session_query(edition, *, include_cancelled: bool = True) -> sa.Select:
    query = (
        sa.select(ProgrammeSession)
        .where(ProgrammeSession.edition_id == edition.id)
        .options(
            so.joinedload(ProgrammeSession.room),
            so.joinedload(ProgrammeSession.track),
            so.joinedload(ProgrammeSession.type),
            so.joinedload(ProgrammeSession.chair),
            so.selectinload(ProgrammeSession.speakers),
            so.selectinload(ProgrammeSession.categories),
        )
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.ends_at, ProgrammeSession.id)
    )
    if not include_cancelled:
        query = query.where(ProgrammeSession.state != SessionState.CANCELLED)
    return query


def programme_sessions(user, edition, *, include_cancelled: bool = True) -> list[ProgrammeSession]:
    """All sessions of ``edition`` ordered by start, eager-loaded in a constant number of queries.

    These are the raw ORM rows (restricted ones included): show them to a person only through
    ``session_view(session, clearance(user, edition))``. ``user`` is accepted so that callers
    state whose programme they read; visibility is applied by the view.
    """
    if edition is None:
        return []
    return list(db.session.scalars(_session_query(edition, include_cancelled=include_cancelled)))


def get_session(edition, session_id: int) -> ProgrammeSession:
    """One session of ``edition`` (eager-loaded), or NotFound."""

    session = db.session.scalar(_session_query(edition).where(ProgrammeSession.id == session_id))
    if session is None:
        raise NotFound("There is no such session in this edition.")
    return session


@dataclasses.dataclass(frozen=True)
class TypeView:
    id: int
    name: str
    code: str
    is_break: bool


@dataclasses.dataclass(frozen=True)
class TrackView:
    id: int
    name: str
    colour: str


@dataclasses.dataclass(frozen=True)
class RoomView:
    id: int
    name: str
    capacity: int | None
    directions: str


@dataclasses.dataclass(frozen=True)
class SpeakerView:
    name: str
    organisation: str
    user_id: int | None


@dataclasses.dataclass(frozen=True)
class PersonView:
    id: int
    name: str


@dataclasses.dataclass(frozen=True)
class SessionView:
    """What one viewer may know about one session.

    For a restricted session the viewer is not cleared for (``restricted and not cleared``) only
    the id, uid, times, state, sequence and updated_at are real; everything else is the
    placeholder (title "Restricted session", nothing else).
    """

    id: int
    uid: str
    restricted: bool
    cleared: bool
    title: str
    description: str
    type: TypeView | None
    track: TrackView | None
    room: RoomView | None
    speakers: tuple[SpeakerView, ...]
    chair: PersonView | None
    capacity: int | None
    booking_required: bool
    chatham_house: bool
    state: str
    cancel_reason: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    sequence: int
    updated_at: dt.datetime
    access: str | None
    booked_count: int | None

    @property
    def hidden(self) -> bool:
        """True when this is the placeholder of a session the viewer may not see."""
        return self.restricted and not self.cleared

    @property
    def is_cancelled(self) -> bool:
        return self.state == SessionState.CANCELLED

    @property
    def is_break(self) -> bool:
        return bool(self.type and self.type.is_break)

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None or self.booked_count is None:
            return None
        return max(self.capacity - self.booked_count, 0)

    def search_text(self) -> str:
        """Everything a viewer may search in (placeholder text only for hidden sessions)."""
        parts = [self.title, self.description]
        for part in (self.type, self.track, self.room):
            if part is not None:
                parts.append(part.name)
        parts.extend(f"{s.name} {s.organisation}" for s in self.speakers)
        if self.chair is not None:
            parts.append(self.chair.name)
        return " ".join(parts).casefold()

    def as_dict(self, edition=None) -> dict:
        """A JSON-ready dict (times ISO 8601 with offset, in the edition's zone when given)."""
        from conference.api.common import iso

        return {
            "id": self.id,
            "uid": self.uid,
            "restricted": self.restricted,
            "cleared": self.cleared,
            "title": self.title,
            "description": self.description,
            "type": dataclasses.asdict(self.type) if self.type else None,
            "track": dataclasses.asdict(self.track) if self.track else None,
            "room": dataclasses.asdict(self.room) if self.room else None,
            "speakers": [dataclasses.asdict(s) for s in self.speakers],
            "chair": dataclasses.asdict(self.chair) if self.chair else None,
            "capacity": self.capacity,
            "booking_required": self.booking_required,
            "chatham_house": self.chatham_house,
            "state": self.state,
            "cancel_reason": self.cancel_reason,
            "starts_at": iso(self.starts_at, edition),
            "ends_at": iso(self.ends_at, edition),
            "sequence": self.sequence,
            "updated_at": iso(self.updated_at, edition),
        }


def session_view(session: ProgrammeSession, viewer_clearance) -> SessionView:
    """The session as the holder of ``viewer_clearance`` may see it (see ``SessionView``)."""
    restricted = session.is_restricted
    cleared = viewer_clearance.sees_details(session)
    if restricted and not cleared:
        return SessionView(
            id=session.id,
            uid=session.uid,
            restricted=True,
            cleared=False,
            title=RESTRICTED_TITLE,
            description="",
            type=None,
            track=None,
            room=None,
            speakers=(),
            chair=None,
            capacity=None,
            booking_required=False,
            chatham_house=False,
            state=session.state,
            cancel_reason="",
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            sequence=session.sequence,
            updated_at=session.updated_at,
            access=None,
            booked_count=None,
        )
    t, tr, r, c = session.type, session.track, session.room, session.chair
    return SessionView(
        id=session.id,
        uid=session.uid,
        restricted=restricted,
        cleared=cleared,
        title=session.title,
        description=session.description or "",
        type=TypeView(t.id, t.name, t.code, t.is_break) if t else None,
        track=TrackView(tr.id, tr.name, tr.colour) if tr else None,
        room=RoomView(r.id, r.name, r.capacity, r.directions or "") if r else None,
        speakers=tuple(
            SpeakerView(s.name, s.organisation or "", s.user_id) for s in session.speakers
        ),
        chair=PersonView(c.id, c.display_name) if c else None,
        capacity=session.capacity,
        booking_required=session.booking_required,
        chatham_house=session.chatham_house,
        state=session.state,
        cancel_reason=session.cancel_reason or "",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        sequence=session.sequence,
        updated_at=session.updated_at,
        access=session.access,
        booked_count=session.booked_count,
    )


def session_views(user, edition, *, include_cancelled: bool = True) -> list[SessionView]:
    """The whole programme as ``user`` may see it, in a constant number of queries."""
    viewer = clearance(user, edition)
    return [
        session_view(s, viewer)
        for s in programme_sessions(user, edition, include_cancelled=include_cancelled)
    ]


def search_views(views: list[SessionView], query: str) -> list[SessionView]:
    """Views whose visible text contains every word of ``query`` (case-insensitive).

    Matching runs on the view, never on the stored row, so that a hidden session can be found
    only by its placeholder text ("Restricted session").
    """
    words = [w.casefold() for w in (query or "").split() if w][:20]
    if not words:
        return list(views)
    return [v for v in views if all(w in v.search_text() for w in words)]


def filter_views(
    views: list[SessionView],
    *,
    track: int | None = None,
    type: int | None = None,  # noqa: A002 (the conference's word)
    room: int | None = None,
    q: str = "",
) -> list[SessionView]:
    """The programme narrowed by track, type, room and search words, on what the viewer sees.

    A hidden session has no track, type or room, so any of those filters leaves it out.
    """
    for key, wanted in (("track", track), ("type", type), ("room", room)):
        if wanted is not None:
            views = [
                v for v in views if getattr(v, key) is not None and getattr(v, key).id == wanted
            ]
    return search_views(views, q) if q else list(views)


def personal_agenda(user, edition) -> list[ProgrammeSession]:
    """Sessions ``user`` booked (state booked), speaks at, chairs or is invited to, by start.

    Constant number of queries; show them through ``session_view`` like everything else.
    """
    if edition is None or not getattr(user, "is_authenticated", False):
        return []
    booked = sa.select(Booking.session_id).where(
        Booking.user_id == user.id,
        Booking.edition_id == edition.id,
        Booking.state == BookingState.BOOKED,
    )
    speaking = sa.select(SessionSpeaker.session_id).where(SessionSpeaker.user_id == user.id)
    invited = sa.select(SessionInvitation.session_id).where(SessionInvitation.user_id == user.id)
    ids = sa.union(booked, speaking, invited).subquery()
    query = _session_query(edition).where(
        sa.or_(
            ProgrammeSession.id.in_(sa.select(ids.c[0])),
            ProgrammeSession.chair_id == user.id,
        )
    )
    return list(db.session.scalars(query))


def user_bookings(user, edition) -> dict[int, Booking]:
    """The user's live bookings (booked or waitlisted) in ``edition`` by session id."""
    if edition is None or not getattr(user, "is_authenticated", False):
        return {}
    rows = db.session.scalars(
        sa.select(Booking).where(
            Booking.user_id == user.id,
            Booking.edition_id == edition.id,
            Booking.state != BookingState.CANCELLED,
        )
    )
    return {b.session_id: b for b in rows}


@dataclasses.dataclass(frozen=True)
class AgendaEntry:
    """One line of a personal agenda: the session as the person sees it, and why it is there."""

    view: SessionView
    roles: tuple[str, ...]
    booking: Booking | None
    waitlist_position: int | None = None


def agenda_entries(user, edition) -> list[AgendaEntry]:
    """The personal agenda with reasons (booked, waiting list, speaker, chair, invited).

    Like ``personal_agenda`` plus the sessions the person waits for; constant number of queries.
    """
    if edition is None or not getattr(user, "is_authenticated", False):
        return []
    bookings = user_bookings(user, edition)
    speaking = sa.select(SessionSpeaker.session_id).where(SessionSpeaker.user_id == user.id)
    invited = sa.select(SessionInvitation.session_id).where(SessionInvitation.user_id == user.id)
    ids = set(bookings) | set(db.session.scalars(sa.union(speaking, invited)))
    query = _session_query(edition).where(
        sa.or_(ProgrammeSession.id.in_(ids), ProgrammeSession.chair_id == user.id)
    )
    sessions = list(db.session.scalars(query))
    waiting = [b.session_id for b in bookings.values() if b.state == BookingState.WAITLISTED]
    positions: dict[int, int] = {}
    if waiting:
        queue_rows = db.session.execute(
            sa.select(Booking.session_id, Booking.user_id)
            .where(Booking.session_id.in_(waiting), Booking.state == BookingState.WAITLISTED)
            .order_by(Booking.session_id, Booking.created_at, Booking.id)
        )
        counters: dict[int, int] = {}
        for session_id, user_id in queue_rows:
            counters[session_id] = counters.get(session_id, 0) + 1
            if user_id == user.id:
                positions[session_id] = counters[session_id]
    viewer = clearance(user, edition)
    invited_ids = {i for i in viewer.session_ids}
    entries = []
    for session in sessions:
        roles = []
        booking = bookings.get(session.id)
        if booking is not None:
            roles.append("booked" if booking.state == BookingState.BOOKED else "waiting list")
        if session.chair_id == user.id:
            roles.append("chair")
        if any(s.user_id == user.id for s in session.speakers):
            roles.append("speaker")
        if (
            session.id in invited_ids
            and "chair" not in roles
            and "speaker" not in roles
            and session.access == AccessPolicy.INVITATION
        ):
            roles.append("invited")
        if not roles:
            continue
        entries.append(
            AgendaEntry(
                session_view(session, viewer), tuple(roles), booking, positions.get(session.id)
            )
        )
    return entries


# --- shared helpers for the write side ----------------------------------------------------


def span(session, edition) -> str:
    """``Wed 9 Jun, 10:00–11:00`` in the edition's time zone."""
    start = session.starts_at.astimezone(edition.tz)
    end = session.ends_at.astimezone(edition.tz)
    text = f"{start:%a} {start.day} {start:%b}, {start:%H:%M}–{end:%H:%M}"
    if end.date() != start.date():
        text = (
            f"{start:%a} {start.day} {start:%b} {start:%H:%M} – "
            f"{end:%a} {end.day} {end:%b} {end:%H:%M}"
        )
    return text


def _ensure_manage(actor, edition) -> None:

    if not can(actor, "programme.manage", edition=edition):
        if edition is not None and edition.is_archived:
            raise NotAllowed(f"The {edition.year} edition is archived and read-only.")
        raise NotAllowed("Only the edition's organisers may change the programme.")


def _changed(session: ProgrammeSession, actor, action: str, edition, **details) -> None:
    """Bookkeeping after every programme change: audit, feeds' clock, other areas."""

    audit.record(actor, action, session, edition=edition, **details)
    touch_programme(edition)
    db.session.flush()
    session_changed.send(session, actor=actor)


def _link(endpoint: str, **values) -> str:
    """An absolute link for a mail, also outside a request (CLI, signals, background jobs)."""
    from flask import current_app, has_request_context

    from conference.urls import external_url

    if has_request_context():
        return external_url(endpoint, **values)
    with current_app.test_request_context():
        return external_url(endpoint, **values)


def _clean_text(value: str | None, label: str, max_length: int, *, required: bool = False) -> str:

    text = (value or "").strip()
    if required and not text:
        raise DomainError(f"{label} is required.", code="invalid")
    if len(text) > max_length:
        raise DomainError(
            f"{label} is too long (at most {max_length} characters).",
            code="invalid",
        )
    return text


# --- rooms, tracks, session types ---------------------------------------------------------


def rooms_of(edition) -> list:

    return list(
        db.session.scalars(
            sa.select(Room).where(Room.edition_id == edition.id).order_by(Room.position, Room.name)
        )
    )


def tracks_of(edition) -> list:

    return list(
        db.session.scalars(
            sa.select(Track)
            .where(Track.edition_id == edition.id)
            .order_by(Track.position, Track.name)
        )
    )


def types_of(edition) -> list:

    return list(
        db.session.scalars(
            sa.select(SessionType)
            .where(SessionType.edition_id == edition.id)
            .order_by(SessionType.name)
        )
    )


def _unique_name(model, edition, column, value, current=None, label="name") -> None:

    query = sa.select(model.id).where(model.edition_id == edition.id, column == value)
    if current is not None:
        query = query.where(model.id != current.id)
    if db.session.scalar(query) is not None:
        raise Conflict(f"There is already one with the {label} “{value}” in this edition.")


def save_room(actor, edition, *, name, capacity=None, directions="", position=0, room=None):
    """Create or edit a room."""

    _ensure_manage(actor, edition)
    name = _clean_text(name, "The name", 100, required=True)
    directions = _clean_text(directions, "Floor and directions", 400)
    if capacity is not None and capacity < 0:
        raise DomainError("The capacity cannot be negative.")
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
    db.session.flush()

    audit.record(
        actor, "room.create" if created else "room.update", room, edition=edition, name=name
    )
    touch_programme(edition)
    return room


def save_track(actor, edition, *, name, colour="#005a9c", position=0, track=None):
    """Create or edit a track."""
    import re

    _ensure_manage(actor, edition)
    name = _clean_text(name, "The name", 100, required=True)
    colour = (colour or "").strip() or "#005a9c"
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        raise DomainError("The colour must look like #005a9c.")
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
    import re

    _ensure_manage(actor, edition)
    name = _clean_text(name, "The name", 100, required=True)
    code = _clean_text(code, "The code", 30, required=True).lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", code):
        raise DomainError("The code may contain only letters, digits, “-” and “_”.")
    _unique_name(SessionType, edition, SessionType.code, code, session_type, label="code")
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

    _ensure_manage(actor, edition)
    used = setting_usage(obj)
    if used:
        raise Conflict(
            f"“{obj.name}” is used by {used} session{'s' if used != 1 else ''}; "
            "change those sessions first."
        )
    audit.record(actor, f"{type(obj).__name__.lower()}.delete", obj, edition=edition, name=obj.name)
    db.session.delete(obj)
    touch_programme(edition)
    db.session.flush()


# --- sessions -----------------------------------------------------------------------------


@dataclasses.dataclass
class SpeakerSpec:
    """One speaker line as entered: an account (by e-mail) or a named guest."""

    name: str
    organisation: str = ""
    user: User | None = None


@dataclasses.dataclass
class SessionData:
    """What an organiser enters for a session (times already converted to aware UTC)."""

    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    description: str = ""
    type_id: int | None = None
    track_id: int | None = None
    room_id: int | None = None
    speakers: list[SpeakerSpec] = dataclasses.field(default_factory=list)
    chair_email: str = ""
    capacity: int | None = None
    booking_required: bool = False
    chatham_house: bool = False
    state: str = SessionState.SCHEDULED
    cancel_reason: str = ""
    access: str = AccessPolicy.OPEN
    category_ids: list[int] = dataclasses.field(default_factory=list)
    invitee_emails: list[str] = dataclasses.field(default_factory=list)


MAX_SPEAKERS = 50
MAX_INVITEES = 500


def parse_speakers(text: str) -> list[SpeakerSpec]:
    """Speakers, one a line: ``e-mail`` (an account) or ``Name | Organisation`` (a guest).

    An account line may also give an organisation (``e-mail | Organisation``).
    """
    specs: list[SpeakerSpec] = []
    unknown: list[str] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        head, _, organisation = (part.strip() for part in line.partition("|"))
        organisation = _clean_text(organisation, "A speaker's organisation", 200)
        if "@" in head and " " not in head:
            user = find_user(head)
            if user is None:
                unknown.append(head)
                continue
            specs.append(
                SpeakerSpec(user.display_name[:200], organisation or user.organisation or "", user)
            )
        else:
            specs.append(
                SpeakerSpec(_clean_text(head, "A speaker's name", 200, required=True), organisation)
            )
    if unknown:
        raise DomainError(
            "No account for the speaker e-mail "
            + ", ".join(unknown)
            + ": enter guests as “Name | Organisation”.",
        )
    if len(specs) > MAX_SPEAKERS:
        raise DomainError(f"At most {MAX_SPEAKERS} speakers per session.")
    return specs


def parse_emails(text: str) -> list[str]:
    """E-mail addresses separated by new lines, commas, semicolons or spaces (deduplicated)."""
    seen: list[str] = []
    for part in (text or "").replace(",", " ").replace(";", " ").split():
        email = part.strip().lower()
        if email and email not in seen:
            seen.append(email)
    return seen


def _users_by_email(emails: list[str], label: str) -> list[User]:
    if not emails:
        return []
    if len(emails) > MAX_INVITEES:
        raise DomainError(f"At most {MAX_INVITEES} {label}.")
    found = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}
    missing = [e for e in emails if e not in found]
    if missing:
        raise DomainError(
            f"No account for {label} "
            + ", ".join(missing[:10])
            + (" …" if len(missing) > 10 else "")
            + ". Ask them to create an account first.",
        )
    return [found[e] for e in emails]


def _edition_object(model, object_id, edition, label):
    if object_id is None:
        return None
    obj = db.session.get(model, object_id)
    if obj is None or obj.edition_id != edition.id:
        raise DomainError(f"Choose a {label} of this edition.")
    return obj


def _validate(edition, data: SessionData, session: ProgrammeSession | None):
    """Check everything the form cannot; return the resolved related objects."""
    title = _clean_text(data.title, "The title", 300, required=True)
    description = _clean_text(data.description, "The description", 20000)
    for moment in (data.starts_at, data.ends_at):
        if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
            raise DomainError("Enter the start and end time.")
    if data.ends_at <= data.starts_at:
        raise DomainError("The session must end after it starts.")
    if data.ends_at - data.starts_at > dt.timedelta(days=7):
        raise DomainError("A session cannot last more than a week.")
    if data.state not in set(SessionState):
        raise DomainError("Choose a valid state.")
    if data.access not in set(AccessPolicy):
        raise DomainError("Choose a valid access policy.")
    cancel_reason = _clean_text(data.cancel_reason, "The reason", 2000)
    if data.state == SessionState.CANCELLED and not cancel_reason:
        raise DomainError("Give the reason for the cancellation (attendees will see it).")
    if data.capacity is not None and data.capacity < 0:
        raise DomainError("The capacity cannot be negative.")
    if session is not None and data.capacity is not None and data.capacity < session.booked_count:
        raise Conflict(
            ngettext(
                "%(num)d seat is already booked",
                "%(num)d seats are already booked",
                session.booked_count,
            )
            + ": the capacity cannot be lower. Cancel bookings first."
        )
    session_type = _edition_object(SessionType, data.type_id, edition, "session type")
    track = _edition_object(Track, data.track_id, edition, "track")
    room = _edition_object(Room, data.room_id, edition, "room")
    categories = []
    if data.access == AccessPolicy.CATEGORIES:
        ids = sorted(set(data.category_ids))
        if not ids:
            raise DomainError("Choose at least one accreditation category that may attend.")
        categories = list(
            db.session.scalars(
                sa.select(AccreditationCategory).where(
                    AccreditationCategory.id.in_(ids),
                    AccreditationCategory.edition_id == edition.id,
                )
            )
        )
        if len(categories) != len(ids):
            raise DomainError("Choose accreditation categories of this edition.")
    invitees = []
    if data.access == AccessPolicy.INVITATION:
        invitees = _users_by_email(data.invitee_emails, "invited people")
    chair = None
    if data.chair_email.strip():
        chair = find_user(data.chair_email.strip())
        if chair is None:
            raise DomainError(f"No account for the chair {data.chair_email.strip()}.")
    return dict(
        title=title,
        description=description,
        cancel_reason=cancel_reason if data.state == SessionState.CANCELLED else "",
        type=session_type,
        track=track,
        room=room,
        categories=categories,
        invitees=invitees,
        chair=chair,
    )


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
            f"The session is outside the edition's dates ({edition.start_date:%d %b %Y} – "
            f"{edition.end_date:%d %b %Y})."
        )
    room = session.room
    if (
        room is not None
        and room.capacity is not None
        and session.capacity is not None
        and session.capacity > room.capacity
    ):
        warnings.append(
            f"The capacity ({session.capacity}) is above the room's ({room.capacity} in "
            f"{room.name})."
        )
    if session.is_cancelled:
        return warnings
    people = _people_of(session)
    for other in db.session.scalars(_overlapping(edition, session)):
        if session.room_id is not None and other.room_id == session.room_id:
            warnings.append(
                f"{room.name} is also used by “{other.title}” ({span(other, edition)})."
            )
        for key, name in people.items():
            if key in _people_of(other):
                warnings.append(f"{name} is also in “{other.title}” ({span(other, edition)}).")
    return warnings


def placement_clashes(
    edition,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    room_id: int | None,
    speakers: list[tuple[int | None, str]],
    chair_id: int | None = None,
) -> list[str]:
    """The clash warnings a new session with these times, room and people would have.

    Same rules as ``clash_warnings`` (room, speakers, chair, edition dates), checked on a
    session that is never saved, so that a form can show them before anything changes.
    """
    draft = ProgrammeSession(
        id=None,
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
            _session_query(edition).where(
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
            ("user", session.chair_id), session.chair.display_name if session.chair else "The chair"
        )
    return people


def save_session(actor, edition, data: SessionData, session: ProgrammeSession | None = None):
    """Create or edit a session; return it and the clash warnings (the caller commits)."""
    _ensure_manage(actor, edition)
    if session is not None and session.edition_id != edition.id:
        raise NotFound("There is no such session in this edition.")
    values = _validate(edition, data, session)
    created = session is None
    before = {} if created else _snapshot(session)
    if created:
        session = ProgrammeSession(edition_id=edition.id, sequence=0, booked_count=0)
        db.session.add(session)
    was_cancelled = session.is_cancelled
    old_capacity = session.capacity
    session.title = values["title"]
    session.description = values["description"]
    session.type = values["type"]
    session.track = values["track"]
    session.room = values["room"]
    session.chair = values["chair"]
    session.starts_at = data.starts_at.astimezone(dt.UTC)
    session.ends_at = data.ends_at.astimezone(dt.UTC)
    session.capacity = data.capacity
    session.booking_required = bool(data.booking_required)
    session.chatham_house = bool(data.chatham_house)
    session.state = data.state
    session.cancel_reason = values["cancel_reason"]
    session.access = data.access
    session.categories = values["categories"]
    _set_speakers(session, data.speakers)
    _set_invitees(session, values["invitees"])
    db.session.flush()
    after = _snapshot(session)
    changed = sorted(k for k in after if before.get(k) != after[k]) if not created else []
    if not created and {"starts_at", "ends_at", "room_id", "state"} & set(changed):
        session.sequence += 1
    warnings = clash_warnings(session, edition)
    if session.is_cancelled and not was_cancelled and not created:
        _notify_cancelled(session, edition)
    elif not session.is_cancelled and (
        session.capacity is None or (old_capacity is not None and session.capacity > old_capacity)
    ):
        _promote_waiting(session, edition)
    _changed(
        session,
        actor,
        "session.create" if created else "session.update",
        edition,
        title=session.title,
        changed=changed,
        warnings=warnings,
    )
    return session, warnings


def _snapshot(session: ProgrammeSession) -> dict:
    return {
        "title": session.title,
        "description": session.description,
        "type_id": session.type.id if session.type else None,
        "track_id": session.track.id if session.track else None,
        "room_id": session.room.id if session.room else None,
        "chair_id": session.chair.id if session.chair else None,
        "starts_at": session.starts_at.isoformat() if session.starts_at else None,
        "ends_at": session.ends_at.isoformat() if session.ends_at else None,
        "capacity": session.capacity,
        "booking_required": session.booking_required,
        "chatham_house": session.chatham_house,
        "state": session.state,
        "cancel_reason": session.cancel_reason,
        "access": session.access,
        "categories": sorted(c.id for c in session.categories),
        "speakers": [(s.user_id, s.name, s.organisation) for s in session.speakers],
        "invitees": sorted(i.user_id for i in session.invitations),
    }


def _set_speakers(session: ProgrammeSession, specs: list[SpeakerSpec]) -> None:
    current = [(s.user_id, s.name, s.organisation) for s in session.speakers]
    wanted = [(s.user.id if s.user else None, s.name, s.organisation) for s in specs]
    if current == wanted:
        return
    session.speakers.clear()
    db.session.flush()
    for position, spec in enumerate(specs):
        session.speakers.append(
            SessionSpeaker(
                user=spec.user, name=spec.name, organisation=spec.organisation, position=position
            )
        )


def _set_invitees(session: ProgrammeSession, users: list[User]) -> None:
    wanted = {u.id: u for u in users}
    for invitation in list(session.invitations):
        if invitation.user_id not in wanted:
            session.invitations.remove(invitation)
    present = {i.user_id for i in session.invitations}
    for user_id, user in wanted.items():
        if user_id not in present:
            session.invitations.append(SessionInvitation(user=user))


def cancel_session(actor, session: ProgrammeSession, edition, reason: str) -> ProgrammeSession:
    """Cancel a session with a reason that attendees see; people with a seat are told."""
    _ensure_manage(actor, edition)
    reason = _clean_text(reason, "The reason", 2000, required=True)
    if session.is_cancelled:
        raise Conflict("This session is already cancelled.")
    session.state = SessionState.CANCELLED
    session.cancel_reason = reason
    session.sequence += 1
    _notify_cancelled(session, edition)
    _changed(session, actor, "session.cancel", edition, title=session.title, reason=reason)
    return session


WITHDRAWN_TALK_HANDLING = {
    "cancel": "kept in the programme, marked cancelled",
    "remove": "taken out of the programme",
}


def withdraw_talk(actor, session: ProgrammeSession, edition) -> str:
    """The session of a talk its speaker withdrew: cancelled or removed, as the edition says.

    ``edition.withdrawn_talks`` is "cancel" (the session stays, marked cancelled, so calendar
    feeds carry STATUS:CANCELLED) or "remove" (the session is deleted and leaves every feed).
    People holding a seat are told either way. The caller checked that ``actor`` may
    withdraw the talk; returns "cancelled" or "removed".
    """
    reason = "The speaker withdrew this talk."
    if edition.withdrawn_talks == "remove":
        if not session.is_cancelled:
            session.cancel_reason = reason
            _notify_cancelled(session, edition, removed=True)
        audit.record(
            actor, "session.remove_withdrawn", session, edition=edition, title=session.title
        )
        # Bookings go with the session (also where the database does not enforce the cascade).
        db.session.execute(sa.delete(Booking).where(Booking.session_id == session.id))
        db.session.delete(session)
        touch_programme(edition)
        db.session.flush()
        return "removed"
    if not session.is_cancelled:
        session.state = SessionState.CANCELLED
        session.cancel_reason = reason
        session.sequence += 1
        _notify_cancelled(session, edition)
        _changed(session, actor, "session.cancel", edition, title=session.title, reason=reason)
    return "cancelled"


def duplicate_session(actor, session: ProgrammeSession, edition) -> ProgrammeSession:
    """A scheduled copy of ``session`` (same times, people and access; no bookings)."""
    _ensure_manage(actor, edition)
    copy = ProgrammeSession(
        edition_id=edition.id,
        title=(f"{session.title} (copy)")[:300],
        description=session.description,
        type_id=session.type_id,
        track_id=session.track_id,
        room_id=session.room_id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        chair_id=session.chair_id,
        capacity=session.capacity,
        booking_required=session.booking_required,
        chatham_house=session.chatham_house,
        state=SessionState.SCHEDULED,
        cancel_reason="",
        access=session.access,
        sequence=0,
        booked_count=0,
    )
    copy.categories = list(session.categories)
    copy.speakers = [
        SessionSpeaker(
            user_id=s.user_id, name=s.name, organisation=s.organisation, position=s.position
        )
        for s in session.speakers
    ]
    copy.invitations = [SessionInvitation(user_id=i.user_id) for i in session.invitations]
    db.session.add(copy)
    db.session.flush()
    _changed(copy, actor, "session.duplicate", edition, title=copy.title, source=session.id)
    return copy


def _notify_cancelled(session: ProgrammeSession, edition, *, removed: bool = False) -> None:
    """Tell everyone holding a seat or waiting for one that the session is cancelled."""
    from conference import mail

    bookings = db.session.scalars(
        sa.select(Booking)
        .where(Booking.session_id == session.id, Booking.state != BookingState.CANCELLED)
        .options(so.joinedload(Booking.user))
    )
    for booking in bookings:
        if booking.user is None or booking.user.deleted_at is not None:
            continue
        mail.queue(
            booking.user.email,
            "programme_session_cancelled",
            f"Cancelled: {session.title}",
            edition=edition,
            person=booking.user,
            session=session,
            when=span(session, edition),
            reason=session.cancel_reason,
            url=_link("programme.programme", year=edition.year)
            if removed
            else _link("programme.session_detail", year=edition.year, session_id=session.id),
            removed=removed,
        )


# --- bookings -----------------------------------------------------------------------------


def _locked_session(edition, session_id: int) -> ProgrammeSession:
    """The session row, locked until the transaction ends (serialises bookings)."""
    session = db.session.scalar(
        sa.select(ProgrammeSession)
        .where(ProgrammeSession.id == session_id, ProgrammeSession.edition_id == edition.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if session is None:
        raise NotFound("There is no such session in this edition.")
    return session


def _take_seat(session: ProgrammeSession) -> bool:
    """Add one booked seat if one is free; atomic in the database, whatever else runs."""
    result = db.session.execute(
        sa.update(ProgrammeSession)
        .where(
            ProgrammeSession.id == session.id,
            sa.or_(
                ProgrammeSession.capacity.is_(None),
                ProgrammeSession.booked_count < ProgrammeSession.capacity,
            ),
        )
        .values(booked_count=ProgrammeSession.booked_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["booked_count"])
    return result.rowcount == 1


def _free_seat(session: ProgrammeSession) -> None:
    db.session.execute(
        sa.update(ProgrammeSession)
        .where(ProgrammeSession.id == session.id, ProgrammeSession.booked_count > 0)
        .values(booked_count=ProgrammeSession.booked_count - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["booked_count"])


def booking_clash(user, session: ProgrammeSession) -> ProgrammeSession | None:
    """Another session the user has a seat in that overlaps ``session``, if any."""
    return db.session.scalar(
        sa.select(ProgrammeSession)
        .join(Booking, Booking.session_id == ProgrammeSession.id)
        .where(
            Booking.user_id == user.id,
            Booking.state == BookingState.BOOKED,
            ProgrammeSession.id != session.id,
            ProgrammeSession.edition_id == session.edition_id,
            ProgrammeSession.state != SessionState.CANCELLED,
            ProgrammeSession.starts_at < session.ends_at,
            ProgrammeSession.ends_at > session.starts_at,
        )
        .order_by(ProgrammeSession.starts_at)
        .limit(1)
    )


def book(user, edition, session_id: int) -> Booking:
    """Book a seat in a session that requires booking, or join its waiting list when full.

    The session row is locked and the seat taken with a conditional UPDATE, so the capacity
    holds under any number of parallel requests. The caller commits.
    """
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in to book a session.")
    if edition.is_archived:
        raise NotAllowed(f"The {edition.year} edition is archived: bookings are closed.")
    # One person's bookings are serialised (their row locked first, then the session's), so
    # two parallel requests for overlapping sessions cannot both pass the clash check.
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    session = _locked_session(edition, session_id)
    viewer = clearance(user, edition)
    if not viewer.sees_details(session):
        raise NotAllowed("This session is restricted: you are not cleared to attend it.")
    if not viewer.may_attend(session):
        raise NotAllowed("Only accredited attendees can book sessions.")
    if session.is_cancelled:
        raise Conflict("This session is cancelled.")
    if not session.booking_required:
        raise Conflict("This session needs no booking: just come.")
    if session.starts_at <= utcnow():
        raise Conflict("This session has already started: bookings are closed.")
    existing = db.session.scalar(
        sa.select(Booking).where(
            Booking.session_id == session.id,
            Booking.user_id == user.id,
            Booking.state != BookingState.CANCELLED,
        )
    )
    if existing is not None:
        if existing.state == BookingState.BOOKED:
            raise Conflict("You already have a seat in this session.")
        raise Conflict("You are already on this session's waiting list.")
    clash = booking_clash(user, session)
    if clash is not None:
        raise Conflict(
            f"This session overlaps with “{clash.title}” ({span(clash, edition)}), which you "
            "booked. Cancel that booking first."
        )
    seated = _take_seat(session)
    booking = Booking(
        edition_id=edition.id,
        session_id=session.id,
        user_id=user.id,
        state=BookingState.BOOKED if seated else BookingState.WAITLISTED,
        created_at=utcnow(),
    )
    db.session.add(booking)
    db.session.flush()
    audit.record(
        user,
        "booking.create" if seated else "booking.waitlist",
        booking,
        edition=edition,
        session_id=session.id,
    )
    return booking


def cancel_booking(actor, edition, booking: Booking, *, reason: str = "") -> Booking:
    """Give up a seat (or a place on the waiting list); the first waiting person moves up.

    The caller commits.
    """
    if booking.edition_id != edition.id:
        raise NotFound("There is no such booking in this edition.")
    session = _locked_session(edition, booking.session_id)
    db.session.refresh(booking)
    if booking.state == BookingState.CANCELLED:
        raise Conflict("This booking is already cancelled.")
    had_seat = booking.state == BookingState.BOOKED
    booking.state = BookingState.CANCELLED
    booking.cancelled_at = utcnow()
    if had_seat:
        _free_seat(session)
    db.session.flush()
    audit.record(
        actor,
        "booking.cancel",
        booking,
        edition=edition,
        session_id=session.id,
        user_id=booking.user_id,
        had_seat=had_seat,
        reason=reason,
    )
    if had_seat and not session.is_cancelled:
        _promote_waiting(session, edition)
    return booking


def waiting_count(session: ProgrammeSession) -> int:
    """How many people are on the session's waiting list."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Booking.id)).where(
                Booking.session_id == session.id, Booking.state == BookingState.WAITLISTED
            )
        )
        or 0
    )


def _promote_waiting(session: ProgrammeSession, edition) -> list[Booking]:
    """Give free seats to the people waiting, first come first served, and mail them.

    People who are no longer cleared, or who meanwhile booked an overlapping session, keep
    their place on the list and are skipped.
    """
    from conference import mail

    if not session.booking_required or session.starts_at <= utcnow():
        return []
    waiting = list(
        db.session.scalars(
            sa.select(Booking)
            .where(Booking.session_id == session.id, Booking.state == BookingState.WAITLISTED)
            .order_by(Booking.created_at, Booking.id)
            .options(so.joinedload(Booking.user))
        )
    )
    promoted = []
    for booking in waiting:
        person = booking.user
        if person is None or person.deleted_at is not None:
            continue
        if not Clearance(person, edition).may_attend(session):
            continue
        if booking_clash(person, session) is not None:
            continue
        if not _take_seat(session):
            break
        booking.state = BookingState.BOOKED
        booking.promoted_at = utcnow()
        audit.record(None, "booking.promote", booking, edition=edition, session_id=session.id)
        mail.queue(
            person.email,
            "programme_booking_promoted",
            f"You have a seat: {session.title}",
            edition=edition,
            person=person,
            session=session,
            when=span(session, edition),
            room=session.room.name if session.room else "",
            url=_link("programme.agenda", year=edition.year),
        )
        promoted.append(booking)
    db.session.flush()
    return promoted


def session_bookings(session: ProgrammeSession) -> list[Booking]:
    """All bookings of a session for its organisers: seats, then the waiting list, then history."""
    order = sa.case(
        (Booking.state == BookingState.BOOKED, 0),
        (Booking.state == BookingState.WAITLISTED, 1),
        else_=2,
    )
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(Booking.session_id == session.id)
            .options(so.joinedload(Booking.user))
            .order_by(order, Booking.created_at, Booking.id)
        )
    )


def release_bookings(user_id: int, edition, *, reason: str) -> int:
    """Cancel all live bookings of a person in ``edition`` (promoting waiting people)."""
    bookings = list(
        db.session.scalars(
            sa.select(Booking).where(
                Booking.user_id == user_id,
                Booking.edition_id == edition.id,
                Booking.state != BookingState.CANCELLED,
            )
        )
    )
    for booking in bookings:
        cancel_booking(None, edition, booking, reason=reason)
    return len(bookings)


RELEASING_STATES = {"revoked", "cancelled", "rejected"}


@registration_changed.connect
def _on_registration_changed(sender, registration=None, to_state=None, **_details) -> None:
    """A revoked or cancelled registration frees the person's seats."""
    registration = registration if registration is not None else sender
    user_id = getattr(registration, "user_id", None)
    if to_state not in RELEASING_STATES or user_id is None:
        return
    edition = db.session.get(Edition, registration.edition_id)
    if edition is not None:
        release_bookings(user_id, edition, reason=f"registration {to_state}")


# --- small helpers for forms and exports --------------------------------------------------


def local_to_utc(edition, moment: dt.datetime | None) -> dt.datetime | None:
    """A wall-clock time entered in the edition's time zone, as aware UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=edition.tz)
    return moment.astimezone(dt.UTC)


def format_utc_local(moment: dt.datetime | None, edition) -> str:
    """``2027-06-09 10:00`` in the edition's zone (empty for None), for exports."""
    return moment.astimezone(edition.tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def speakers_text(session: ProgrammeSession) -> str:
    """The speakers as the form shows them (the reverse of ``parse_speakers``)."""
    lines = []
    for speaker in session.speakers:
        head = speaker.user.email if speaker.user is not None else speaker.name
        lines.append(f"{head} | {speaker.organisation}" if speaker.organisation else head)
    return "\n".join(lines)


def categories_of(edition) -> list[AccreditationCategory]:
    return list(
        db.session.scalars(
            sa.select(AccreditationCategory)
            .where(AccreditationCategory.edition_id == edition.id)
            .order_by(AccreditationCategory.position, AccreditationCategory.name)
        )
    )
