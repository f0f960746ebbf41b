"""Every visible string of the main pages goes through the catalogue (the pseudo-locale)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accounts.models import User
from conference.extensions import db
from tests.i18n_crawl import entered_strings, leftovers
from tests.integration.test_crawl import ROLES, _internal_hosts, crawl


@pytest.fixture
def app_config(app_config):
    app_config["I18N_PSEUDO"] = True
    return app_config


def test_pseudo_locale_wraps_messages_and_the_crawl_sees_leftovers(client):
    client.set_cookie("lang", "en-XA")
    response = client.get("/no-such-page")
    assert '<html lang="en-XA"' in response.get_data(as_text=True)
    assert "⟦We could not find that page.⟧" in response.get_data(as_text=True)
    html = "<html><body><p>⟦Saved⟧ Olga</p><p>Not marked</p></body></html>"
    assert leftovers(html, {"Olga"}) == ["Not marked"]
    # A message may hold a link or emphasis: its parts stay inside the brackets, in order.
    spanning = "<p>⟦Read the <a href='/privacy'>privacy notice</a>.⟧ <em>Loose</em> end</p>"
    assert leftovers(spanning, set()) == ["Loose", "end"]


def test_pseudo_locale_is_not_offered_without_the_setting(app_config):
    from conference import create_app

    app = create_app({**app_config, "I18N_PSEUDO": False}, mode="testing")
    with app.app_context():
        assert app.test_client().get("/language/en-XA?next=/").status_code == 404


@pytest.mark.slow
@pytest.mark.database_independent
@pytest.mark.demo
@pytest.mark.parametrize("email", ROLES, ids=lambda e: (e or "anonymous").split("@")[0])
def test_every_page_has_no_unmarked_text_for_role(app, login, client, email):
    """Crawl every kind of page a demo role reaches (the integration crawl, fewer samples per
    kind) in the pseudo-locale: every visible text is a message or entered data."""
    if email is None:
        browser = client
    else:
        browser = login(db.session.scalar(sa.select(User).where(User.email == email)))
    browser.set_cookie("lang", "en-XA")
    entered = entered_strings()
    report: dict[str, list[str]] = {}

    def check(url, response):
        if response.mimetype == "text/html" and response.status_code == 200:
            found = leftovers(response.get_data(as_text=True), entered)
            if found:
                report[url] = found

    visited, _problems = crawl(
        browser,
        _internal_hosts(app),
        app.url_map.bind("localhost"),
        max_pages=250,
        max_per_pattern=2,
        on_page=check,
        # The language switch would leave the pseudo-locale.
        skip=lambda url: url.startswith("/language/"),
    )
    assert len(visited) > 20
    assert not report, f"{len(report)} page(s) as {email or 'anonymous'}:\n" + "\n".join(
        f"{path}: {found}" for path, found in sorted(report.items())
    )
