"""Helpers for the hardening tests: a production-mode app on the test database."""

from __future__ import annotations

import logging
import re

import pytest

from conference import create_app

PRODUCTION_KEY = "0123456789abcdef0123456789abcdef-production-test"


@pytest.fixture
def keep_logging():
    """Production apps replace the ``conference`` logger's handlers; put them back."""
    logger = logging.getLogger("conference")
    handlers, level, disabled = list(logger.handlers), logger.level, logger.disabled
    # Alembic's logging set-up (run by in-process migrations) disables existing loggers.
    logger.disabled = False
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logger.disabled = disabled


@pytest.fixture
def production_app(app, app_config, keep_logging):
    """``production_app(**overrides)``: a production-mode app on this test's database."""

    def _make(**overrides):
        config = {
            **app_config,
            "SECRET_KEY": PRODUCTION_KEY,
            "SESSION_COOKIE_SECURE": True,
            "REMEMBER_COOKIE_SECURE": True,
            "RATELIMIT_ENABLED": False,
            "MAIL_SEND_AFTER_REQUEST": False,
            **overrides,
        }
        return create_app(config, mode="production")

    return _make


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)
