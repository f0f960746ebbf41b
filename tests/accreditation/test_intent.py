"""Keeping the person's intent: the confirmation notice before the form, a safe ``next``
from the registration page through sign-up, confirmation and login, all errors at once."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from conference.accounts.models import User
from conference.accreditation.models import Registration
from conference.extensions import db
from tests.accounts.helpers import link_in, outbox, path_of
from tests.accreditation.conftest import form_data
from tests.factories import PASSWORD, make_user


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def test_unconfirmed_account_sees_the_notice_instead_of_the_form(login, category):
    client = login(make_user("late@example.org", verified=False))
    response = client.get("/2027/register")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "confirm your e-mail address" in page
    assert 'action="/account/verify/resend"' in page
    assert 'name="next" value="/2027/register"' in page
    assert 'name="requested_category"' not in page
    assert 'name="privacy_consent"' not in page


def test_the_notice_resends_a_link_that_leads_back_to_the_form(login, category):
    user = make_user("late@example.org", verified=False)
    client = login(user)
    response = client.post("/account/verify/resend", data={"next": "/2027/register"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/2027/register"
    [message] = outbox(to="late@example.org", template="accounts_verify")
    link = path_of(link_in(message))
    assert parse_qs(urlsplit(link).query)["next"] == ["/2027/register"]
    confirmed = client.post(link, data={"next": "/2027/register"})
    assert confirmed.headers["Location"] == "/2027/register"
    db.session.refresh(user)
    assert user.email_verified_at is not None
    assert 'name="requested_category"' in client.get("/2027/register").get_data(as_text=True)


def test_unconfirmed_post_is_refused_and_stores_nothing(login, category):
    client = login(make_user(verified=False))
    response = client.post("/2027/register", data=form_data(category))
    assert response.status_code == 403
    assert "confirm your e-mail address" in response.get_data(as_text=True)
    assert _count() == 0


def test_register_sign_up_confirm_log_in_comes_back_to_the_form(client, category):
    # Anonymous: the registration page asks to log in, remembering where to come back.
    response = client.get("/2027/register")
    assert response.status_code == 302
    login_path = response.headers["Location"]
    assert parse_qs(urlsplit(login_path).query)["next"] == ["/2027/register"]
    # The login page offers sign-up, carrying the target along.
    login_page = client.get(login_path).get_data(as_text=True)
    signup_href = re.search(r'href="(/signup\?[^"]*)"', login_page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(signup_href).query)["next"] == ["/2027/register"]
    signup_page = client.get(signup_href).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', signup_page).group(1)
    data = {"full_name": "Ana Novak", "email": "ana@example.org", "password": PASSWORD}
    assert client.post(action.replace("&amp;", "&"), data=data).status_code == 200
    # The mail's link carries it; opening it shows a button (nothing confirmed yet).
    link = path_of(link_in(outbox(to="ana@example.org", template="accounts_verify")[0]))
    assert parse_qs(urlsplit(link).query)["next"] == ["/2027/register"]
    page = client.get(link).get_data(as_text=True)
    assert 'name="next" value="/2027/register"' in page
    user = db.session.scalar(sa.select(User).where(User.email == "ana@example.org"))
    assert user.email_verified_at is None
    # Confirming sends to the login page, still carrying it; logging in lands on the form.
    confirmed = client.post(link.split("?")[0], data={"next": "/2027/register"})
    assert confirmed.status_code == 302
    login_path = confirmed.headers["Location"]
    assert parse_qs(urlsplit(login_path).query)["next"] == ["/2027/register"]
    db.session.refresh(user)
    assert user.email_verified_at is not None
    logged_in = client.post(login_path, data={"email": "ana@example.org", "password": PASSWORD})
    assert logged_in.headers["Location"] == "/2027/register"
    form = client.get("/2027/register").get_data(as_text=True)
    assert 'name="requested_category"' in form


OPEN_REDIRECTS = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "javascript:alert(1)",
    "\t//evil.example",
    "http:/evil.example",
]


def test_open_redirects_are_refused_along_the_whole_path(client, login, category):
    for n, target in enumerate(OPEN_REDIRECTS):
        email = f"person{n}@example.org"
        data = {"full_name": "Eve", "email": email, "password": PASSWORD}
        assert client.post("/signup", data=data, query_string={"next": target}).status_code == 200
        link = path_of(link_in(outbox(to=email, template="accounts_verify")[0]))
        assert "next=" not in link, target
        token_path = link.split("?")[0]
        page = client.get(token_path, query_string={"next": target}).get_data(as_text=True)
        assert "evil" not in page, target
        confirmed = client.post(token_path, data={"next": target})
        assert confirmed.headers["Location"] == "/login", target
        response = client.post(
            "/login", data={"email": email, "password": PASSWORD}, query_string={"next": target}
        )
        assert response.headers["Location"] == "/", target
        client.post("/logout")
        unconfirmed = login(make_user(verified=False))
        resent = unconfirmed.post("/account/verify/resend", data={"next": target})
        assert resent.headers["Location"] == "/account", target


def test_the_form_shows_every_error_at_once(login, mse):
    client = login(make_user())
    data = form_data(mse, nominating_authority="", nominator_email="", country="")
    del data["privacy_consent"]
    response = client.post("/2027/register", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "needs a nominating authority" in page
    assert "contact at the nominating authority" in page
    assert "Please choose your country." in page
    assert "Please confirm that you have read the privacy notice." in page
    assert _count() == 0


def test_the_form_shows_every_rule_error_at_once_when_the_shape_is_right(login, mse):
    client = login(make_user())
    data = form_data(mse, nominating_authority="", nominator_email="", dietary_needs="Vegan")
    response = client.post("/2027/register", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "needs a nominating authority" in page
    assert "explicit consent" in page
    assert _count() == 0


def test_category_starts_at_choose(login, category, mse):
    page = login(make_user()).get("/2027/register").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="requested_category".*?</select>', page, re.S).group(0)
    assert re.search(r'<option selected value="">Choose…</option>', select)
    assert select.count("selected") == 1
    # Sending the form without choosing names the problem next to the field.
    data = form_data(category, requested_category="")
    response = login(make_user()).post("/2027/register", data=data)
    assert response.status_code == 400
    assert "Please choose a category." in response.get_data(as_text=True)
    assert _count() == 0


@pytest.mark.demo
def test_demo_has_an_unconfirmed_account_that_sees_the_notice(app, runner, login):
    from conference.accounts.services import find_user

    newcomer = find_user("newcomer@demo.test")
    assert newcomer.email_verified_at is None
    page = login(newcomer).get("/2027/register").get_data(as_text=True)
    assert "confirm your e-mail address" in page
    assert 'name="requested_category"' not in page
