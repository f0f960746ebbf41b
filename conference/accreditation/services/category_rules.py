"""Accreditation categories: listing, creating, editing and deleting them."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from conference import audit
from conference.accreditation.models import AccreditationCategory, Registration
from conference.accreditation.services.common import MAX_TEXT, RegistrationError, _clean
from conference.editions.models import Edition
from conference.editions.services import ensure_writable
from conference.errors import Conflict, NotFound
from conference.extensions import db
from conference.query_args import DB_INT_MAX
from conference.signals import category_usage_requested

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


def categories(edition: Edition) -> list[AccreditationCategory]:
    return list(
        db.session.scalars(
            sa.select(AccreditationCategory)
            .where(AccreditationCategory.edition_id == edition.id)
            .order_by(AccreditationCategory.position, AccreditationCategory.name)
        )
    )


def requestable_categories(edition: Edition) -> list[AccreditationCategory]:
    """Categories a person may ask for (speaker and staff categories are given, not asked)."""
    return [c for c in categories(edition) if not c.is_speaker_category and not c.is_staff_category]


def get_category(edition: Edition, category_id) -> AccreditationCategory:
    try:
        category_id = int(category_id)
    except (TypeError, ValueError):
        raise NotFound(_("There is no such category.")) from None
    if not 0 < category_id <= DB_INT_MAX:  # the database cannot even look it up
        raise NotFound(_("There is no such category in this edition."))
    category = db.session.get(AccreditationCategory, category_id)
    if category is None or category.edition_id != edition.id:
        raise NotFound(_("There is no such category in this edition."))
    return category


def speaker_category(edition: Edition) -> AccreditationCategory | None:
    return db.session.scalar(
        sa.select(AccreditationCategory)
        .where(
            AccreditationCategory.edition_id == edition.id,
            AccreditationCategory.is_speaker_category.is_(True),
        )
        .order_by(AccreditationCategory.position, AccreditationCategory.id)
        .limit(1)
    )


def category_usage(category: AccreditationCategory) -> dict[str, int]:
    """How many registrations and sessions refer to ``category``.

    The other areas count their own rows (``category_usage_requested``): the programme its
    sessions restricted to the category.
    """
    registrations = db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            sa.or_(
                Registration.requested_category_id == category.id,
                Registration.category_id == category.id,
            )
        )
    )
    usage = {"registrations": registrations or 0, "sessions": 0}
    for _handler, (name, count) in category_usage_requested.send(category):
        usage[name] = usage.get(name, 0) + count
    return usage


def save_category(
    edition: Edition, actor, values: dict, category: AccreditationCategory | None = None
) -> AccreditationCategory:
    """Create or update a category after checking its values."""
    ensure_writable(actor, edition)
    name = _clean(values.get("name"), "name", _l("name"), max_len=100, required=True)
    code = _clean(values.get("code"), "code", _l("short code"), max_len=20, required=True).upper()
    if not _CODE.match(code):
        raise RegistrationError(
            _("The short code may contain only letters, digits, '-' and '_'."), field="code"
        )
    colour = (values.get("colour") or "#1f4e79").strip()
    if not _HEX.match(colour):
        raise RegistrationError(_("The colour must look like #1f4e79."), field="colour")
    quota = values.get("quota")
    if quota in ("", None):
        quota = None
    else:
        try:
            quota = int(quota)
        except (TypeError, ValueError):
            raise RegistrationError(_("The quota must be a whole number."), field="quota") from None
        if quota < 0 or quota > 1_000_000:
            raise RegistrationError(_("The quota must be between 0 and 1,000,000."), field="quota")
    try:
        position = int(values.get("position") or 0)
    except (TypeError, ValueError):
        raise RegistrationError(
            _("The position must be a whole number."), field="position"
        ) from None
    if abs(position) > 10_000:
        raise RegistrationError(
            _("The position must be between -10000 and 10000."), field="position"
        )
    description = _clean(
        values.get("description"), "description", _l("description"), max_len=MAX_TEXT
    )
    clash = db.session.scalar(
        sa.select(AccreditationCategory.id).where(
            AccreditationCategory.edition_id == edition.id,
            sa.func.upper(AccreditationCategory.code) == code,
            AccreditationCategory.id != (category.id if category else -1),
        )
    )
    if clash is not None:
        raise RegistrationError(
            _("Another category of this edition already has the code %(code)s.", code=code),
            field="code",
        )
    creating = category is None
    before = None if creating else _category_snapshot(category)
    db.session.flush()
    try:
        with db.session.begin_nested():
            if creating:
                category = AccreditationCategory(edition_id=edition.id)
                db.session.add(category)
            category.name = name
            category.code = code
            category.colour = colour
            category.description = description
            category.requires_nomination = bool(values.get("requires_nomination"))
            category.quota = quota
            category.position = position
            category.is_speaker_category = bool(values.get("is_speaker_category"))
            category.is_staff_category = bool(values.get("is_staff_category"))
    except IntegrityError:
        raise Conflict(
            _("Another category of this edition already has the code %(code)s.", code=code)
        ) from None
    audit.record(
        actor,
        "category.create" if creating else "category.update",
        category,
        edition=edition,
        before=before,
        after=_category_snapshot(category),
    )
    return category


def _category_snapshot(category: AccreditationCategory) -> dict:
    return {
        "name": category.name,
        "code": category.code,
        "colour": category.colour,
        "requires_nomination": category.requires_nomination,
        "quota": category.quota,
        "position": category.position,
        "is_speaker_category": category.is_speaker_category,
        "is_staff_category": category.is_staff_category,
    }


def delete_category(category: AccreditationCategory, actor) -> None:
    """Delete a category that no registration or session uses."""
    ensure_writable(actor, category_edition(category))
    usage = category_usage(category)
    if usage["registrations"] or usage["sessions"]:
        raise Conflict(
            _(
                "The category %(name)s is in use (%(registrations)d registrations, "
                "%(sessions)d sessions) and cannot be deleted.",
                name=category.name,
                registrations=usage["registrations"],
                sessions=usage["sessions"],
            )
        )
    audit.record(
        actor,
        "category.delete",
        category,
        edition=category.edition_id,
        **_category_snapshot(category),
    )
    db.session.delete(category)


def category_edition(category: AccreditationCategory) -> Edition:
    return db.session.get(Edition, category.edition_id)
