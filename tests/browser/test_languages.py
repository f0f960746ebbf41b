"""Languages in headless Chromium: the switch on the registration form, errors in German, and
axe-core on the main pages in French and German."""

from __future__ import annotations

import pytest

from tests.accreditation.conftest import make_category
from tests.browser.conftest import assert_accessible
from tests.factories import make_edition, make_user
from tests.hardening.world import build_world, fill
from tests.i18n_crawl import german

pytestmark = pytest.mark.browser


def test_switch_to_german_on_the_registration_form_and_submit_with_errors(
    app, live_server, page, browser_login
):
    edition = make_edition()
    make_category(edition, "RES", "Research organisation")
    newcomer = make_user()
    browser_login(page, newcomer)
    page.goto(live_server.url("/2027/register"))
    assert page.locator("html").get_attribute("lang") == "en"
    # Logged in, the switch is a button: the choice is kept in the profile too.
    with page.expect_navigation():
        page.get_by_role("button", name="Deutsch").click()
    assert page.url.endswith("/2027/register")
    assert page.locator("html").get_attribute("lang") == "de"

    organisation = page.get_by_label(german("Organisation", same_word=True), exact=True)
    organisation.fill("Forschungszentrum Jülich")
    with page.expect_navigation():
        page.get_by_role("button", name=german("Register"), exact=True).click()
    assert page.locator("html").get_attribute("lang") == "de"
    errors = " ".join(page.locator("p.error").all_inner_texts())
    assert german("Please confirm that you have read the privacy notice.") in errors
    assert "Please" not in errors and "This field is required" not in errors
    # What was typed is kept.
    assert organisation.input_value() == "Forschungszentrum Jülich"
    assert not page.js_errors


PAGES = [
    ("home", "editions.home", None),
    ("login", "accounts.login", None),
    ("programme", "programme.programme", None),
    ("registration", "accreditation.register", "newcomer"),
    ("my page", "accreditation.me", "attendee"),
    ("admin queue", "accreditation.queue", "organiser"),
]


@pytest.mark.database_independent
@pytest.mark.parametrize("language", ["fr", "de"])
@pytest.mark.parametrize(("name", "endpoint", "who"), PAGES, ids=[p[0] for p in PAGES])
def test_pages_in_french_and_german_have_no_serious_violation(
    app, live_server, axe_context, browser_login, name, endpoint, who, language
):
    world = build_world()
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    path = fill(rule, world)
    page = axe_context.new_page()
    if who:
        browser_login(page, world["users"][who])  # in English: the login form's labels
    axe_context.add_cookies([{"name": "lang", "value": language, "url": live_server.url("/")}])
    response = page.goto(live_server.url(path))
    assert response.status < 400, f"{name}: {response.status}"
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)
