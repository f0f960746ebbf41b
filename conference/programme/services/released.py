"""The released programme: what the public sees once an edition has a release.

``released_sessions(edition)`` reads the last ``ScheduleRelease``'s snapshot (see
``releases`` for its fields) into ``ReleasedSession`` objects carrying the attributes
``session_view`` and ``Clearance`` read, so a restricted session stays hidden the same way as
a live one. A label or the Chatham House Rule set in the draft protects the released session
at once (the stricter of both applies). Kept apart from ``releases`` (drafting, differences,
releasing, the changelog) so that each stays short.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from types import SimpleNamespace

import sqlalchemy as sa
from flask import g, has_app_context

from conference import tlp
from conference.accounts.models import User
from conference.accreditation.models import AccreditationCategory
from conference.extensions import db
from conference.programme.models import (
    Contribution,
    ProgrammeSession,
    Room,
    ScheduleRelease,
    SessionState,
    SessionType,
    Track,
)


def latest_release(edition) -> ScheduleRelease | None:
    """The edition's last release (cached for the request), or None before the first."""
    if edition is None:
        return None
    cache = g.setdefault("_latest_release", {}) if has_app_context() else {}
    cached = cache.get(edition.id)
    if cached is not None and sa.inspect(cached).detached:
        # Outside a request the app context (and this cache) outlives a database session (a
        # CLI command run twice, a background job): read again, and the released sessions too.
        cache.clear()
        g.pop("_released_sessions", None)
    if edition.id not in cache:
        cache[edition.id] = db.session.scalar(
            sa.select(ScheduleRelease)
            .where(ScheduleRelease.edition_id == edition.id)
            .order_by(ScheduleRelease.released_at.desc(), ScheduleRelease.id.desc())
            .limit(1)
        )
    return cache[edition.id]


def forget_latest_release() -> None:
    if has_app_context():
        g.pop("_latest_release", None)


@dataclasses.dataclass
class ReleasedSession:
    """A session as released: the attributes ``session_view`` and ``Clearance`` read."""

    id: int
    edition_id: int
    uid: str
    title: str
    description: str
    type: object
    track: object
    room: object
    chair: object
    categories: list
    speakers: list
    contributions: list
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int | None
    booking_required: bool
    chatham_house: bool
    state: str
    cancel_reason: str
    access: str
    sequence: int
    updated_at: dt.datetime
    booked_count: int
    tlp: str = "CLEAR"

    @property
    def is_restricted(self) -> bool:
        return self.access != "open"

    @property
    def is_cancelled(self) -> bool:
        return self.state == SessionState.CANCELLED

    @property
    def room_id(self):
        return self.room.id if self.room is not None else None

    @property
    def chair_id(self):
        return self.chair.id if self.chair is not None else None

    @functools.cached_property
    def materials_access(self) -> str:
        """Who sees the session's materials: a live setting, not part of a release (the
        materials rule must never fall back to "public" for a released session)."""
        value = db.session.scalar(
            sa.select(ProgrammeSession.materials_access).where(ProgrammeSession.id == self.id)
        )
        return value or "cleared"


def _speaker_objects(rows) -> list:
    return [SimpleNamespace(user_id=u, name=n, organisation=o) for u, n, o in rows]


class _Lookups:
    """Rooms, tracks, types, categories and chairs of an edition, loaded once."""

    def __init__(self, edition, snapshots):
        def by_id(model):
            return {
                o.id: o
                for o in db.session.scalars(sa.select(model).where(model.edition_id == edition.id))
            }

        self.rooms = by_id(Room)
        self.tracks = by_id(Track)
        self.types = by_id(SessionType)
        self.categories = by_id(AccreditationCategory)
        chair_ids = {s["chair_id"] for s in snapshots if s.get("chair_id")}
        self.chairs = (
            {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(chair_ids)))}
            if chair_ids
            else {}
        )
        live = db.session.execute(
            sa.select(
                ProgrammeSession.id,
                ProgrammeSession.booked_count,
                ProgrammeSession.tlp,
                ProgrammeSession.chatham_house,
            ).where(ProgrammeSession.edition_id == edition.id)
        ).all()
        self.booked = {row.id: row.booked_count for row in live}
        # A label or the Chatham House Rule set in the draft protects the released session at
        # once: protection never waits for a release (the stricter of both applies).
        self.labels = {row.id: row.tlp for row in live}
        self.chatham = {row.id for row in live if row.chatham_house}
        self.contribution_labels = dict(
            db.session.execute(
                sa.select(Contribution.id, Contribution.tlp)
                .join(ProgrammeSession, ProgrammeSession.id == Contribution.session_id)
                .where(ProgrammeSession.edition_id == edition.id, Contribution.tlp.is_not(None))
            ).all()
        )


def _released(session_id: int, data: dict, edition, lookups: _Lookups) -> ReleasedSession:
    start = dt.datetime.fromisoformat(data["starts_at"])
    contributions = []
    for position, c in enumerate(data.get("contributions", [])):
        contributions.append(
            SimpleNamespace(
                id=c["id"],
                position=position,
                kind=c["kind"],
                title=c["title"],
                description=c.get("description", ""),
                duration_minutes=c["duration_minutes"],
                submission_id=c.get("submission_id"),
                speakers=_speaker_objects(c.get("speakers", [])),
                tlp=tlp.strictest(c.get("tlp"), lookups.contribution_labels.get(c["id"])),
            )
        )
    own = _speaker_objects(data.get("speakers", []))
    presenting = [s for c in contributions for s in c.speakers]
    return ReleasedSession(
        id=session_id,
        edition_id=edition.id,
        uid=data["uid"],
        title=data["title"],
        description=data.get("description", ""),
        type=lookups.types.get(data.get("type_id")),
        track=lookups.tracks.get(data.get("track_id")),
        room=lookups.rooms.get(data.get("room_id")),
        chair=lookups.chairs.get(data.get("chair_id")),
        categories=[
            lookups.categories[i] for i in data.get("category_ids", []) if i in lookups.categories
        ],
        speakers=own + presenting,
        contributions=contributions,
        starts_at=start,
        ends_at=dt.datetime.fromisoformat(data["ends_at"]),
        capacity=data.get("capacity"),
        booking_required=data.get("booking_required", False),
        chatham_house=bool(data.get("chatham_house", False)) or session_id in lookups.chatham,
        state=data.get("state", SessionState.SCHEDULED),
        cancel_reason=data.get("cancel_reason", ""),
        access=data.get("access", "open"),
        sequence=data.get("sequence", 0),
        updated_at=dt.datetime.fromisoformat(data["updated_at"]),
        booked_count=lookups.booked.get(session_id, 0),
        tlp=tlp.strictest(data.get("tlp"), lookups.labels.get(session_id)),
    )


def sessions_of_snapshot(edition, snapshot: dict) -> list[ReleasedSession]:
    """The sessions of ``snapshot`` in programme order."""
    lookups = _Lookups(edition, snapshot.values())
    sessions = [_released(int(k), v, edition, lookups) for k, v in snapshot.items()]
    sessions.sort(key=lambda s: (s.starts_at, s.ends_at, s.id))
    return sessions


def released_sessions(edition) -> list[ReleasedSession] | None:
    """The sessions of the last release (cached for the request); None before the first."""
    release = latest_release(edition)
    if release is None:
        return None
    return _release_cache(edition, release)[0]


def released_by_id(edition) -> dict[int, ReleasedSession] | None:
    """The same sessions by id (one look-up for one session); None before the first release."""
    release = latest_release(edition)
    return None if release is None else _release_cache(edition, release)[1]


def _release_cache(edition, release) -> tuple[list[ReleasedSession], dict[int, ReleasedSession]]:
    cache = g.setdefault("_released_sessions", {})
    key = (edition.id, release.id)
    if key not in cache:
        sessions = sessions_of_snapshot(edition, release.snapshot or {})
        cache[key] = (sessions, {s.id: s for s in sessions})
    return cache[key]


def released_version(edition) -> str | None:
    release = latest_release(edition)
    return release.version if release is not None else None
