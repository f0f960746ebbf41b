"""Data protection: the personal-data download, account deletion and the retention purge."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from conference.accounts.models import ApiToken, RoleAssignment, User
from conference.accreditation.models import Registration, RegistrationEvent
from conference.audit import AuditEntry
from conference.editions.models import EditionState
from conference.extensions import db
from tests.accreditation.conftest import make_category, make_registration
from tests.factories import PASSWORD, api_token, make_edition, make_user


def test_data_export_contains_account_and_registrations(login, category):
    registration = make_registration(
        category=category, dietary_needs="Vegan", special_data_consent="y"
    )
    user = registration.user
    api_token(user, "scanner")
    response = login(user).get("/me/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == user.email
    assert data["registrations"][0]["dietary_needs"] == "Vegan"
    assert data["registrations"][0]["edition"] == 2027
    assert data["registrations"][0]["history"][0]["to_state"] == "submitted"
    assert data["api_tokens"][0]["name"] == "scanner"
    assert "token_hash" not in json.dumps(data)
    for key in ("submissions", "reviews_written", "bookings", "badges", "scans",
                "mail_sent_to_you", "actions_you_took"):  # fmt: skip
        assert key in data


def test_data_export_does_not_include_other_people(login, category):
    mine = make_registration(category=category, full_name="Mine Person")
    make_registration(category=category, full_name="Other Person")
    body = login(mine.user).get("/me/data.json").get_data(as_text=True)
    assert "Mine Person" in body and "Other Person" not in body


def test_data_export_needs_login(client):
    response = client.get("/me/data.json", headers={"Accept": "application/json"})
    assert response.status_code == 401


def test_delete_account_anonymises_and_keeps_counts(login, category, edition):
    registration = make_registration(
        category=category, state="accredited", dietary_needs="Halal", special_data_consent="y"
    )
    user = registration.user
    user_id = user.id
    api_token(user)
    from tests.factories import grant

    grant(user, "reviewer", edition)
    old_email = user.email
    audit_before = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    client = login(user)
    assert client.get("/me/delete").status_code == 200
    response = client.post("/me/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.email == f"deleted-{user_id}@invalid"
    assert user.full_name == "" and user.organisation == "" and user.password_hash is None
    assert user.deleted_at is not None
    registration = db.session.get(Registration, registration.id)
    assert registration.user_id is None and registration.full_name == ""
    assert registration.email == "" and registration.dietary_needs == ""
    assert registration.anonymised_at is not None
    assert registration.state == "cancelled"  # the accreditation ended with the account
    assert registration.country == "AT"  # aggregate data stays
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count(RoleAssignment.id)).where(RoleAssignment.user_id == user_id)
        )
        == 0
    )
    # Audit entries are kept (one more for the deletion); no label still shows the address.
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) > audit_before
    assert not db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.actor_label == old_email)
    )
    # The session is gone and the old credentials no longer work.
    assert client.get("/2027/me").status_code == 302
    response = client.post("/login", data={"email": old_email, "password": PASSWORD})
    assert "not correct" in response.get_data(as_text=True)


def test_delete_account_needs_the_password_and_confirmation(login, category):
    registration = make_registration(category=category)
    user = registration.user
    client = login(user)
    response = client.post("/me/delete", data={"password": "wrong password!", "confirm": "y"})
    assert response.status_code == 403
    response = client.post("/me/delete", data={"password": PASSWORD})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).deleted_at is None
    assert db.session.get(Registration, registration.id).full_name == "Maria Weber"


def test_purge_cli_anonymises_a_past_edition(runner, app):
    past = make_edition(2025, state=EditionState.ARCHIVED,
                        start_date=dt.date(2025, 6, 11), end_date=dt.date(2025, 6, 12))  # fmt: skip
    category = make_category(past, "MSE")
    user = make_user()
    registration = Registration(
        edition_id=past.id, user_id=user.id, requested_category_id=category.id,
        category_id=category.id, state="accredited", full_name="Ex Attendee",
        email=user.email, organisation="Ministry", country="FR", organisation_type="government",
        dietary_needs="Vegetarian", decision_reason="Nominated by X",
    )  # fmt: skip
    registration.events.append(
        RegistrationEvent(from_state="submitted", to_state="accredited", reason="Nominated by X")
    )
    db.session.add(registration)
    db.session.commit()
    result = runner.invoke(args=["gdpr", "purge", "--edition", "2025", "--older-than-days",
                                 "100000"])  # fmt: skip
    assert result.exit_code != 0 and "can be purged from" in result.output
    result = runner.invoke(
        args=["gdpr", "purge", "--edition", "2025", "--older-than-days", "30", "--dry-run"]
    )
    assert result.exit_code == 0 and "Would anonymise 1" in result.output
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).full_name == "Ex Attendee"
    result = runner.invoke(args=["gdpr", "purge", "--edition", "2025", "--older-than-days", "30"])
    assert result.exit_code == 0, result.output
    assert "Anonymised 1 registrations" in result.output
    db.session.expire_all()
    registration = db.session.get(Registration, registration.id)
    assert registration.full_name == "" and registration.email == ""
    assert registration.dietary_needs == "" and registration.user_id is None
    assert registration.state == "accredited" and registration.country == "FR"
    assert registration.events[0].reason == "[erased]"
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "registration.purge"))
    # Running again changes nothing more.
    result = runner.invoke(args=["gdpr", "purge", "--edition", "2025", "--older-than-days", "30"])
    assert "Anonymised 0 registrations" in result.output


def test_purge_refuses_open_or_unknown_editions(runner, app):
    make_edition(2027)
    result = runner.invoke(args=["gdpr", "purge", "--edition", "2027", "--older-than-days", "0"])
    assert result.exit_code != 0 and "only closed or archived" in result.output
    result = runner.invoke(args=["gdpr", "purge", "--edition", "1999", "--older-than-days", "0"])
    assert result.exit_code != 0 and "no edition 1999" in result.output
    result = runner.invoke(args=["gdpr", "purge", "--edition", "2027", "--older-than-days", "-1"])
    assert result.exit_code != 0
