"""What speakers (and the areas above) read of submissions: lookups, the speaker's list,
the state and published decision a speaker may see, speakers and accepted abstracts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from conference.accounts.models import User
from conference.editions.models import Edition
from conference.errors import NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import can, clearance
from conference.programme.services import programme_sessions
from conference.signals import author_comments_requested
from conference.submissions.models import CoSpeaker, Decision, Submission, SubmissionState
from conference.submissions.services.limits import valid_id


def get_submission(edition: Edition, submission_id) -> Submission:
    """The submission of this edition with that id, or NotFound."""
    submission = db.session.get(Submission, submission_id) if valid_id(submission_id) else None
    if submission is None or submission.edition_id != edition.id:
        raise NotFound(_("There is no such submission."))
    return submission


def visible_submission(user, edition: Edition, submission_id) -> Submission:
    """The submission if ``user`` may see it; others get the same 404 as a missing id."""
    submission = get_submission(edition, submission_id)
    if not can(user, "submission.view", submission, edition=edition):
        raise NotFound(_("There is no such submission."))
    return submission


def editable_submission(user, edition: Edition, submission_id) -> Submission:
    """The submission if ``user`` may change it (author or organiser); else 404 or 403."""
    submission = visible_submission(user, edition, submission_id)
    if not can(user, "submission.edit", submission, edition=edition):
        raise NotAllowed(_("Only the submission's author can change it."))
    return submission


def my_submissions(user, edition: Edition) -> list[tuple[Submission, str]]:
    """The user's submissions in ``edition`` as (submission, "author" | "co_speaker")."""
    if not getattr(user, "is_authenticated", False) or edition is None:
        return []
    authored = db.session.scalars(
        sa.select(Submission)
        .where(Submission.edition_id == edition.id, Submission.author_id == user.id)
        .options(so.selectinload(Submission.co_speakers))
        .order_by(Submission.created_at, Submission.id)
    ).all()
    co_speaking = db.session.scalars(
        sa.select(Submission)
        .join(CoSpeaker, CoSpeaker.submission_id == Submission.id)
        .where(
            Submission.edition_id == edition.id,
            CoSpeaker.user_id == user.id,
            CoSpeaker.confirmed_at.is_not(None),
            sa.or_(Submission.author_id.is_(None), Submission.author_id != user.id),
        )
        .order_by(Submission.created_at, Submission.id)
    ).all()
    return [(s, "author") for s in authored] + [(s, "co_speaker") for s in co_speaking]


def published_comments(submission: Submission) -> list[str]:
    """Comments to the authors, once the decision is published (no names).

    Review keeps them; it answers ``author_comments_requested``, so that this layer needs no
    import of the layer above.
    """
    if submission.decision_published_at is None:
        return []
    comments: list[str] = []
    for _handler, texts in author_comments_requested.send(submission):
        comments.extend(texts)
    return comments


@dataclass(frozen=True)
class PublishedDecision:
    decision: str
    published_at: dt.datetime
    comments: list[str]


def published_decision(submission: Submission) -> PublishedDecision | None:
    """The decision as the speaker may see it: only once published, with comments to authors."""
    if submission.decision_published_at is None or submission.decision == Decision.PENDING:
        return None
    return PublishedDecision(
        submission.decision, submission.decision_published_at, published_comments(submission)
    )


def status_label(submission: Submission) -> str:
    """What the speaker sees as the state: never an unpublished decision."""
    if submission.state == SubmissionState.WITHDRAWN:
        return "Withdrawn"
    if submission.state == SubmissionState.DRAFT:
        return "Draft (not submitted)"
    decision = published_decision(submission)
    if decision is None:
        return "Submitted – under review"
    return DECISION_LABELS.get(decision.decision, decision.decision)


DECISION_LABELS = {
    Decision.ACCEPTED: "Accepted",
    Decision.REJECTED: "Not accepted",
    Decision.WAITLISTED: "On the waiting list",
}

STATE_LABELS = {
    SubmissionState.DRAFT: "Draft",
    SubmissionState.SUBMITTED: "Submitted",
    SubmissionState.WITHDRAWN: "Withdrawn",
}


def speakers_of(submission: Submission) -> list[User]:
    """The author and the confirmed co-speakers (for the programme and for conflicts)."""
    people = [submission.author] if submission.author is not None else []
    for co in submission.co_speakers:
        if co.confirmed_at is not None and co.user is not None and co.user not in people:
            people.append(co.user)
    return people


def accepted_abstracts(edition: Edition, viewer=None) -> list[Submission]:
    """Accepted submissions whose decision is published (public once published).

    An abstract placed in a restricted session is left out for a ``viewer`` who is not
    cleared for that session, as the session itself is on every other channel: the session
    as released, once the edition has a release (never the draft's access rule).
    """
    submissions = list(
        db.session.scalars(
            sa.select(Submission)
            .where(
                Submission.edition_id == edition.id,
                Submission.state == SubmissionState.SUBMITTED,
                Submission.decision == Decision.ACCEPTED,
                Submission.decision_published_at.is_not(None),
            )
            .options(
                so.selectinload(Submission.co_speakers).selectinload(CoSpeaker.user),
                so.selectinload(Submission.author),
            )
            .order_by(Submission.track_id, Submission.title)
        )
    )
    # The programme as the public reads it: the last release once there is one (a talk placed
    # only in the draft is listed like any accepted talk), the live sessions before.
    viewer_clearance = clearance(viewer, edition)
    hidden = {
        contribution.submission_id
        for session in programme_sessions(viewer, edition)
        if session.is_restricted and not viewer_clearance.sees_details(session)
        for contribution in session.contributions
        if contribution.submission_id is not None
    }
    return [s for s in submissions if s.id not in hidden]
