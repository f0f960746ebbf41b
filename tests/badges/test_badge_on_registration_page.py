"""The organisers' registration page shows the badge's status."""

from __future__ import annotations

from conference.accreditation.models import RegistrationState
from conference.badges import services
from tests.badges.factories import accredited, make_registration, set_state
from tests.factories import make_edition, make_user


def _page(login, registration) -> str:
    organiser = make_user(role="organiser", edition=make_edition())
    response = login(organiser).get(f"/2027/admin/registrations/{registration.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_valid_badge_is_shown_with_a_link(login, db):
    registration = accredited()
    badge = services.valid_badge(registration)
    page = _page(login, registration)
    assert "<dt>Badge</dt>" in page
    assert "valid</span>" in page and "version 1" in page and "not printed yet" in page
    assert f'href="/2027/organise/badges/{badge.id}"' in page


def test_revoked_badge_and_no_badge(login, db):
    registration = accredited()
    set_state(registration, RegistrationState.REVOKED)
    assert "revoked</span>" in _page(login, registration)
    waiting = make_registration()
    assert "none issued" in _page(login, waiting)
