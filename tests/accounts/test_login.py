"""Login and logout: neutral failures, fresh sessions, safe redirects, dead old cookies."""

import pytest

from conference.accounts.views import NEUTRAL_LOGIN_ERROR
from tests.factories import PASSWORD, make_user


def _login(client, email, password=PASSWORD, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def _is_logged_in(client) -> bool:
    return b"My account" in client.get("/").data


def test_login_page_has_labelled_fields(client, app):
    page = client.get("/login").get_data(as_text=True)
    assert '<label for="email">' in page
    assert '<label for="password">' in page
    assert 'autocomplete="current-password"' in page


def test_login_with_e_mail_in_any_letter_case(client, db):
    make_user("Mixed.Case@Example.org")
    response = _login(client, "  MIXED.case@EXAMPLE.ORG ")
    assert response.status_code == 302
    assert _is_logged_in(client)


def test_unknown_account_and_wrong_password_give_the_same_neutral_message(client, db):
    make_user("known@example.org")
    unknown = _login(client, "nobody@example.org")
    wrong = _login(client, "known@example.org", "not the password")
    assert unknown.status_code == wrong.status_code == 200
    for response in (unknown, wrong):
        text = response.get_data(as_text=True)
        assert NEUTRAL_LOGIN_ERROR in text
        assert "no account" not in text.lower()
    assert not _is_logged_in(client)


def test_missing_fields_and_huge_input_do_not_log_in(client, db):
    make_user("known@example.org")
    assert client.post("/login", data={}).status_code == 200
    response = _login(client, "known@example.org", "x" * 5000)
    assert response.status_code == 200
    assert not _is_logged_in(client)


def test_login_starts_a_new_session(client, db):
    make_user("fresh@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    _login(client, "fresh@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_login_records_the_time(client, db):
    user = make_user("time@example.org")
    assert user.last_login_at is None
    _login(client, "time@example.org")
    db.session.refresh(user)
    assert user.last_login_at is not None


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/2027/", "/2027/"),
        ("/account?tab=1", "/account?tab=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_redirects_to_our_own_paths(client, db, next_url, expected):
    make_user("next@example.org")
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": "next@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_logout_needs_post(client, db):
    assert client.get("/logout").status_code == 405


def test_logout_clears_the_session_and_kills_old_cookies(app, db):
    user = make_user("bye@example.org")
    client = app.test_client()
    _login(client, "bye@example.org")
    old_cookie = client.get_cookie("session").value
    old_token = user.session_token
    response = client.post("/logout")
    assert response.status_code == 302
    assert not _is_logged_in(client)
    db.session.refresh(user)
    assert user.session_token != old_token

    # Someone who kept the old cookie is no longer logged in.
    thief = app.test_client()
    thief.set_cookie("session", old_cookie)
    assert not _is_logged_in(thief)
    assert thief.get("/account").status_code == 302


def test_unverified_accounts_may_log_in_and_are_told_to_confirm(client, db):
    make_user("unverified@example.org", verified=False)
    response = _login(client, "unverified@example.org", follow_redirects=True)
    assert response.status_code == 200
    assert "confirm your e-mail address" in response.get_data(as_text=True)
    assert _is_logged_in(client)


def test_deleted_account_cannot_log_in(client, db):
    from conference.db import utcnow

    user = make_user("gone@example.org")
    user.deleted_at = utcnow()
    db.session.commit()
    response = _login(client, "gone@example.org")
    assert NEUTRAL_LOGIN_ERROR in response.get_data(as_text=True)
    assert not _is_logged_in(client)


def test_is_verified_helper(app, db):
    from flask_login import AnonymousUserMixin

    from conference.permissions import is_verified

    assert is_verified(make_user(verified=True))
    assert not is_verified(make_user(verified=False))
    assert not is_verified(AnonymousUserMixin())
    assert not is_verified(None)


def test_login_page_is_not_cached_for_logged_in_users(login, db):
    client = login(make_user())
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client, db):
    make_user("flags@example.org")
    response = _login(client, "flags@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_a_deleted_accounts_open_session_ends(login, db):
    from conference.db import utcnow

    user = make_user()
    client = login(user)
    assert client.get("/account").status_code == 200
    user.deleted_at = utcnow()
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_sessions_from_a_forged_or_stale_cookie_are_anonymous(app, db):
    user = make_user()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:not-the-token"
    assert client.get("/account").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = "abc:def"
    assert client.get("/account").status_code == 302
