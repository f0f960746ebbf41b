"""How review answers other areas' signals (connected by the package ``__init__``)."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation import privacy
from conference.extensions import db
from conference.review.models import Conflict, Review, ReviewAssignment, ReviewerExpertise
from conference.signals import author_comments_requested, personal_data_requested


def _rows_of(user, model, column, *fields) -> list[dict]:
    stmt = sa.select(model).where(column == user.id).order_by(model.id)
    return [privacy.row(x, *fields) for x in db.session.scalars(stmt)]


@personal_data_requested.connect
def personal_data_reviews_written(user, **_) -> tuple[str, list]:
    """The person's reviews, confidential comments included: they wrote them."""
    years = privacy.edition_years()
    return "reviews_written", [
        {"edition": years.get(r["edition_id"]), **r}
        for r in _rows_of(
            user,
            Review,
            Review.reviewer_id,
            "id",
            "edition_id",
            "submission_id",
            "relevance",
            "quality",
            "originality",
            "recommendation",
            "comments_to_authors",
            "confidential_comments",
            "submitted_at",
            "created_at",
            "updated_at",
        )  # fmt: skip
    ]


@personal_data_requested.connect
def personal_data_review_assignments(user, **_) -> tuple[str, list]:
    return "review_assignments", _rows_of(
        user, ReviewAssignment, ReviewAssignment.reviewer_id, "submission_id", "created_at"
    )


@personal_data_requested.connect
def personal_data_declared_conflicts(user, **_) -> tuple[str, list]:
    return "declared_conflicts", _rows_of(
        user, Conflict, Conflict.reviewer_id, "submission_id", "source", "reason", "created_at"
    )


@personal_data_requested.connect
def personal_data_reviewer_expertise(user, **_) -> tuple[str, list]:
    return "reviewer_expertise", _rows_of(
        user, ReviewerExpertise, ReviewerExpertise.user_id, "track_id"
    )


@author_comments_requested.connect
def comments_to_authors(submission, **_kwargs) -> list[str]:
    """The submitted reviews' comments to the authors, in review order, without names."""
    comments = db.session.scalars(
        sa.select(Review.comments_to_authors)
        .where(Review.submission_id == submission.id, Review.submitted_at.is_not(None))
        .order_by(Review.id)
    )
    return [c.strip() for c in comments if c and c.strip()]
