"""Edition rules: lookups, visibility and the read-only archive."""

from __future__ import annotations

import sqlalchemy as sa

from conference.editions.models import Edition, EditionState
from conference.errors import NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import can, edition_writable


def get_edition(year: int) -> Edition:
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == year))
    if edition is None:
        raise NotFound(f"There is no edition {year}.")
    return edition


def visible_editions(user) -> list[Edition]:
    """Editions the user may see, newest first (drafts only for organisers and admins)."""
    editions = db.session.scalars(sa.select(Edition).order_by(Edition.year.desc()))
    return [e for e in editions if can(user, "edition.view", e, edition=e)]


def ensure_writable(user, edition: Edition) -> None:
    """Refuse changes to an archived edition (administrators excepted)."""
    if not edition_writable(user, edition):
        raise NotAllowed(f"The {edition.year} edition is archived and read-only.")


def touch_programme(edition: Edition) -> None:
    """Record that the programme changed (feeds derive their ETag from this)."""
    from conference.db import utcnow

    edition.programme_changed_at = utcnow()


STATE_LABELS = {
    EditionState.DRAFT: "Draft",
    EditionState.OPEN: "Open",
    EditionState.CLOSED: "Closed",
    EditionState.ARCHIVED: "Archived",
}
