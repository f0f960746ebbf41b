"""Reminders: mail that goes out by itself when something is about to be missed.

A small registry of reminder kinds. Each area registers its kinds (in its ``reminders``
module, listed in the package's ``VIEWS``) with ``register``: a key, a label and help text for
the edition settings form, the default number of days ahead, and ``due(edition, now, days)``
giving the reminders due now, each with a key saying what it is about and a function that
queues its mail. ``send_due`` runs every kind of every current edition; the worker runs it
periodically (``REMINDERS_INTERVAL``) and cron can run ``flask mail reminders``.

Each kind can be switched off per edition (``ReminderSetting``, in the settings form). A
reminder is recorded in ``SentReminder`` in the same transaction as its mail: its unique
(edition, kind, key) makes sure it is never sent twice, even by two runs at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context
from wtforms import BooleanField, IntegerField
from wtforms.validators import NumberRange, Optional

from conference import audit, jobs
from conference.db import utcnow
from conference.editions.models import Edition, EditionState, ReminderSetting, SentReminder
from conference.extensions import db
from conference.mail import send_pending


@dataclass(frozen=True)
class Reminder:
    """One reminder due: ``key`` names what it is about within its kind and edition (sent at
    most once); ``send`` queues its mail (``mail.queue``) in the current transaction."""

    key: str
    to: str
    send: Callable[[], Any]


@dataclass(frozen=True)
class ReminderKind:
    key: str
    label: Any  # a lazy string: shown in the settings form
    help: Any
    due: Callable[[Edition, dt.datetime, int | None], Iterable[Reminder]]
    # Days ahead of the moment the reminder is about (None: the kind has no such setting).
    default_days: int | None = None
    days_label: Any = None
    position: int = 100


KINDS: dict[str, ReminderKind] = {}


def register(kind: ReminderKind) -> ReminderKind:
    """Add a kind of reminder (an area calls this when its ``reminders`` module is imported)."""
    KINDS[kind.key] = kind
    return kind


def kinds() -> list[ReminderKind]:
    return sorted(KINDS.values(), key=lambda kind: (kind.position, kind.key))


# --- the edition's settings ------------------------------------------------------------------


def settings_for(edition: Edition) -> dict[str, tuple[bool, int | None]]:
    """``{kind: (enabled, days ahead)}`` for every registered kind (defaults where unset)."""
    stored = {
        row.kind: row
        for row in db.session.scalars(
            sa.select(ReminderSetting).where(ReminderSetting.edition_id == edition.id)
        )
    }
    result = {}
    for kind in kinds():
        row = stored.get(kind.key)
        enabled = True if row is None else row.enabled
        days = kind.default_days
        if row is not None and row.days_before is not None and kind.default_days is not None:
            days = row.days_before
        result[kind.key] = (enabled, days)
    return result


def field_name(kind_key: str, days: bool = False) -> str:
    return f"reminder__{kind_key}" + ("__days" if days else "")


def with_reminder_fields(form_class):
    """A subclass of ``form_class`` with a checkbox (and days ahead) per reminder kind."""
    attrs = {}
    for kind in kinds():
        attrs[field_name(kind.key)] = BooleanField(kind.label, description=kind.help)
        if kind.default_days is not None:
            attrs[field_name(kind.key, days=True)] = IntegerField(
                kind.days_label,
                validators=[Optional(), NumberRange(0, 365)],
            )
    return type(form_class.__name__, (form_class,), attrs)


def reminder_fields(form) -> list[tuple[Any, Any]]:
    """``[(checkbox, days field or None)]`` of the form, in the kinds' order."""
    return [
        (form[field_name(kind.key)], form._fields.get(field_name(kind.key, days=True)))
        for kind in kinds()
        if field_name(kind.key) in form
    ]


def fill_form(form, edition: Edition) -> None:
    """Show the edition's reminder settings in the form (on GET)."""
    for key, (enabled, days) in settings_for(edition).items():
        if field_name(key) in form:
            form[field_name(key)].data = enabled
        if field_name(key, days=True) in form:
            form[field_name(key, days=True)].data = days


def save_form(form, edition: Edition, *, actor=None) -> bool:
    """Store the reminder settings of a validated form; True when something changed."""
    current = settings_for(edition)
    rows = {
        row.kind: row
        for row in db.session.scalars(
            sa.select(ReminderSetting).where(ReminderSetting.edition_id == edition.id)
        )
    }
    changes = {}
    for kind in kinds():
        if field_name(kind.key) not in form:
            continue
        enabled = bool(form[field_name(kind.key)].data)
        days = current[kind.key][1]
        if kind.default_days is not None:
            value = form[field_name(kind.key, days=True)].data
            days = kind.default_days if value is None else value
        if (enabled, days) == current[kind.key]:
            continue
        row = rows.get(kind.key) or ReminderSetting(edition_id=edition.id, kind=kind.key)
        row.enabled = enabled
        row.days_before = days if kind.default_days is not None else None
        db.session.add(row)
        changes[kind.key] = {"enabled": enabled, "days": days}
    if changes:
        audit.record(actor, "edition.reminders", edition, edition=edition, reminders=changes)
    return bool(changes)


# --- sending -----------------------------------------------------------------------------------


def current_editions(now: dt.datetime) -> list[Edition]:
    """Editions reminders are for: published, not archived, not over."""
    return list(
        db.session.scalars(
            sa.select(Edition)
            .where(
                Edition.state.in_([EditionState.OPEN, EditionState.CLOSED]),
                Edition.end_date >= (now - dt.timedelta(days=1)).date(),
            )
            .order_by(Edition.year)
        )
    )


def _already_sent(edition: Edition, kind: str) -> set[str]:
    return set(
        db.session.scalars(
            sa.select(SentReminder.key).where(
                SentReminder.edition_id == edition.id, SentReminder.kind == kind
            )
        )
    )


def _claim(edition: Edition, kind: str, reminder: Reminder) -> bool:
    """Record the reminder; False when it was sent already (by this run or another)."""
    try:
        with db.session.begin_nested():
            db.session.add(SentReminder(edition_id=edition.id, kind=kind, key=reminder.key[:120]))
    except sa.exc.IntegrityError:
        return False
    return True


def send_due(now: dt.datetime | None = None, editions: list[Edition] | None = None) -> dict:
    """Queue every reminder due now, at most once each; ``{kind: number queued}``.

    Commits after each edition (the reminders with their mail). Runs in a request context
    of its own when there is none (the worker, cron), for the links in the mails."""
    now = now or utcnow()
    counts = {kind.key: 0 for kind in kinds()}
    context = (
        contextlib.nullcontext()
        if has_request_context()
        else current_app.test_request_context(base_url=current_app.config["BASE_URL"])
    )
    with context:
        for edition in editions if editions is not None else current_editions(now):
            settings = settings_for(edition)
            for kind in kinds():
                enabled, days = settings[kind.key]
                if not enabled:
                    continue
                sent = _already_sent(edition, kind.key)
                for reminder in kind.due(edition, now, days):
                    if reminder.key in sent or not _claim(edition, kind.key, reminder):
                        continue
                    sent.add(reminder.key)
                    reminder.send()
                    counts[kind.key] += 1
            db.session.commit()
    return counts


def run_scheduled() -> dict:
    """The worker's periodic job (``REMINDERS_INTERVAL``): send what is due, then the mail."""
    counts = send_due()
    if any(counts.values()):
        send_pending()
    return counts


# The worker runs the reminders every REMINDERS_INTERVAL seconds (``flask jobs worker``).
jobs.every("conference.editions.reminders.run_scheduled", "REMINDERS_INTERVAL")
