"""Register → sign up → confirm (from the mail) → log in → back on the registration form,
in headless Chromium."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from conference.extensions import db
from tests.accounts.helpers import link_in, outbox
from tests.accreditation.conftest import make_category
from tests.factories import PASSWORD, make_edition

pytestmark = pytest.mark.browser


def test_register_sign_up_confirm_log_in_lands_on_the_registration_form(live_server, page):
    edition = make_edition()
    make_category(edition, "RES", "Research organisation")

    page.goto(live_server.url("/2027/register"))
    assert urlsplit(page.url).path == "/login"
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("link", name="Create an account").click()
    page.get_by_label("Full name").fill("Ana Novak")
    page.get_by_label("E-mail address").fill("ana@example.org")
    page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("heading", name="Check your e-mail").is_visible()
    assert page.get_by_role("button", name="Send the confirmation link again").is_visible()

    db.session.expire_all()
    [message] = outbox(to="ana@example.org", template="accounts_verify")
    link = link_in(message)
    assert link.startswith(live_server.base_url)
    page.goto(link)
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm my e-mail address").click()
    assert urlsplit(page.url).path == "/login"
    assert "confirmed" in page.content()

    page.get_by_label("E-mail address").fill("ana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    assert urlsplit(page.url).path == "/2027/register"
    assert page.get_by_label("Category you are registering in").input_value() == ""
    assert page.get_by_label("I have read the privacy notice").is_visible()
    assert page.js_errors == []
