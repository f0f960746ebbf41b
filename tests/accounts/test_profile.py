"""The profile page: full name, organisation, type, country, position."""

from tests.accounts.helpers import audit_actions
from tests.factories import make_edition, make_user

PROFILE = {
    "full_name": "Ada Lovelace",
    "organisation": "Université libre de Bruxelles",
    "organisation_type": "university",
    "country": "BE",
    "position": "Research security officer",
}


def test_profile_page_shows_grouped_countries_and_labels(login, db):
    client = login(make_user())
    page = client.get("/account").get_data(as_text=True)
    assert '<optgroup label="EU Member States">' in page
    assert '<optgroup label="Associated countries">' in page
    for name in PROFILE:
        assert f'<label for="{name}">' in page


def test_profile_update(login, db):
    user = make_user()
    client = login(user)
    response = client.post("/account", data=PROFILE)
    assert response.status_code == 302
    db.session.refresh(user)
    for name, value in PROFILE.items():
        assert getattr(user, name) == value
    assert "account.profile_update" in audit_actions()
    assert "Université libre de Bruxelles" in client.get("/account").get_data(as_text=True)


def test_profile_rejects_bad_values_and_changes_nothing(login, db):
    user = make_user(full_name="Unchanged", country="FR")
    client = login(user)
    for bad in [
        {"country": "ZZ"},
        {"country": "<script>"},
        {"organisation_type": "spy agency"},
        {"full_name": ""},
        {"full_name": "x" * 300},
        {"position": "p" * 201},
    ]:
        response = client.post("/account", data={**PROFILE, **bad})
        assert response.status_code == 400, bad
    db.session.refresh(user)
    assert user.full_name == "Unchanged"
    assert user.country == "FR"
    assert "account.profile_update" not in audit_actions()


def test_profile_needs_login(client, db):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/account")
    response = client.get("/account", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_profile_lists_roles(login, db):
    edition = make_edition()
    user = make_user(role="reviewer", edition=edition)
    assert "2027: reviewer" in login(user).get("/account").get_data(as_text=True)


def test_email_uniqueness_is_case_insensitive(app, db):
    import pytest

    from conference.accounts.services import create_user
    from conference.errors import Conflict

    make_user("unique@example.org")
    with pytest.raises(Conflict):
        create_user("UNIQUE@example.org", "long enough password")


def test_profile_links_to_the_data_protection_pages(login, app, db):
    page = login(make_user()).get("/account").get_data(as_text=True)
    for endpoint in ("accreditation.data_export", "accreditation.delete_account"):
        if endpoint in app.view_functions:
            from flask import url_for

            with app.test_request_context():
                assert url_for(endpoint) in page


def test_privacy_notice_describes_the_processing(client, db):
    page = client.get("/privacy").get_data(as_text=True)
    for text in (
        "special",
        "consent",
        "retention",
        "JSON",
        "delete your account",
        "conference@localhost",
    ):
        assert text.lower() in page.lower(), text
