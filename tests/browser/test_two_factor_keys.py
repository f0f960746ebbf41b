"""Security keys in headless Chromium: a virtual authenticator (the DevTools protocol's
WebAuthn domain) registers a key during a privileged account's grace set-up, then logs in
with it. WebAuthn needs a secure context and a domain as RP ID: the pages are opened on
http://localhost (a secure context), not on 127.0.0.1."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accounts.twofactor_models import WebAuthnCredential
from conference.audit import AuditEntry
from conference.extensions import db
from tests.browser.conftest import assert_accessible
from tests.factories import PASSWORD, enrol_totp, make_edition, make_user, totp_code

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config):
    """CSRF protection on, as in production: the script sends the token with its requests."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


def add_virtual_authenticator(context, page) -> tuple[object, str]:
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, result["authenticatorId"]


def password_step(page, url, user):
    page.goto(url("/login?next=/2027/admin"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def test_organiser_registers_a_security_key_and_logs_in_with_it(live_server, context, page):
    make_edition()
    user = make_user(role="organiser")
    base = live_server.base_url.replace("127.0.0.1", "localhost")

    def url(path):
        return base + path

    cdp, authenticator = add_virtual_authenticator(context, page)

    # Password only: the grace step, where the key is registered.
    password_step(page, url, user)
    assert page.url.endswith("/account/second-factor")
    page.get_by_label("Name of the new key").fill("Virtual key")
    with page.expect_navigation():
        page.get_by_role("button", name="Add a security key or passkey").click()
    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    assert page.locator(".recovery-codes li").count() == 10
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved them: continue").click()
    assert page.url.endswith("/2027/admin")

    stored = db.session.scalars(sa.select(WebAuthnCredential)).all()
    assert [(c.user_id, c.name) for c in stored] == [(user.id, "Virtual key")]
    on_device = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(on_device["credentials"]) == 1

    # Log out, log in again: the second step offers the key.
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    password_step(page, url, user)
    assert page.url.endswith("/login/second-factor")
    assert page.get_by_role("textbox", name="Code").is_visible()  # codes still possible
    with page.expect_navigation():
        page.get_by_role("button", name="Use my security key").click()
    assert page.url.endswith("/2027/admin")
    assert page.get_by_role("heading", level=1).is_visible()
    db.session.expire_all()
    assert db.session.get(WebAuthnCredential, stored[0].id).last_used_at is not None
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"2fa.webauthn.added", "2fa.verified"} <= actions
    assert page.js_errors == []


def test_second_step_without_javascript_support_still_offers_codes(live_server, context, page):
    """Without WebAuthn in the browser the key button stays hidden; the code form works."""
    make_edition()
    user = make_user(role="chair")
    enrol_totp(user)
    db.session.add(
        WebAuthnCredential(user_id=user.id, credential_id="AAAA", public_key=b"x", name="Old key")
    )
    db.session.commit()
    page.add_init_script("delete window.PublicKeyCredential;")
    password_step(page, live_server.url, user)
    assert page.get_by_role("button", name="Use my security key").is_hidden()
    page.get_by_label("Code", exact=True).fill(totp_code())
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/2027/admin")


@pytest.mark.parametrize("has_factor", [True, False], ids=["second-step", "grace-set-up"])
def test_second_step_and_grace_pages_are_accessible(live_server, axe_context, has_factor):
    make_edition()
    user = make_user(role="chair")
    if has_factor:
        enrol_totp(user)
        db.session.add(
            WebAuthnCredential(
                user_id=user.id, credential_id="AAAA", public_key=b"x", name="Old key"
            )
        )
        db.session.commit()
    page = axe_context.new_page()
    password_step(page, live_server.url, user)
    assert page.url.endswith("/login/second-factor" if has_factor else "/account/second-factor")
    assert_accessible(page)
