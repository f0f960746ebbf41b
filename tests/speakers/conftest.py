"""Fixtures of the speakers' tests: an edition, a category, people in each position."""

from __future__ import annotations

import pytest

from conference.accounts.models import Role
from tests.browser.conftest import (  # noqa: F401 (fixtures for test_browser.py)
    axe_context,
    browser,
    browser_login,
    context,
    live_server,
    page,
    playwright_instance,
)
from tests.factories import make_edition, make_user
from tests.programme.factories import accredit, make_attendee, make_category


@pytest.fixture
def edition(app):
    return make_edition(2027, timezone="Europe/Brussels")


@pytest.fixture
def category(edition):
    return make_category(edition, name="Government")


@pytest.fixture
def other_category(edition):
    return make_category(edition, name="Industry")


@pytest.fixture
def people(edition, category, other_category):
    """Everyone the visibility tests ask about, by the name of their position."""
    speaker = make_user("speaker@example.org", full_name="Sam Speaker", organisation="Uni S")
    accredit(speaker, category, edition)
    return {
        "speaker": speaker,
        "organiser": make_user("org@example.org", role=Role.ORGANISER, edition=edition),
        "cleared": make_attendee(category, edition, email="cleared@example.org"),
        "uncleared": make_attendee(other_category, edition, email="uncleared@example.org"),
    }
