"""Edition rules: lookups, visibility and the read-only archive."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, tlp
from conference.audit import AuditEntry
from conference.db import utcnow
from conference.editions.models import Edition, EditionState
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import can, edition_writable


def get_edition(year: int) -> Edition:
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == year))
    if edition is None:
        raise NotFound(_("There is no edition %(year)s.", year=year))
    return edition


def visible_editions(user) -> list[Edition]:
    """Editions the user may see, newest first (drafts only for organisers and admins)."""
    editions = db.session.scalars(sa.select(Edition).order_by(Edition.year.desc()))
    return [e for e in editions if can(user, "edition.view", e, edition=e)]


def ensure_writable(user, edition: Edition) -> None:
    """Refuse changes to an archived edition (administrators excepted)."""
    if not edition_writable(user, edition):
        raise NotAllowed(_("The %(year)s edition is archived and read-only.", year=edition.year))


def touch_programme(edition: Edition) -> None:
    """Record that the programme changed (feeds derive their ETag from this)."""
    edition.programme_changed_at = utcnow()


STATE_LABELS = {
    EditionState.DRAFT: _l("Draft"),
    EditionState.OPEN: _l("Open"),
    EditionState.CLOSED: _l("Closed"),
    EditionState.ARCHIVED: _l("Archived"),
}


# --- creating editions and editing their settings ----------------------------------------

# Settings an organiser may edit, in the order of the form; the year is fixed once created.
SETTINGS_FIELDS = (
    "title",
    "acronym",
    "venue",
    "address",
    "timezone",
    "start_date",
    "end_date",
    "capacity",
    "state",
    "registration_opens_at",
    "registration_closes_at",
    "cfp_opens_at",
    "cfp_closes_at",
    "review_deadline",
    "badge_footer",
    "badge_show_country",
    "badge_show_organisation",
    "languages",
    "title_translations",
    "description",
    "tlp_default",
)
WINDOWS = (
    (
        "registration_opens_at",
        "registration_closes_at",
        _l("Give both ends of the registration window, or neither."),
        _l("The registration window must close after it opens."),
    ),
    (
        "cfp_opens_at",
        "cfp_closes_at",
        _l("Give both ends of the call-for-abstracts window, or neither."),
        _l("The call-for-abstracts window must close after it opens."),
    ),
)


def valid_timezone(name: str) -> bool:
    """Is ``name`` an IANA time zone known to zoneinfo?"""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_to_utc(naive, tz_name: str):
    """A wall-clock time in ``tz_name`` as aware UTC; refuses times skipped by a clock change."""
    if naive is None:
        return None
    zone = ZoneInfo(tz_name)
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise DomainError(
            _(
                "%(moment)s does not exist in %(zone)s (the clocks change then).",
                moment=f"{naive:%d %B %Y %H:%M}",
                zone=tz_name,
            )
        )
    return aware.astimezone(dt.UTC)


def _check(values: dict) -> None:
    title = (values.get("title") or "").strip()
    if not title:
        raise DomainError(_("Please give the edition a title."))
    if not valid_timezone(values.get("timezone") or ""):
        raise DomainError(_("Please give a valid IANA time zone, e.g. Europe/Brussels."))
    if values.get("state") not in {s.value for s in EditionState}:
        raise DomainError(_("Please choose a valid state."))
    if "tlp_default" in values and tlp.normalise(values["tlp_default"]) != values["tlp_default"]:
        raise DomainError(
            _("Choose one of the TLP labels: CLEAR, GREEN, AMBER, AMBER+STRICT, RED.")
        )
    start, end = values.get("start_date"), values.get("end_date")
    if start is None or end is None:
        raise DomainError(_("Please give the start and end dates."))
    if end < start:
        raise DomainError(_("The end date must not be before the start date."))
    capacity = values.get("capacity")
    if capacity is not None and not 0 <= capacity <= 1_000_000:
        raise DomainError(_("The capacity must be a number between 0 and 1,000,000 (or empty)."))
    for opens, closes, one_end_only, reversed_ends in WINDOWS:
        a, b = values.get(opens), values.get(closes)
        if (a is None) != (b is None):
            raise DomainError(str(one_end_only))
        if a is not None and b <= a:
            raise DomainError(str(reversed_ends))


def _as_text(value) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def create_edition(actor, *, year: int, **values) -> Edition:
    """Create an edition (administrators); the year is unique."""
    if not isinstance(year, int) or not 2000 <= year <= 2200:
        raise DomainError(_("The year must be between 2000 and 2200."))
    if db.session.scalar(sa.select(Edition.id).where(Edition.year == year)) is not None:
        raise Conflict(_("An edition %(year)s already exists.", year=year))
    values.setdefault("state", EditionState.DRAFT.value)
    values.setdefault("timezone", "Europe/Brussels")
    _check(values)
    edition = Edition(year=year, **{k: v for k, v in values.items() if k in SETTINGS_FIELDS})
    edition.title = edition.title.strip()
    db.session.add(edition)
    db.session.flush()
    audit.record(
        actor,
        "edition.create",
        edition,
        edition=edition,
        year=year,
        **{k: _as_text(v) for k, v in values.items() if k in SETTINGS_FIELDS},
    )
    return edition


def update_settings(actor, edition: Edition, **values) -> dict:
    """Change an edition's settings; return {field: [old, new]} of what changed.

    Archived editions stay read-only for everyone but administrators; so does un-archiving.
    """
    ensure_writable(actor, edition)
    merged = {name: getattr(edition, name) for name in SETTINGS_FIELDS}
    merged.update({k: v for k, v in values.items() if k in SETTINGS_FIELDS})
    if isinstance(merged.get("title"), str):
        merged["title"] = merged["title"].strip()
    _check(merged)
    changes = {}
    for name in SETTINGS_FIELDS:
        old, new = getattr(edition, name), merged[name]
        if old != new:
            changes[name] = [_as_text(old), _as_text(new)]
            setattr(edition, name, new)
    if changes:
        audit.record(actor, "edition.update", edition, edition=edition, changes=changes)
    return changes


# --- the audit log of an edition -------------------------------------------------------------


def audit_entries(
    edition: Edition, *, action: str = "", actor: str = "", page: int = 1, per_page: int = 50
):
    """One page of the edition's audit log (newest first), filtered; and the total count."""
    stmt = sa.select(AuditEntry).where(AuditEntry.edition_id == edition.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor:
        pattern = (
            "%" + actor.lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        )
        stmt = stmt.where(sa.func.lower(AuditEntry.actor_label).like(pattern, escape="\\"))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    entries = db.session.scalars(
        stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(entries), total


def audit_actions(edition: Edition) -> list[str]:
    """The distinct actions in the edition's log, for the filter."""
    return list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.edition_id == edition.id)
            .distinct()
            .order_by(AuditEntry.action)
        )
    )
