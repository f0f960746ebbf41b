"""Chairs' decisions and their publication: recording a decision (one or many, all or
nothing) sends ``submission_decided``; publishing mails the speakers and marks it published.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, mail
from conference.db import utcnow
from conference.editions.models import Edition
from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.permissions import can
from conference.review.services.lookups import STATE_LABELS, _require, get_submission, speakers
from conference.review.services.mail_templates import decision_mails
from conference.signals import submission_decided
from conference.submissions.models import Decision, Submission, SubmissionState

DECISION_LABELS = {
    Decision.PENDING: _l("Pending"),
    Decision.ACCEPTED: _l("Accepted"),
    Decision.REJECTED: _l("Rejected"),
    Decision.WAITLISTED: _l("Waitlisted"),
}


def decide(actor, submission: Submission, decision: str, *, commit: bool = True) -> bool:
    """Record a decision (accepted, rejected, waitlisted or back to pending).

    Changing a published decision makes it unpublished again, so that publishing sends the
    speakers the new decision. ``submission_decided`` is sent once the decision is recorded;
    its handlers run before the commit (or before ``decide_many`` commits them all). Returns
    whether anything changed.
    """
    edition = db.session.get(Edition, submission.edition_id)
    _require(actor, "review.decide", submission)
    if decision not in set(Decision):
        raise DomainError(_("Choose accepted, rejected, waitlisted or pending."))
    if submission.state != SubmissionState.SUBMITTED:
        raise Conflict(
            _(
                "Submission #%(id)d is not under review (it is %(state)s).",
                id=submission.id,
                state=STATE_LABELS.get(submission.state, submission.state),
            )
        )
    if submission.decision == decision:
        return False
    previous = submission.decision
    submission.decision = decision
    submission.decided_at = utcnow() if decision != Decision.PENDING else None
    was_published = submission.decision_published_at is not None
    submission.decision_published_at = None
    audit.record(
        actor,
        "review.decision",
        submission,
        edition=edition,
        decision=decision,
        previous=previous,
        was_published=was_published,
    )
    submission_decided.send(submission, decision=decision, actor=actor)
    if commit:
        db.session.commit()
    return True


def decide_many(actor, edition: Edition, submission_ids, decision: str) -> int:
    """The same decision for several submissions, all or nothing."""
    _require(actor, "review.manage", edition=edition)
    ids = sorted({int(i) for i in submission_ids})
    if not ids:
        raise DomainError(_("Select at least one submission."))
    changed = 0
    try:
        for submission_id in ids:
            changed += decide(actor, get_submission(edition, submission_id), decision, commit=False)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return changed


@dataclass
class PublicationMail:
    """One mail that publishing a decision sends."""

    submission: Submission
    to: str
    name: str
    subject: str
    body: str


def decisions_to_publish(actor, edition: Edition, submission_ids=None) -> list[Submission]:
    """The decided, unpublished submissions ``actor`` would publish (all, or those of the ids)."""
    _require(actor, "review.manage", edition=edition)
    stmt = sa.select(Submission).where(
        Submission.edition_id == edition.id,
        Submission.state == SubmissionState.SUBMITTED,
        Submission.decision != Decision.PENDING,
        Submission.decision_published_at.is_(None),
    )
    if submission_ids is not None:
        ids = {int(i) for i in submission_ids}
        if not ids:
            raise DomainError(_("Select at least one submission."))
        stmt = stmt.where(Submission.id.in_(ids))
    return [
        submission
        for submission in db.session.scalars(stmt.order_by(Submission.id)).all()
        if can(actor, "review.decide", submission)
    ]


def publication_mails(submissions: list[Submission]) -> list[PublicationMail]:
    """Every mail publishing ``submissions`` would send, rendered as it will be sent."""
    out = []
    for submission in submissions:
        names = {(p["email"] or "").lower(): p["name"] for p in speakers(submission)}
        for to, subject, body in decision_mails(submission):
            out.append(PublicationMail(submission, to, names.get(to, to), subject, body))
    return out


def publish_decisions(actor, edition: Edition, submission_ids=None) -> int:
    """Mail the speakers of decided, unpublished submissions and mark them published."""
    published = 0
    now = utcnow()
    for submission in decisions_to_publish(actor, edition, submission_ids):
        for to, subject, body in decision_mails(submission):
            mail.queue_rendered(to, subject, body, edition=edition, template="decision")
        submission.decision_published_at = now
        audit.record(
            actor,
            "review.decision_published",
            submission,
            edition=edition,
            decision=submission.decision,
        )
        published += 1
    db.session.commit()
    return published
