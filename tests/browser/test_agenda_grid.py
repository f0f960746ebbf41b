"""The programme grid in a real browser (issue 18): star from the grid and find the session
on the agenda; no page overflow on a phone; no serious axe-core violation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import AgendaStar, ProgrammeSession
from tests.browser.conftest import assert_accessible
from tests.factories import make_edition
from tests.programme.factories import (
    make_attendee,
    make_category,
    make_room,
    make_session,
    make_track,
)

GRID = "/2027/programme/grid?day=2027-06-09"


def _programme():
    edition = make_edition(2027, timezone="Europe/Brussels")
    experts = make_category(edition, code="MSX", name="Member State experts")
    track = make_track(edition, name="Research security", colour="#005a9c")
    rooms = [
        make_room(edition, name=f"Room {name}", position=i)
        for i, name in enumerate(["Europa", "Bruegel", "Horta", "Magritte", "Delvaux", "Rubens"])
    ]
    for i, room in enumerate(rooms):
        make_session(
            edition,
            title=f"Panel in {room.name}",
            hour=9,
            minutes=90,
            room_id=room.id,
            track_id=track.id,
        )
        make_session(edition, title=f"Workshop {i}", hour=11, minutes=60, room_id=room.id)
    make_session(edition, title="Opening keynote", hour=8, minutes=45, room_id=rooms[0].id)
    make_session(
        edition, title="Closed roundtable", hour=14, room_id=rooms[1].id, restricted_to=[experts]
    )
    return edition, experts


@pytest.mark.browser
def test_star_from_the_grid_and_see_it_on_the_agenda(app, live_server, page, browser_login):
    edition, experts = _programme()
    attendee = make_attendee(experts, edition)
    browser_login(page, attendee)
    page.goto(live_server.url(GRID))
    cell = page.locator("td.grid-session", has_text="Opening keynote")
    button = cell.get_by_role("button", name="Add to my agenda")
    button.click()
    # The script stars it in place: the button flips without a page load.
    cell.get_by_role("button", name="On my agenda").wait_for()
    assert "is-starred" in (cell.get_attribute("class") or "")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaStar)) == 1
    page.goto(live_server.url("/2027/me/agenda"))
    assert page.get_by_role("link", name="Opening keynote").is_visible()
    assert page.get_by_text("Starred").first.is_visible()
    assert page.js_errors == []


@pytest.mark.browser
def test_star_from_the_grid_without_javascript(app, live_server, browser, browser_login):
    edition, experts = _programme()
    attendee = make_attendee(experts, edition)
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        browser_login(page, attendee)
        page.goto(live_server.url(GRID))
        cell = page.locator("td.grid-session", has_text="Closed roundtable")
        with page.expect_navigation():
            cell.get_by_role("button", name="Add to my agenda").click()
        assert "/programme/grid" in page.url
        assert page.locator("td.grid-session.is-starred", has_text="Closed roundtable").count() == 1
    finally:
        context.close()


@pytest.mark.browser
def test_grid_on_a_phone_does_not_overflow_the_page(app, live_server, browser):
    _programme()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(live_server.url(GRID))
        widths = page.evaluate(
            """() => ({page: document.documentElement.scrollWidth,
                      viewport: document.documentElement.clientWidth,
                      table: document.querySelector('.programme-grid').scrollWidth})"""
        )
        assert widths["page"] <= widths["viewport"], widths
        assert widths["table"] > widths["viewport"]  # the rooms scroll sideways in their box
    finally:
        context.close()


@pytest.mark.browser
def test_grid_has_no_serious_accessibility_violation(app, live_server, axe_context, browser_login):
    edition, experts = _programme()
    page = axe_context.new_page()
    page.goto(live_server.url(GRID))
    assert_accessible(page)
    browser_login(page, make_attendee(experts, edition))
    page.goto(live_server.url(GRID))
    assert_accessible(page)


@pytest.mark.browser
def test_agenda_with_overlaps_has_no_serious_accessibility_violation(
    app, live_server, axe_context, browser_login
):
    from conference.programme import services

    edition, experts = _programme()
    attendee = make_attendee(experts, edition)
    for title in ("Panel in Room Europa", "Panel in Room Bruegel", "Closed roundtable"):
        session_id = db.session.scalar(
            sa.select(ProgrammeSession.id).where(ProgrammeSession.title == title)
        )
        services.star(attendee, edition, session_id)
    db.session.commit()
    page = axe_context.new_page()
    browser_login(page, attendee)
    page.goto(live_server.url("/2027/me/agenda"))
    assert page.get_by_text("Overlap:").count() == 2
    assert_accessible(page)
