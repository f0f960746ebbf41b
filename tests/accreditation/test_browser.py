"""The accreditation pages in headless Chromium: axe-core finds no serious violation, the
registration form works by keyboard and its nomination fields follow the chosen category."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from conference.accreditation.models import Registration
from conference.extensions import db
from conference.mail import OutboxMessage
from tests.accreditation.conftest import make_category, make_registration
from tests.browser.conftest import CHROMIUM, assert_accessible
from tests.factories import make_edition, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not shutil.which("chromium"),
        reason="Chromium not found (run `make system-deps`)",
    ),
]


@pytest.fixture
def data(app):
    edition = make_edition()
    res = make_category(edition, "RES", "Research organisation", colour="#0b6e4f")
    mse = make_category(edition, "MSE", "Member State expert", requires_nomination=True)
    submitted = make_registration(category=mse, full_name="Sofie Peeters")
    accredited = make_registration(category=res, state="accredited", full_name="Jonas Becker")
    token = re.search(
        r"/2027/nomination/(\S+)",
        db.session.scalar(
            sa.select(OutboxMessage.text_body).where(
                OutboxMessage.template == "accreditation_nomination"
            )
        ),
    ).group(1)
    return {
        "organiser": make_user(role="organiser", edition=edition),
        "newcomer": make_user(),
        "submitted": submitted,
        "accredited": accredited,
        "res": res,
        "mse": mse,
        "token": token,
    }


PAGES = [
    ("register", "/2027/register", "newcomer"),
    ("me (submitted)", "/2027/me", "submitted"),
    ("me (accredited)", "/2027/me", "accredited"),
    ("edit", "/2027/me/edit", "submitted"),
    ("cancel", "/2027/me/cancel", "submitted"),
    ("delete account", "/me/delete", "newcomer"),
    ("queue", "/2027/admin/registrations", "organiser"),
    ("detail", "/2027/admin/registrations/{submitted_id}", "organiser"),
    ("categories", "/2027/admin/categories", "organiser"),
    ("new category", "/2027/admin/categories/new", "organiser"),
    ("nomination", "/2027/nomination/{token}", None),
]


@pytest.mark.parametrize(("name", "path", "who"), PAGES, ids=[p[0] for p in PAGES])
def test_accreditation_pages_are_accessible(
    live_server, axe_context, browser_login, data, name, path, who
):
    page = axe_context.new_page()
    if who:
        user = data[who].user if isinstance(data[who], Registration) else data[who]
        browser_login(page, user)
    url = path.format(submitted_id=data["submitted"].id, token=data["token"])
    response = page.goto(live_server.url(url))
    assert response.status < 400, f"{name}: {response.status}"
    assert_accessible(page)


def test_register_by_keyboard_with_nomination_fields_following_the_category(
    live_server, page, browser_login, data
):
    browser_login(page, data["newcomer"])
    page.goto(live_server.url("/2027/register"))
    nomination = page.locator("#nomination-fields")
    page.get_by_label("Category you are registering in").select_option(str(data["res"].id))
    assert nomination.is_hidden()
    page.get_by_label("Category you are registering in").select_option(str(data["mse"].id))
    assert nomination.is_visible()
    page.get_by_label("Full name (as on your identity document)").fill("Katarzyna Nowak")
    page.get_by_label("Organisation", exact=True).fill("Ministry of Science")
    page.get_by_label("Type of organisation").select_option("government")
    page.get_by_label("Country").select_option("PL")
    page.get_by_label("Position / job title").fill("Head of Unit")
    page.get_by_label("Nominating authority", exact=True).fill("Ministry of Science")
    page.get_by_label("E-mail of your contact at the nominating authority").fill(
        "attache@ministry.example.pl"
    )
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_label("I have read the privacy notice").focus()
    with page.expect_navigation():
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
    assert page.url.endswith("/2027/me")
    assert not page.js_errors
    db.session.expire_all()
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.user_id == data["newcomer"].id)
    )
    assert registration.state == "submitted" and registration.country == "PL"
    assert registration.endorsement == "pending"
