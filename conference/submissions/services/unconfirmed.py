"""Accepted speakers who have not confirmed their participation yet.

``unconfirmed_speakers(edition)`` is what the speakers' reminder (``submissions.reminders``)
asks. Until the speakers' explicit confirmation exists (issue 21, helper h21a, who names the
same function), an accepted speaker confirms by registering for the edition (taking up the
speaker offer): a published acceptance whose author holds no registration there (or a
cancelled one) is unconfirmed.
"""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation.models import Registration, RegistrationState
from conference.extensions import db
from conference.submissions.models import Decision, Submission, SubmissionState


def unconfirmed_speakers(edition) -> list[Submission]:
    """Accepted, published, not withdrawn submissions whose speaker has not confirmed."""
    registered = (
        sa.select(Registration.user_id)
        .where(
            Registration.edition_id == edition.id,
            Registration.user_id.is_not(None),
            Registration.state.not_in([RegistrationState.CANCELLED, RegistrationState.REVOKED]),
        )
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(
                Submission.edition_id == edition.id,
                Submission.state == SubmissionState.SUBMITTED,
                Submission.decision == Decision.ACCEPTED,
                Submission.decision_published_at.is_not(None),
                Submission.author_id.is_not(None),
                Submission.author_id.not_in(registered),
            )
            .order_by(Submission.id)
        )
    )
