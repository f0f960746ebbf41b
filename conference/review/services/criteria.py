"""The score criteria (relevance, quality, originality) and what each score means.

An edition may describe each criterion and each score (at least what a 1 and a 5 mean); the
review form shows the descriptors next to the radios. Without the chairs' own texts the
built-in ones below apply, so that every edition has descriptors.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit
from conference.editions.models import Edition
from conference.errors import DomainError
from conference.extensions import db
from conference.review.models import ReviewCriterion
from conference.review.services.lookups import _commit, _require

CRITERIA_KEYS = ("relevance", "quality", "originality")
SCORES = (1, 2, 3, 4, 5)
MAX_DESCRIPTION = 500
MAX_DESCRIPTOR = 300

CRITERION_NAMES = {
    "relevance": _l("Relevance"),
    "quality": _l("Quality"),
    "originality": _l("Originality"),
}

# Built-in descriptions and descriptors (score → text; empty scores show no descriptor).
DEFAULT_CRITERIA = {
    "relevance": (
        _l("How much the submission matters to research security and to this audience."),
        {
            1: _l("Outside the conference's scope"),
            2: _l("Marginal to the themes of the call"),
            3: _l("Relevant to part of the audience"),
            4: _l("Clearly relevant to the call"),
            5: _l("Central to research security; the audience needs it"),
        },
    ),
    "quality": (
        _l("How sound, clear and well supported the proposal is."),
        {
            1: _l("Unclear or unsupported"),
            2: _l("Weak argument or evidence"),
            3: _l("Sound, with gaps"),
            4: _l("Solid and clearly presented"),
            5: _l("Excellent: rigorous, clear and convincing"),
        },
    ),
    "originality": (
        _l("What is new in it for the audience."),
        {
            1: _l("Nothing new; heard many times before"),
            2: _l("Mostly known material"),
            3: _l("Some new elements"),
            4: _l("A fresh perspective or new results"),
            5: _l("Groundbreaking; new to the field"),
        },
    ),
}


@dataclass
class Criterion:
    key: str
    name: str
    description: str
    descriptors: dict[int, str]
    customised: bool = False


def criteria(edition: Edition) -> list[Criterion]:
    """The three criteria with the edition's texts (or the built-in ones), in form order."""
    rows = {
        row.key: row
        for row in db.session.scalars(
            sa.select(ReviewCriterion).where(ReviewCriterion.edition_id == edition.id)
        )
    }
    out = []
    for key in CRITERIA_KEYS:
        row = rows.get(key)
        if row is None:
            description, defaults = DEFAULT_CRITERIA[key]
            out.append(
                Criterion(
                    key,
                    str(CRITERION_NAMES[key]),
                    str(description),
                    {n: str(text) for n, text in defaults.items()},
                )
            )
        else:
            out.append(
                Criterion(
                    key,
                    str(CRITERION_NAMES[key]),
                    row.description,
                    {n: getattr(row, f"descriptor_{n}") for n in SCORES},
                    customised=True,
                )
            )
    return out


def _clean(value, limit: int, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError(_("The %(what)s must be text.", what=what))
    value = " ".join(value.split())
    if len(value) > limit:
        raise DomainError(
            _("The %(what)s may have at most %(max)d characters.", what=what, max=limit)
        )
    return value


def save_criteria(actor, edition: Edition, data: dict[str, dict]) -> None:
    """Save the edition's descriptions and descriptors; ``data`` maps a criterion key to
    ``{"description": str, 1: str, …, 5: str}``. The descriptors of 1 and 5 are required."""
    _require(actor, "review.manage", edition=edition)
    unknown = set(data) - set(CRITERIA_KEYS)
    if unknown:
        raise DomainError(_("There is no such criterion."))
    rows = {
        row.key: row
        for row in db.session.scalars(
            sa.select(ReviewCriterion).where(ReviewCriterion.edition_id == edition.id)
        )
    }
    for key, values in data.items():
        name = str(CRITERION_NAMES[key])
        description = _clean(values.get("description"), MAX_DESCRIPTION, _("description"))
        texts = {n: _clean(values.get(n), MAX_DESCRIPTOR, _("descriptor")) for n in SCORES}
        if not texts[1] or not texts[5]:
            raise DomainError(
                _("Say what a 1 and a 5 mean for %(criterion)s.", criterion=name.lower())
            )
        row = rows.get(key)
        if row is None:
            row = ReviewCriterion(edition_id=edition.id, key=key)
            db.session.add(row)
        row.description = description
        for n, text in texts.items():
            setattr(row, f"descriptor_{n}", text)
    db.session.flush()
    audit.record(actor, "review.criteria_saved", edition, edition=edition, criteria=sorted(data))
    _commit(_("The criteria were saved at the same time elsewhere; please reload the page."))
