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


class ReviewPhase(enum.StrEnum):
    """Where an edition's review stands; each phase says what reviewers may see and do
    (``conference.review.services.phases.PHASE_RULES``)."""

    ASSIGNING = "assigning"
    REVIEWING = "reviewing"
    DISCUSSION = "discussion"
    DECISIONS = "decisions"


class ReviewSettings(db.Model):
    """An edition's review phase, switched by the chairs, and whether reviewers of a
    submission see each other's names. An edition without a row is in the reviewing phase
    with reviewers' names hidden from each other."""

    __tablename__ = "review_settings"
    __table_args__ = (
        sa.CheckConstraint(
            "phase IN ('assigning', 'reviewing', 'discussion', 'decisions')", name="phase_valid"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), unique=True
    )
    phase: so.Mapped[str] = so.mapped_column(sa.String(20), default=ReviewPhase.REVIEWING)
    reviewer_names_visible: so.Mapped[bool] = so.mapped_column(default=False)
    phase_changed_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    phase_changed_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class ReviewCriterion(db.Model):
    """What a score criterion means in an edition: a description and a descriptor for each
    score (what a 1 and a 5 mean), shown next to the radios. Without a row the built-in
    texts apply (``services.criteria.DEFAULT_CRITERIA``)."""

    __tablename__ = "review_criteria"
    __table_args__ = (
        sa.UniqueConstraint("edition_id", "key"),
        sa.CheckConstraint("key IN ('relevance', 'quality', 'originality')", name="key_valid"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    key: so.Mapped[str] = so.mapped_column(sa.String(20))
    description: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    descriptor_1: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    descriptor_2: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    descriptor_3: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    descriptor_4: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    descriptor_5: so.Mapped[str] = so.mapped_column(sa.String(300), default="")


class DiscussionComment(db.Model):
    """A comment in the committee's discussion of a submission: its assigned reviewers and
    the chairs; never shown to its speakers (they are conflicted with it)."""

    __tablename__ = "review_discussion_comments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    submission_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    # None once the writer's account is deleted (the comment stays, without a name).
    author_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: so.Mapped[str] = so.mapped_column(sa.Text())
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class ReviewerReminder(db.Model):
    """A reminder a chair sent a reviewer about their outstanding reviews (also audited)."""

    __tablename__ = "reviewer_reminders"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    sent_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    outstanding: so.Mapped[int] = so.mapped_column(default=0)
    sent_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
