"""Fixtures for browser tests: a live server, headless Chromium, a form login, axe-core.

The live server serves the test's own ``app`` (same database, same app context for the
factories) from a thread on a free port, so a test builds its data with the usual factories
and then drives the real pages with Playwright::

    @pytest.mark.browser
    def test_something(live_server, page, browser_login):
        user = make_user()
        browser_login(page, user)
        page.goto(live_server.url("/2027/"))

Chromium is Debian's (``/usr/bin/chromium``, installed by ``make system-deps``); Playwright
downloads no browser. Tests are skipped with a clear reason when Chromium is missing.

Other areas' browser tests can use these fixtures too: in their conftest,
``from tests.browser.conftest import browser, browser_login, context, live_server, page,
playwright_instance  # noqa: F401`` (fixtures are found by name in the module namespace), and
``assert_accessible(page)`` from here.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from conference.config import ROOT
from tests.conftest import free_port
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
AXE_PATH = ROOT / "static" / "js" / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def pytest_collection_modifyitems(config, items):
    reason = None
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        reason = f"Chromium not found at {CHROMIUM} (run `make system-deps`)"
    for item in items:
        if "browser" in item.keywords and reason:
            item.add_marker(pytest.mark.skip(reason=reason))


class LiveServer:
    """The test app served over HTTP from a background thread."""

    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    """A running server for this test's app; links in mails point at it too."""
    server = LiveServer(app)
    app.config["BASE_URL"] = server.base_url
    server.start()
    try:
        yield server
    finally:
        server.stop()


# Function scope on purpose: Playwright's sync API allows one running instance per thread,
# and other areas' browser tests (e.g. the scanner's camera test, which needs its own
# Chromium flags) start their own in the same xdist worker.
@pytest.fixture
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
        args=CHROMIUM_ARGS,
        headless=True,
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile (cookies, storage) for one test."""
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Brussels")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


@pytest.fixture
def browser_login(live_server):
    """``browser_login(page, user, password=PASSWORD, next=None)`` through the real form."""

    def _login(page, user, password: str = PASSWORD, next: str | None = None):
        path = "/login" + (f"?next={next}" if next else "")
        page.goto(live_server.url(path))
        page.get_by_label("E-mail address").fill(user.email)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        if "/second-factor" in page.url:
            _second_factor(page, user)
        assert "/login" not in page.url.split("?")[0], "login failed"
        return page

    def _second_factor(page, user):
        """Privileged accounts (and any with a factor) give a TOTP code after the password;
        an account without one gets the test secret enrolled first."""
        from conference.accounts.twofactor_models import TotpSecret
        from conference.extensions import db
        from tests.factories import enrol_totp, totp_code

        totp = db.session.scalar(db.select(TotpSecret).where(TotpSecret.user_id == user.id))
        if totp is None:
            secret = enrol_totp(user)
        else:
            secret, totp.last_used_step = totp.secret, None
            db.session.commit()
        page.goto(live_server.url("/login/second-factor"))
        page.get_by_label("Code", exact=True).fill(totp_code(secret))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()

    return _login


@pytest.fixture
def axe_context(browser):
    """A browser profile that lets axe-core be injected despite the CSP."""
    if not AXE_PATH.exists():
        pytest.skip(f"{AXE_PATH} is missing (run `make assets`)")
    context = browser.new_context(bypass_csp=True, locale="en-GB")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def axe_violations(page, impacts=BLOCKING_IMPACTS) -> list[dict]:
    """Run axe-core on the page; the violations of the given impacts."""
    page.add_script_tag(path=str(AXE_PATH))
    result = page.evaluate(
        """async () => await axe.run(document, {
            resultTypes: ['violations'],
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                            'best-practice']},
        })"""
    )
    return [v for v in result["violations"] if v["impact"] in impacts]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    """Fail with a readable list when axe-core finds serious or critical violations."""
    violations = axe_violations(page)
    assert not violations, f"{page.url}\n" + format_violations(violations)
