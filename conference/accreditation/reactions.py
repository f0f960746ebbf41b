"""Accreditation's handlers of other areas' signals."""

from __future__ import annotations

import re

import sqlalchemy as sa

from conference.accreditation.models import AccreditationCategory
from conference.db import copy_row
from conference.extensions import db
from conference.signals import edition_cloned, theme_requested

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def copied_categories(edition, source, mapping: dict) -> dict[int, AccreditationCategory]:
    """The new edition's copies of ``source``'s categories by old id, copied on the first call.

    Signal handlers run in no guaranteed order and the programme's copied sessions need the
    categories, so whichever handler comes first copies them.
    """
    if "categories" not in mapping:
        mapping["categories"] = {}
        for category in db.session.scalars(
            sa.select(AccreditationCategory).where(AccreditationCategory.edition_id == source.id)
        ):
            copy = copy_row(category, edition_id=edition.id)
            db.session.add(copy)
            mapping["categories"][category.id] = copy
    return mapping["categories"]


@edition_cloned.connect
def copy_for_new_edition(edition, *, source, mapping, **_kwargs) -> dict[str, int]:
    """A cloned edition gets the source's accreditation categories (in its transaction)."""
    return {"categories": len(copied_categories(edition, source, mapping))}


@theme_requested.connect
def category_colours(edition) -> list[str]:
    """The edition's theme stylesheet gets a class per accreditation category's colour."""
    rules = []
    categories = db.session.scalars(
        sa.select(AccreditationCategory).where(AccreditationCategory.edition_id == edition.id)
    )
    for category in categories:
        colour = category.colour if _HEX_COLOUR.match(category.colour or "") else "#1f4e79"
        rules.append(f".cat-{category.id}{{--cat-colour:{colour};}}")
    return rules
