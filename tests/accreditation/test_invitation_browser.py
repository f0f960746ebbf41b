"""Invitations and the waiting list in headless Chromium: the pages pass axe-core, an organiser
invites someone who registers through the link, and a waiting person is promoted when an
accredited one cancels."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from conference.accreditation.models import Registration, RegistrationInvitation
from conference.accreditation.services import invitations as service
from conference.db import utcnow
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
    edition.waitlist_mode = "offer"
    db.session.commit()
    eui = make_category(edition, "EUI", "EU institution", colour="#6f2da8")
    side = make_category(edition, "SIDE", "Round table", quota=1)
    holder = make_registration(category=side, state="accredited", full_name="Lena Hoffmann")
    waiting = make_registration(category=side, state="waitlisted", full_name="Jan Novak")
    organiser = make_user(role="organiser", edition=edition)
    with app.test_request_context():
        service.create_invitations(
            edition, organiser, [service.Recipient("guest@example.eu", "Teresa Moreau")], eui,
            expires_at=utcnow() + dt.timedelta(days=5), note="Welcome!", accredit_at_once=True,
        )  # fmt: skip
        db.session.commit()
    body = db.session.scalar(
        sa.select(OutboxMessage.text_body).where(
            OutboxMessage.template == "accreditation_invitation"
        )
    )
    return {
        "organiser": organiser,
        "holder": holder,
        "waiting": waiting,
        "eui": eui,
        "link": re.search(r"(/2027/invitation/\S+)", body).group(1),
    }


PAGES = [
    ("invitations", "/2027/admin/invitations", "organiser"),
    ("waiting list", "/2027/admin/waiting-list", "organiser"),
    ("invitation (anonymous)", "{link}", None),
    ("me (waitlisted)", "/2027/me", "waiting"),
]


@pytest.mark.parametrize(("name", "path", "who"), PAGES, ids=[p[0] for p in PAGES])
def test_invitation_and_waiting_list_pages_are_accessible(
    live_server, axe_context, browser_login, data, name, path, who
):
    page = axe_context.new_page()
    if who:
        user = data[who].user if isinstance(data[who], Registration) else data[who]
        browser_login(page, user)
    response = page.goto(live_server.url(path.format(link=data["link"])))
    assert response.status < 400, f"{name}: {response.status}"
    assert_accessible(page)


def test_organiser_invites_and_the_invitee_registers_through_the_link(
    live_server, page, browser_login, data
):
    browser_login(page, data["organiser"])
    page.goto(live_server.url("/2027/admin/invitations"))
    page.get_by_label("E-mail addresses").fill("minister@example.gov, Karin Berg")
    page.get_by_label("Category", exact=True).select_option(str(data["eui"].id))
    page.get_by_label("Personal note (optional)").fill("We would be honoured.")
    page.get_by_label("Valid until (inclusive)").fill(
        (dt.date.today() + dt.timedelta(days=7)).isoformat()
    )
    page.get_by_label("Accredited at once").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitations").click()
    assert "1 invitation sent." in page.content()
    body = db.session.scalar(
        sa.select(OutboxMessage.text_body).where(OutboxMessage.to == "minister@example.gov")
    )
    link = re.search(r"(/2027/invitation/\S+)", body).group(1)

    invitee = make_user("minister@example.gov", full_name="Karin Berg")
    page.context.clear_cookies()
    page.goto(live_server.url(link))
    assert "We would be honoured." in page.content()
    browser_login(page, invitee, next=link)
    assert page.url.endswith(link)
    page.get_by_label("Organisation", exact=True).fill("Ministry of Science")
    page.get_by_label("Type of organisation").select_option("government")
    page.get_by_label("Country").select_option("SE")
    page.get_by_label("Position / job title").fill("Minister")
    page.get_by_label("I have read the privacy notice").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Register").click()
    assert page.url.endswith("/2027/me")
    assert not page.js_errors
    db.session.expire_all()
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.user_id == invitee.id)
    )
    assert registration.state == "accredited" and registration.category_id == data["eui"].id
    invitation = db.session.scalar(
        sa.select(RegistrationInvitation).where(
            RegistrationInvitation.email == "minister@example.gov"
        )
    )
    assert invitation.used_at is not None
    page.goto(live_server.url(link))
    assert "already been used" in page.content()


def test_waiting_person_is_offered_the_place_when_someone_cancels_and_takes_it(
    live_server, page, browser_login, data
):
    browser_login(page, data["waiting"].user)
    page.goto(live_server.url("/2027/me"))
    assert "You are number 1 on the waiting list" in page.content()
    page.context.clear_cookies()
    browser_login(page, data["holder"].user)
    page.goto(live_server.url("/2027/me/cancel"))
    page.get_by_label("Yes, cancel my registration").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Cancel my registration").click()
    page.context.clear_cookies()
    browser_login(page, data["waiting"].user)
    page.goto(live_server.url("/2027/me"))
    assert "A place has become free for you" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="Take the place").click()
    assert "you are accredited" in page.content()
    db.session.expire_all()
    assert db.session.get(Registration, data["waiting"].id).state == "accredited"
