"""A mailing (subject, body and the group it goes to) and the outbox message of each
recipient."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference.db import UTCDateTime, utcnow
from conference.extensions import db


class MailingState(enum.StrEnum):
    DRAFT = "draft"  # being written; the group is computed afresh on every look
    SENDING = "sending"  # messages queued, the worker delivers them
    STOPPED = "stopped"  # delivery paused by an organiser; resumable
    SENT = "sent"  # every message delivered or given up


class Mailing(db.Model):
    __tablename__ = "mailings"
    __table_args__ = (
        sa.CheckConstraint("state IN ('draft', 'sending', 'stopped', 'sent')", name="state_known"),
        sa.Index("ix_mailings_edition_created", "edition_id", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    body: so.Mapped[str] = so.mapped_column(sa.Text())
    # Who receives it: {"kind": "registrations" | "speakers" | "reviewers" | "role" | "csv",
    # and the filters of that kind} (see ``services.groups``).
    audience: so.Mapped[dict] = so.mapped_column(sa.JSON(), default=dict)
    state: so.Mapped[str] = so.mapped_column(sa.String(20), default=MailingState.DRAFT)
    recipient_count: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )
    queued_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    finished_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())

    created_by: so.Mapped[User | None] = so.relationship()  # noqa: F821


class MailingMessage(db.Model):
    """One recipient of a sent mailing and the outbox message queued for them.

    The unique (mailing, address) pair is what guarantees one message per person."""

    __tablename__ = "mailing_messages"
    __table_args__ = (sa.UniqueConstraint("mailing_id", "to"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    mailing_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("mailings.id", ondelete="CASCADE"), index=True
    )
    outbox_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("outbox.id", ondelete="SET NULL"), unique=True
    )
    to: so.Mapped[str] = so.mapped_column(sa.String(254))
    name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


if TYPE_CHECKING:  # related models are resolved by name when the mappers configure
    from conference.accounts.models import User
