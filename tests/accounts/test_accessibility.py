"""axe-core on the account and administration pages: no serious or critical violation."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible
from tests.factories import make_edition, make_user

PAGES = [
    ("forgot password", "/forgot-password", None),
    ("privacy", "/privacy", None),
    ("change password", "/account/password", "attendee"),
    ("tokens", "/account/tokens", "attendee"),
    ("two-factor", "/account/second-factor", "attendee"),
    ("authenticator set-up", "/account/second-factor/app", "attendee"),
    ("admin users", "/admin/users", "admin"),
    ("admin user", "/admin/users/{attendee_id}", "admin"),
    ("new edition", "/admin/editions/new", "admin"),
    ("settings", "/{year}/admin/settings", "organiser"),
    ("roles", "/{year}/admin/roles", "organiser"),
    ("audit", "/{year}/admin/audit", "organiser"),
]


@pytest.mark.browser
@pytest.mark.parametrize(("name", "path", "who"), PAGES, ids=[p[0] for p in PAGES])
def test_account_and_admin_pages_are_accessible(
    app, live_server, axe_context, browser_login, name, path, who
):
    edition = make_edition()
    users = {
        "attendee": make_user("attendee@example.org", full_name="Ada Attendee"),
        "organiser": make_user("organiser@example.org", role="organiser", edition=edition),
        "admin": make_user("admin@example.org", admin=True),
    }
    page = axe_context.new_page()
    if who:
        browser_login(page, users[who])
    url = path.format(year=edition.year, attendee_id=users["attendee"].id)
    response = page.goto(live_server.url(url))
    assert response.status < 400, f"{name}: {response.status}"
    assert_accessible(page)
