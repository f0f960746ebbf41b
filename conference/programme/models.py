"""Rooms, tracks, session types, programme sessions, access policies and bookings."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference import tlp
from conference.db import TimestampMixin, UTCDateTime, utcnow
from conference.extensions import db


class SessionState(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class AccessPolicy(enum.StrEnum):
    OPEN = "open"  # every accredited attendee
    CATEGORIES = "categories"  # only the chosen accreditation categories
    INVITATION = "invitation"  # only the named people (plus organisers and staff)


class BookingState(enum.StrEnum):
    BOOKED = "booked"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Room(db.Model):
    __tablename__ = "rooms"
    __table_args__ = (
        sa.UniqueConstraint("edition_id", "name"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_positive"),
        sa.CheckConstraint(
            "(opens_at IS NULL AND closes_at IS NULL)"
            " OR (opens_at IS NOT NULL AND closes_at IS NOT NULL AND closes_at > opens_at)",
            name="hours_ordered",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    capacity: so.Mapped[int | None] = so.mapped_column()
    directions: so.Mapped[str] = so.mapped_column(sa.String(400), default="")
    position: so.Mapped[int] = so.mapped_column(default=0)
    # Daily opening hours, local time of day in the edition's zone; both empty: no limit.
    opens_at: so.Mapped[dt.time | None] = so.mapped_column(sa.Time())
    closes_at: so.Mapped[dt.time | None] = so.mapped_column(sa.Time())

    @property
    def has_hours(self) -> bool:
        return self.opens_at is not None and self.closes_at is not None


class Track(db.Model):
    __tablename__ = "tracks"
    __table_args__ = (sa.UniqueConstraint("edition_id", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    colour: so.Mapped[str] = so.mapped_column(sa.String(7), default="#005a9c")
    open_for_submissions: so.Mapped[bool] = so.mapped_column(default=True)
    position: so.Mapped[int] = so.mapped_column(default=0)


class SessionType(db.Model):
    __tablename__ = "session_types"
    __table_args__ = (sa.UniqueConstraint("edition_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    code: so.Mapped[str] = so.mapped_column(sa.String(30))
    is_break: so.Mapped[bool] = so.mapped_column(default=False)


session_categories = sa.Table(
    "session_categories",
    db.metadata,
    sa.Column("session_id", sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "category_id",
        sa.ForeignKey("accreditation_categories.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class ProgrammeSession(TimestampMixin, db.Model):
    """One item of the programme (a plenary, panel, workshop, closed-door meeting, break…)."""

    __tablename__ = "sessions"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="times_ordered"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_positive"),
        sa.Index("ix_sessions_edition_start", "edition_id", "starts_at"),
        sa.CheckConstraint(f"tlp IN ({tlp.SQL_VALUES})", name="tlp_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    # Stable calendar identity: never changes across edits.
    uid: so.Mapped[str] = so.mapped_column(
        sa.String(64), unique=True, default=lambda: uuid.uuid4().hex
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    description: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    type_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("session_types.id", ondelete="SET NULL"), index=True
    )
    track_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("tracks.id", ondelete="SET NULL"), index=True
    )
    room_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("rooms.id", ondelete="SET NULL"), index=True
    )
    starts_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime())
    ends_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime())
    chair_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    capacity: so.Mapped[int | None] = so.mapped_column()
    booking_required: so.Mapped[bool] = so.mapped_column(default=False)
    chatham_house: so.Mapped[bool] = so.mapped_column(default=False)
    # How the session's content may travel (TLP 2.0, ``conference.tlp``); its contributions
    # and materials are never less strict. ``permissions.tlp_disclosure`` applies it.
    tlp: so.Mapped[str] = so.mapped_column(sa.String(20), default="CLEAR", server_default="CLEAR")
    state: so.Mapped[str] = so.mapped_column(sa.String(20), default=SessionState.SCHEDULED)
    cancel_reason: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    access: so.Mapped[str] = so.mapped_column(sa.String(20), default=AccessPolicy.OPEN)
    # Who sees the session's materials (MaterialVisibility); the access rule above comes first.
    materials_access: so.Mapped[str] = so.mapped_column(
        sa.String(20), default="public", server_default="public"
    )
    # RFC 5545 SEQUENCE: grows on every change of time, room or state.
    sequence: so.Mapped[int] = so.mapped_column(default=0)
    # Counter kept under a row lock so booked seats never exceed capacity.
    booked_count: so.Mapped[int] = so.mapped_column(default=0)

    type: so.Mapped[SessionType | None] = so.relationship()
    track: so.Mapped[Track | None] = so.relationship()
    room: so.Mapped[Room | None] = so.relationship()
    chair: so.Mapped[User | None] = so.relationship()  # noqa: F821
    categories: so.Mapped[list[AccreditationCategory]] = so.relationship(  # noqa: F821
        secondary=session_categories
    )
    speakers: so.Mapped[list[SessionSpeaker]] = so.relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionSpeaker.position"
    )
    invitations: so.Mapped[list[SessionInvitation]] = so.relationship(
        back_populates="session", cascade="all, delete-orphan"
    )
    contributions: so.Mapped[list[Contribution]] = so.relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Contribution.position"
    )

    @property
    def submission_ids(self) -> list[int]:
        """The accepted submissions presented in this session, in running order."""
        return [c.submission_id for c in self.contributions if c.submission_id is not None]

    @property
    def is_restricted(self) -> bool:
        return self.access != AccessPolicy.OPEN

    @property
    def is_cancelled(self) -> bool:
        return self.state == SessionState.CANCELLED


class SessionSpeaker(db.Model):
    """A speaker of a session: an account, or a named guest."""

    __tablename__ = "session_speakers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    position: so.Mapped[int] = so.mapped_column(default=0)
    # Set when the person speaks in one contribution of the session (a talk's speakers);
    # None for the session's own speakers (a panel's panellists).
    contribution_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("session_contributions.id", ondelete="CASCADE"), index=True
    )

    session: so.Mapped[ProgrammeSession] = so.relationship(back_populates="speakers")
    user: so.Mapped[User | None] = so.relationship()  # noqa: F821


class ContributionKind(enum.StrEnum):
    TALK = "talk"  # an accepted submission, presented by its speakers
    ITEM = "item"  # anything else in the running order: opening words, Q&A, discussion


class Contribution(db.Model):
    """One item of a session's running order: a talk or a free item, with its own duration.

    A contribution has no room, chair or access rule of its own: it takes the session's, so
    whoever may not see the session sees none of its contributions. Its start is the
    session's start plus the durations of the contributions before it; the durations together
    never exceed the session (``programme.services.contributions`` keeps that rule).
    """

    __tablename__ = "session_contributions"
    __table_args__ = (
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes <= 1440", name="duration_range"
        ),
        # A submission is presented once in the programme.
        sa.UniqueConstraint("submission_id"),
        sa.CheckConstraint(f"tlp IS NULL OR tlp IN ({tlp.SQL_VALUES})", name="tlp_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int] = so.mapped_column(default=0)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), default=ContributionKind.ITEM)
    submission_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("submissions.id", ondelete="SET NULL")
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    description: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    duration_minutes: so.Mapped[int] = so.mapped_column()
    # A stricter TLP label than the session's, or None: the session's (``effective_tlp``).
    tlp: so.Mapped[str | None] = so.mapped_column(sa.String(20))

    session: so.Mapped[ProgrammeSession] = so.relationship(back_populates="contributions")
    # The same rows as in ``session.speakers``: the session lists everyone who speaks in it
    # (clashes, agendas and badges read that), the contribution its own presenters.
    speakers: so.Mapped[list[SessionSpeaker]] = so.relationship(
        order_by="SessionSpeaker.position", cascade="all, delete-orphan"
    )

    @property
    def is_talk(self) -> bool:
        return self.kind == ContributionKind.TALK

    @property
    def effective_tlp(self) -> str:
        """The contribution's label: its own, never less strict than its session's."""
        return tlp.strictest(self.session.tlp, self.tlp)


class SessionInvitation(db.Model):
    """A named person on a session's invitation list."""

    __tablename__ = "session_invitations"
    __table_args__ = (sa.UniqueConstraint("session_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    session: so.Mapped[ProgrammeSession] = so.relationship(back_populates="invitations")
    user: so.Mapped[User] = so.relationship()  # noqa: F821


class Booking(db.Model):
    """A seat in a session that requires booking, or a place on its waitlist."""

    __tablename__ = "bookings"
    __table_args__ = (
        # One live booking per person per session; cancelled rows are kept as history.
        sa.Index(
            "uq_bookings_live",
            "session_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("state != 'cancelled'"),
            postgresql_where=sa.text("state != 'cancelled'"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    state: so.Mapped[str] = so.mapped_column(sa.String(20), default=BookingState.BOOKED)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    promoted_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    cancelled_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())

    session: so.Mapped[ProgrammeSession] = so.relationship()
    user: so.Mapped[User] = so.relationship()  # noqa: F821


class ScheduleRelease(db.Model):
    """A released version of an edition's programme: what the public sees until the next one.

    ``snapshot`` holds every session as released (``programme.services.releases`` documents
    its shape); ``changes`` the differences from the release before (session id and kind:
    new, moved, room, cancelled, removed, changed). Organisers edit the live rows (the draft).
    """

    __tablename__ = "schedule_releases"
    __table_args__ = (sa.UniqueConstraint("edition_id", "version"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    version: so.Mapped[str] = so.mapped_column(sa.String(100))
    public_note: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    released_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    released_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    snapshot: so.Mapped[dict] = so.mapped_column(sa.JSON(), default=dict)
    changes: so.Mapped[list] = so.mapped_column(sa.JSON(), default=list)


class SpeakerAvailability(db.Model):
    """When a speaker can present on one day of an edition (stated after acceptance).

    A speaker who stated nothing has no constraint; once they state their days, each day
    without a row, or with ``available`` false, counts as unavailable, and a day with times
    only between ``from_time`` and ``until_time`` (edition time).
    """

    __tablename__ = "speaker_availabilities"
    __table_args__ = (
        sa.UniqueConstraint("edition_id", "user_id", "day"),
        sa.CheckConstraint(
            "from_time IS NULL OR until_time IS NULL OR until_time > from_time",
            name="times_ordered",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    day: so.Mapped[dt.date] = so.mapped_column(sa.Date())
    available: so.Mapped[bool] = so.mapped_column(default=True)
    from_time: so.Mapped[dt.time | None] = so.mapped_column(sa.Time())
    until_time: so.Mapped[dt.time | None] = so.mapped_column(sa.Time())


class SlotConfirmation(db.Model):
    """A speaker confirmed the slot of their talk (valid while the talk keeps these times)."""

    __tablename__ = "slot_confirmations"
    __table_args__ = (sa.UniqueConstraint("contribution_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contribution_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("session_contributions.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    starts_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime())
    ends_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime())
    confirmed_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class AgendaStar(db.Model):
    """A session a person put on their own agenda ("add to my agenda").

    Kept while clearance lapses: every channel shows a star only while its owner may see the
    session in detail, so a revoked person's restricted stars vanish at the next request and
    come back if clearance is restored.
    """

    __tablename__ = "agenda_stars"
    __table_args__ = (sa.UniqueConstraint("user_id", "session_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


if TYPE_CHECKING:  # related models are resolved by name when the mappers configure
    from conference.accounts.models import User
    from conference.accreditation.models import AccreditationCategory

# Speaker profiles and session materials (issue 21): registered with the metadata here.
from conference.programme import speaker_models  # noqa: E402, F401
