"""Password reset by e-mail link (expiring, single use) and password change."""

import datetime as dt

from werkzeug.security import check_password_hash

from conference.db import freeze, utcnow
from tests.accounts.helpers import audit_actions, link_in, outbox, path_of
from tests.factories import PASSWORD, make_user

NEW = "a brand new passphrase"


def _ask_reset(client, email, **kwargs):
    return client.post("/forgot-password", data={"email": email}, **kwargs)


def _reset_path(client, email):
    _ask_reset(client, email)
    return path_of(link_in(outbox(to=email.lower(), template="accounts_reset")[-1]))


def test_forgot_password_mails_a_link_built_from_base_url(client, db):
    make_user("forgot@example.org")
    response = _ask_reset(client, "Forgot@Example.org", headers={"Host": "evil.example"})
    assert response.status_code == 200
    [message] = outbox(to="forgot@example.org", template="accounts_reset")
    link = link_in(message)
    assert link.startswith("http://conference.test/reset-password/")
    assert "evil.example" not in message.text_body
    assert "evil.example" not in (message.html_body or "")
    assert "account.reset_requested" in audit_actions()


def test_forgot_password_answers_the_same_for_unknown_addresses(client, db):
    make_user("known@example.org")
    known = _ask_reset(client, "known@example.org").get_data(as_text=True)
    unknown = _ask_reset(client, "unknown@example.org").get_data(as_text=True)
    assert "If an account exists" in known
    assert known == unknown
    assert [m.to for m in outbox()] == ["known@example.org"]


def test_forgot_password_rejects_bad_input(client, db):
    assert client.post("/forgot-password", data={}).status_code == 400
    assert _ask_reset(client, "x" * 400).status_code == 400
    assert outbox() == []


def test_reset_link_sets_a_new_password_once(client, db):
    user = make_user("reset@example.org")
    old_session = user.session_token
    path = _reset_path(client, "reset@example.org")
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, NEW)
    assert user.session_token != old_session
    assert "account.password_reset" in audit_actions()

    # The same link does not work a second time.
    again = client.post(
        path, data={"password": "yet another password", "confirm": "yet another password"}
    )
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, NEW)

    # The new password works for logging in, the old one does not.
    assert (
        client.post("/login", data={"email": "reset@example.org", "password": PASSWORD}).status_code
        == 200
    )
    assert (
        client.post("/login", data={"email": "reset@example.org", "password": NEW}).status_code
        == 302
    )


def test_reset_link_expires(client, db, app):
    user = make_user("slow@example.org")
    path = _reset_path(client, "slow@example.org")
    freeze(utcnow() + dt.timedelta(seconds=app.config["RESET_TOKEN_MAX_AGE"] + 1))
    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, PASSWORD)


def test_an_older_reset_link_dies_when_the_password_changes(client, db):
    user = make_user("twice@example.org")
    first = _reset_path(client, "twice@example.org")
    second = _reset_path(client, "twice@example.org")
    assert client.post(second, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert (
        client.post(
            first, data={"password": "other password 1", "confirm": "other password 1"}
        ).status_code
        == 400
    )
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, NEW)


def test_reset_rejects_bad_input_and_tampered_links(client, db):
    user = make_user("bad@example.org")
    path = _reset_path(client, "bad@example.org")
    assert client.post(path, data={"password": NEW, "confirm": "different"}).status_code == 400
    assert client.post(path, data={"password": "short", "confirm": "short"}).status_code == 400
    assert client.post(path, data={}).status_code == 400
    assert client.get(path[:-3] + "abc").status_code == 400
    assert client.get("/reset-password/" + "x" * 700).status_code == 400
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, PASSWORD)


def test_reset_confirms_the_address(client, db):
    user = make_user("unconfirmed@example.org", verified=False)
    path = _reset_path(client, "unconfirmed@example.org")
    client.post(path, data={"password": NEW, "confirm": NEW})
    db.session.refresh(user)
    assert user.email_verified_at is not None


def test_change_password_needs_the_current_one(login, db):
    user = make_user("change@example.org")
    client = login(user)
    page = client.get("/account/password").get_data(as_text=True)
    assert '<label for="current_password">' in page
    response = client.post(
        "/account/password",
        data={"current_password": "wrong password!", "password": NEW, "confirm": NEW},
    )
    assert response.status_code == 400
    assert "current password is not correct" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, PASSWORD)


def test_change_password_logs_out_other_sessions_but_not_this_one(login, db):
    user = make_user("change@example.org")
    this = login(user)
    other = login(user)
    response = this.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW, "confirm": NEW},
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, NEW)
    assert this.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert "account.password_change" in audit_actions()


def test_change_password_rejects_bad_input(login, db):
    user = make_user()
    client = login(user)
    for data in [
        {},
        {"current_password": PASSWORD, "password": "short", "confirm": "short"},
        {"current_password": PASSWORD, "password": NEW, "confirm": NEW + "x"},
        {"current_password": PASSWORD, "password": "p" * 2000, "confirm": "p" * 2000},
    ]:
        assert client.post("/account/password", data=data).status_code == 400
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, PASSWORD)


def test_change_password_needs_login(client, db):
    response = client.post("/account/password", data={"current_password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
