"""Each review permission rule, allowed and denied."""

from __future__ import annotations

from conference.editions.models import EditionState
from conference.extensions import db
from conference.permissions import can, clear_role_cache
from tests.factories import make_edition, make_user
from tests.review.factories import assign, make_review, make_submission, set_phase


def _can(user, action, obj=None, edition=None):
    clear_role_cache()
    from flask import g

    g.pop("_review_state_cache", None)
    return can(user, action, obj, edition=edition or make_edition())


def test_participate_and_chair(world):
    outsider = make_user(password=None)
    assert _can(world.reviewer, "review.participate")
    assert _can(world.chair, "review.participate")
    assert not _can(outsider, "review.participate")
    assert _can(world.chair, "review.chair") and _can(world.chair, "review.manage")
    assert not _can(world.reviewer, "review.chair") and not _can(world.reviewer, "review.manage")
    organiser = make_user(role="organiser", edition=world.edition, password=None)
    admin = make_user(admin=True, password=None)
    assert _can(organiser, "review.chair") and _can(admin, "review.manage")


def test_read_write_and_others(world):
    s = world.submission
    assert not _can(world.reviewer, "review.read", s)
    assign(s, world.reviewer)
    assert _can(world.reviewer, "review.read", s) and _can(world.reviewer, "review.write", s)
    assert not _can(world.reviewer, "review.read_others", s)
    make_review(s, world.reviewer)
    # others' reviews only in the discussion and decisions phases
    assert not _can(world.reviewer, "review.read_others", s)
    set_phase(world.edition, "discussion")
    assert _can(world.reviewer, "review.read_others", s)
    assert _can(world.chair, "review.read", s) and _can(world.chair, "review.read_others", s)
    assert not _can(world.chair, "review.write", s)  # chairs review only when assigned
    assert not _can(world.author, "review.read", s)
    assert _can(world.chair, "review.decide", s) and not _can(world.reviewer, "review.decide", s)


def test_conflict_and_other_edition_deny(world):
    from conference.review.models import Conflict

    s = world.submission
    assign(s, world.reviewer)
    db.session.add(
        Conflict(edition_id=s.edition_id, reviewer_id=world.reviewer.id, submission_id=s.id)
    )
    db.session.commit()
    for action in ("review.read", "review.write", "review.read_others"):
        assert not _can(world.reviewer, action, s)
    other = make_edition(2028)
    foreign = make_submission(other)
    assert not _can(world.chair, "review.read", foreign)  # asked within 2027


def test_archived_edition_is_read_only(world):
    s = world.submission
    assign(s, world.reviewer)
    world.edition.state = EditionState.ARCHIVED
    db.session.commit()
    assert _can(world.reviewer, "review.read", s)
    assert not _can(world.reviewer, "review.write", s)
    assert not _can(world.chair, "review.manage")
