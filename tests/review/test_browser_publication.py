# ruff: noqa: F811 (the browser fixtures are imported from tests/browser/conftest.py)
"""Publishing decisions in Chromium: the button opens the confirmation with the recipients
and the mails as they will be sent; confirming queues the mails. Also without JavaScript."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.mail import OutboxMessage
from conference.submissions.models import Submission
from tests.browser.conftest import (  # noqa: F401 (fixtures used by this module)
    assert_accessible,
    axe_context,
    browser,
    browser_login,
    context,
    live_server,
    page,
    playwright_instance,
)
from tests.factories import PASSWORD, make_edition, make_user
from tests.review.factories import make_chair, make_submission, make_track

PUBLISH_ALL = "Publish all unpublished decisions (mails the speakers)…"


def _seed():
    edition = make_edition()
    track = make_track(edition, "Track A")
    chair = make_chair(edition, email="chair@example.net", password=PASSWORD)
    ada = make_user("ada@example.org", full_name="Ada Author")
    ben = make_user("ben@example.org", full_name="Ben Writer")
    cora = make_user("cora@example.org", full_name="Cora Co")
    accepted = make_submission(
        edition,
        author=ada,
        title="Securing open labs",
        track=track,
        co_speakers=[("cora@example.org", "Cora Co", cora, True)],
    )
    rejected = make_submission(edition, author=ben, title="Export rules", track=track)
    accepted.decision, rejected.decision = "accepted", "rejected"
    db.session.commit()
    return chair, accepted, rejected


def _decision_mails() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == "decision"))
    )


def _published(*submissions) -> list[bool]:
    db.session.expire_all()
    return [db.session.get(Submission, s.id).decision_published_at is not None for s in submissions]


@pytest.mark.browser
def test_publication_preview_in_a_dialog_then_mails_queued(app, live_server, page, browser_login):
    chair, accepted, rejected = _seed()
    browser_login(page, chair)
    page.goto(live_server.url("/2027/review/chair"))
    page.get_by_role("button", name=PUBLISH_ALL).click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert page.url.endswith("/2027/review/chair")  # still on the dashboard
    text = dialog.inner_text()
    assert "Publish 2 decisions and mail the speakers?" in text
    for recipient in ("Ada Author <ada@example.org>", "Cora Co <cora@example.org>",
                      "Ben Writer <ben@example.org>"):  # fmt: skip
        assert recipient in text
    assert "Securing open labs — Accepted" in text and "Export rules — Rejected" in text
    previews = dialog.locator(".confirmation-mail")
    assert previews.count() == 3
    assert "Securing open labs" in previews.first.inner_text()

    # Cancel closes the dialog and changes nothing.
    dialog.get_by_role("link", name="Cancel, change nothing").click()
    assert page.get_by_role("dialog").count() == 0
    assert _decision_mails() == [] and _published(accepted, rejected) == [False, False]

    page.get_by_role("button", name=PUBLISH_ALL).click()
    dialog = page.get_by_role("dialog")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Publish and send 3 mails").click()
    assert "Published 2 decisions" in page.content()
    mails = _decision_mails()
    assert sorted(m.to for m in mails) == ["ada@example.org", "ben@example.org", "cora@example.org"]
    assert _published(accepted, rejected) == [True, True]
    assert page.js_errors == []


@pytest.mark.browser
def test_publication_confirmation_works_without_javascript(
    app, live_server, browser, browser_login
):
    chair, accepted, rejected = _seed()
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        browser_login(page, chair)
        page.goto(live_server.url("/2027/review/chair"))
        with page.expect_navigation():
            page.get_by_role("button", name=PUBLISH_ALL).click()
        assert "/2027/review/chair/publish" in page.url
        heading = page.get_by_role("heading", level=1)
        assert heading.inner_text() == "Publish 2 decisions and mail the speakers?"
        assert page.get_by_role("table").inner_text().count("@example.org") == 3
        assert _decision_mails() == []
        # Only the selected: tick one row, use "Publish the selected decisions".
        page.goto(live_server.url("/2027/review/chair"))
        page.get_by_label(f"Select #{rejected.id}").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Publish the selected decisions").click()
        assert "Publish 1 decision and mail the speakers?" in page.content()
        with page.expect_navigation():
            page.get_by_role("button", name="Publish and send 1 mail").click()
        assert "Published 1 decision;" in page.content()
        assert [m.to for m in _decision_mails()] == ["ben@example.org"]
        assert _published(accepted, rejected) == [False, True]
    finally:
        context.close()


@pytest.mark.browser
def test_publication_confirmation_is_accessible(app, live_server, axe_context, browser_login):
    chair, _accepted, _rejected = _seed()
    page = axe_context.new_page()
    browser_login(page, chair)
    response = page.goto(live_server.url("/2027/review/chair/publish"))
    assert response.status == 200
    assert_accessible(page)
