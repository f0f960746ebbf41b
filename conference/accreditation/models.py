"""Accreditation categories, registrations and their state history."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference.db import TimestampMixin, UTCDateTime, utcnow
from conference.extensions import db


class RegistrationState(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCREDITED = "accredited"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"
    REVOKED = "revoked"
    CANCELLED = "cancelled"


class EndorsementState(enum.StrEnum):
    NOT_NEEDED = "not_needed"
    PENDING = "pending"
    ENDORSED = "endorsed"
    DECLINED = "declined"


class AccreditationCategory(db.Model):
    __tablename__ = "accreditation_categories"
    __table_args__ = (
        sa.UniqueConstraint("edition_id", "code"),
        sa.CheckConstraint("quota IS NULL OR quota >= 0", name="quota_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    code: so.Mapped[str] = so.mapped_column(sa.String(20))
    colour: so.Mapped[str] = so.mapped_column(sa.String(7), default="#1f4e79")
    description: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    requires_nomination: so.Mapped[bool] = so.mapped_column(default=False)
    quota: so.Mapped[int | None] = so.mapped_column()
    position: so.Mapped[int] = so.mapped_column(default=0)
    # Speakers are offered this category when their abstract is accepted.
    is_speaker_category: so.Mapped[bool] = so.mapped_column(default=False)
    is_staff_category: so.Mapped[bool] = so.mapped_column(default=False)
    # Language → text, shown for that language instead of ``name`` / ``description``.
    name_translations: so.Mapped[dict] = so.mapped_column(
        sa.JSON(), default=dict, server_default="{}"
    )
    description_translations: so.Mapped[dict] = so.mapped_column(
        sa.JSON(), default=dict, server_default="{}"
    )

    def __repr__(self) -> str:
        return f"<AccreditationCategory {self.code}>"


class Registration(TimestampMixin, db.Model):
    __tablename__ = "registrations"
    __table_args__ = (sa.UniqueConstraint("edition_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    # NULL once the account is erased; the anonymised row keeps the counts right.
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    state: so.Mapped[str] = so.mapped_column(
        sa.String(20), default=RegistrationState.SUBMITTED, index=True
    )
    requested_category_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("accreditation_categories.id", ondelete="RESTRICT"), index=True
    )
    # The category granted on accreditation (may differ from the requested one).
    category_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("accreditation_categories.id", ondelete="RESTRICT"), index=True
    )
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    organisation_type: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    country: so.Mapped[str] = so.mapped_column(sa.String(2), default="")
    position: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    nominating_authority: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    nominator_email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    endorsement: so.Mapped[str] = so.mapped_column(
        sa.String(20), default=EndorsementState.NOT_NEEDED
    )
    endorsement_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    endorsement_note: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    dietary_needs: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    accessibility_needs: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    special_data_consent_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    privacy_consent_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    decided_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    decision_reason: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    anonymised_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())

    user: so.Mapped[User | None] = so.relationship()  # noqa: F821
    edition: so.Mapped[Edition] = so.relationship()  # noqa: F821
    requested_category: so.Mapped[AccreditationCategory] = so.relationship(
        foreign_keys=[requested_category_id]
    )
    category: so.Mapped[AccreditationCategory | None] = so.relationship(foreign_keys=[category_id])
    events: so.Mapped[list[RegistrationEvent]] = so.relationship(
        back_populates="registration",
        cascade="all, delete-orphan",
        order_by="RegistrationEvent.id",
    )


class RegistrationEvent(db.Model):
    """One state change of a registration: who, when, why."""

    __tablename__ = "registration_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    from_state: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    to_state: so.Mapped[str] = so.mapped_column(sa.String(20))
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    reason: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    registration: so.Mapped[Registration] = so.relationship(back_populates="events")
    actor: so.Mapped[User | None] = so.relationship()  # noqa: F821


if TYPE_CHECKING:  # related models are resolved by name when the mappers configure
    from conference.accounts.models import User
    from conference.editions.models import Edition


class RegistrationInvitation(db.Model):
    """An organiser's invitation to register in a pre-set category, through a signed link.

    Not to be confused with the co-speaker invitations of submissions. The state is derived
    (``invitation_state`` in the services): revoked, used, expired, opened or sent. With
    ``reserves_place`` the invitation holds a place of the category's quota until it is used,
    revoked or expired (and, when the registration is still moderated, until it is decided).
    """

    __tablename__ = "registration_invitations"
    __table_args__ = (
        # One live invitation per address and edition (a revoked one may be replaced).
        sa.Index(
            "uq_registration_invitations_live_email",
            "edition_id",
            "email",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    # Deleting a category (possible only while no registration uses it) drops its invitations.
    category_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("accreditation_categories.id", ondelete="CASCADE"), index=True
    )
    note: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    expires_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime())
    accredit_at_once: so.Mapped[bool] = so.mapped_column(default=False)
    reserves_place: so.Mapped[bool] = so.mapped_column(default=False)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    sent_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    send_count: so.Mapped[int] = so.mapped_column(default=0)
    opened_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    used_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    revoked_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    # When the waiting-list job gave the place of an expired reserving invitation on.
    hold_released_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    registration_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), unique=True
    )

    # The ORM deletes them with their category too (SQLite enforces no foreign keys here).
    category: so.Mapped[AccreditationCategory] = so.relationship(
        backref=so.backref("registration_invitations", cascade="all, delete-orphan")
    )
    registration: so.Mapped[Registration | None] = so.relationship()


class WaitlistEntry(db.Model):
    """A registration's place on the waiting list of its category, while it is waitlisted.

    Entries wait in order (``created_at``, then ``id``). ``state`` is "waiting", "offered"
    (a place is held for the person until ``offer_expires_at``) or "lapsed" (an offer not
    taken in time: the place passed to the next person, this one is not offered again).
    """

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('waiting', 'offered', 'lapsed')", name="waitlist_entry_state"
        ),
        sa.Index("ix_waitlist_entries_order", "edition_id", "state", "created_at", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    category_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("accreditation_categories.id", ondelete="RESTRICT"), index=True
    )
    state: so.Mapped[str] = so.mapped_column(sa.String(20), default="waiting")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    offered_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    offer_expires_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    lapsed_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())

    registration: so.Mapped[Registration] = so.relationship()
    category: so.Mapped[AccreditationCategory] = so.relationship()
