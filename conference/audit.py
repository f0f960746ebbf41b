"""The audit log: who did what to which record, and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference.db import UTCDateTime, utcnow
from conference.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_edition_created", "edition_id", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="SET NULL")
    )
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Kept as text so that the entry stays readable after the actor's account is erased.
    actor_label: so.Mapped[str] = so.mapped_column(sa.String(254), default="system")
    action: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    target_type: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    target_id: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    details: so.Mapped[dict] = so.mapped_column(sa.JSON(), default=dict)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


def _target_of(target: Any) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        return str(target[0]), str(target[1])
    return type(target).__name__, str(getattr(target, "id", ""))


def record(
    actor: Any,
    action: str,
    target: Any = None,
    *,
    edition: Any = None,
    **details: Any,
) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller commits).

    ``actor`` is a user or None (the system); ``target`` a model instance or a
    ``(type, id)`` tuple; ``details`` must be JSON-serialisable.
    """
    target_type, target_id = _target_of(target)
    edition_id = getattr(edition, "id", edition)
    if edition_id is None and target is not None:
        edition_id = getattr(target, "edition_id", None)
    actor_id = getattr(actor, "id", None) if actor is not None else None
    if actor is None or not getattr(actor, "is_authenticated", True):
        label = "system"
    else:
        label = getattr(actor, "email", "system")
    entry = AuditEntry(
        edition_id=edition_id,
        actor_id=actor_id,
        actor_label=label,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    db.session.add(entry)
    return entry
