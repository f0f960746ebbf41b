"""axe-core on every main page: no serious or critical accessibility violation.

Each entry is (name, endpoint, path, who): ``path`` may use ``{year}`` and the ids that
``_seed`` returns; ``who`` is None (anonymous) or a key of the users ``_seed`` creates. An entry
whose endpoint is not registered (its area has not landed) is skipped, so the list can name
every page from the start.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible
from tests.factories import make_edition, make_user

PAGES = [
    ("home", "editions.home", "/", None),
    ("login", "accounts.login", "/login", None),
    ("signup", "accounts.signup", "/signup", None),
    ("edition", "editions.edition_home", "/{year}/", None),
    ("edition (logged in)", "editions.edition_home", "/{year}/", "attendee"),
    ("account", "accounts.profile", "/account", "attendee"),
    ("call for abstracts", "submissions.call", "/{year}/call", None),
]


def _seed() -> dict:
    """The little data the pages need; returns the ids and users the PAGES entries use."""
    edition = make_edition()
    users = {
        "attendee": make_user("attendee@example.org", full_name="Ada Attendee"),
        "organiser": make_user(
            "organiser@example.org", full_name="Olga Organiser", role="organiser", edition=edition
        ),
        "reviewer": make_user(
            "reviewer@example.org", full_name="Rita Reviewer", role="reviewer", edition=edition
        ),
        "staff": make_user(
            "staff@example.org", full_name="Sam Staff", role="staff", edition=edition
        ),
        "admin": make_user("admin@example.org", full_name="Adam Admin", admin=True),
    }
    return {"year": edition.year, "users": users}


@pytest.mark.browser
@pytest.mark.parametrize(("name", "endpoint", "path", "who"), PAGES, ids=[p[0] for p in PAGES])
def test_page_has_no_serious_accessibility_violation(
    app, live_server, axe_context, browser_login, name, endpoint, path, who
):
    if endpoint not in app.view_functions:
        pytest.skip(f"{endpoint} is not registered yet")
    data = _seed()
    page = axe_context.new_page()
    if who:
        browser_login(page, data["users"][who])
    response = page.goto(live_server.url(path.format(**data)))
    assert response.status < 400, f"{name}: {response.status}"
    assert_accessible(page)
