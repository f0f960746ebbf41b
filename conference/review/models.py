"""Programme-committee review: expertise, conflicts, assignments and reviews."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference.db import TimestampMixin, UTCDateTime, utcnow
from conference.extensions import db


class Recommendation(enum.StrEnum):
    ACCEPT = "accept"
    WEAK_ACCEPT = "weak_accept"
    WEAK_REJECT = "weak_reject"
    REJECT = "reject"


class ConflictSource(enum.StrEnum):
    DECLARED = "declared"
    SAME_ORGANISATION = "same_organisation"
    SAME_DOMAIN = "same_domain"
    CO_SPEAKER = "co_speaker"
    AUTHOR = "author"


class ReviewerExpertise(db.Model):
    __tablename__ = "reviewer_expertise"
    __table_args__ = (sa.UniqueConstraint("user_id", "track_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    track_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("tracks.id", ondelete="CASCADE"), index=True
    )


class Conflict(db.Model):
    __tablename__ = "conflicts"
    __table_args__ = (sa.UniqueConstraint("reviewer_id", "submission_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    submission_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    source: so.Mapped[str] = so.mapped_column(sa.String(30), default=ConflictSource.DECLARED)
    reason: so.Mapped[str] = so.mapped_column(sa.String(400), default="")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class ConflictOverride(db.Model):
    """A chair's decision that an automatic conflict (same organisation or e-mail domain)
    does not apply to this reviewer and submission; the automatic refresh then skips it.

    Kept apart from ``conflicts`` so that a declared conflict is never touched: declaring
    one later still shuts the reviewer out.
    """

    __tablename__ = "conflict_overrides"
    __table_args__ = (sa.UniqueConstraint("reviewer_id", "submission_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    submission_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    # The automatic source that was overridden; another source later is a new conflict.
    source: so.Mapped[str] = so.mapped_column(sa.String(30))
    reason: so.Mapped[str] = so.mapped_column(sa.String(400))
    overridden_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class ReviewAssignment(db.Model):
    __tablename__ = "review_assignments"
    __table_args__ = (sa.UniqueConstraint("submission_id", "reviewer_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    submission_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    assigned_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class Review(TimestampMixin, db.Model):
    __tablename__ = "reviews"
    __table_args__ = (
        sa.UniqueConstraint("submission_id", "reviewer_id"),
        sa.CheckConstraint("relevance BETWEEN 1 AND 5", name="relevance_range"),
        sa.CheckConstraint("quality BETWEEN 1 AND 5", name="quality_range"),
        sa.CheckConstraint("originality BETWEEN 1 AND 5", name="originality_range"),
        sa.CheckConstraint(
            "recommendation IS NULL OR recommendation IN "
            "('accept', 'weak_accept', 'weak_reject', 'reject')",
            name="recommendation_valid",
        ),
        sa.CheckConstraint(
            "submitted_at IS NULL OR (relevance IS NOT NULL AND quality IS NOT NULL "
            "AND originality IS NOT NULL AND recommendation IS NOT NULL)",
            name="submitted_complete",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    submission_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Scores and recommendation may be empty while the review is a draft; submitting
    # requires all of them (enforced by the service and the check below).
    relevance: so.Mapped[int | None] = so.mapped_column()
    quality: so.Mapped[int | None] = so.mapped_column()
    originality: so.Mapped[int | None] = so.mapped_column()
    recommendation: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    comments_to_authors: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    confidential_comments: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    submitted_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
