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


class ScanDirection(enum.StrEnum):
    IN = "in"
    OUT = "out"


class ManualReason(enum.StrEnum):
    """Why door staff admitted someone without reading their badge."""

    FORGOTTEN_BADGE = "forgotten_badge"
    UNREADABLE_PRINT = "unreadable_print"
    ORGANISER_OVERRIDE = "organiser_override"


FIRST_ADMISSION = "result = 'admitted' AND direction = 'in'"


class Scan(db.Model):
    __tablename__ = "scans"
    __table_args__ = (
        # Offline scanners retry; the same scan_id is recorded once.
        sa.UniqueConstraint("edition_id", "scan_id"),
        sa.Index("ix_scans_checkpoint", "edition_id", "checkpoint", "scanned_at"),
        # One first admission per person and checkpoint, decided by the database itself so
        # that parallel scans agree on SQLite (no row locks) as on PostgreSQL.
        sa.Index(
            "uq_scans_first_admission",
            "edition_id",
            "checkpoint",
            "registration_id",
            unique=True,
            sqlite_where=sa.text(FIRST_ADMISSION),
            postgresql_where=sa.text(FIRST_ADMISSION),
        ),
        sa.CheckConstraint("direction IN ('in', 'out')", name="direction_known"),
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
    direction: so.Mapped[str] = so.mapped_column(
        sa.String(3), default=ScanDirection.IN, server_default="in"
    )
    # Set for an admission without a readable badge (ManualReason); staff_id says who.
    manual_reason: so.Mapped[str | None] = so.mapped_column(sa.String(30))


class InvalidScanCount(db.Model):
    """Codes that are not badges of ours (damaged, forged, garbage), counted per device,
    checkpoint and minute instead of one row each, so that a sweep cannot fill the table.

    ``device`` is ``token:<id>`` for a scanner with an API token, ``user:<id>`` for the
    scanner page; ``logged`` says how many of ``count`` also got a row in ``scans``.
    """

    __tablename__ = "invalid_scan_counts"
    __table_args__ = (sa.UniqueConstraint("edition_id", "device", "checkpoint", "minute"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    device: so.Mapped[str] = so.mapped_column(sa.String(40))
    staff_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    checkpoint: so.Mapped[str] = so.mapped_column(sa.String(40))
    minute: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime())
    count: so.Mapped[int] = so.mapped_column(default=0)
    logged: so.Mapped[int] = so.mapped_column(default=0)
    last_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class DoorSettings(db.Model):
    """An edition's door choices that are not about one checkpoint."""

    __tablename__ = "door_settings"

    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True
    )
    # Whether the scanner bundle carries the names, organisations and badge numbers of the
    # accredited, so that door staff can look people up offline (off: names stay online).
    names_offline: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())


class CheckpointSettings(db.Model):
    """One door's choices: whether it takes exit scans (to count who is still inside)."""

    __tablename__ = "checkpoint_settings"
    __table_args__ = (sa.UniqueConstraint("edition_id", "checkpoint"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    # "venue" or "session:<id>", as in Scan.checkpoint.
    checkpoint: so.Mapped[str] = so.mapped_column(sa.String(40))
    exit_scans: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
