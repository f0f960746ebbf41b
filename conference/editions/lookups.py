"""The edition look-ups that accounts, a layer below, may not write itself.

Roles and check-in tokens belong to an edition; accounts asks through
``conference.accounts.services.edition_lookup``, and this module provides the answers when
the editions package is imported.
"""

from __future__ import annotations

import sqlalchemy as sa

# As a module, not its names: permissions imports editions' models, so it may still be
# loading when this runs.
from conference import i18n, permissions
from conference.accounts.services import edition_lookup
from conference.editions.models import Edition
from conference.extensions import db


def editions_newest_first() -> list[Edition]:
    return list(db.session.scalars(sa.select(Edition).order_by(Edition.year.desc())))


def edition_for_year(year: int) -> Edition | None:
    return db.session.scalar(sa.select(Edition).where(Edition.year == year))


def may_scan(user, edition: Edition) -> bool:
    return permissions.can(user, "checkin.scan", edition=edition)


edition_lookup.provide(
    newest_first=editions_newest_first, by_year=edition_for_year, may_scan=may_scan
)
i18n.provide_edition_lookup(edition_for_year)
