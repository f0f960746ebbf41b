"""A reviewer's work: their assigned submissions (blinded), their review with its scores and
the deadline, and when they may read the other reviews."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit
from conference.accounts.models import User
from conference.db import utcnow
from conference.editions.models import Edition
from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.permissions import can
from conference.review.models import Recommendation, Review, ReviewAssignment
from conference.review.services.conflicts import conflict_pairs
from conference.review.services.discussion import reviewer_numbers, writer_for
from conference.review.services.lookups import _commit, _flush, _require, blinded
from conference.review.services.phases import reviewer_names_visible
from conference.submissions.models import Submission, SubmissionState

SCORE_FIELDS = ("relevance", "quality", "originality")


RECOMMENDATION_LABELS = {
    Recommendation.ACCEPT: _l("Accept"),
    Recommendation.WEAK_ACCEPT: _l("Weak accept"),
    Recommendation.WEAK_REJECT: _l("Weak reject"),
    Recommendation.REJECT: _l("Reject"),
}


# The review's fields as its error messages name them.
_FIELD_NAMES = {
    "relevance": _l("relevance"),
    "quality": _l("quality"),
    "originality": _l("originality"),
    "recommendation": _l("recommendation"),
    "comments to the authors": _l("comments to the authors"),
    "confidential comments": _l("confidential comments"),
}

# A reviewer's progress on one assignment as the pages name it (``AssignmentRow.status``).
STATUS_LABELS = {
    "not started": _l("not started"),
    "draft": _l("draft"),
    "submitted": _l("submitted"),
}


MAX_COMMENT = 20_000


def _review_row(reviewer: User, submission: Submission) -> Review | None:
    return db.session.scalar(
        sa.select(Review).where(
            Review.reviewer_id == reviewer.id, Review.submission_id == submission.id
        )
    )


def own_review(user: User, submission: Submission) -> Review | None:
    """The caller's review of a submission they may read (else NotAllowed)."""
    _require(user, "review.read", submission)
    return _review_row(user, submission)


def review_closed(edition: Edition, now: dt.datetime | None = None) -> bool:
    """True once the review deadline has passed (no deadline: never closed)."""
    return edition.review_deadline is not None and (now or utcnow()) >= edition.review_deadline


def _clean_score(name: str, value) -> int | None:
    if value is None or value == "":
        return None
    invalid = DomainError(
        _("The %(name)s score must be a whole number from 1 to 5.", name=_FIELD_NAMES[name])
    )
    if isinstance(value, bool):
        raise invalid
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid from None
    if isinstance(value, float) and value != number:
        raise invalid
    if not 1 <= number <= 5:
        raise invalid
    return number


def _clean_text(name: str, value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError(_("The %(name)s must be text.", name=_FIELD_NAMES[name]))
    if len(value) > MAX_COMMENT:
        raise DomainError(
            _(
                "The %(name)s may have at most %(max)d characters.",
                name=_FIELD_NAMES[name],
                max=MAX_COMMENT,
            )
        )
    return value.replace("\r\n", "\n").strip()


def save_review(reviewer: User, submission: Submission, data: dict, *, submit: bool) -> Review:
    """Save the reviewer's draft or submit it; edits are possible until the review deadline.

    A submitted review stays submitted: later edits must still be complete.
    """
    edition = db.session.get(Edition, submission.edition_id)
    _require(reviewer, "review.write", submission)
    if review_closed(edition):
        raise Conflict(_("The review deadline has passed; reviews can no longer be changed."))
    if submission.state != SubmissionState.SUBMITTED:
        raise Conflict(_("This submission is no longer under review."))
    values = {name: _clean_score(name, data.get(name)) for name in SCORE_FIELDS}
    recommendation = data.get("recommendation") or None
    if recommendation is not None and recommendation not in set(Recommendation):
        raise DomainError(_("Choose accept, weak accept, weak reject or reject."))
    comments = _clean_text("comments to the authors", data.get("comments_to_authors"))
    confidential = _clean_text("confidential comments", data.get("confidential_comments"))
    review = _review_row(reviewer, submission)
    submit = submit or (review is not None and review.submitted_at is not None)
    if submit:
        missing = [n for n in SCORE_FIELDS if values[n] is None]
        if recommendation is None:
            missing.append("recommendation")
        if missing:
            raise DomainError(
                _(
                    "To submit, give every score and a recommendation (missing: %(missing)s).",
                    missing=", ".join(str(_FIELD_NAMES[n]) for n in missing),
                )
            )
    if review is None:
        review = Review(edition_id=edition.id, submission_id=submission.id, reviewer_id=reviewer.id)
        db.session.add(review)
    for name, value in values.items():
        setattr(review, name, value)
    review.recommendation = recommendation
    review.comments_to_authors = comments
    review.confidential_comments = confidential
    first_submission = submit and review.submitted_at is None
    if first_submission:
        review.submitted_at = utcnow()
    _flush(_("Your review was saved at the same time elsewhere; please reload the page."))
    audit.record(
        reviewer,
        "review.submitted" if first_submission else "review.saved",
        review,
        edition=edition,
        submission_id=submission.id,
        submitted=review.submitted_at is not None,
    )
    _commit(_("Your review was saved at the same time elsewhere; please reload the page."))
    return review


def review_score(review: Review, *, exact: bool = False) -> float | None:
    """A review's overall score: the mean of relevance, quality and originality (1–5)."""
    scores = [getattr(review, n) for n in SCORE_FIELDS]
    if any(s is None for s in scores):
        return None
    mean = sum(scores) / 3
    return mean if exact else round(mean, 2)


def visible_reviews(user: User, submission: Submission) -> list[dict]:
    """Other people's submitted reviews, if the caller may see them.

    Reviewers see them only after submitting their own, labelled "Reviewer 1, 2…";
    chairs see every submitted review with the reviewer's name.
    """
    if not can(user, "review.read_others", submission):
        return []
    edition = db.session.get(Edition, submission.edition_id)
    chair = can(user, "review.chair", edition=edition)
    rows = db.session.scalars(
        sa.select(Review)
        .where(Review.submission_id == submission.id, Review.submitted_at.is_not(None))
        .order_by(Review.id)
    )
    numbers = reviewer_numbers(submission)
    names = reviewer_names_visible(edition)
    out = []
    for review in rows:
        if review.reviewer_id == user.id and not chair:
            continue
        if chair:
            reviewer = db.session.get(User, review.reviewer_id)
            label = reviewer.display_name
        else:
            # Same "Reviewer N" as in the discussion (named if the edition says so).
            label = writer_for(
                user,
                review.reviewer_id,
                numbers,
                viewer_is_chair=False,
                names_visible=names,
                edition_id=edition.id,
            ).label
        out.append(
            {
                "label": label,
                "own": review.reviewer_id == user.id,
                "relevance": review.relevance,
                "quality": review.quality,
                "originality": review.originality,
                "score": review_score(review),
                "recommendation": review.recommendation,
                "comments_to_authors": review.comments_to_authors,
                "confidential_comments": review.confidential_comments,
                "submitted_at": review.submitted_at,
            }
        )
    return out


@dataclass
class AssignmentRow:
    submission: dict  # blinded
    review: Review | None

    @property
    def status(self) -> str:
        if self.review is None:
            return "not started"
        return "submitted" if self.review.submitted_at else "draft"


def my_assignments(user: User, edition: Edition) -> list[AssignmentRow]:
    """The caller's assigned (and not conflicted) submissions, blinded, with review status."""
    conflicted = {s for r, s in conflict_pairs(edition) if r == user.id}
    assigned = db.session.scalars(
        sa.select(Submission)
        .join(ReviewAssignment, ReviewAssignment.submission_id == Submission.id)
        .where(ReviewAssignment.reviewer_id == user.id, ReviewAssignment.edition_id == edition.id)
        .order_by(Submission.id)
    )
    reviews = {
        r.submission_id: r
        for r in db.session.scalars(
            sa.select(Review).where(Review.reviewer_id == user.id, Review.edition_id == edition.id)
        )
    }
    return [
        AssignmentRow(blinded(s), reviews.get(s.id))
        for s in assigned
        if s.id not in conflicted and can(user, "review.read", s)
    ]


@dataclass
class AssignmentNeighbours:
    """Where a reviewer can go from one assignment: the one before and after in "My reviews",
    and the next one still waiting for their review (after this one, wrapping around)."""

    previous: dict | None = None
    next: dict | None = None
    next_open: dict | None = None
    position: int | None = None
    total: int = 0
    done: int = 0  # the reviewer's submitted reviews ("3 of 8 done")


def assignment_neighbours(user: User, edition: Edition, submission_id: int) -> AssignmentNeighbours:
    rows = my_assignments(user, edition)
    ids = [row.submission["id"] for row in rows]
    done = sum(1 for row in rows if row.status == "submitted")
    if submission_id not in ids:
        waiting = [row.submission for row in rows if row.status != "submitted"]
        return AssignmentNeighbours(
            next_open=waiting[0] if waiting else None, total=len(rows), done=done
        )
    index = ids.index(submission_id)
    after = rows[index + 1 :] + rows[:index]
    waiting = [row.submission for row in after if row.status != "submitted"]
    return AssignmentNeighbours(
        previous=rows[index - 1].submission if index > 0 else None,
        next=rows[index + 1].submission if index + 1 < len(rows) else None,
        next_open=waiting[0] if waiting else None,
        position=index + 1,
        total=len(rows),
        done=done,
    )
