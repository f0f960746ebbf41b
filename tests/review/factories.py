"""Review-area factories: tracks, submission types and submissions built directly on the models."""

from __future__ import annotations

import itertools

from conference.accounts.models import Role
from conference.db import utcnow
from conference.extensions import db
from conference.programme.models import Track
from conference.submissions.models import CoSpeaker, Submission, SubmissionState, SubmissionType
from tests.factories import grant, make_edition, make_user

_seq = itertools.count(1)


def make_track(edition=None, name: str | None = None) -> Track:
    edition = edition or make_edition()
    track = Track(edition_id=edition.id, name=name or f"Track {next(_seq)}")
    db.session.add(track)
    db.session.commit()
    return track


def make_type(edition=None, code: str = "talk", name: str = "Talk", minutes: int = 20):
    edition = edition or make_edition()
    existing = db.session.scalar(
        db.select(SubmissionType).where(
            SubmissionType.edition_id == edition.id, SubmissionType.code == code
        )
    )
    if existing:
        return existing
    kind = SubmissionType(edition_id=edition.id, code=code, name=name, duration_minutes=minutes)
    db.session.add(kind)
    db.session.commit()
    return kind


def make_submission(
    edition=None,
    *,
    author=None,
    title: str | None = None,
    track=None,
    state: str = SubmissionState.SUBMITTED,
    co_speakers=(),
    abstract: str = "We study research security in practice.",
) -> Submission:
    """A submission; ``co_speakers`` are (email, name, user or None, confirmed) tuples."""
    edition = edition or make_edition()
    n = next(_seq)
    author = author or make_user(
        full_name=f"Author Person {n}", organisation=f"Author Org {n}", password=None
    )
    submission = Submission(
        edition_id=edition.id,
        author_id=author.id,
        title=title or f"Submission title {n}",
        type_id=make_type(edition).id,
        track_id=track.id if track else None,
        abstract=abstract,
        keywords="security, research",
        audience="policy makers",
        state=state,
        submitted_at=utcnow() if state == SubmissionState.SUBMITTED else None,
    )
    for email, name, user, confirmed in co_speakers:
        submission.co_speakers.append(
            CoSpeaker(
                email=email,
                name=name,
                user_id=user.id if user else None,
                confirmed_at=utcnow() if confirmed else None,
            )
        )
    db.session.add(submission)
    db.session.commit()
    return submission


def make_reviewer(edition=None, **profile):
    edition = edition or make_edition()
    profile.setdefault("organisation", f"Reviewer Org {next(_seq)}")
    profile.setdefault("password", None)
    return make_user(role=Role.REVIEWER, edition=edition, **profile)


def make_chair(edition=None, **profile):
    edition = edition or make_edition()
    profile.setdefault("password", None)
    return make_user(role=Role.CHAIR, edition=edition, **profile)


def assign(submission, reviewer, chair=None):
    from conference.review.models import ReviewAssignment

    db.session.add(
        ReviewAssignment(
            edition_id=submission.edition_id,
            submission_id=submission.id,
            reviewer_id=reviewer.id,
            assigned_by_id=chair.id if chair else None,
        )
    )
    db.session.commit()


def make_review(submission, reviewer, *, submitted=True, scores=(4, 4, 4), rec="accept", **text):
    from conference.review.models import Review

    review = Review(
        edition_id=submission.edition_id,
        submission_id=submission.id,
        reviewer_id=reviewer.id,
        relevance=scores[0],
        quality=scores[1],
        originality=scores[2],
        recommendation=rec,
        comments_to_authors=text.get("comments_to_authors", "Public comment."),
        confidential_comments=text.get("confidential_comments", "Secret committee note."),
        submitted_at=utcnow() if submitted else None,
    )
    db.session.add(review)
    db.session.commit()
    return review


__all__ = [
    "assign",
    "grant",
    "make_chair",
    "make_review",
    "make_reviewer",
    "make_submission",
    "make_track",
    "make_type",
]


def set_phase(edition, phase: str, *, names_visible: bool = False):
    """Put ``edition``'s review in ``phase`` (assigning, reviewing, discussion, decisions)."""
    from conference.review.models import ReviewSettings

    row = db.session.scalar(
        db.select(ReviewSettings).where(ReviewSettings.edition_id == edition.id)
    ) or ReviewSettings(edition_id=edition.id)
    row.phase = phase
    row.reviewer_names_visible = names_visible
    db.session.add(row)
    db.session.commit()
    return row
