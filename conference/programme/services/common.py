"""Helpers every part of the programme's write side shares: times, text, links, bookkeeping."""

from __future__ import annotations

import datetime as dt

from flask import current_app, has_request_context
from flask_babel import gettext as _

from conference import audit
from conference.editions.services import touch_programme
from conference.errors import DomainError, NotAllowed
from conference.extensions import db
from conference.permissions import can
from conference.programme.models import ProgrammeSession
from conference.signals import session_changed
from conference.urls import external_url


def span(session, edition) -> str:
    """``Wed 9 Jun, 10:00–11:00`` in the edition's time zone."""
    start = session.starts_at.astimezone(edition.tz)
    end = session.ends_at.astimezone(edition.tz)
    text = f"{start:%a} {start.day} {start:%b}, {start:%H:%M}–{end:%H:%M}"
    if end.date() != start.date():
        text = (
            f"{start:%a} {start.day} {start:%b} {start:%H:%M} – "
            f"{end:%a} {end.day} {end:%b} {end:%H:%M}"
        )
    return text


def ensure_manage(actor, edition) -> None:
    """NotAllowed unless ``actor`` may change the programme of ``edition``."""
    if not can(actor, "programme.manage", edition=edition):
        if edition is not None and edition.is_archived:
            raise NotAllowed(
                _("The %(year)s edition is archived and read-only.", year=edition.year)
            )
        raise NotAllowed(_("Only the edition's organisers may change the programme."))


def record_change(session: ProgrammeSession, actor, action: str, edition, **details) -> None:
    """Bookkeeping after every programme change: audit, feeds' clock, other areas."""
    audit.record(actor, action, session, edition=edition, **details)
    touch_programme(edition)
    db.session.flush()
    session_changed.send(session, actor=actor)


def absolute_link(endpoint: str, **values) -> str:
    """An absolute link for a mail, also outside a request (CLI, signals, background jobs)."""
    if has_request_context():
        return external_url(endpoint, **values)
    with current_app.test_request_context():
        return external_url(endpoint, **values)


def clean_text(value: str | None, label: str, max_length: int, *, required: bool = False) -> str:
    """``value`` stripped, or a DomainError naming ``label`` when missing or too long."""
    text = (value or "").strip()
    if required and not text:
        raise DomainError(_("%(label)s is required.", label=label), code="invalid")
    if len(text) > max_length:
        raise DomainError(
            _(
                "%(label)s is too long (at most %(num)d characters).",
                label=label,
                num=max_length,
            ),
            code="invalid",
        )
    return text


def local_to_utc(edition, moment: dt.datetime | None) -> dt.datetime | None:
    """A wall-clock time entered in the edition's time zone, as aware UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=edition.tz)
    return moment.astimezone(dt.UTC)


def format_utc_local(moment: dt.datetime | None, edition) -> str:
    """``2027-06-09 10:00`` in the edition's zone (empty for None), for exports."""
    return moment.astimezone(edition.tz).strftime("%Y-%m-%d %H:%M") if moment else ""
