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


# --- reading the log: names and links instead of "User #82" --------------------------------
#
# Each area says how to name its records: ``@audit.describes("Registration")`` on a function
# that takes the ids of one page of entries and returns ``{id: (label, url or None)}``. The
# acting area registers it (in its views), so the log page needs no import of any area.

Describer = Any
DESCRIBERS: dict[str, Describer] = {}


def describes(target_type: str):
    """Register the function that names records of ``target_type`` in the log."""

    def register(fn):
        DESCRIBERS[target_type] = fn
        return fn

    return register


def describe_targets(entries) -> dict[tuple[str, str], tuple[str, str | None]]:
    """``{(target_type, target_id): (label, url)}`` for the records and actors of ``entries``
    (the actors under ``("User", actor_id)``)."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.target_id and entry.target_id.isdigit():
            wanted.setdefault(entry.target_type, set()).add(int(entry.target_id))
        if entry.actor_id is not None:
            wanted.setdefault("User", set()).add(entry.actor_id)
    found: dict[tuple[str, str], tuple[str, str | None]] = {}
    for target_type, ids in wanted.items():
        describer = DESCRIBERS.get(target_type)
        if describer is None:
            continue
        for target_id, described in describer(sorted(ids)).items():
            found[(target_type, str(target_id))] = described
    return found


def readable_details(details: dict | None) -> list[tuple[str, str]]:
    """An entry's details as (label, text) pairs for a list: "From state: submitted"."""
    pairs = []
    for key, value in (details or {}).items():
        label = str(key).replace("_", " ").capitalize()
        pairs.append((label, _readable(value)))
    return pairs


def _readable(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_readable(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_readable(v)}" for k, v in value.items())
    return str(value)
