"""The phase rules in ``permissions`` (allowed and denied), the words that describe them,
and what review keeps across cloning and in the personal data export."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import g

from conference.editions import cloning
from conference.extensions import db
from conference.permissions import can, clear_role_cache
from conference.review import services
from conference.review.models import DiscussionComment, ReviewCriterion, ReviewSettings
from conference.signals import personal_data_requested
from tests.review.factories import assign, make_review, set_phase


def _can(user, action, obj, edition):
    clear_role_cache()
    g.pop("_review_state_cache", None)
    return can(user, action, obj, edition=edition)


EXPECTED = {
    # phase: (write, read others after own review, discuss)
    "assigning": (False, False, False),
    "reviewing": (True, False, False),
    "discussion": (True, True, True),
    "decisions": (False, True, False),
}


@pytest.mark.parametrize("phase", list(EXPECTED))
def test_reviewer_rules_per_phase(world, phase):
    s, e = world.submission, world.edition
    assign(s, world.reviewer)
    make_review(s, world.reviewer)
    set_phase(e, phase)
    write, others, discuss = EXPECTED[phase]
    assert _can(world.reviewer, "review.read", s, e)  # assignments are readable in every phase
    assert _can(world.reviewer, "review.write", s, e) is write
    assert _can(world.reviewer, "review.read_others", s, e) is others
    assert _can(world.reviewer, "review.discussion.read", s, e) is others
    assert _can(world.reviewer, "review.discuss", s, e) is discuss
    # the words on the pages say the same
    rules = services.phase_rules(phase)
    assert (rules.may_review, rules.others_visible, rules.may_discuss) == EXPECTED[phase]
    # chairs read everything in every phase; they discuss in the discussion phase only
    assert _can(world.chair, "review.read_others", s, e)
    assert _can(world.chair, "review.discuss", s, e) is (phase == "discussion")


@pytest.mark.parametrize("phase", list(EXPECTED))
def test_authors_and_strangers_are_denied_in_every_phase(world, phase):
    s, e = world.submission, world.edition
    set_phase(e, phase)
    for person in (world.author, world.co_user, world.other_reviewer):
        for action in ("review.discussion.read", "review.discuss", "review.read_others"):
            assert not _can(person, action, s, e), (person, action)


def test_draft_reviewer_may_not_read_the_discussion(world):
    s, e = world.submission, world.edition
    assign(s, world.reviewer)
    make_review(s, world.reviewer, submitted=False)
    set_phase(e, "discussion")
    assert not _can(world.reviewer, "review.discussion.read", s, e)
    assert not _can(world.reviewer, "review.discuss", s, e)


def test_archived_edition_closes_the_discussion(world):
    s, e = world.submission, world.edition
    assign(s, world.reviewer)
    make_review(s, world.reviewer)
    set_phase(e, "discussion")
    e.state = "archived"
    db.session.commit()
    assert _can(world.reviewer, "review.discussion.read", s, e)
    assert not _can(world.reviewer, "review.discuss", s, e)


def test_set_phase_refuses_reviewers_and_unknown_phases(world):
    from conference.errors import DomainError, NotAllowed

    with pytest.raises(NotAllowed):
        services.set_phase(world.reviewer, world.edition, "discussion")
    with pytest.raises(DomainError):
        services.set_phase(world.chair, world.edition, "voting")
    assert db.session.scalar(sa.select(ReviewSettings)) is None
    assert services.set_phase(world.chair, world.edition, "decisions") is True
    assert services.set_phase(world.chair, world.edition, "decisions") is False
    assert services.current_phase(world.edition) == "decisions"


def test_cloning_keeps_descriptors_and_name_setting_not_the_phase(world):
    data = {k: {"description": k, 1: "low", 5: "high"} for k in services.CRITERIA_KEYS}
    services.save_criteria(world.chair, world.edition, data)
    set_phase(world.edition, "decisions", names_visible=True)
    new = cloning.clone_edition(world.edition, 2029).edition
    copied = db.session.scalars(
        sa.select(ReviewCriterion).where(ReviewCriterion.edition_id == new.id)
    ).all()
    assert sorted(c.key for c in copied) == sorted(services.CRITERIA_KEYS)
    assert services.current_phase(new) == "reviewing"
    assert services.reviewer_names_visible(new) is True


def test_personal_data_lists_discussion_comments(world):
    db.session.add(
        DiscussionComment(
            edition_id=world.edition.id,
            submission_id=world.submission.id,
            author_id=world.reviewer.id,
            body="My view",
        )
    )
    db.session.commit()
    sections = dict(reply for _h, reply in personal_data_requested.send(world.reviewer))
    assert sections["review_discussion_comments"][0]["body"] == "My view"


def test_account_deletion_unlinks_the_discussion(world):
    from conference.signals import account_deleting

    comment = DiscussionComment(
        edition_id=world.edition.id,
        submission_id=world.submission.id,
        author_id=world.reviewer.id,
        body="Kept for the committee",
    )
    db.session.add(comment)
    db.session.commit()
    account_deleting.send(world.reviewer)
    db.session.commit()
    db.session.refresh(comment)
    assert comment.author_id is None and comment.body == "Kept for the committee"
    set_phase(world.edition, "discussion")
    [shown] = services.comments(world.chair, world.submission)
    assert shown["label"] == "A former committee member"
