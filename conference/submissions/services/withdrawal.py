"""Withdrawing a submission: what it will do, whether it may happen, and doing it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, mail
from conference.accounts.models import Role, RoleAssignment, User
from conference.db import utcnow
from conference.errors import Conflict, DomainError, NotAllowed
from conference.extensions import db
from conference.permissions import can
from conference.programme.models import Contribution
from conference.programme.services import span, withdraw_talk
from conference.submissions.models import Decision, Submission, SubmissionState
from conference.submissions.services.writing import ensure_may_change
from conference.urls import external_url


def programme_contribution_of(submission: Submission):
    """The contribution presenting ``submission`` in a programme session, or None."""
    return db.session.scalar(
        sa.select(Contribution).where(Contribution.submission_id == submission.id)
    )


def programme_session_of(submission: Submission):
    """The programme session ``submission`` is presented in (placed by a chair), or None."""
    contribution = programme_contribution_of(submission)
    return contribution.session if contribution is not None else None


@dataclass
class WithdrawalPreview:
    """What withdrawing will do, for the confirmation page."""

    submission: Submission
    accepted: bool
    session: object | None  # the programme session, if the talk was placed
    when: str = ""
    handling: str = ""  # "cancel" or "remove" (the edition's setting)
    notified: list[str] | None = None  # who is told: "the programme chairs", "the organisers"


def withdrawal_preview(submission: Submission) -> WithdrawalPreview:
    edition = submission.edition
    session = programme_session_of(submission)
    return WithdrawalPreview(
        submission=submission,
        accepted=submission.decision == Decision.ACCEPTED,
        session=session,
        when=span(session, edition) if session is not None else "",
        handling=edition.withdrawn_talks,
        notified=["the programme chairs", "the organisers"]
        if submission.state == SubmissionState.SUBMITTED
        else [],
    )


def withdrawal_refusal(user, submission: Submission) -> DomainError | None:
    """Why ``user`` may not withdraw ``submission`` now (for the confirmation page), or None."""
    try:
        withdraw_submission(user, submission, confirmed=False)
    except DomainError as exc:
        if exc.code != "confirmation_required":
            return exc
    return None


def withdraw_submission(user, submission: Submission, *, confirmed: bool = False) -> Submission:
    """Draft or submitted → withdrawn (final), only once the person confirmed it.

    A submitted one stays visible to the chairs as withdrawn; the chairs and organisers are
    told by mail; a programme session made from it is cancelled or removed, as the edition's
    ``withdrawn_talks`` setting says (``programme.services.withdraw_talk``).
    """
    edition = submission.edition
    if not can(user, "submission.edit", submission, edition=edition):
        raise NotAllowed(_("Only the submission's author can withdraw it."))
    override = ensure_may_change(user, edition)
    if submission.state == SubmissionState.WITHDRAWN:
        raise Conflict(_("This submission is already withdrawn."))
    if not confirmed:
        raise DomainError(
            _("Withdrawing is final: please confirm it on the confirmation page. Nothing changed."),
            code="confirmation_required",
        )
    previous = submission.state
    submission.state = SubmissionState.WITHDRAWN
    submission.withdrawn_at = utcnow()
    contribution = programme_contribution_of(submission)
    outcome = None
    if contribution is not None:
        outcome = withdraw_talk(user, contribution.session, edition, contribution)
    audit.record(
        user,
        "submission.withdrawn",
        submission,
        edition=edition,
        previous_state=previous,
        by_organiser_after_deadline=override,
        programme_session=outcome,
    )
    if previous == SubmissionState.SUBMITTED:
        _notify_withdrawal(user, submission, outcome)
    db.session.commit()
    return submission


def _notify_withdrawal(actor, submission: Submission, outcome: str | None) -> None:
    """One mail to each chair and organiser of the edition (not to the person who acted)."""
    edition = submission.edition
    people = db.session.scalars(
        sa.select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.edition_id == edition.id,
            RoleAssignment.role.in_([Role.CHAIR, Role.ORGANISER]),
            User.deleted_at.is_(None),
        )
        .distinct()
        .order_by(User.id)
    ).all()
    for person in people:
        if person.id == getattr(actor, "id", None):
            continue
        mail.queue(
            person.email,
            "submissions_withdrawn",
            _l("Withdrawn: %(title)s", title=submission.title),
            edition=edition,
            person=person,
            submission=submission,
            actor=actor,
            decision=submission.decision,
            outcome=outcome,
            link=external_url(
                "review.chair_submission", year=edition.year, submission_id=submission.id
            ),
        )
