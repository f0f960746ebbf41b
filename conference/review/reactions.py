"""How review answers other areas' signals (connected by the package ``__init__``)."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation import privacy
from conference.db import copy_row
from conference.extensions import db
from conference.programme.models import Track
from conference.review.models import (
    Conflict,
    DiscussionComment,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewerExpertise,
    ReviewerReminder,
    ReviewSettings,
)
from conference.signals import (
    account_deleting,
    author_comments_requested,
    edition_cloned,
    personal_data_requested,
    roles_carried,
)


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


@roles_carried.connect
def carry_expertise(edition, *, source, granted, **_kwargs) -> None:
    """Reviewers carried into a cloned edition keep their expertise, on the tracks of the same
    name (in the confirming transaction)."""
    track_by_name = {
        t.name: t
        for t in db.session.scalars(sa.select(Track).where(Track.edition_id == edition.id))
    }
    for user, role in granted:
        if role != "reviewer":
            continue
        names = db.session.execute(
            sa.select(Track.name)
            .join(ReviewerExpertise, ReviewerExpertise.track_id == Track.id)
            .where(ReviewerExpertise.user_id == user.id, ReviewerExpertise.edition_id == source.id)
        ).scalars()
        existing = set(
            db.session.scalars(
                sa.select(ReviewerExpertise.track_id).where(
                    ReviewerExpertise.user_id == user.id,
                    ReviewerExpertise.edition_id == edition.id,
                )
            )
        )
        for name in names:
            track = track_by_name.get(name)
            if track is not None and track.id not in existing:
                db.session.add(
                    ReviewerExpertise(edition_id=edition.id, user_id=user.id, track_id=track.id)
                )


@personal_data_requested.connect
def personal_data_discussion_comments(user, **_) -> tuple[str, list]:
    """The comments the person wrote in the committee's discussions."""
    return "review_discussion_comments", _rows_of(
        user,
        DiscussionComment,
        DiscussionComment.author_id,
        "edition_id",
        "submission_id",
        "body",
        "created_at",
    )


@personal_data_requested.connect
def personal_data_reviewer_reminders(user, **_) -> tuple[str, list]:
    return "reviewer_reminders", _rows_of(
        user, ReviewerReminder, ReviewerReminder.reviewer_id, "edition_id", "outstanding", "sent_at"
    )


@edition_cloned.connect
def copy_review_setup(edition, *, source, **_kwargs) -> dict[str, int]:
    """A cloned edition keeps the chairs' score descriptors and whether reviewers see each
    other's names; its review starts again in the reviewing phase."""
    criteria = db.session.scalars(
        sa.select(ReviewCriterion).where(ReviewCriterion.edition_id == source.id)
    ).all()
    for criterion in criteria:
        db.session.add(copy_row(criterion, edition_id=edition.id))
    settings = db.session.scalar(
        sa.select(ReviewSettings).where(ReviewSettings.edition_id == source.id)
    )
    if settings is not None and settings.reviewer_names_visible:
        db.session.add(ReviewSettings(edition_id=edition.id, reviewer_names_visible=True))
    return {"review_criteria": len(criteria)} if criteria else {}


@account_deleting.connect
def forget_discussion_writer(user, **_) -> None:
    """The committee keeps the discussion, without the link to the deleted account (shown as
    "a former committee member"); the reminders sent to the person are removed."""
    db.session.execute(
        sa.update(DiscussionComment)
        .where(DiscussionComment.author_id == user.id)
        .values(author_id=None)
    )
    db.session.execute(sa.delete(ReviewerReminder).where(ReviewerReminder.reviewer_id == user.id))
