"""Data for the mailing tests: crowds of registrations, mailings, submissions, reviews."""

from __future__ import annotations

import itertools

import sqlalchemy as sa

from conference.accounts.models import User
from conference.accreditation.models import Registration, RegistrationState
from conference.db import utcnow
from conference.editions.models import Edition
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.mailings.models import Mailing, MailingMessage
from conference.review.models import Review, ReviewAssignment
from conference.submissions.models import CoSpeaker, Submission, SubmissionState

_seq = itertools.count(1)


def crowd(
    edition: Edition,
    count: int,
    category,
    *,
    state: str = RegistrationState.ACCREDITED,
    prefix: str = "person",
    country: str = "BE",
    organisation_type: str = "university",
) -> list[User]:
    """``count`` verified people with a registration each, added in one transaction."""
    users = []
    batch = next(_seq)
    for i in range(count):
        user = User(
            email=f"{prefix}{batch}-{i}@example.org",
            password_hash=None,
            full_name=f"{prefix.title()} {batch}-{i}",
            email_verified_at=utcnow(),
        )
        db.session.add(user)
        users.append(user)
    db.session.flush()
    for user in users:
        db.session.add(
            Registration(
                edition_id=edition.id,
                user_id=user.id,
                state=state,
                requested_category_id=category.id,
                category_id=category.id if state == RegistrationState.ACCREDITED else None,
                full_name=user.full_name,
                email=user.email,
                country=country,
                organisation_type=organisation_type,
            )
        )
    db.session.commit()
    return users


def make_mailing(
    edition: Edition, audience: dict, *, subject="Hello {{ name }}", body=None, by=None
):
    mailing = Mailing(
        edition_id=edition.id,
        created_by_id=getattr(by, "id", None),
        subject=subject,
        body=body or "Dear {{ name }},\n\nsee you at {{ edition_title }}.\n\n{{ sessions }}\n",
        audience=audience,
    )
    db.session.add(mailing)
    db.session.commit()
    return mailing


def make_submission(edition, author, *, state=SubmissionState.SUBMITTED, decision="pending"):
    submission = Submission(
        edition_id=edition.id,
        author_id=author.id,
        title=f"Submission {next(_seq)}",
        state=state,
        decision=decision,
        submitted_at=utcnow() if state != SubmissionState.DRAFT else None,
    )
    db.session.add(submission)
    db.session.commit()
    return submission


def add_co_speaker(submission, user, *, confirmed=True):
    db.session.add(
        CoSpeaker(
            submission_id=submission.id,
            email=user.email,
            name=user.full_name,
            user_id=user.id,
            confirmed_at=utcnow() if confirmed else None,
        )
    )
    db.session.commit()


def assign(reviewer, submission, *, submitted=False):
    db.session.add(
        ReviewAssignment(
            edition_id=submission.edition_id, submission_id=submission.id, reviewer_id=reviewer.id
        )
    )
    if submitted:
        db.session.add(
            Review(
                edition_id=submission.edition_id,
                submission_id=submission.id,
                reviewer_id=reviewer.id,
                relevance=3,
                quality=3,
                originality=3,
                recommendation="accept",
                submitted_at=utcnow(),
            )
        )
    db.session.commit()


def messages_of(mailing) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .join(MailingMessage, MailingMessage.outbox_id == OutboxMessage.id)
            .where(MailingMessage.mailing_id == mailing.id)
            .order_by(OutboxMessage.id)
        )
    )
