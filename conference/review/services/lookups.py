"""Lookups every review topic shares: the edition's submissions under review, its committee
and tracks; what a reviewer may see of a submission (``blinded``) and what chairs see
(``speakers``); the permission check and the flush/commit that turn a race into a 409.

Everything a reviewer is shown passes through ``blinded()``, which copies only the fields a
double-blind review may reveal (never the author, co-speakers, organisations or e-mails).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from conference.accounts.models import Role, RoleAssignment, User
from conference.editions.models import Edition
from conference.errors import Conflict, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import can
from conference.programme.models import Track
from conference.submissions.models import Submission, SubmissionState

# A submission's state as the review pages name it (the stored value stays English).
STATE_LABELS = {
    SubmissionState.DRAFT: _l("draft"),
    SubmissionState.SUBMITTED: _l("submitted"),
    SubmissionState.WITHDRAWN: _l("withdrawn"),
}


def get_submission(edition: Edition, submission_id: int) -> Submission:
    """A submission of ``edition`` (404 for other editions' or unknown ids)."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.edition_id != edition.id:
        raise NotFound(_("There is no such submission in this edition."))
    return submission


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such person."))
    return user


def reviewable_submissions(edition: Edition) -> list[Submission]:
    """Submitted (not draft, not withdrawn) submissions of ``edition``, by id."""
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(
                Submission.edition_id == edition.id,
                Submission.state == SubmissionState.SUBMITTED,
            )
            .options(so.selectinload(Submission.co_speakers), so.selectinload(Submission.author))
            .order_by(Submission.id)
        )
    )


def reviewers(edition: Edition) -> list[User]:
    """The programme committee: everyone with the reviewer role in ``edition``."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.edition_id == edition.id,
                RoleAssignment.role == Role.REVIEWER,
                User.deleted_at.is_(None),
            )
            .order_by(User.id)
        )
    )


def is_pool_member(user: User, edition: Edition) -> bool:
    return (
        db.session.scalar(
            sa.select(RoleAssignment.id).where(
                RoleAssignment.edition_id == edition.id,
                RoleAssignment.user_id == user.id,
                RoleAssignment.role == Role.REVIEWER,
            )
        )
        is not None
    )


def tracks(edition: Edition) -> list[Track]:
    return list(
        db.session.scalars(
            sa.select(Track)
            .where(Track.edition_id == edition.id)
            .order_by(Track.position, Track.name)
        )
    )


def _require(actor, action: str, obj=None, *, edition=None) -> None:
    if not can(actor, action, obj, edition=edition):
        raise NotAllowed(_("You do not have permission to do this."))


def _flush(message: str) -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message) from None


def _commit(message: str) -> None:
    """Commit; a unique-constraint race (two tabs, two chairs) becomes a 409, not a 500."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message) from None


def blinded(submission: Submission) -> dict:
    """The only fields of a submission a reviewer may see (double-blind)."""
    return {
        "id": submission.id,
        "title": submission.title,
        "type": submission.type.name if submission.type else None,
        "type_id": submission.type_id,
        "track": submission.track.name if submission.track else None,
        "track_id": submission.track_id,
        "abstract": submission.abstract,
        "keywords": submission.keywords,
        "audience": submission.audience,
        "state": submission.state,
        "submitted_at": submission.submitted_at,
    }


def speakers(submission: Submission) -> list[dict]:
    """Author and confirmed co-speakers (chairs only): name, e-mail, organisation, user."""
    out = []
    if submission.author is not None:
        out.append(
            {
                "name": submission.author.display_name,
                "email": submission.author.email,
                "organisation": submission.author.organisation,
                "user": submission.author,
                "role": "author",
            }
        )
    for co in submission.co_speakers:
        if co.confirmed_at is None:
            continue
        user = co.user
        out.append(
            {
                "name": co.name or (user.display_name if user else co.email),
                "email": co.email,
                "organisation": user.organisation if user else "",
                "user": user,
                "role": "co-speaker",
            }
        )
    return out
