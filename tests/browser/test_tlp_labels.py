"""TLP labels in a real browser (issue 23): the five labels in their FIRST colours on black
pass axe-core (contrast, names) on the programme, a session page and the session form, and
the label's colour is the one FIRST gives."""

from __future__ import annotations

import pytest

from conference import tlp
from conference.extensions import db
from tests.browser.conftest import assert_accessible
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import make_session


def _rgb(hex_colour: str) -> str:
    value = hex_colour.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"


@pytest.mark.browser
def test_labels_are_accessible_and_in_first_colours(app, live_server, axe_context, browser_login):
    edition = make_edition(2027, timezone="Europe/Brussels")
    organiser = grant(make_user(), "organiser", edition)
    sessions = {
        label: make_session(
            edition, title=f"A {label} session", hour=9 + i, tlp=label, chatham_house=label == "RED"
        )  # fmt: skip
        for i, label in enumerate(tlp.VALUES)
    }
    db.session.commit()
    page = axe_context.new_page()
    browser_login(page, organiser)
    page.goto(live_server.url("/2027/programme?day=all"))
    for label, colour in tlp.COLOURS.items():
        badge = page.locator(f'.session-list [data-tlp="{label}"]').first
        assert badge.evaluate("e => getComputedStyle(e).color") == _rgb(colour)
        assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 0, 0)"
    assert_accessible(page)
    page.goto(live_server.url(f"/2027/sessions/{sessions['RED'].id}"))
    assert page.get_by_text("Traffic Light Protocol label: RED").count() >= 1
    assert_accessible(page)
    page.goto(live_server.url("/2027/admin/programme/sessions/new"))
    page.get_by_label("TLP label").select_option("AMBER+STRICT")
    assert_accessible(page)
