# ruff: noqa: F811 (the browser fixtures are imported from tests/browser/conftest.py)
"""The review pages in Chromium: no serious accessibility violation; the form works by keyboard."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.review.models import Review
from tests.browser.conftest import (  # noqa: F401 (fixtures used by this module)
    assert_accessible,
    axe_context,
    browser,
    browser_login,
    live_server,
    playwright_instance,
)
from tests.factories import PASSWORD, make_edition
from tests.review.factories import (
    assign,
    make_chair,
    make_review,
    make_reviewer,
    make_submission,
    make_track,
    set_phase,
)


def _seed():
    edition = make_edition()
    tracks = [make_track(edition, f"Track {c}") for c in "AB"]
    reviewer = make_reviewer(edition, email="rita@example.net", password=PASSWORD)
    other = make_reviewer(edition, email="otto@example.net")
    chair = make_chair(edition, email="chair@example.net", password=PASSWORD)
    submission = make_submission(edition, title="Securing labs", track=tracks[0])
    assign(submission, reviewer)
    assign(submission, other)
    make_review(submission, other, scores=(2, 2, 2), rec="reject")
    set_phase(edition, "discussion")
    return reviewer, chair, submission


@pytest.mark.browser
def test_review_pages_are_accessible_and_the_form_works(
    app, live_server, axe_context, browser_login
):
    reviewer, chair, submission = _seed()
    page = axe_context.new_page()
    browser_login(page, reviewer)
    for path in [
        "/2027/review",
        "/2027/review/expertise",
        "/2027/review/conflicts",
        f"/2027/review/submissions/{submission.id}",
    ]:
        response = page.goto(live_server.url(path))
        assert response.status == 200, path
        assert_accessible(page)
    # fill the review with labels only, then submit
    page.get_by_role("group", name="Relevance").get_by_label("4").check()
    page.get_by_role("group", name="Quality").get_by_label("3").check()
    page.get_by_role("group", name="Originality").get_by_label("Groundbreaking").check()
    page.get_by_label("Weak accept").check()
    page.get_by_label("Comments to the authors").fill("Clear.")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit review").click()
    assert "Review submitted." in page.content()
    assert "Reviewer 2" in page.content()  # the other review is visible now
    db.session.expire_all()
    assert db.session.scalar(
        sa.select(Review).where(Review.reviewer_id == reviewer.id)
    ).submitted_at

    chair_page = axe_context.new_page()
    browser_login(chair_page, chair)
    for path in [
        "/2027/review/chair",
        f"/2027/review/chair/submissions/{submission.id}",
        "/2027/review/assign",
        "/2027/review/templates",
        "/2027/review/templates/decision_accepted",
    ]:
        response = chair_page.goto(live_server.url(path))
        assert response.status == 200, path
        assert_accessible(chair_page)
    chair_page.goto(live_server.url("/2027/review/assign"))
    with chair_page.expect_navigation():
        chair_page.get_by_role("button", name="Preview the proposal").click()
    assert "Proposed assignment" in chair_page.content()
    assert_accessible(chair_page)
