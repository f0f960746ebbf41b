"""Reviewers' progress ("3 of 8 done") and the chairs' one-click reminders.

A reminder goes through the outbox to a reviewer with outstanding reviews (assigned, not
conflicted, not submitted), lists those submissions (blinded), is recorded in
``reviewer_reminders`` (the chairs' page shows when each reviewer was last reminded) and in
the audit log. The scheduled reminders belong to the communications work, not here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, mail
from conference.accounts.models import User
from conference.db import utcnow
from conference.editions.models import Edition
from conference.errors import Conflict, NotFound
from conference.extensions import db
from conference.review.models import ReviewerReminder
from conference.review.services.lookups import _commit, _require, is_pool_member, reviewers
from conference.review.services.reviews import AssignmentRow, my_assignments
from conference.urls import external_url

# A reviewer is not reminded twice within this time (a double click, two chairs at once).
REMINDER_PAUSE = dt.timedelta(hours=1)


@dataclass
class Progress:
    """One reviewer's progress in an edition."""

    reviewer: User
    total: int
    done: int
    drafts: int
    last_reminded_at: dt.datetime | None = None

    @property
    def outstanding(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def progress_of(user: User, edition: Edition, rows: list[AssignmentRow] | None = None) -> Progress:
    """The reviewer's own figures: of their visible assignments, how many are submitted."""
    rows = my_assignments(user, edition) if rows is None else rows
    return Progress(
        reviewer=user,
        total=len(rows),
        done=sum(1 for r in rows if r.status == "submitted"),
        drafts=sum(1 for r in rows if r.status == "draft"),
    )


def last_reminders(edition: Edition) -> dict[int, dt.datetime]:
    """Reviewer id → when they were last reminded in ``edition``."""
    rows = db.session.execute(
        sa.select(ReviewerReminder.reviewer_id, sa.func.max(ReviewerReminder.sent_at))
        .where(ReviewerReminder.edition_id == edition.id)
        .group_by(ReviewerReminder.reviewer_id)
    )
    return {reviewer_id: sent_at for reviewer_id, sent_at in rows}


def committee_progress(actor: User, edition: Edition) -> list[Progress]:
    """Every reviewer's progress, for the chairs (lowest share done first)."""
    _require(actor, "review.chair", edition=edition)
    reminded = last_reminders(edition)
    out = []
    for reviewer in reviewers(edition):
        item = progress_of(reviewer, edition)
        item.last_reminded_at = reminded.get(reviewer.id)
        out.append(item)
    out.sort(key=lambda p: (p.percent if p.total else 101, p.reviewer.display_name.casefold()))
    return out


def send_reminder(actor: User, edition: Edition, reviewer: User, *, now=None) -> int:
    """Remind ``reviewer`` of their outstanding reviews; returns how many are outstanding.

    Refused (409) when nothing is outstanding or they were reminded in the last hour."""
    _require(actor, "review.manage", edition=edition)
    if not is_pool_member(reviewer, edition) or reviewer.deleted_at is not None:
        raise NotFound(_("This person is not on the programme committee."))
    now = now or utcnow()
    rows = my_assignments(reviewer, edition)
    waiting = [row.submission for row in rows if row.status != "submitted"]
    if not waiting:
        raise Conflict(_("%(name)s has no outstanding reviews.", name=reviewer.display_name))
    last = last_reminders(edition).get(reviewer.id)
    if last is not None and now - last < REMINDER_PAUSE:
        raise Conflict(
            _(
                "%(name)s was reminded less than an hour ago; nothing was sent.",
                name=reviewer.display_name,
            )
        )
    mail.queue(
        reviewer.email,
        "review_reminder",
        _l("%(edition)s: your reviews are waiting", edition=edition.acronym or edition.title),
        edition=edition,
        reviewer_name=reviewer.display_name,
        done=len(rows) - len(waiting),
        total=len(rows),
        submissions=waiting,
        link=external_url("review.my_reviews", year=edition.year),
        deadline=edition.local(edition.review_deadline),
    )
    reminder = ReviewerReminder(
        edition_id=edition.id,
        reviewer_id=reviewer.id,
        sent_by_id=actor.id,
        outstanding=len(waiting),
        sent_at=now,
    )
    db.session.add(reminder)
    db.session.flush()
    audit.record(
        actor,
        "review.reminder_sent",
        reminder,
        edition=edition,
        reviewer_id=reviewer.id,
        outstanding=len(waiting),
    )
    _commit(_("The reminder was sent at the same time elsewhere; please reload the page."))
    return len(waiting)
