"""Races on PostgreSQL: two saves of the same first review, two chairs saving assignments."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from conference.errors import Conflict
from conference.extensions import db
from conference.review import services
from conference.review.models import Review, ReviewAssignment
from tests.review.factories import assign

FULL = {"relevance": 4, "quality": 4, "originality": 3, "recommendation": "accept"}


def _race(app, work):
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        with app.app_context(), app.test_request_context():
            barrier.wait()
            try:
                work()
                outcomes.append("ok")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


@pytest.mark.postgres
def test_two_simultaneous_first_saves_make_one_review(app, world):
    assign(world.submission, world.reviewer)
    reviewer_id, submission_id = world.reviewer.id, world.submission.id

    def work():
        from conference.accounts.models import User
        from conference.submissions.models import Submission

        user = db.session.get(User, reviewer_id)
        submission = db.session.get(Submission, submission_id)
        services.save_review(user, submission, FULL, submit=True)

    outcomes = _race(app, work)
    assert sorted(outcomes) in (["conflict", "ok"], ["ok", "ok"])
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 1


@pytest.mark.postgres
def test_two_chairs_saving_the_same_assignment(app, world):
    chair_id, edition_id = world.chair.id, world.edition.id
    pair = [(world.submission.id, world.reviewer.id)]

    def work():
        from conference.accounts.models import User
        from conference.editions.models import Edition

        services.save_assignments(
            db.session.get(User, chair_id), db.session.get(Edition, edition_id), pair
        )

    outcomes = _race(app, work)
    assert "ok" in outcomes and set(outcomes) <= {"ok", "conflict"}
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(ReviewAssignment.id))) == 1
