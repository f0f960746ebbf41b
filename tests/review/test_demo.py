"""The review demo step: reviewers, expertise, conflicts, assignments, reviews; idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from conference.demo import Demo, seed_base
from conference.extensions import db
from conference.review import demo as review_demo
from conference.review.models import Conflict, Review, ReviewAssignment, ReviewerExpertise
from conference.submissions.models import Decision, Submission
from tests.review.factories import make_submission, make_track


def _counts():
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (ReviewAssignment, Review, Conflict, ReviewerExpertise)
    )


def test_demo_gives_reviewer_and_chair_work_and_is_idempotent(app, login):
    demo = Demo(password="demo-password-123")
    seed_base(demo)
    edition = demo.editions[2027]
    tracks = [make_track(edition, f"Demo track {i}") for i in range(4)]
    for i in range(24):
        make_submission(edition, track=tracks[i % 4], title=f"Demo submission {i}")
    review_demo.seed(demo)
    db.session.commit()
    first = _counts()
    assert first[0] == 24 * 3
    assert first[1] > 0 and first[2] >= 3 and first[3] == 12
    drafts = db.session.scalar(
        sa.select(sa.func.count(Review.id)).where(Review.submitted_at.is_(None))
    )
    assert drafts > 0
    decided = db.session.scalars(
        sa.select(Submission).where(Submission.decision != Decision.PENDING)
    ).all()
    assert len(decided) == 4 and sum(1 for s in decided if s.decision_published_at) == 2
    review_demo.seed(demo)
    db.session.commit()
    assert _counts() == first
    rita = demo.users["reviewer@demo.test"]
    page = login(rita).get("/2027/review")
    assert page.status_code == 200 and "not started" in page.get_data(as_text=True)
    chair = login(demo.users["chair@demo.test"])
    assert chair.get("/2027/review/chair").status_code == 200
    # the chair declared a conflict: that submission is left out of the organisers' list too
    listing = chair.get("/2027/admin/submissions").get_data(as_text=True)
    assert "1 submission is not listed" in listing and "Demo submission 1<" not in listing


def test_demo_without_submissions_only_creates_the_committee(app):
    demo = Demo(password="demo-password-123")
    seed_base(demo)
    review_demo.seed(demo)
    db.session.commit()
    assert _counts()[0] == 0
    assert len(demo.users) >= 6


def test_demo_review_is_in_discussion_with_descriptors_and_comments(app, login):
    from conference.review.models import DiscussionComment, ReviewCriterion, ReviewSettings

    demo = Demo(password="demo-password-123")
    seed_base(demo)
    edition = demo.editions[2027]
    tracks = [make_track(edition, f"Demo track {i}") for i in range(4)]
    for i in range(24):
        make_submission(edition, track=tracks[i % 4], title=f"Demo submission {i}")
    review_demo.seed(demo)
    db.session.commit()
    assert db.session.scalar(sa.select(ReviewSettings.phase)) == "discussion"
    assert db.session.scalar(sa.select(sa.func.count(ReviewCriterion.id))) == 3
    comments = db.session.scalars(sa.select(DiscussionComment)).all()
    assert len({c.submission_id for c in comments}) >= 2
    review_demo.seed(demo)
    db.session.commit()
    assert len(db.session.scalars(sa.select(DiscussionComment)).all()) == len(comments)
    # reviewer@demo.test takes part in a discussion and sees it
    rita = demo.users["reviewer@demo.test"]
    first = min(comments, key=lambda c: c.id)
    page = login(rita).get(f"/2027/review/submissions/{first.submission_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Review phase: Discussion" in text
    assert "lightning talk" in text or "case study" in text
    assert "Must be heard" in text or "Groundbreaking" in text
