"""Review's answers to other areas' signals (connected by importing this module)."""

from __future__ import annotations

import sqlalchemy as sa

from conference.extensions import db
from conference.review.models import Review
from conference.signals import author_comments_requested


@author_comments_requested.connect
def comments_to_authors(submission, **_kwargs) -> list[str]:
    """The submitted reviews' comments to the authors, in review order, without names."""
    comments = db.session.scalars(
        sa.select(Review.comments_to_authors)
        .where(Review.submission_id == submission.id, Review.submitted_at.is_not(None))
        .order_by(Review.id)
    )
    return [c.strip() for c in comments if c and c.strip()]
