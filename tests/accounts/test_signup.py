"""Sign-up with e-mail verification by signed link, and resending the link."""

import datetime as dt

import sqlalchemy as sa

from conference.accounts.models import User
from conference.db import freeze, utcnow
from tests.accounts.helpers import audit_actions, link_in, outbox, path_of
from tests.factories import PASSWORD, make_user

GOOD = {"full_name": "Marie Skłodowska", "email": "Marie@Example.org", "password": PASSWORD}


def _users(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_signup_page_has_labelled_fields(client, app):
    page = client.get("/signup").get_data(as_text=True)
    for name in ("full_name", "email", "password"):
        assert f'<label for="{name}">' in page
    assert 'name="csrf_token"' in page or "csrf" not in page  # CSRF off in tests


def test_signup_creates_an_unverified_account_and_mails_a_link(client, db):
    response = client.post("/signup", data=GOOD)
    assert response.status_code == 200
    assert "Check your e-mail" in response.get_data(as_text=True)
    user = db.session.scalar(sa.select(User).where(User.email == "marie@example.org"))
    assert user is not None
    assert user.full_name == "Marie Skłodowska"
    assert user.email_verified_at is None
    assert user.password_hash and PASSWORD not in user.password_hash
    [message] = outbox(to="marie@example.org", template="accounts_verify")
    assert link_in(message).startswith("http://conference.test/verify/")
    # The HTML part is the text part with its links live (one way for every mail).
    assert f'<a href="{link_in(message).replace("&", "&amp;")}">' in message.html_body
    assert "account.signup" in audit_actions()


def test_verification_link_confirms_the_address(client, db):
    client.post("/signup", data=GOOD)
    link = link_in(outbox(template="accounts_verify")[0])
    response = client.post(path_of(link))
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    user = db.session.scalar(sa.select(User).where(User.email == "marie@example.org"))
    assert user.email_verified_at is not None
    # Confirming again is harmless.
    assert client.post(path_of(link)).status_code == 302
    assert audit_actions().count("account.verify_email") == 1


def test_opening_the_verification_link_only_shows_a_button(client, db):
    """Mail gateways pre-fetch links: a GET must not confirm anything."""
    client.post("/signup", data=GOOD)
    link = link_in(outbox(template="accounts_verify")[0])
    response = client.get(path_of(link))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'method="post"' in page
    assert "Confirm my e-mail address" in page
    user = db.session.scalar(sa.select(User).where(User.email == "marie@example.org"))
    assert user.email_verified_at is None
    assert "account.verify_email" not in audit_actions()


def test_confirming_needs_the_csrf_token(client, app, db):
    client.post("/signup", data=GOOD)
    link = link_in(outbox(template="accounts_verify")[0])
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(path_of(link)).status_code == 400
    user = db.session.scalar(sa.select(User).where(User.email == "marie@example.org"))
    assert user.email_verified_at is None


def test_expired_verification_link_is_refused(client, db, app):
    client.post("/signup", data=GOOD)
    link = link_in(outbox(template="accounts_verify")[0])
    max_age = app.config["EMAIL_TOKEN_MAX_AGE"]
    freeze(utcnow() + dt.timedelta(seconds=max_age + 60))
    response = client.get(path_of(link))
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert client.post(path_of(link)).status_code == 400
    user = db.session.scalar(sa.select(User).where(User.email == "marie@example.org"))
    assert user.email_verified_at is None
    # Just within the limit it still works.
    freeze(utcnow() - dt.timedelta(seconds=120))
    assert client.post(path_of(link)).status_code == 302
    db.session.refresh(user)
    assert user.email_verified_at is not None


def test_tampered_or_foreign_verification_links_are_refused(client, db, app):
    client.post("/signup", data=GOOD)
    link = link_in(outbox(template="accounts_verify")[0])
    token = path_of(link).rsplit("/", 1)[1]
    for bad in [token[:-2] + "xx", "nonsense", "a" * 600]:
        assert client.get(f"/verify/{bad}").status_code == 400
        assert client.post(f"/verify/{bad}").status_code == 400
    # A token signed with another key (another installation) does not work either.
    from itsdangerous import URLSafeTimedSerializer

    from conference.accounts.services import EMAIL_SALT

    user = db.session.scalar(sa.select(User).where(User.email == "marie@example.org"))
    foreign = URLSafeTimedSerializer("another-key", salt=EMAIL_SALT).dumps(
        {"uid": user.id, "email": user.email}
    )
    assert client.post(f"/verify/{foreign}").status_code == 400
    # A reset token is not a verification token (different salt).
    from conference.accounts.services import reset_token

    assert client.post(f"/verify/{reset_token(user)}").status_code == 400
    db.session.refresh(user)
    assert user.email_verified_at is None


def test_verification_link_dies_when_the_address_changes(client, db):
    client.post("/signup", data=GOOD)
    link = link_in(outbox(template="accounts_verify")[0])
    user = db.session.scalar(sa.select(User).where(User.email == "marie@example.org"))
    user.email = "other@example.org"
    db.session.commit()
    assert client.post(path_of(link)).status_code == 400
    db.session.refresh(user)
    assert user.email_verified_at is None


def test_signup_with_an_existing_address_reveals_nothing_and_creates_nothing(client, db):
    make_user("marie@example.org", full_name="The Real Marie")
    before = _users(db)
    response = client.post("/signup", data=GOOD)  # other letter case
    assert response.status_code == 200
    assert "Check your e-mail" in response.get_data(as_text=True)
    assert _users(db) == before
    user = db.session.scalar(sa.select(User).where(User.email == "marie@example.org"))
    assert user.full_name == "The Real Marie"
    assert outbox(template="accounts_verify") == []
    [notice] = outbox(to="marie@example.org", template="accounts_signup_existing")
    assert "http://conference.test/forgot-password" in notice.text_body


def test_signup_rejects_bad_input(client, db):
    cases = [
        {},
        {**GOOD, "email": "not-an-address"},
        {**GOOD, "password": "short"},
        {**GOOD, "full_name": ""},
        {**GOOD, "full_name": "x" * 5000},
        {**GOOD, "email": "a" * 300 + "@example.org"},
        {**GOOD, "password": "p" * 2000},
    ]
    for data in cases:
        response = client.post("/signup", data=data)
        assert response.status_code == 400, data
    assert _users(db) == 0
    assert outbox() == []


def test_signup_accepts_unicode_names(client, db):
    data = {**GOOD, "full_name": "Zoë Ægir-Łukasiewicz 李", "email": "zoe@example.org"}
    assert client.post("/signup", data=data).status_code == 200
    user = db.session.scalar(sa.select(User).where(User.email == "zoe@example.org"))
    assert user.full_name == "Zoë Ægir-Łukasiewicz 李"


def test_logged_in_users_are_sent_to_their_account_from_signup(login, db):
    client = login(make_user())
    assert client.get("/signup").headers["Location"] == "/account"


def test_resend_verification(login, db):
    user = make_user("late@example.org", verified=False)
    client = login(user)
    response = client.post("/account/verify/resend")
    assert response.status_code == 302
    [message] = outbox(to="late@example.org", template="accounts_verify")
    assert client.post(path_of(link_in(message))).status_code == 302
    db.session.refresh(user)
    assert user.email_verified_at is not None


def test_resend_when_already_verified_sends_nothing(login, db):
    client = login(make_user("done@example.org"))
    assert client.post("/account/verify/resend").status_code == 302
    assert outbox() == []


def test_resend_needs_login_and_post(client, db):
    response = client.post("/account/verify/resend")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get("/account/verify/resend").status_code == 405
    assert outbox() == []
