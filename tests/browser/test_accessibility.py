"""axe-core on every main page: no serious or critical accessibility violation.

Each entry is (name, endpoint, who): the URL is built from the endpoint's rule with the ids of
a small complete edition (``tests.hardening.world``); ``who`` is None (anonymous) or a role of
that world's users. An entry whose endpoint is not registered is skipped, so the list can name
every page from the start.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible
from tests.hardening.world import build_world, fill

PAGES = [
    ("home", "editions.home", None),
    ("login", "accounts.login", None),
    ("signup", "accounts.signup", None),
    ("edition", "editions.edition_home", None),
    ("edition (logged in)", "editions.edition_home", "attendee"),
    ("account", "accounts.profile", "attendee"),
    ("programme", "programme.programme", None),
    ("programme (accredited)", "programme.programme", "attendee"),
    ("session", "programme.session_detail", "attendee"),
    ("registration", "accreditation.register", "newcomer"),
    ("my page", "accreditation.me", "attendee"),
    ("call for abstracts", "submissions.call", None),
    ("review", "review.my_reviews", "reviewer"),
    ("review of a submission", "review.submission", "reviewer"),
    ("scanner", "checkin.scanner", "staff"),
    ("admin queue", "accreditation.queue", "organiser"),
    ("badges", "badges.index", "organiser"),
    ("check-in monitor", "checkin.monitor", "organiser"),
    ("dashboard", "dashboard.overview", "organiser"),
    # Issue 21: speakers
    ("speaker profile", "programme.speaker_profile", "attendee"),
    ("session materials", "programme.session_materials", "organiser"),
    ("talks not confirmed", "submissions.admin_unconfirmed", "organiser"),
]


@pytest.mark.browser
@pytest.mark.parametrize(("name", "endpoint", "who"), PAGES, ids=[p[0] for p in PAGES])
def test_page_has_no_serious_accessibility_violation(
    app, live_server, axe_context, browser_login, name, endpoint, who
):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    if not rules:
        pytest.skip(f"{endpoint} is not registered yet")
    world = build_world()
    path = fill(rules[0], world)
    assert path is not None, f"no ids for {rules[0].rule}"
    page = axe_context.new_page()
    if who:
        browser_login(page, world["users"][who])
    response = page.goto(live_server.url(path))
    assert response.status < 400, f"{name}: {response.status}"
    assert_accessible(page)
