"""The attendee's journey in headless Chromium: register, be accredited by an organiser,
download the badge and find the personal calendar link. (The reviewer's journey is in
tests/review/test_browser.py, the staff member's manual scan in tests/checkin/.)"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from conference.accreditation.models import Registration
from conference.badges import signing
from conference.extensions import db
from tests.accreditation.conftest import make_category
from tests.factories import make_edition, make_user

pytestmark = pytest.mark.browser


def test_attendee_registers_is_accredited_downloads_badge_and_finds_calendar_link(
    live_server, browser, browser_login, tmp_path
):
    edition = make_edition()
    research = make_category(edition, "RES", "Research organisation", colour="#0b6e4f")
    signing.generate_key(edition.year)
    attendee = make_user(full_name="Katarzyna Nowak")
    organiser = make_user(role="organiser", edition=edition)

    # The attendee registers through the form.
    attendee_page = browser.new_context(accept_downloads=True).new_page()
    browser_login(attendee_page, attendee)
    attendee_page.goto(live_server.url("/2027/register"))
    attendee_page.get_by_label("Category you are registering in").select_option(str(research.id))
    attendee_page.get_by_label("Organisation", exact=True).fill("Jagiellonian University")
    attendee_page.get_by_label("Type of organisation").select_option("university")
    attendee_page.get_by_label("Country").select_option("PL")
    attendee_page.get_by_label("Position / job title").fill("Research security officer")
    attendee_page.get_by_label("I have read the privacy notice").check()
    with attendee_page.expect_navigation():
        attendee_page.get_by_role("button", name="Register").click()
    assert attendee_page.url.endswith("/2027/me")
    assert "Your badge" in attendee_page.content()
    assert attendee_page.get_by_role("link", name="Download your badge (PDF)").count() == 0
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.user_id == attendee.id)
    )
    assert registration.state == "submitted"

    # The organiser finds the registration in the queue and accredits it.
    organiser_page = browser.new_context().new_page()
    browser_login(organiser_page, organiser)
    organiser_page.goto(live_server.url("/2027/admin/registrations"))
    with organiser_page.expect_navigation():
        organiser_page.get_by_role("link", name="Katarzyna Nowak").first.click()
    organiser_page.get_by_role("combobox", name="Decision").select_option("accredit")
    organiser_page.get_by_label("Accredit as category").select_option(str(research.id))
    with organiser_page.expect_navigation():
        organiser_page.get_by_role("button", name="Record decision").click()
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).state == "accredited"

    # The attendee downloads the badge and finds the calendar link on their page.
    attendee_page.goto(live_server.url("/2027/me"))
    with attendee_page.expect_download() as download_info:
        attendee_page.get_by_role("link", name="Download your badge (PDF)").click()
    path = tmp_path / "badge.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    with attendee_page.expect_navigation():
        attendee_page.get_by_role("button", name="Create my calendar link").click()
    link = attendee_page.get_by_label("Your private calendar link").input_value()
    assert "/calendar/" in link and link.endswith(".ics")
    feed = attendee_page.request.get(live_server.url(urlsplit(link).path))
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")
