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


def dispose(app) -> None:
    """Close the database connections of an extra app (PostgreSQL warns about leaked ones)."""
    from conference import pagecache
    from conference.extensions import db

    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
        pagecache.dispose(app)


@pytest.fixture
def make_app(app, app_config, keep_logging):
    """``make_app(mode="testing", **overrides)``: another app on this test's database, its
    connections closed at the end of the test."""
    made = []

    def _make(mode: str = "testing", **overrides):
        extra = create_app({**app_config, **overrides}, mode=mode)
        made.append(extra)
        return extra

    yield _make
    for extra in made:
        dispose(extra)


@pytest.fixture
def production_app(make_app):
    """``production_app(**overrides)``: a production-mode app on this test's database."""

    def _make(**overrides):
        config = {
            "SECRET_KEY": PRODUCTION_KEY,
            "SESSION_COOKIE_SECURE": True,
            "REMEMBER_COOKIE_SECURE": True,
            "RATELIMIT_ENABLED": False,
            "MAIL_SEND_AFTER_REQUEST": False,
            **overrides,
        }
        return make_app("production", **config)

    return _make


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)
