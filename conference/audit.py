"""The audit log: who did what to which record, and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext, lazy_pgettext, pgettext

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


def _detail_labels() -> dict[str, str]:
    """The names of the details areas record, as the log shows them, in the request's
    language. (Context "audit detail": "Added" is a count here, not a date.) A name missing
    here is shown as written in the code ("from_state" → "From state"), untranslated."""
    return {
        "accredit_at_once": pgettext("audit detail", "Accredited at once"),
        "acronym": pgettext("audit detail", "Acronym"),
        "added": pgettext("audit detail", "Added"),
        "address": pgettext("audit detail", "Address"),
        "after": pgettext("audit detail", "After"),
        "authority": pgettext("audit detail", "Authority"),
        "badge_footer": pgettext("audit detail", "Badge footer"),
        "badge_show_country": pgettext("audit detail", "Badge show country"),
        "badge_show_organisation": pgettext("audit detail", "Badge show organisation"),
        "before": pgettext("audit detail", "Before"),
        "blocked": pgettext("audit detail", "Blocked"),
        "by_organiser_after_deadline": pgettext("audit detail", "By organiser after deadline"),
        "capacity": pgettext("audit detail", "Capacity"),
        "categories": pgettext("audit detail", "Categories"),
        "category": pgettext("audit detail", "Category"),
        "category_ids": pgettext("audit detail", "Category ids"),
        "cfp_closes_at": pgettext("audit detail", "Cfp closes at"),
        "cfp_opens_at": pgettext("audit detail", "Cfp opens at"),
        "changed": pgettext("audit detail", "Changed"),
        "changes": pgettext("audit detail", "Changes"),
        "checkpoint": pgettext("audit detail", "Checkpoint"),
        "clashes": pgettext("audit detail", "Clashes"),
        "closes_at": pgettext("audit detail", "Closes at"),
        "code": pgettext("audit detail", "Code"),
        "colour": pgettext("audit detail", "Colour"),
        "count": pgettext("audit detail", "Count"),
        "created": pgettext("audit detail", "Created"),
        "criteria": pgettext("audit detail", "Criteria"),
        "credential": pgettext("audit detail", "Credential"),
        "decision": pgettext("audit detail", "Decision"),
        "description": pgettext("audit detail", "Description"),
        "done": pgettext("audit detail", "Done"),
        "duration_minutes": pgettext("audit detail", "Duration minutes"),
        "email": pgettext("audit detail", "Email"),
        "end_date": pgettext("audit detail", "End date"),
        "exit_scans": pgettext("audit detail", "Exit scans"),
        "expires_at": pgettext("audit detail", "Expires at"),
        "failed": pgettext("audit detail", "Failed"),
        "fields": pgettext("audit detail", "Fields"),
        "filters": pgettext("audit detail", "Filters"),
        "from_state": pgettext("audit detail", "From state"),
        "had_seat": pgettext("audit detail", "Had seat"),
        "invited_to_register": pgettext("audit detail", "Invited to register"),
        "is_speaker_category": pgettext("audit detail", "Is speaker category"),
        "is_staff_category": pgettext("audit detail", "Is staff category"),
        "key": pgettext("audit detail", "Key"),
        "kind": pgettext("audit detail", "Kind"),
        "languages": pgettext("audit detail", "Languages"),
        "length": pgettext("audit detail", "Length"),
        "left": pgettext("audit detail", "Left"),
        "mail_templates": pgettext("audit detail", "Mail templates"),
        "max_words": pgettext("audit detail", "Max words"),
        "method": pgettext("audit detail", "Method"),
        "moved": pgettext("audit detail", "Moved"),
        "name": pgettext("audit detail", "Name"),
        "names_offline": pgettext("audit detail", "Names offline"),
        "offered": pgettext("audit detail", "Offered"),
        "older_than_days": pgettext("audit detail", "Older than days"),
        "only_unprinted": pgettext("audit detail", "Only unprinted"),
        "open_tracks": pgettext("audit detail", "Open tracks"),
        "opens_at": pgettext("audit detail", "Opens at"),
        "outstanding": pgettext("audit detail", "Outstanding"),
        "overrides": pgettext("audit detail", "Overrides"),
        "pairs": pgettext("audit detail", "Pairs"),
        "phase": pgettext("audit detail", "Phase"),
        "photo": pgettext("audit detail", "Photo"),
        "placed_despite_clashes": pgettext("audit detail", "Placed despite clashes"),
        "position": pgettext("audit detail", "Position"),
        "previous": pgettext("audit detail", "Previous"),
        "previous_state": pgettext("audit detail", "Previous state"),
        "programme_session": pgettext("audit detail", "Programme session"),
        "quota": pgettext("audit detail", "Quota"),
        "reason": pgettext("audit detail", "Reason"),
        "registration": pgettext("audit detail", "Registration"),
        "registration_closes_at": pgettext("audit detail", "Registration closes at"),
        "registration_opens_at": pgettext("audit detail", "Registration opens at"),
        "registration_questions": pgettext("audit detail", "Registration questions"),
        "registrations": pgettext("audit detail", "Registrations"),
        "removed": pgettext("audit detail", "Removed"),
        "replaces": pgettext("audit detail", "Replaces"),
        "requires_nomination": pgettext("audit detail", "Requires nomination"),
        "reserves_place": pgettext("audit detail", "Reserves a place"),
        "result": pgettext("audit detail", "Result"),
        "review_criteria": pgettext("audit detail", "Review criteria"),
        "review_deadline": pgettext("audit detail", "Review deadline"),
        "reviewer_id": pgettext("audit detail", "Reviewer id"),
        "reviewer_names_visible": pgettext("audit detail", "Reviewer names visible"),
        "role": pgettext("audit detail", "Role"),
        "rooms": pgettext("audit detail", "Rooms"),
        "scope": pgettext("audit detail", "Scope"),
        "sensitive_answers": pgettext("audit detail", "Sensitive answers"),
        "session_id": pgettext("audit detail", "Session id"),
        "session_types": pgettext("audit detail", "Session types"),
        "sessions": pgettext("audit detail", "Sessions"),
        "shared": pgettext("audit detail", "Shared"),
        "shared_domains": pgettext("audit detail", "Shared domains"),
        "shift_days": pgettext("audit detail", "Shift days"),
        "source": pgettext("audit detail", "Source"),
        "source_year": pgettext("audit detail", "Source year"),
        "start_date": pgettext("audit detail", "Start date"),
        "state": pgettext("audit detail", "State"),
        "submission_id": pgettext("audit detail", "Submission id"),
        "submission_types": pgettext("audit detail", "Submission types"),
        "submitted": pgettext("audit detail", "Submitted"),
        "timezone": pgettext("audit detail", "Timezone"),
        "title": pgettext("audit detail", "Title"),
        "title_translations": pgettext("audit detail", "Title translations"),
        "total": pgettext("audit detail", "Total"),
        "tracks": pgettext("audit detail", "Tracks"),
        "unassigned": pgettext("audit detail", "Unassigned"),
        "user_id": pgettext("audit detail", "User id"),
        "venue": pgettext("audit detail", "Venue"),
        "version": pgettext("audit detail", "Version"),
        "waitlist_mode": pgettext("audit detail", "Waiting list"),
        "waitlist_offer_days": pgettext("audit detail", "Days to take an offered place"),
        "warnings": pgettext("audit detail", "Warnings"),
        "was_confirmed": pgettext("audit detail", "Was confirmed"),
        "was_published": pgettext("audit detail", "Was published"),
        "where": pgettext("audit detail", "Where"),
        "with_programme": pgettext("audit detail", "With programme"),
        "withdrawn_talks": pgettext("audit detail", "Withdrawn talks"),
        "words": pgettext("audit detail", "Words"),
        "year": pgettext("audit detail", "Year"),
        # The mail log (editions.mail_log).
        "subject": pgettext("audit detail", "Subject"),
        "resent_message": pgettext("audit detail", "Message resent"),
        # Issue 19: running orders, releases, speakers' availability and slots.
        "contribution": pgettext("audit detail", "Contribution"),
        "days": pgettext("audit detail", "Days"),
        "ends_at": pgettext("audit detail", "Ends at"),
        "mails": pgettext("audit detail", "Mails"),
        "minutes": pgettext("audit detail", "Minutes"),
        "room_id": pgettext("audit detail", "Room"),
        "starts_at": pgettext("audit detail", "Starts at"),
        # Issue 23: TLP labels (sessions, contributions, the edition's default).
        "tlp": pgettext("audit detail", "TLP label"),
        "tlp_from": pgettext("audit detail", "TLP label before"),
        "tlp_to": pgettext("audit detail", "TLP label after"),
        "tlp_default": pgettext("audit detail", "TLP label of new sessions"),
    }


def detail_label(key, labels: dict[str, str] | None = None) -> str:
    """A detail's name as people read it, in the current language."""
    label = (labels if labels is not None else _detail_labels()).get(str(key))
    return label if label is not None else str(key).replace("_", " ").capitalize()


def readable_details(details: dict | None) -> list[tuple[str, str]]:
    """An entry's details as (label, text) pairs for a list: "From state: submitted"."""
    labels = _detail_labels()
    return [
        (
            detail_label(key, labels),
            # "changed" lists the names of the fields that changed: shown as their labels.
            ", ".join(detail_label(v, labels) for v in value) or "—"
            if key == "changed" and isinstance(value, list)
            else _readable(value, labels),
        )
        for key, value in (details or {}).items()
    ]


# Codes recorded as detail values that are words of the interface (where a badge was printed).
_VALUE_WORDS = {"door": lazy_pgettext("audit value", "door")}


def _readable(value, labels: dict[str, str]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list | tuple):
        return ", ".join(_readable(v, labels) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(
            f"{detail_label(k, labels)}: {_readable(v, labels)}" for k, v in value.items()
        )
    if isinstance(value, str) and value in _VALUE_WORDS:
        return str(_VALUE_WORDS[value])
    return str(value)
