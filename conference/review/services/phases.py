"""The edition's review phase (assigning, reviewing, discussion, decisions), switched by the
chairs, and what each phase lets reviewers see and do.

The rules themselves are asked in ``conference.permissions`` (``review.write``,
``review.read_others``, ``review.discuss``); ``PHASE_RULES`` describes them in words for the
pages, the API and the README, and a test checks that the words and the rules agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit
from conference.db import utcnow
from conference.editions.models import Edition
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import PHASES_OTHERS_VISIBLE, PHASES_WRITING, review_phase
from conference.review.models import ReviewPhase, ReviewSettings
from conference.review.services.lookups import _commit, _require

PHASES = tuple(ReviewPhase)

PHASE_LABELS = {
    ReviewPhase.ASSIGNING: _l("Assigning"),
    ReviewPhase.REVIEWING: _l("Reviewing"),
    ReviewPhase.DISCUSSION: _l("Discussion"),
    ReviewPhase.DECISIONS: _l("Decisions"),
}


@dataclass(frozen=True)
class PhaseRules:
    """What reviewers may do in a phase, and the sentence saying so."""

    may_review: bool
    others_visible: bool
    may_discuss: bool
    summary: str


def phase_rules(phase: str) -> PhaseRules:
    """The rules of ``phase`` (the same sets ``permissions`` uses), with their description."""
    summaries = {
        ReviewPhase.ASSIGNING: _l(
            "The chairs are assigning submissions. You can read your assignments, declare "
            "conflicts and give your expertise; reviews cannot be written yet."
        ),
        ReviewPhase.REVIEWING: _l(
            "Write and submit your reviews. The other reviews stay hidden until the "
            "discussion phase."
        ),
        ReviewPhase.DISCUSSION: _l(
            "Once your own review is submitted you see the other reviews of a submission and "
            "discuss it with its other reviewers and the chairs; you can still revise your "
            "review."
        ),
        ReviewPhase.DECISIONS: _l(
            "The chairs are deciding. Reviews and the discussion are read-only."
        ),
    }
    return PhaseRules(
        may_review=phase in PHASES_WRITING,
        others_visible=phase in PHASES_OTHERS_VISIBLE,
        may_discuss=phase == ReviewPhase.DISCUSSION,
        summary=summaries[ReviewPhase(phase)],
    )


def settings_of(edition: Edition) -> ReviewSettings:
    """The edition's review settings (not saved until changed: defaults when absent)."""
    row = db.session.scalar(
        sa.select(ReviewSettings).where(ReviewSettings.edition_id == edition.id)
    )
    if row is None:
        row = ReviewSettings(
            edition_id=edition.id, phase=ReviewPhase.REVIEWING, reviewer_names_visible=False
        )
    return row


def current_phase(edition: Edition) -> str:
    return str(review_phase(edition))


def reviewer_names_visible(edition: Edition) -> bool:
    return settings_of(edition).reviewer_names_visible


def set_phase(actor, edition: Edition, phase: str, *, names_visible: bool | None = None) -> bool:
    """Switch the edition's review phase (and, if given, whether reviewers see each other's
    names); audited. Returns whether anything changed."""
    _require(actor, "review.manage", edition=edition)
    if phase not in {p.value for p in PHASES}:
        raise DomainError(_("Choose one of the review phases."))
    row = settings_of(edition)
    previous = row.phase
    previous_names = row.reviewer_names_visible
    changed_phase = previous != phase or row.id is None
    row.phase = phase
    if names_visible is not None:
        row.reviewer_names_visible = bool(names_visible)
    if previous == phase and previous_names == row.reviewer_names_visible and row.id is not None:
        return False
    if changed_phase:
        row.phase_changed_at = utcnow()
        row.phase_changed_by_id = getattr(actor, "id", None)
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "review.phase_changed",
        edition,
        edition=edition,
        phase=phase,
        previous=previous,
        reviewer_names_visible=row.reviewer_names_visible,
    )
    _commit(_("The review phase was changed at the same time elsewhere; please reload."))
    return True
