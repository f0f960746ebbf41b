"""Browser fixtures (Playwright, live server, axe) shared from tests/browser for the
accessibility test of the mail log pages (skipped without Chromium)."""

from tests.browser.conftest import (  # noqa: F401
    axe_context,
    browser,
    browser_login,
    live_server,
    playwright_instance,
    pytest_collection_modifyitems,
)
