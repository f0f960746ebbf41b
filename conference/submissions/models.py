"""The call for abstracts: submission types, submissions and co-speakers."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference.db import TimestampMixin, UTCDateTime, utcnow
from conference.extensions import db


class SubmissionState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class Decision(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"


class SubmissionType(db.Model):
    """Talk, panel proposal, poster, workshop… with the abstract's length limit."""

    __tablename__ = "submission_types"
    __table_args__ = (sa.UniqueConstraint("edition_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    code: so.Mapped[str] = so.mapped_column(sa.String(30))
    # Abstract length limit, counted in words (whitespace-separated).
    max_words: so.Mapped[int] = so.mapped_column(default=300)
    duration_minutes: so.Mapped[int] = so.mapped_column(default=20)
    description: so.Mapped[str] = so.mapped_column(sa.Text(), default="")


class Submission(TimestampMixin, db.Model):
    __tablename__ = "submissions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    author_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    type_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("submission_types.id", ondelete="SET NULL"), index=True
    )
    track_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("tracks.id", ondelete="SET NULL"), index=True
    )
    abstract: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    keywords: so.Mapped[str] = so.mapped_column(sa.String(400), default="")
    audience: so.Mapped[str] = so.mapped_column(sa.String(400), default="")
    state: so.Mapped[str] = so.mapped_column(
        sa.String(20), default=SubmissionState.DRAFT, index=True
    )
    decision: so.Mapped[str] = so.mapped_column(sa.String(20), default=Decision.PENDING)
    decided_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    decision_published_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    submitted_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    withdrawn_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    # Set when a speaker confirms they will give the accepted talk.
    participation_confirmed_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())

    edition: so.Mapped[Edition] = so.relationship()  # noqa: F821
    author: so.Mapped[User | None] = so.relationship()  # noqa: F821
    type: so.Mapped[SubmissionType | None] = so.relationship()
    track: so.Mapped[Track | None] = so.relationship()  # noqa: F821
    co_speakers: so.Mapped[list[CoSpeaker]] = so.relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="CoSpeaker.id"
    )


class CoSpeaker(db.Model):
    """A co-speaker invited by e-mail; confirms by signed link, then sees the submission."""

    __tablename__ = "co_speakers"
    __table_args__ = (sa.UniqueConstraint("submission_id", "email"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    submission_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    invited_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())

    submission: so.Mapped[Submission] = so.relationship(back_populates="co_speakers")
    user: so.Mapped[User | None] = so.relationship()  # noqa: F821


class InvitationBlock(db.Model):
    """An address that declined an invitation and asked for no more from this submission."""

    __tablename__ = "invitation_blocks"
    __table_args__ = (sa.UniqueConstraint("submission_id", "email"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    submission_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


if TYPE_CHECKING:  # related models are resolved by name when the mappers configure
    from conference.accounts.models import User
    from conference.editions.models import Edition
    from conference.programme.models import Track
