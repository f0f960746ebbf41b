"""Sign-up, password reset and login do the same work whether or not the account exists.

Not a timing test: the expensive steps (password hashing, signing a link, rendering a mail)
are counted on both paths, and the answers compared.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from flask import template_rendered

from conference.accounts.services import passwords, signup, users
from tests.accounts.helpers import outbox
from tests.factories import PASSWORD, make_user


@pytest.fixture
def calls(app, monkeypatch):
    """Counts of hashing, checking and mail rendering during one request."""
    counts: dict[str, list] = {"hash": [], "check": [], "mail": [], "sign": []}
    real_hash, real_check = users.generate_password_hash, users.check_password_hash
    real_reset_token = passwords.reset_token

    def hash_(password, *args, **kwargs):
        counts["hash"].append(kwargs.get("method"))
        return real_hash(password, *args, **kwargs)

    def check(pwhash, password):
        counts["check"].append(pwhash.split("$", 1)[0])
        return real_check(pwhash, password)

    def sign(user):
        counts["sign"].append(user.email)
        return real_reset_token(user)

    def rendered(sender, template, context, **extra):
        if template.name.startswith("mail/"):
            counts["mail"].append(template.name)

    for module in (users, signup):
        monkeypatch.setattr(module, "generate_password_hash", hash_)
    monkeypatch.setattr(users, "check_password_hash", check)
    monkeypatch.setattr(passwords, "reset_token", sign)
    template_rendered.connect(rendered, app)

    @contextlib.contextmanager
    def counting():
        for value in counts.values():
            value.clear()
        result: dict[str, list] = {}
        yield result
        result.update({key: list(value) for key, value in counts.items()})

    yield counting
    template_rendered.disconnect(rendered, app)


def _answer(response, email: str) -> tuple:
    body = response.get_data(as_text=True).replace(email.lower(), "EMAIL")
    # Each client has its own CSRF token (the page carries a resend form).
    body = re.sub(r'name="csrf_token" value="[^"]*"', "CSRF", body)
    return response.status_code, response.headers.get("Location"), body


def test_signup_hashes_the_password_whether_or_not_the_address_has_an_account(
    app, client, db, calls
):
    make_user("taken@example.org")
    answers, work = {}, {}
    for email in ("taken@example.org", "new@example.org"):
        data = {"full_name": "Someone", "email": email, "password": PASSWORD}
        with calls() as counted:
            response = app.test_client().post("/signup", data=data)
        answers[email], work[email] = _answer(response, email), counted
    assert answers["taken@example.org"] == answers["new@example.org"]
    assert answers["new@example.org"][0] == 200
    method = app.config["PASSWORD_HASH_METHOD"]
    assert work["taken@example.org"]["hash"] == work["new@example.org"]["hash"] == [method]
    assert len(work["taken@example.org"]["mail"]) == len(work["new@example.org"]["mail"])
    # One mail each: the owner of the taken address is told, the new address gets its link.
    assert len(outbox(to="taken@example.org", template="accounts_signup_existing")) == 1
    assert len(outbox(to="new@example.org", template="accounts_verify")) == 1


def test_password_reset_request_does_the_same_work_for_unknown_addresses(app, db, calls):
    make_user("known@example.org")
    answers, work = {}, {}
    for email in ("known@example.org", "unknown@example.org"):
        with calls() as counted:
            response = app.test_client().post("/forgot-password", data={"email": email})
        answers[email], work[email] = _answer(response, email), counted
    assert answers["known@example.org"] == answers["unknown@example.org"]
    assert answers["known@example.org"][0] == 200
    assert work["known@example.org"]["mail"] == work["unknown@example.org"]["mail"]
    assert work["known@example.org"]["mail"]  # the mail was rendered on both paths
    assert len(work["known@example.org"]["sign"]) == len(work["unknown@example.org"]["sign"]) == 1
    # Only the real account gets a mail.
    assert [m.to for m in outbox(template="accounts_reset")] == ["known@example.org"]


def test_login_checks_a_hash_of_the_configured_kind_for_unknown_addresses(app, db, calls):
    make_user("known@example.org")
    answers, work = {}, {}
    for email in ("known@example.org", "unknown@example.org"):
        with calls() as counted:
            response = app.test_client().post(
                "/login", data={"email": email, "password": "wrong password"}
            )
        answers[email], work[email] = _answer(response, email), counted
    assert answers["known@example.org"] == answers["unknown@example.org"]
    # One check each, against a hash made with the same method (same cost).
    assert work["known@example.org"]["check"] == work["unknown@example.org"]["check"]
    assert len(work["unknown@example.org"]["check"]) == 1
    assert work["unknown@example.org"]["check"][0] == app.config["PASSWORD_HASH_METHOD"]
