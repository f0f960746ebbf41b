"""Scans at the venue door and at session doors."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference.db import UTCDateTime, utcnow
from conference.extensions import db


class ScanResult(enum.StrEnum):
    ADMITTED = "admitted"
    ADMITTED_AGAIN = "admitted_again"
    DENIED = "denied"


class Scan(db.Model):
    __tablename__ = "scans"
    __table_args__ = (
        # Offline scanners retry; the same scan_id is recorded once.
        sa.UniqueConstraint("edition_id", "scan_id"),
        sa.Index("ix_scans_checkpoint", "edition_id", "checkpoint", "scanned_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    scan_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    # "venue" or "session:<id>".
    checkpoint: so.Mapped[str] = so.mapped_column(sa.String(40))
    session_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    badge_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("badges.id", ondelete="SET NULL"), index=True
    )
    registration_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    result: so.Mapped[str] = so.mapped_column(sa.String(20))
    reason: so.Mapped[str | None] = so.mapped_column(sa.String(30))
    staff_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    scanned_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    received_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    offline: so.Mapped[bool] = so.mapped_column(default=False)
