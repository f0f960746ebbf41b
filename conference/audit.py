"""The audit log: who did what to which record, and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

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


# The names of the details areas record, as the log shows them. A name missing here is shown
# as written in the code ("from_state" → "From state"), untranslated.
DETAIL_LABELS = {
    "acronym": _l("Acronym"),
    "added": _l("Added"),
    "address": _l("Address"),
    "after": _l("After"),
    "authority": _l("Authority"),
    "badge_footer": _l("Badge footer"),
    "badge_show_country": _l("Badge show country"),
    "badge_show_organisation": _l("Badge show organisation"),
    "before": _l("Before"),
    "blocked": _l("Blocked"),
    "by_organiser_after_deadline": _l("By organiser after deadline"),
    "capacity": _l("Capacity"),
    "categories": _l("Categories"),
    "category": _l("Category"),
    "category_ids": _l("Category ids"),
    "cfp_closes_at": _l("Cfp closes at"),
    "cfp_opens_at": _l("Cfp opens at"),
    "changed": _l("Changed"),
    "changes": _l("Changes"),
    "checkpoint": _l("Checkpoint"),
    "clashes": _l("Clashes"),
    "closes_at": _l("Closes at"),
    "code": _l("Code"),
    "colour": _l("Colour"),
    "count": _l("Count"),
    "created": _l("Created"),
    "credential": _l("Credential"),
    "decision": _l("Decision"),
    "done": _l("Done"),
    "duration_minutes": _l("Duration minutes"),
    "email": _l("Email"),
    "end_date": _l("End date"),
    "expires_at": _l("Expires at"),
    "failed": _l("Failed"),
    "fields": _l("Fields"),
    "from_state": _l("From state"),
    "had_seat": _l("Had seat"),
    "invited_to_register": _l("Invited to register"),
    "is_speaker_category": _l("Is speaker category"),
    "is_staff_category": _l("Is staff category"),
    "key": _l("Key"),
    "languages": _l("Languages"),
    "left": _l("Left"),
    "mail_templates": _l("Mail templates"),
    "max_words": _l("Max words"),
    "method": _l("Method"),
    "moved": _l("Moved"),
    "name": _l("Name"),
    "offered": _l("Offered"),
    "older_than_days": _l("Older than days"),
    "only_unprinted": _l("Only unprinted"),
    "open_tracks": _l("Open tracks"),
    "opens_at": _l("Opens at"),
    "overrides": _l("Overrides"),
    "pairs": _l("Pairs"),
    "placed_despite_clashes": _l("Placed despite clashes"),
    "position": _l("Position"),
    "previous": _l("Previous"),
    "previous_state": _l("Previous state"),
    "programme_session": _l("Programme session"),
    "quota": _l("Quota"),
    "reason": _l("Reason"),
    "registration": _l("Registration"),
    "registration_closes_at": _l("Registration closes at"),
    "registration_opens_at": _l("Registration opens at"),
    "registrations": _l("Registrations"),
    "removed": _l("Removed"),
    "replaces": _l("Replaces"),
    "requires_nomination": _l("Requires nomination"),
    "result": _l("Result"),
    "review_deadline": _l("Review deadline"),
    "reviewer_id": _l("Reviewer id"),
    "role": _l("Role"),
    "rooms": _l("Rooms"),
    "scope": _l("Scope"),
    "session_id": _l("Session id"),
    "session_types": _l("Session types"),
    "sessions": _l("Sessions"),
    "shared_domains": _l("Shared domains"),
    "shift_days": _l("Shift days"),
    "source": _l("Source"),
    "source_year": _l("Source year"),
    "start_date": _l("Start date"),
    "state": _l("State"),
    "submission_id": _l("Submission id"),
    "submission_types": _l("Submission types"),
    "submitted": _l("Submitted"),
    "timezone": _l("Timezone"),
    "title": _l("Title"),
    "title_translations": _l("Title translations"),
    "total": _l("Total"),
    "tracks": _l("Tracks"),
    "unassigned": _l("Unassigned"),
    "user_id": _l("User id"),
    "venue": _l("Venue"),
    "version": _l("Version"),
    "warnings": _l("Warnings"),
    "was_confirmed": _l("Was confirmed"),
    "was_published": _l("Was published"),
    "where": _l("Where"),
    "with_programme": _l("With programme"),
    "withdrawn_talks": _l("Withdrawn talks"),
    "words": _l("Words"),
    "year": _l("Year"),
}


def detail_label(key) -> str:
    """A detail's name as people read it, in the current language."""
    label = DETAIL_LABELS.get(str(key))
    return str(label) if label is not None else str(key).replace("_", " ").capitalize()


def readable_details(details: dict | None) -> list[tuple[str, str]]:
    """An entry's details as (label, text) pairs for a list: "From state: submitted"."""
    return [(detail_label(key), _readable(value)) for key, value in (details or {}).items()]


def _readable(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, list | tuple):
        return ", ".join(_readable(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{detail_label(k)}: {_readable(v)}" for k, v in value.items())
    return str(value)
