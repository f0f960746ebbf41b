"""Accreditation test helpers: categories, registrations and form data."""

from __future__ import annotations

import pytest

from conference.accreditation import services
from conference.accreditation.models import AccreditationCategory, Registration
from conference.extensions import db
from tests.browser.conftest import (  # noqa: F401 (browser fixtures for test_browser.py)
    axe_context,
    browser,
    browser_login,
    context,
    live_server,
    page,
    playwright_instance,
)
from tests.factories import make_edition, make_user


def make_category(edition=None, code="RES", name=None, **values) -> AccreditationCategory:
    edition = edition or make_edition()
    category = AccreditationCategory(
        edition_id=edition.id, code=code, name=name or f"Category {code}", **values
    )
    db.session.add(category)
    db.session.commit()
    return category


def form_data(category, **overrides) -> dict:
    data = {
        "requested_category": str(category.id),
        "full_name": "Maria Weber",
        "organisation": "Ministry of Research",
        "organisation_type": "government",
        "country": "AT",
        "position": "Policy Officer",
        "nominating_authority": "",
        "nominator_email": "",
        "dietary_needs": "",
        "accessibility_needs": "",
        "privacy_consent": "y",
    }
    if category.requires_nomination:
        data["nominating_authority"] = "Federal Ministry"
        data["nominator_email"] = "nominations@ministry.example.at"
    data.update(overrides)
    return data


def make_registration(user=None, category=None, *, state=None, edition=None, **overrides):
    """A registration through the service (as the attendee would), optionally moved on."""
    from flask import current_app

    from conference.editions.models import Edition

    category = category or make_category(edition)
    edition = db.session.get(Edition, category.edition_id)
    user = user or make_user()
    with current_app.test_request_context():
        registration = services.register(user, edition, form_data(category, **overrides))
        db.session.commit()
        if state and state != "submitted":
            organiser = make_user(admin=True)
            if state in ("accredited", "revoked"):
                services.transition(registration, "accredited", organiser, reason="ok")
            if state == "revoked":
                services.transition(registration, "revoked", organiser, reason="withdrawn")
            elif state == "cancelled":
                services.cancel(registration, user)
            elif state in ("rejected", "waitlisted"):
                services.transition(registration, state, organiser, reason="because")
            db.session.commit()
    return db.session.get(Registration, registration.id)


@pytest.fixture
def edition(app):
    return make_edition()


@pytest.fixture
def category(edition):
    return make_category(edition, "RES", "Research organisation")


@pytest.fixture
def mse(edition):
    return make_category(
        edition, "MSE", "Member State expert", requires_nomination=True, position=-1
    )


@pytest.fixture
def organiser(edition):
    return make_user(role="organiser", edition=edition)
