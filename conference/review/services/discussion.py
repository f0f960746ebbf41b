"""The committee's discussion of a submission: its assigned reviewers and the chairs comment
on it, never its speakers (they are conflicted with it, so ``review.discussion.read`` refuses
them on every channel).

Reviewers are named to each other only when the edition says so (``reviewer_names_visible``);
otherwise they are "Reviewer 1, 2…", numbered in the order they were assigned, the same
numbers as on their reviews. Chairs see every name. A comment notifies the other people who
may read the discussion (outbox mail, in each recipient's language).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, mail
from conference.accounts.models import User
from conference.editions.models import Edition
from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.permissions import can
from conference.review.models import DiscussionComment, ReviewAssignment
from conference.review.services.lookups import _commit, _require
from conference.review.services.phases import reviewer_names_visible
from conference.submissions.models import Submission
from conference.urls import external_url

MAX_DISCUSSION_COMMENT = 5_000


def reviewer_numbers(submission: Submission) -> dict[int, int]:
    """Reviewer id → their number on this submission (1, 2… in the order assigned)."""
    ids = db.session.scalars(
        sa.select(ReviewAssignment.reviewer_id)
        .where(ReviewAssignment.submission_id == submission.id)
        .order_by(ReviewAssignment.id)
    )
    return {reviewer_id: n for n, reviewer_id in enumerate(ids, start=1)}


@dataclass(frozen=True)
class Writer:
    """Who wrote a review or comment, as one viewer may see it: ``name`` is None when the
    viewer may not know it; ``number`` is the reviewer number (None for a chair)."""

    name: str | None
    number: int | None
    own: bool
    chair: bool
    former: bool = False  # the account is deleted

    @property
    def label(self) -> str:
        if self.own:
            return _("You")
        if self.number is None:
            if self.former:
                return _("A former committee member")
            if self.name is None:
                return _("A programme chair") if self.chair else _("A reviewer no longer assigned")
            if not self.chair:
                return _("%(name)s (no longer assigned)", name=self.name)
            return _("%(name)s (programme chair)", name=self.name)
        if self.name is None:
            return _("Reviewer %(num)d", num=self.number)
        return _("Reviewer %(num)d: %(name)s", num=self.number, name=self.name)


def writer_for(
    viewer: User,
    writer_id: int | None,
    numbers: dict[int, int],
    *,
    viewer_is_chair: bool,
    names_visible: bool,
    edition_id: int | None = None,
) -> Writer:
    """How ``viewer`` sees the person ``writer_id`` on one submission."""
    if writer_id is None:
        return Writer(None, None, own=False, chair=False, former=True)
    number = numbers.get(writer_id)
    writer = db.session.get(User, writer_id)
    if writer is None or writer.deleted_at is not None:
        return Writer(None, number, own=False, chair=False, former=number is None)
    own = writer_id == viewer.id
    if number is None:
        # Not assigned: a chair taking part (chairs are known to the committee), or a
        # reviewer since unassigned (named to chairs only).
        edition = db.session.get(Edition, edition_id) if edition_id else None
        if edition is not None and can(writer, "review.chair", edition=edition):
            return Writer(writer.display_name, None, own=own, chair=True)
        shown = writer.display_name if viewer_is_chair or own else None
        return Writer(shown, None, own=own, chair=False)
    show = viewer_is_chair or names_visible or own
    return Writer(writer.display_name if show else None, number, own=own, chair=False)


def comments(viewer: User, submission: Submission) -> list[dict]:
    """The discussion as ``viewer`` may see it (empty when they may not read it)."""
    if not can(viewer, "review.discussion.read", submission):
        return []
    edition = db.session.get(Edition, submission.edition_id)
    numbers = reviewer_numbers(submission)
    chair = can(viewer, "review.chair", edition=edition)
    names = reviewer_names_visible(edition)
    rows = db.session.scalars(
        sa.select(DiscussionComment)
        .where(DiscussionComment.submission_id == submission.id)
        .order_by(DiscussionComment.created_at, DiscussionComment.id)
    )
    out = []
    for row in rows:
        writer = writer_for(
            viewer,
            row.author_id,
            numbers,
            viewer_is_chair=chair,
            names_visible=names,
            edition_id=edition.id,
        )
        out.append(
            {
                "id": row.id,
                "writer": writer,
                "label": writer.label,
                "own": writer.own,
                "body": row.body,
                "created_at": row.created_at,
            }
        )
    return out


def _clean_body(body) -> str:
    if not isinstance(body, str):
        raise DomainError(_("The comment must be text."))
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise DomainError(_("Write a comment first."))
    if len(body) > MAX_DISCUSSION_COMMENT:
        raise DomainError(
            _("A comment may have at most %(max)d characters.", max=MAX_DISCUSSION_COMMENT)
        )
    return body


def participants(submission: Submission) -> list[User]:
    """Who takes part in the discussion: the assigned reviewers and every chair who has
    commented (each still has to pass ``review.discussion.read`` to be told anything)."""
    assigned = sa.select(ReviewAssignment.reviewer_id).where(
        ReviewAssignment.submission_id == submission.id
    )
    commented = sa.select(DiscussionComment.author_id).where(
        DiscussionComment.submission_id == submission.id,
        DiscussionComment.author_id.is_not(None),
    )
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.id.in_(sa.union(assigned, commented)), User.deleted_at.is_(None))
            .order_by(User.id)
        )
    )


def add_comment(actor: User, submission: Submission, body) -> DiscussionComment:
    """Add ``actor``'s comment to the discussion (discussion phase only) and notify the
    others who may read it. Audited (without the text)."""
    _require(actor, "review.discuss", submission)
    body = _clean_body(body)
    if submission.state != "submitted":
        raise Conflict(_("This submission is no longer under review."))
    edition = db.session.get(Edition, submission.edition_id)
    comment = DiscussionComment(
        edition_id=edition.id, submission_id=submission.id, author_id=actor.id, body=body
    )
    db.session.add(comment)
    db.session.flush()
    audit.record(
        actor,
        "review.discussion_comment",
        comment,
        edition=edition,
        submission_id=submission.id,
        length=len(body),
    )
    _notify(actor, edition, submission, comment)
    _commit(_("The discussion changed at the same time elsewhere; please reload the page."))
    return comment


def _notify(actor: User, edition: Edition, submission: Submission, comment) -> None:
    numbers = reviewer_numbers(submission)
    names = reviewer_names_visible(edition)
    for person in participants(submission):
        if person.id == actor.id or not can(person, "review.discussion.read", submission):
            continue
        chair = can(person, "review.chair", edition=edition)
        writer = writer_for(
            person,
            actor.id,
            numbers,
            viewer_is_chair=chair,
            names_visible=names,
            edition_id=edition.id,
        )
        endpoint = "review.chair_submission" if chair and person.id not in numbers else None
        link = external_url(
            endpoint or "review.submission", year=edition.year, submission_id=submission.id
        )
        mail.queue(
            person.email,
            "review_discussion",
            _l(
                "%(edition)s: new comment on submission #%(id)d",
                edition=edition.acronym or edition.title,
                id=submission.id,
            ),
            edition=edition,
            recipient_name=person.display_name,
            writer_name=writer.name,
            writer_number=writer.number,
            writer_chair=writer.chair,
            submission_id=submission.id,
            title=submission.title,
            body=comment.body,
            link=link + "#discussion-h",
        )


def latest_comment_at(submission: Submission) -> dt.datetime | None:
    return db.session.scalar(
        sa.select(sa.func.max(DiscussionComment.created_at)).where(
            DiscussionComment.submission_id == submission.id
        )
    )
