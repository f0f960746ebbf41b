"""Token scopes (checkin, read, full), expiry, revocation on password change, Bearer vs cookie.

Every Bearer call is checked centrally before any view: a bad token is a 401 everywhere, a
valid one only reaches what its scope allows, and pages outside the API (token management,
HTML forms, the personal data export) never answer a Bearer caller.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.accounts.models import ApiToken
from conference.accreditation.models import Registration
from conference.db import freeze, utcnow
from tests.accounts.helpers import audit_actions, link_in, outbox, path_of
from tests.badges.factories import make_registration
from tests.factories import PASSWORD, api_token, bearer, make_edition, make_user

NEW = "a brand new passphrase"


def _auth(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}


def _token_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken))


@pytest.fixture
def edition(app):
    return make_edition()


@pytest.fixture
def staff(edition):
    return make_user(role="staff", edition=edition, full_name="Door Person")


# --- the checkin scope ---------------------------------------------------------------------


def test_checkin_token_is_refused_on_tokens_data_export_and_me_writes(client, db, staff):
    headers = bearer(staff, scope="checkin")
    before = _token_count(db)
    for method, url in [
        ("GET", "/account/tokens"),
        ("POST", "/account/tokens"),
        ("GET", "/me/data.json"),
        ("PUT", "/api/v1/me"),
        ("PATCH", "/api/v1/me"),
        ("POST", "/api/v1/me"),
        ("DELETE", "/api/v1/me"),
    ]:
        response = client.open(url, method=method, headers=headers, data={"name": "mine"})
        assert response.status_code == 403, (method, url)
        assert "Door Person" not in response.get_data(as_text=True)
    assert _token_count(db) == before
    # The scanner may still ask who it is.
    assert client.get("/api/v1/me", headers=headers).json["full_name"] == "Door Person"


def test_checkin_token_reads_nothing_else_of_the_api(client, db, edition):
    organiser = make_user(role="organiser", edition=edition)
    make_registration(edition=edition)
    checkin = bearer(organiser, scope="checkin")
    response = client.get("/api/v1/editions/2027/registrations", headers=checkin)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "insufficient_scope"
    assert "insufficient_scope" in response.headers["WWW-Authenticate"]
    full = bearer(organiser)
    assert client.get("/api/v1/editions/2027/registrations", headers=full).status_code == 200


def test_checkin_token_needs_staff_rights_and_belongs_to_one_edition(db, edition, staff):
    from conference.accounts import services
    from conference.errors import DomainError

    with pytest.raises(DomainError):
        services.create_api_token(make_user(), "scanner", "checkin")
    later = make_edition(2029)
    with pytest.raises(DomainError):
        services.create_api_token(staff, "scanner", "checkin", edition=later)
    with pytest.raises(DomainError):
        services.create_api_token(staff, "reader", "read", edition=edition)
    token, _plain = services.create_api_token(staff, "scanner", "checkin")
    assert token.edition_id == edition.id


def test_checkin_token_expires_the_day_after_the_edition_ends(db, edition, staff):
    from conference.accounts import services

    token, _plain = services.create_api_token(staff, "scanner", "checkin")
    # 2027-06-10 is the last day; the token works through 06-11 in Brussels (UTC+2).
    assert token.expires_at == dt.datetime(2027, 6, 11, 22, 0, tzinfo=dt.UTC)
    reader, _plain = services.create_api_token(staff, "reader", "read")
    assert reader.expires_at is None


# --- the read scope ------------------------------------------------------------------------


def test_read_token_reads_the_api_but_changes_nothing(client, db, edition):
    organiser = make_user(role="organiser", edition=edition)
    registration = make_registration(edition=edition)
    headers = bearer(organiser, scope="read")
    assert client.get("/api/v1/editions/2027/registrations", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    url = f"/api/v1/editions/2027/registrations/{registration.id}/decision"
    response = client.post(url, json={"action": "accredit"}, headers=headers)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "insufficient_scope"
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).state == "submitted"
    # The same organiser with a full token may decide.
    response = client.post(url, json={"action": "accredit"}, headers=bearer(organiser))
    assert response.status_code == 200


def test_read_token_may_fetch_the_public_calendar_exports(client, db, edition):
    user = make_user()
    assert client.get("/2027/programme.ics", headers=bearer(user, scope="read")).status_code == 200
    assert client.get("/2027/schedule.json", headers=bearer(user)).status_code == 200
    staff = make_user(role="staff", edition=edition)
    checkin = bearer(staff, scope="checkin")
    assert client.get("/2027/programme.ics", headers=checkin).status_code == 403


# --- no Bearer caller on pages, forms and token management -----------------------------------


@pytest.mark.parametrize("scope", ["read", "full"])
def test_bearer_callers_never_manage_tokens_or_post_forms(client, db, edition, scope):
    user = make_user(full_name="Original Name")
    headers = bearer(user, scope=scope)
    token = db.session.scalar(sa.select(ApiToken))
    before = _token_count(db)
    assert client.get("/account/tokens", headers=headers).status_code == 403
    response = client.post(
        "/account/tokens", data={"name": "minted", "scope": "full"}, headers=headers
    )
    assert response.status_code == 403
    assert _token_count(db) == before
    response = client.post(f"/account/tokens/{token.id}/revoke", headers=headers)
    assert response.status_code == 403
    response = client.post("/account", data={"full_name": "Changed"}, headers=headers)
    assert response.status_code == 403
    assert client.get("/me/data.json", headers=headers).status_code == 403
    assert client.get("/2027/programme", headers=headers).status_code == 403
    db.session.expire_all()
    assert db.session.get(type(user), user.id).full_name == "Original Name"
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_html_answer_for_a_refused_bearer_caller_is_a_clear_page(client, db):
    response = client.get("/account/tokens", headers={**bearer(make_user()), "Accept": "text/html"})
    assert response.status_code == 403
    assert "scope" in response.get_data(as_text=True)


# --- choosing the scope on the token page ----------------------------------------------------


def test_token_page_offers_the_scopes_with_labels(login, db, staff):
    page = login(staff).get("/account/tokens").get_data(as_text=True)
    for value in ("checkin", "read", "full"):
        assert f'value="{value}"' in page
    assert "What the token may do" in page
    assert "door scanner" in page
    assert 'name="expires"' in page


@pytest.mark.parametrize("scope", ["checkin", "read", "full"])
def test_token_page_creates_a_token_of_the_chosen_scope(login, db, staff, edition, scope):
    client = login(staff)
    response = client.post("/account/tokens", data={"name": f"{scope} one", "scope": scope})
    assert response.status_code == 200
    token = db.session.scalar(sa.select(ApiToken))
    assert token.scope == scope
    assert token.edition_id == (edition.id if scope == "checkin" else None)
    assert (token.expires_at is not None) is (scope == "checkin")
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert f"<td>{scope}" in listing


def test_token_page_refuses_bad_scopes_editions_and_dates(login, db, edition):
    client = login(make_user())  # no staff rights anywhere
    today = utcnow().date()
    for data in [
        {"name": "x", "scope": "admin"},
        {"name": "x", "scope": "checkin"},
        {"name": "x", "scope": "read", "expires": "not a date"},
        {"name": "x", "scope": "read", "expires": (today - dt.timedelta(days=1)).isoformat()},
        {"name": "x", "scope": "read", "expires": "99999-01-01"},
        {"name": "x", "scope": "read", "expires": "9999-12-31"},
    ]:
        response = client.post("/account/tokens", data=data)
        assert response.status_code == 400, data
    assert _token_count(db) == 0


def test_token_with_an_expiry_date_stops_working_after_that_day(login, client, db):
    user = make_user()
    tomorrow = utcnow().date() + dt.timedelta(days=1)
    response = login(user).post(
        "/account/tokens", data={"name": "short", "scope": "read", "expires": tomorrow.isoformat()}
    )
    assert response.status_code == 200
    plain = response.get_data(as_text=True).split('<code class="token-value">')[1].split("<")[0]
    assert client.get("/api/v1/me", headers=_auth(plain)).status_code == 200
    freeze(dt.datetime.combine(tomorrow, dt.time(23, 59), dt.UTC))
    assert client.get("/api/v1/me", headers=_auth(plain)).status_code == 200
    freeze(dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time(0, 0, 1), dt.UTC))
    response = client.get("/api/v1/me", headers=_auth(plain))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_token"
    assert "expired" in response.json["error"]["message"]
    assert client.get("/api/v1/editions", headers=_auth(plain)).status_code == 401


def test_checkin_token_stops_after_its_edition(client, db, edition, staff):
    plain = api_token(staff, scope="checkin")
    url = "/api/v1/editions/2027/scanner-bundle"
    assert client.get(url, headers=_auth(plain)).status_code == 200
    freeze(dt.datetime(2027, 6, 11, 21, 59, tzinfo=dt.UTC))
    assert client.get(url, headers=_auth(plain)).status_code == 200
    freeze(dt.datetime(2027, 6, 11, 22, 0, tzinfo=dt.UTC))
    assert client.get(url, headers=_auth(plain)).status_code == 401


# --- password change and reset revoke every token ---------------------------------------------


def _live_tokens(db, user) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )


def test_password_change_revokes_every_token(login, client, db):
    user = make_user()
    other = make_user()
    plains = [api_token(user, scope=s) for s in ("read", "full")]
    others = api_token(other)
    response = login(user).post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW, "confirm": NEW},
    )
    assert response.status_code == 302
    for plain in plains:
        assert client.get("/api/v1/me", headers=_auth(plain)).status_code == 401
    assert client.get("/api/v1/me", headers=_auth(others)).status_code == 200
    assert _live_tokens(db, user) == 0
    assert "token.revoke_all" in audit_actions()


def test_wrong_current_password_revokes_nothing(login, client, db):
    user = make_user()
    plain = api_token(user)
    response = login(user).post(
        "/account/password",
        data={"current_password": "wrong password!", "password": NEW, "confirm": NEW},
    )
    assert response.status_code == 400
    assert client.get("/api/v1/me", headers=_auth(plain)).status_code == 200
    assert "token.revoke_all" not in audit_actions()


def test_password_reset_revokes_every_token(client, db):
    user = make_user("reset-tokens@example.org")
    plain = api_token(user)
    client.post("/forgot-password", data={"email": user.email})
    path = path_of(link_in(outbox(to=user.email, template="accounts_reset")[-1]))
    assert client.get("/api/v1/me", headers=_auth(plain)).status_code == 200
    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=_auth(plain)).status_code == 401
    assert _live_tokens(db, user) == 0
    assert "token.revoke_all" in audit_actions()


# --- Bearer and cookie: a bad token never falls back to the cookie -----------------------------


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.mark.parametrize("value", ["nonsense", "cft_unknown", "", "x" * 500])
def test_invalid_bearer_with_a_session_cookie_is_401_without_csrf_bypass(
    login, db, edition, csrf_on, value
):
    organiser = make_user(role="organiser", edition=edition)
    registration = make_registration(edition=edition)
    client = login(organiser)
    url = f"/api/v1/editions/2027/registrations/{registration.id}/decision"
    response = client.post(url, json={"action": "accredit"}, headers=_auth(value))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_token"
    response = client.get("/api/v1/me", headers=_auth(value))
    assert response.status_code == 401
    # An HTML form behind the cookie is no way round either.
    response = client.post("/account/tokens", data={"name": "x"}, headers=_auth(value))
    assert response.status_code == 401
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).state == "submitted"
    assert _token_count(db) == 0
    # Without any Authorization header the cookie call still needs its CSRF token.
    response = client.post(url, json={"action": "accredit"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"


def test_valid_bearer_acts_as_the_token_owner_not_the_cookie_user(login, db, edition, csrf_on):
    organiser = make_user(role="organiser", edition=edition)
    attendee = make_user("attendee-token@example.org")
    registration = make_registration(edition=edition)
    client = login(organiser)
    headers = bearer(attendee)
    assert client.get("/api/v1/me", headers=headers).json["email"] == "attendee-token@example.org"
    url = f"/api/v1/editions/2027/registrations/{registration.id}/decision"
    assert client.post(url, json={"action": "accredit"}, headers=headers).status_code == 403
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).state == "submitted"


# --- the CLI ---------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["checkin", "read", "full"])
def test_cli_creates_a_token_of_each_scope_and_prints_it_last(runner, client, db, staff, scope):
    result = runner.invoke(
        args=["tokens", "create", staff.email, "--name", "cli", "--scope", scope]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    plain = lines[-1]
    assert plain.startswith("cft_")
    assert f"scope {scope}" in result.output
    token = db.session.scalar(sa.select(ApiToken))
    assert token.scope == scope
    bundle = client.get("/api/v1/editions/2027/scanner-bundle", headers=_auth(plain))
    assert bundle.status_code == 200
    scan = client.post(
        "/api/v1/editions/2027/checkins",
        json={"code": "garbage", "checkpoint": "venue"},
        headers=_auth(plain),
    )
    assert scan.status_code == (403 if scope == "read" else 200)
    registrations = client.get("/api/v1/editions/2027/registrations", headers=_auth(plain))
    assert registrations.status_code == 403


def test_cli_expiry_and_edition(runner, client, db, staff, edition):
    day = (utcnow() + dt.timedelta(days=3)).date().isoformat()
    result = runner.invoke(
        args=[
            "tokens", "create", staff.email, "--name", "door", "--scope", "checkin",
            "--edition", "2027", "--expires", day,
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = db.session.scalar(sa.select(ApiToken))
    assert token.edition_id == edition.id
    # Until the end of that day in the edition's time zone.
    ends = token.expires_at.astimezone(edition.tz)
    assert (ends.date(), ends.time()) == (
        dt.date.fromisoformat(day) + dt.timedelta(days=1),
        dt.time(0, 0),
    )
    for bad in (
        ["--scope", "admin"],
        ["--scope", "checkin", "--edition", "1999"],
        ["--scope", "read", "--expires", "2001-01-01"],
        ["--scope", "read", "--expires", "tomorrow"],
        ["--scope", "read", "--expires", "9999-12-31"],
    ):
        result = runner.invoke(args=["tokens", "create", staff.email, "--name", "x", *bad])
        assert result.exit_code != 0, bad
    assert _token_count(db) == 1
    result = runner.invoke(
        args=["tokens", "create", make_user().email, "--name", "x", "--scope", "checkin"]
    )
    assert result.exit_code != 0
    assert "may not scan badges" in result.output


def test_openapi_document_describes_the_scopes(client, db):
    description = client.get("/api/v1/openapi.json").json["info"]["description"]
    for scope in ("checkin", "read", "full"):
        assert f"`{scope}`" in description
