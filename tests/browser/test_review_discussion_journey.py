"""A reviewer discusses a submission, in headless Chromium: the chair opens the discussion
phase, the reviewer submits their review with the score descriptors (side by side on a wide
screen, stacked on a narrow one), reads the other review and comments; the other reviewer is
notified and the author never sees any of it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.mail import OutboxMessage
from conference.review.models import DiscussionComment, ReviewSettings
from tests.browser.conftest import assert_accessible
from tests.factories import PASSWORD, make_edition, make_user
from tests.review.factories import (
    assign,
    make_chair,
    make_review,
    make_reviewer,
    make_submission,
    make_track,
)

pytestmark = pytest.mark.browser


def _option_tops(page, legend: str) -> list[float]:
    group = page.get_by_role("group", name=legend)
    return [box["y"] for box in (o.bounding_box() for o in group.locator(".score-option").all())]


def test_reviewer_discusses_a_submission(live_server, browser, axe_context, browser_login):
    edition = make_edition()
    track = make_track(edition, "Policy")
    author = make_user(full_name="Hidden Author Person", password=None)
    submission = make_submission(edition, author=author, title="Export controls", track=track)
    rita = make_reviewer(edition, email="rita@example.net", full_name="Rita", password=PASSWORD)
    otto = make_reviewer(edition, email="otto@example.net", full_name="Otto")
    chair = make_chair(edition, email="chair@example.net", password=PASSWORD)
    assign(submission, otto)
    assign(submission, rita)
    make_review(
        submission, otto, scores=(2, 3, 2), rec="weak_reject", confidential_comments="Too narrow"
    )

    # The chair opens the discussion phase.
    chair_page = browser.new_page()
    browser_login(chair_page, chair)
    chair_page.goto(live_server.url("/2027/review/phase"))
    chair_page.get_by_label("Discussion").check()
    with chair_page.expect_navigation():
        chair_page.get_by_role("button", name="Save the review phase").click()
    assert "Review phase: Discussion" in chair_page.content()
    db.session.expire_all()
    assert db.session.scalar(sa.select(ReviewSettings.phase)) == "discussion"

    # The reviewer sees the phase, the descriptors side by side, and submits by keyboard.
    page = axe_context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(page, rita)
    page.goto(live_server.url(f"/2027/review/submissions/{submission.id}"))
    assert "Review phase: Discussion" in page.content()
    assert_accessible(page)
    tops = _option_tops(page, "Relevance")
    assert len(tops) == 5 and max(tops) - min(tops) < 2  # one row on a wide screen
    page.get_by_role("group", name="Relevance").get_by_label("Clearly relevant").focus()
    page.keyboard.press("Space")
    page.get_by_role("group", name="Quality").get_by_label("Sound, with gaps").check()
    page.get_by_role("group", name="Originality").get_by_label("Groundbreaking").check()
    page.get_by_label("Weak accept").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit review").click()
    assert "Review submitted." in page.content()
    assert "Too narrow" in page.content() and "Reviewer 1" in page.content()

    # She comments; the comment is listed and Otto is told.
    page.get_by_label("Your comment").fill("I would accept it as a **short talk**.")
    with page.expect_navigation():
        page.get_by_role("button", name="Post the comment").click()
    discussion = page.get_by_role("region", name="Discussion")
    assert "short talk" in discussion.inner_text() and "You" in discussion.inner_text()
    assert_accessible(page)
    db.session.expire_all()
    assert [c.body for c in db.session.scalars(sa.select(DiscussionComment))] == [
        "I would accept it as a **short talk**."
    ]
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "review_discussion")
    ).all()
    assert [m.to for m in mails] == ["otto@example.net"]
    assert "Hidden Author Person" not in page.content()

    # On a narrow screen the descriptors stack.
    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    tops = _option_tops(page, "Relevance")
    assert tops == sorted(tops) and tops[-1] - tops[0] > 100


def test_chairs_review_pages_are_accessible(live_server, axe_context, browser_login):
    edition = make_edition()
    submission = make_submission(edition, title="Export controls")
    rita = make_reviewer(edition, email="rita@example.net", full_name="Rita")
    chair = make_chair(edition, email="chair@example.net", password=PASSWORD)
    assign(submission, rita)
    page = axe_context.new_page()
    browser_login(page, chair)
    for path in ("/2027/review/phase", "/2027/review/criteria", "/2027/review/chair/progress"):
        response = page.goto(live_server.url(path))
        assert response.status == 200, path
        assert_accessible(page)
    # the one-click reminder works without JavaScript
    with page.expect_navigation():
        page.get_by_role("button", name="Send a reminder to Rita").click()
    assert "Rita was reminded of 1 outstanding review." in page.content()
    # criteria: a missing descriptor is refused with the field's message
    page.goto(live_server.url("/2027/review/criteria"))
    page.get_by_role("group", name="Quality").get_by_label("What a 5 means").fill("")
    page.evaluate("document.querySelector('form.criteria-form').noValidate = true")
    page.get_by_role("button", name="Save the criteria").click()
    assert "Say what a 5 means." in page.content()
    assert_accessible(page)
