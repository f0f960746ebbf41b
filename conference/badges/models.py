"""Badges (one valid per registration, enforced by a partial unique index) and print jobs."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference.db import UTCDateTime, utcnow
from conference.extensions import db


class BadgeState(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


class PrintJobState(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Badge(db.Model):
    __tablename__ = "badges"
    __table_args__ = (
        sa.Index(
            "uq_badges_one_valid",
            "registration_id",
            unique=True,
            sqlite_where=sa.text("state = 'valid'"),
            postgresql_where=sa.text("state = 'valid'"),
        ),
        sa.UniqueConstraint("registration_id", "version"),
        # The number printed on the badge: sequential per edition, kept by a reissue.
        sa.Index(
            "uq_badges_edition_number",
            "edition_id",
            "number",
            unique=True,
            sqlite_where=sa.text("state = 'valid'"),
            postgresql_where=sa.text("state = 'valid'"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    version: so.Mapped[int] = so.mapped_column(default=1)
    category_code: so.Mapped[str] = so.mapped_column(sa.String(20))
    state: so.Mapped[str] = so.mapped_column(sa.String(20), default=BadgeState.VALID)
    issued_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    revoke_reason: so.Mapped[str] = so.mapped_column(sa.String(400), default="")
    printed_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    number: so.Mapped[int | None] = so.mapped_column()

    registration: so.Mapped[Registration] = so.relationship()  # noqa: F821


class BadgePrintJob(db.Model):
    """A bulk print of badges on A4 sheets, run in the background, with progress."""

    __tablename__ = "badge_print_jobs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    filters: so.Mapped[dict] = so.mapped_column(sa.JSON(), default=dict)
    state: so.Mapped[str] = so.mapped_column(sa.String(20), default=PrintJobState.PENDING)
    total: so.Mapped[int] = so.mapped_column(default=0)
    done: so.Mapped[int] = so.mapped_column(default=0)
    error: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    pdf: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary())
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    finished_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())


if TYPE_CHECKING:  # related models are resolved by name when the mappers configure
    from conference.accreditation.models import Registration
