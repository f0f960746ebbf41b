"""Two-factor authentication through HTTP: the second login step, the grace set-up of
privileged accounts, TOTP drift and replay, recovery codes, removal and the admin reset."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
import sqlalchemy as sa

from conference.accounts import twofactor_services as services
from conference.accounts.services import find_user
from conference.accounts.twofactor_models import RecoveryCode, TotpSecret, WebAuthnCredential
from conference.audit import AuditEntry
from conference.db import freeze
from tests.accounts.helpers import audit_actions
from tests.factories import (
    PASSWORD,
    api_token,
    enrol_totp,
    grant,
    make_edition,
    make_user,
    pass_second_factor,
    totp_code,
)

NOW = dt.datetime(2027, 3, 1, 10, 0, 5, tzinfo=dt.UTC)  # 5 s into a 30-second step


def password_login(client, user, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": user.email, "password": PASSWORD})


def give_code(client, code):
    return client.post("/login/second-factor", data={"code": code})


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def totp_rows(db, user):
    return db.session.scalars(sa.select(TotpSecret).where(TotpSecret.user_id == user.id)).all()


@pytest.fixture
def frozen():
    freeze(NOW)
    yield NOW
    freeze(None)


# --- who needs a second factor ---------------------------------------------------------------


def test_attendee_without_factor_logs_in_with_password_only(client, db):
    user = make_user()
    response = password_login(client, user)
    assert response.status_code == 302
    assert "second-factor" not in response.headers["Location"]
    assert is_logged_in(client)


@pytest.mark.parametrize("role", ["organiser", "chair", "reviewer", "staff", "admin"])
def test_privileged_password_only_login_is_walked_to_set_up(client, db, role):
    edition = make_edition()
    user = make_user(admin=True) if role == "admin" else make_user(role=role, edition=edition)
    response = password_login(client, user, next_url="/2027/admin")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/second-factor")
    # Half-logged-in: not authenticated for anything but the set-up pages.
    assert client.get("/2027/admin").status_code == 302
    assert client.get("/account").status_code == 302
    assert client.get("/account/tokens").status_code == 302
    assert client.get("/api/v1/me").status_code == 401
    step = client.get("/login/second-factor")
    assert step.status_code == 302 and step.headers["Location"].endswith("/account/second-factor")
    page = client.get("/account/second-factor")
    assert page.status_code == 200
    assert b"need a second factor" in page.data
    assert client.get("/").status_code == 200  # public pages stay reachable
    # The login page sends a half-logged-in browser back to its second step.
    assert client.get("/login").headers["Location"].endswith("/login/second-factor")


def test_grace_set_up_with_an_authenticator_app_then_admin_opens(client, db, frozen):
    user = make_user(role="organiser")
    password_login(client, user, next_url="/2027/admin")
    page = client.get("/account/second-factor/app")
    assert page.status_code == 200
    assert b'src="data:image/svg+xml;base64,' in page.data
    with client.session_transaction() as session:
        secret = session["_2fa_totp_secret"]
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)).encode() in page.data

    wrong = client.post("/account/second-factor/app", data={"code": totp_code(secret, steps=5)})
    assert wrong.status_code == 400
    assert b"That code is not valid" in wrong.data
    assert totp_rows(db, user) == []
    assert client.get("/2027/admin").status_code == 302

    done = client.post("/account/second-factor/app", data={"code": totp_code(secret)})
    assert done.status_code == 200
    codes = re.findall(
        rb"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", done.data
    )
    assert len(codes) == 10
    assert b'href="/2027/admin"' in done.data
    assert client.get("/2027/admin").status_code == 200
    assert [row.secret for row in totp_rows(db, user)] == [secret]
    assert {"2fa.totp.setup_failed", "2fa.totp.enabled", "2fa.recovery_codes.generated"} <= set(
        audit_actions()
    )
    # Only hashes are stored.
    hashes = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10 and not any(code.decode() in h for code in codes for h in hashes)


def test_set_up_without_a_started_secret_is_refused(client, db):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    response = client.post("/account/second-factor/app", data={"code": "123456"})
    assert response.status_code == 400
    assert b"expired" in response.data
    assert totp_rows(db, user) == []


def test_set_up_pages_are_closed_to_anonymous_and_to_a_pending_account_with_a_factor(client, db):
    assert client.get("/account/second-factor").status_code == 302
    assert client.post("/account/second-factor/app", data={"code": "1"}).status_code == 302
    user = make_user(role="chair")
    enrol_totp(user)
    password_login(client, user)
    # Knowing the password does not let anyone add their own factor to a protected account.
    assert client.get("/account/second-factor").headers["Location"].endswith("/login/second-factor")
    assert (
        client.get("/account/second-factor/app")
        .headers["Location"]
        .endswith("/login/second-factor")
    )
    assert client.post("/account/second-factor/keys/options").status_code == 401
    assert len(totp_rows(db, user)) == 1


# --- the second step ---------------------------------------------------------------------------


def test_second_step_is_a_form_with_a_code_field(client, db):
    user = make_user(role="reviewer")
    enrol_totp(user)
    password_login(client, user)
    page = client.get("/login/second-factor")
    assert page.status_code == 200
    assert b'name="code"' in page.data
    assert b"data-webauthn-login" not in page.data  # no key registered: no key button


def test_login_with_a_totp_code_reaches_the_next_page(client, db, frozen):
    user = make_user(role="organiser")
    enrol_totp(user)
    response = password_login(client, user, next_url="/2027/admin")
    assert response.headers["Location"].endswith("/login/second-factor")
    assert client.get("/2027/admin").status_code == 302
    done = give_code(client, totp_code())
    assert done.status_code == 302 and done.headers["Location"] == "/2027/admin"
    assert client.get("/2027/admin").status_code == 200
    assert "2fa.verified" in audit_actions()


@pytest.mark.parametrize("steps", [-1, 1])
def test_codes_one_step_either_side_are_accepted(client, db, frozen, steps):
    user = make_user(role="staff")
    enrol_totp(user)
    password_login(client, user)
    assert give_code(client, totp_code(steps=steps)).status_code == 302
    assert is_logged_in(client)


@pytest.mark.parametrize("steps", [-2, 2])
def test_codes_two_steps_away_are_refused(client, db, frozen, steps):
    user = make_user(role="staff")
    enrol_totp(user)
    password_login(client, user)
    response = give_code(client, totp_code(steps=steps))
    assert response.status_code == 400
    assert b"That code is not valid" in response.data
    assert not is_logged_in(client)
    assert totp_rows(db, user)[0].last_used_step is None
    assert "2fa.verify_failed" in audit_actions()


def test_a_used_code_is_refused_the_second_time(app, db, frozen):
    user = make_user(role="organiser")
    enrol_totp(user)
    first, second = app.test_client(), app.test_client()
    password_login(first, user)
    password_login(second, user)
    code = totp_code()
    assert give_code(first, code).status_code == 302
    replay = give_code(second, code)
    assert replay.status_code == 400
    assert not is_logged_in(second)
    assert "2fa.totp.replay_refused" in audit_actions()
    # An earlier step's code, still inside the drift window, is refused too.
    assert give_code(second, totp_code(steps=-1)).status_code == 400
    # The next step's code works.
    freeze(NOW + dt.timedelta(seconds=30))
    assert give_code(second, totp_code()).status_code == 302


def test_a_recovery_code_works_once(app, db):
    user = make_user(role="chair")
    enrol_totp(user)
    codes = services.generate_recovery_codes(user)
    db.session.commit()
    client = app.test_client()
    password_login(client, user)
    response = give_code(client, codes[3].upper())  # case and dashes do not matter
    assert response.status_code == 302
    assert is_logged_in(client)
    assert services.recovery_codes_left(user) == 9

    other = app.test_client()
    password_login(other, user)
    again = give_code(other, codes[3])
    assert again.status_code == 400
    assert not is_logged_in(other)
    assert services.recovery_codes_left(user) == 9
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "2fa.verified").order_by(AuditEntry.id)
    )
    assert entry.details == {"method": "recovery_code", "left": 9}


def test_empty_or_oversized_code_is_a_400(client, db):
    user = make_user(role="chair")
    enrol_totp(user)
    password_login(client, user)
    assert give_code(client, "").status_code == 400
    assert give_code(client, "9" * 500).status_code == 400
    assert not is_logged_in(client)


def test_too_many_wrong_codes_end_the_pending_login(client, db):
    user = make_user(role="chair")
    enrol_totp(user)
    password_login(client, user)
    for _ in range(4):
        assert give_code(client, "000000").status_code in (400,)
    last = give_code(client, "000000")
    assert last.status_code == 302 and last.headers["Location"].endswith("/login")
    # The pending state is gone: even a right code needs the password again.
    assert give_code(client, totp_code()).headers["Location"].endswith("/login")
    assert not is_logged_in(client)


def test_second_step_is_rate_limited_per_account(app, db):
    app.config["RATELIMIT_ENABLED"] = True
    app.config["TWO_FACTOR_RATE_LIMIT"] = "3 per minute"
    from conference.extensions import limiter

    limiter.init_app(app)
    user = make_user(role="chair")
    enrol_totp(user)
    statuses = []
    for _ in range(2):  # new pending logins do not reset the per-account count
        client = app.test_client()
        password_login(client, user)
        statuses += [give_code(client, "000000").status_code for _ in range(2)]
    assert statuses[:3] == [400, 400, 400] and statuses[3] == 429
    limiter.reset()


def test_pending_login_expires(client, db, frozen):
    user = make_user(role="chair")
    enrol_totp(user)
    password_login(client, user)
    freeze(NOW + dt.timedelta(minutes=16))
    response = give_code(client, totp_code())
    assert response.headers["Location"].endswith("/login")
    assert not is_logged_in(client)


def test_attendee_who_turned_it_on_passes_the_second_step(client, db):
    user = make_user()
    enrol_totp(user)
    response = password_login(client, user)
    assert response.headers["Location"].endswith("/login/second-factor")
    assert not is_logged_in(client)
    assert pass_second_factor(client, user).status_code == 302
    assert is_logged_in(client)


def test_role_granted_during_a_session_requires_the_second_factor(client, db):
    user = make_user()
    password_login(client, user)
    assert is_logged_in(client)
    grant(user, "organiser")
    denied = client.get("/2027/admin")
    assert denied.status_code == 302
    assert (
        client.get(denied.headers["Location"]).headers["Location"].endswith("/login/second-factor")
    )
    done = pass_second_factor(client, user)
    assert done.status_code == 302 and done.headers["Location"] == "/2027/admin"
    assert client.get("/2027/admin").status_code == 200


def test_bearer_tokens_are_not_asked_for_a_second_factor(client, db):
    user = make_user(role="organiser")
    token = api_token(user)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_password_change_keeps_the_second_factor_of_this_browser(client, db):
    user = make_user(role="organiser")
    password_login(client, user)
    pass_second_factor(client, user)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "another long password",
            "confirm": "another long password",
        },
    )
    assert response.status_code == 302
    assert client.get("/2027/admin").status_code == 200


# --- voluntary set-up, removal and recovery codes ----------------------------------------------


def test_attendee_turns_on_an_app_and_removes_it(client, db, frozen):
    user = make_user()
    password_login(client, user)
    assert b"Two-factor authentication" in client.get("/account").data
    client.get("/account/second-factor/app")
    with client.session_transaction() as session:
        secret = session["_2fa_totp_secret"]
    response = client.post("/account/second-factor/app", data={"code": pyotp.TOTP(secret).at(NOW)})
    assert response.status_code == 200 and b"recovery codes" in response.data
    assert is_logged_in(client)  # this session gave the code: still logged in
    assert services.recovery_codes_left(user) == 10

    removed = client.post("/account/second-factor/app/remove")
    assert removed.status_code == 302
    assert totp_rows(db, user) == []
    assert services.recovery_codes_left(user) == 0
    assert "2fa.totp.removed" in audit_actions()
    client.post("/logout")
    assert "second-factor" not in password_login(client, user).headers["Location"]


def test_privileged_user_cannot_remove_the_last_factor(login, db):
    user = make_user(role="organiser")
    enrol_totp(user)
    client = login(user)
    assert b"Remove the authenticator app" not in client.get("/account/second-factor").data
    response = client.post("/account/second-factor/app/remove")
    assert response.status_code == 409
    assert b"need a second factor" in response.data
    assert len(totp_rows(db, user)) == 1


def test_new_recovery_codes_replace_the_old_ones(login, db):
    user = make_user()
    enrol_totp(user)
    old = services.generate_recovery_codes(user)
    db.session.commit()
    client = login(user)
    response = client.post("/account/second-factor/recovery-codes")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    new = re.findall(rb"<code>([a-z2-9-]{19})</code>", response.data)
    assert len(new) == 10 and old[0].encode() not in new
    assert services.recovery_codes_left(user) == 10
    client.post("/logout")
    password_login(client, user)
    assert give_code(client, old[0]).status_code == 400
    assert give_code(client, new[0].decode()).status_code == 302


def test_recovery_codes_need_a_factor_first(login, db):
    user = make_user()
    response = login(user).post("/account/second-factor/recovery-codes")
    assert response.status_code == 409
    assert services.recovery_codes_left(user) == 0


def test_manage_page_lists_factors(login, db):
    user = make_user()
    enrol_totp(user)
    page = login(user).get("/account/second-factor")
    assert page.status_code == 200
    assert b"Remove the authenticator app" in page.data
    assert b"Make new recovery codes" in page.data
    assert b"js/twofactor.js" in page.data


# --- WebAuthn endpoints without a browser (the ceremony itself: tests/browser) -----------------


def test_key_options_and_bad_answers(login, client, db):
    assert client.post("/account/second-factor/keys/options").status_code == 401
    user = make_user()
    browser = login(user)
    options = browser.post("/account/second-factor/keys/options")
    assert options.status_code == 200
    body = options.get_json()
    assert body["rp"]["id"] == "conference.test" and body["challenge"]  # BASE_URL's host
    assert body["user"]["name"] == user.email
    not_json = browser.post("/account/second-factor/keys/verify", data="x")
    assert not_json.status_code == 400
    garbage = browser.post(
        "/account/second-factor/keys/verify", json={"credential": {"id": "AAAA"}, "name": "k"}
    )
    assert garbage.status_code == 400
    assert "could not be registered" in garbage.get_json()["error"]["message"]
    # The challenge works once: a second answer needs new options.
    again = browser.post(
        "/account/second-factor/keys/verify", json={"credential": {"id": "AAAA"}, "name": "k"}
    )
    assert again.status_code == 400
    assert again.get_json()["error"]["message"] == "The request has expired; please try again."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebAuthnCredential)) == 0
    assert "2fa.webauthn.setup_failed" in audit_actions()


def test_key_login_options_need_a_pending_login_with_a_key(client, db):
    assert client.post("/login/second-factor/key/options").status_code == 401
    user = make_user(role="chair")
    enrol_totp(user)
    password_login(client, user)
    response = client.post("/login/second-factor/key/options")
    assert response.status_code == 404
    assert client.post("/login/second-factor/key/verify", json=[]).status_code == 400


def test_rp_id_from_configuration(app, login, db):
    client = login(make_user())
    app.config["BASE_URL"] = "http://127.0.0.1:5000"  # an IP: the request's host instead
    assert client.post("/account/second-factor/keys/options").get_json()["rp"]["id"] == (
        "localhost"
    )
    app.config["WEBAUTHN_RP_ID"] = "conference.example"
    body = client.post("/account/second-factor/keys/options").get_json()
    assert body["rp"]["id"] == "conference.example"


# --- administrator's reset -----------------------------------------------------------------------


def test_admin_resets_a_second_factor_after_confirming(app, login, db):
    admin = make_user(admin=True)
    target = make_user(role="organiser")
    enrol_totp(target)
    services.generate_recovery_codes(target)
    db.session.commit()
    target_client = login(target)
    assert is_logged_in(target_client)
    admin_client = login(admin)
    page = admin_client.get(f"/admin/users/{target.id}")
    assert b"Reset the second factor" in page.data

    refused = admin_client.post(f"/admin/users/{target.id}/second-factor/reset")
    assert refused.status_code == 400
    assert b"tick the box" in refused.data
    assert len(totp_rows(db, target)) == 1
    assert "2fa.reset" not in audit_actions()

    done = admin_client.post(f"/admin/users/{target.id}/second-factor/reset", data={"confirm": "y"})
    assert done.status_code == 302
    assert totp_rows(db, target) == []
    assert services.recovery_codes_left(target) == 0
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "2fa.reset"))
    assert entry.actor_id == admin.id and entry.target_id == str(target.id)
    assert not is_logged_in(target_client)  # their sessions ended
    # At the next login they set up a new factor.
    fresh = app.test_client()
    password_login(fresh, target)
    assert fresh.get("/login/second-factor").headers["Location"].endswith("/account/second-factor")


def test_only_site_admins_reset_second_factors(login, db):
    organiser = make_user(role="organiser")
    target = make_user()
    enrol_totp(target)
    response = login(organiser).post(
        f"/admin/users/{target.id}/second-factor/reset", data={"confirm": "y"}
    )
    assert response.status_code == 403
    assert len(totp_rows(db, target)) == 1


# --- demo accounts -----------------------------------------------------------------------------


def test_demo_organiser_needs_the_demo_totp_code_to_reach_admin(app, runner, client, db):
    app.config["DEMO_TOTP_SECRET"] = "DEMOTOTPDEMOTOTPDEMOTOTPDEMOTOTP"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "DEMOTOTPDEMOTOTPDEMOTOTPDEMOTOTP" in result.output
    response = client.post(
        "/login",
        data={"email": "organiser@demo.test", "password": app.config["DEMO_PASSWORD"]},
    )
    assert response.headers["Location"].endswith("/login/second-factor")
    assert client.get("/2027/admin").status_code == 302
    code = pyotp.TOTP("DEMOTOTPDEMOTOTPDEMOTOTPDEMOTOTP").now()
    assert give_code(client, code).status_code == 302
    assert client.get("/2027/admin").status_code == 200
    # The attendee demo account has no factor; only privileged demo accounts are enrolled.
    assert totp_rows(db, find_user("attendee@demo.test")) == []
    assert len(totp_rows(db, find_user("staff@demo.test"))) == 1


# --- rules -------------------------------------------------------------------------------------


def test_who_needs_a_second_factor(db):
    edition = make_edition()
    attendee = make_user()
    assert not services.requires_second_factor(attendee)
    for role in ("organiser", "chair", "reviewer", "staff"):
        assert services.requires_second_factor(make_user(role=role, edition=edition))
    assert services.requires_second_factor(make_user(admin=True))
    enrol_totp(attendee)
    assert services.requires_second_factor(attendee)
    assert services.may_remove_a_factor(attendee)
    organiser = make_user(role="organiser", edition=edition)
    enrol_totp(organiser)
    assert not services.may_remove_a_factor(organiser)


def test_demo_enrolment_refuses_a_secret_that_is_not_base32(db):
    from conference.errors import DomainError

    user = make_user(role="organiser")
    with pytest.raises(DomainError):
        services.enrol_demo_totp(user, "not base32!")
    assert totp_rows(db, user) == []
