"""The review area's reminder: reviewers with unfinished reviews, N days before the deadline.

Registered in ``editions.reminders`` on import (``VIEWS``). One reminder per reviewer and
deadline: if the chairs move the deadline, reviewers still late are reminded again."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from conference import mail
from conference.accounts.models import User
from conference.editions.reminders import Reminder, ReminderKind, register
from conference.extensions import db
from conference.review.models import Review, ReviewAssignment
from conference.submissions.models import Submission, SubmissionState
from conference.urls import external_url


def unfinished_reviews(edition) -> dict[int, list[Submission]]:
    """``{reviewer id: [submissions]}``: assignments without a submitted review."""
    rows = db.session.execute(
        sa.select(ReviewAssignment.reviewer_id, Submission)
        .join(Submission, Submission.id == ReviewAssignment.submission_id)
        .outerjoin(
            Review,
            sa.and_(
                Review.submission_id == ReviewAssignment.submission_id,
                Review.reviewer_id == ReviewAssignment.reviewer_id,
            ),
        )
        .where(
            ReviewAssignment.edition_id == edition.id,
            Submission.state == SubmissionState.SUBMITTED,
            Review.submitted_at.is_(None),
        )
        .order_by(ReviewAssignment.reviewer_id, Submission.id)
    ).all()
    found: dict[int, list[Submission]] = {}
    for reviewer_id, submission in rows:
        found.setdefault(reviewer_id, []).append(submission)
    return found


def _due(edition, now: dt.datetime, days: int | None):
    deadline = edition.review_deadline
    if deadline is None or now >= deadline or now < deadline - dt.timedelta(days=days or 0):
        return
    late = unfinished_reviews(edition)
    if not late:
        return
    reviewers = db.session.scalars(
        sa.select(User).where(User.id.in_(late), User.deleted_at.is_(None))
    )
    for reviewer in reviewers:
        submissions = late[reviewer.id]

        def send(reviewer=reviewer, submissions=submissions):
            mail.queue(
                reviewer.email,
                "review_deadline_reminder",
                _l("Reminder: your reviews for %(edition)s", edition=edition.title),
                edition=edition,
                reviewer=reviewer,
                submissions=submissions,
                deadline=deadline,
                link=external_url("review.my_reviews", year=edition.year),
            )

        yield Reminder(f"{reviewer.id}:{deadline:%Y%m%d%H%M}", reviewer.email, send)


register(
    ReminderKind(
        key="review_unfinished",
        label=_l("Remind reviewers of unfinished reviews before the review deadline"),
        help=_l("Each reviewer with reviews not yet submitted gets one reminder."),
        days_label=_l("Days before the review deadline"),
        default_days=3,
        due=_due,
        position=30,
    )
)
