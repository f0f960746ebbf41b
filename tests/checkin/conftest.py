"""Fixtures for check-in tests: an edition with a key, a staff token and a badge code."""

import pytest

from conference.badges import services as badge_services
from tests.badges.factories import accredited, keys_for, make_category
from tests.factories import bearer, make_edition, make_user


@pytest.fixture
def edition(app):
    edition = make_edition()
    keys_for(edition.year)
    return edition


@pytest.fixture
def staff(edition):
    return make_user(role="staff", edition=edition)


@pytest.fixture
def staff_headers(staff):
    return bearer(staff)


@pytest.fixture
def attendee(edition):
    """An accredited attendee with a valid badge: (registration, badge, code)."""
    registration = accredited(
        make_user(full_name="Ana Atanasova"),
        edition,
        make_category(edition, "ATT", "Attendee"),
        organisation="Sofia University",
    )
    badge = badge_services.valid_badge(registration)
    return registration, badge, badge_services.badge_code(badge)
