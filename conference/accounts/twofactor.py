"""Two-factor pages: the second login step, set-up and removal of factors, the
administrator's reset. HTTP only; the rules live in ``twofactor_services``.

Session states (the session cookie is signed):

- *verified*: ``session[VERIFIED_KEY] == user.id``, set when the second step succeeds (or a
  factor was just set up). A session user who needs a second factor without this mark is
  *half-logged-in*: the user loader treats them as not authenticated, so no privileged page
  or cookie-authenticated API call sees them.
- *pending*: ``session[PENDING_KEY]`` after a correct password, naming the account (and its
  session token, so a password change or reset cancels it) for a few minutes. A pending
  account with a factor may only give it; one without a factor (a privileged account's
  grace step) may only reach the set-up pages, log out and see public pages.

Bearer tokens are not concerned: they are minted by an already verified session or the CLI.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from conference.accounts import bp
from conference.accounts import services as account_services
from conference.accounts import twofactor_services as services
from conference.accounts.models import User
from conference.accounts.twofactor_forms import ConfirmResetForm, SecondFactorForm, TotpSetupForm
from conference.db import utcnow
from conference.errors import DomainError
from conference.extensions import db, limiter
from conference.permissions import deny, require
from conference.text import ngettext
from conference.urls import safe_next

VERIFIED_KEY = "_2fa_user"
PENDING_KEY = "_2fa_pending"
TOTP_SETUP_KEY = "_2fa_totp_secret"
CHALLENGE_KEY = "_2fa_webauthn_challenge"
PENDING_MAX_AGE = 15 * 60
MAX_FAILURES_PER_LOGIN = 5


# --- session state (used by the user loader and the login view) ---------------------------


def second_factor_satisfied(user: User) -> bool:
    """May this session act as ``user``? False while half-logged-in (the user loader then
    answers "not authenticated" and keeps the way to the second step open)."""
    if session.get(VERIFIED_KEY) == user.id:
        return True
    if not services.requires_second_factor(user):
        return True
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("uid") != user.id:
        _set_pending(user, None)
    return False


def mark_verified(user: User) -> None:
    session[VERIFIED_KEY] = user.id


def is_verified_session(user: User) -> bool:
    return session.get(VERIFIED_KEY) == user.id


def start_second_step(user: User, next_url: str | None):
    """After a correct password: a redirect to the second step (or the set-up) when the
    account needs one, else None and the caller logs the user in."""
    if not services.requires_second_factor(user):
        return None
    session.clear()
    _set_pending(user, next_url)
    return redirect(url_for("accounts.two_factor_login"))


def resume_second_step(next_url: str | None = None):
    """A redirect to the second step when this browser is half-logged-in, else None
    (``next_url``: where to go afterwards, if the pending login has no target yet)."""
    if pending_user() is None:
        return None
    pending = session[PENDING_KEY]
    if next_url and not pending.get("next"):
        pending["next"] = next_url
        session.modified = True
    return redirect(url_for("accounts.two_factor_login"))


def _set_pending(user: User, next_url: str | None) -> None:
    session[PENDING_KEY] = {
        "uid": user.id,
        "tok": user.session_token,
        "at": int(utcnow().timestamp()),
        "next": next_url,
        "failures": 0,
    }


def pending_user() -> User | None:
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    if not isinstance(data.get("at"), int) or utcnow().timestamp() - data["at"] > PENDING_MAX_AGE:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, data["uid"])
    if user is None or not user.is_active or user.session_token != data.get("tok"):
        session.pop(PENDING_KEY, None)
        return None
    return user


def _pending_next(user: User) -> str:
    data = session.get(PENDING_KEY) or {}
    target = safe_next(data.get("next") if isinstance(data, dict) else None, default="")
    return target or account_services.landing_url(user)


def _finish_login(user: User) -> str:
    """The second step passed: a fresh, verified session. Returns where to go next."""
    next_url = _pending_next(user)
    session.clear()
    user.last_login_at = utcnow()
    db.session.commit()
    login_user(user)
    mark_verified(user)
    return next_url


def _pending_rate_key() -> str:
    data = session.get(PENDING_KEY)
    uid = data.get("uid") if isinstance(data, dict) else None
    return f"2fa:{uid if uid is not None else request.remote_addr}"


def _rate_limit() -> str:
    return current_app.config["TWO_FACTOR_RATE_LIMIT"]


def _acting_user() -> User | None:
    """Whom the set-up pages are for: the logged-in user, or a pending account without any
    factor yet (a privileged account's grace step)."""
    if current_user.is_authenticated:
        return current_user._get_current_object()
    user = pending_user()
    if user is not None and not services.has_second_factor(user):
        return user
    return None


def _webauthn_rp() -> tuple[str, str]:
    """(RP ID, expected origin): WEBAUTHN_RP_ID and WEBAUTHN_ORIGIN when configured, else
    the host and origin of BASE_URL. Browsers refuse an IP address as RP ID, so when
    BASE_URL names one (development, tests) the host this request came to is used."""
    config = current_app.config
    base = urlsplit(config["BASE_URL"])
    if config.get("WEBAUTHN_RP_ID"):
        return config["WEBAUTHN_RP_ID"], (config.get("WEBAUTHN_ORIGIN") or config["BASE_URL"])
    if base.hostname and not _is_ip_address(base.hostname):
        origin = config.get("WEBAUTHN_ORIGIN") or f"{base.scheme}://{base.netloc}"
        return base.hostname, origin
    here = urlsplit(request.host_url)
    origin = config.get("WEBAUTHN_ORIGIN") or f"{here.scheme}://{here.netloc}"
    return here.hostname or "localhost", origin


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, _("Send a JSON object."))
    return body


def _json_error(exc: DomainError):
    return jsonify({"error": {"code": exc.code, "message": exc.message}}), exc.status_code


# --- the second login step ----------------------------------------------------------------


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(_rate_limit, key_func=_pending_rate_key, methods=["POST"])
def two_factor_login():
    """Second login step: a TOTP or recovery code (field ``code``), or a security key."""
    g.personal_response = True
    user = pending_user()
    if user is None:
        if current_user.is_authenticated:
            return redirect(url_for("accounts.profile"))
        flash(_("Please log in first."), "info")
        return redirect(url_for("accounts.login"))
    if not services.has_second_factor(user):
        return redirect(url_for("accounts.two_factor"))
    form = SecondFactorForm()
    status = 200
    if form.validate_on_submit():
        try:
            method = services.verify_code(user, form.code.data)
        except DomainError as exc:
            db.session.commit()  # keep the audit entry of the failure
            form.code.errors = [*form.code.errors, exc.message]
            status = 400
            pending = session.get(PENDING_KEY)
            pending["failures"] = pending.get("failures", 0) + 1
            session.modified = True
            if pending["failures"] >= MAX_FAILURES_PER_LOGIN:
                session.pop(PENDING_KEY, None)
                flash(_("Too many wrong codes: please log in again."), "error")
                return redirect(url_for("accounts.login"))
        else:
            next_url = _finish_login(user)
            flash(_("You are logged in."), "success")
            if method == "recovery_code":
                left = services.recovery_codes_left(user)
                flash(
                    ngettext(
                        "You used a recovery code; %(num)d left. Set up your factor again or "
                        "make new codes on your two-factor page if you lost your device.",
                        "You used a recovery code; %(num)d left. Set up your factor again or "
                        "make new codes on your two-factor page if you lost your device.",
                        left,
                    ),
                    "warning",
                )
            return redirect(next_url)
    elif form.errors:
        status = 400
    return render_template(
        "accounts/2fa/login.html",
        form=form,
        user=user,
        has_totp=services.totp_of(user) is not None,
        has_keys=bool(services.credentials_of(user)),
    ), status


@bp.post("/login/second-factor/key/options")
@limiter.limit(_rate_limit, key_func=_pending_rate_key)
def two_factor_key_options():
    user = pending_user()
    if user is None:
        abort(401)
    rp_id, _origin = _webauthn_rp()
    try:
        options, challenge = services.authentication_options(user, rp_id)
    except DomainError as exc:
        return _json_error(exc)
    session[CHALLENGE_KEY] = challenge
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/login/second-factor/key/verify")
@limiter.limit(_rate_limit, key_func=_pending_rate_key)
def two_factor_key_verify():
    user = pending_user()
    if user is None:
        abort(401)
    body = _json_body()
    rp_id, origin = _webauthn_rp()
    try:
        services.verify_assertion(
            user,
            body.get("credential"),
            challenge=session.pop(CHALLENGE_KEY, None),
            rp_id=rp_id,
            origin=origin,
        )
    except DomainError as exc:
        db.session.commit()  # keep the audit entry of the failure
        return _json_error(exc)
    next_url = _finish_login(user)
    flash(_("You are logged in."), "success")
    return jsonify({"redirect": next_url})


# --- set-up and management ------------------------------------------------------------------


@bp.app_template_global("second_factor_summary")
def second_factor_summary(user: User) -> dict:
    """What the profile and the administrator's user page show about someone's factors."""
    return {
        "totp": services.totp_of(user) is not None,
        "keys": len(services.credentials_of(user)),
        "recovery_codes": services.recovery_codes_left(user),
        "required": services.is_privileged(user),
    }


@bp.get("/account/second-factor")
def two_factor():
    """Overview: the factors in use, add or remove one, new recovery codes."""
    g.personal_response = True
    user = _acting_user()
    if user is None:
        return resume_second_step() or deny()
    return render_template(
        "accounts/2fa/manage.html",
        user=user,
        grace=not current_user.is_authenticated,
        totp=services.totp_of(user),
        keys=services.credentials_of(user),
        recovery_codes=services.recovery_codes_left(user),
        required=services.is_privileged(user),
        can_remove=services.may_remove_a_factor(user),
    )


@bp.route("/account/second-factor/app", methods=["GET", "POST"])
def two_factor_totp():
    """Set up an authenticator app: QR code and secret, confirmed with one code."""
    g.personal_response = True
    user = _acting_user()
    if user is None:
        return resume_second_step() or deny()
    if services.totp_of(user) is not None:
        flash(_("An authenticator app is already set up."), "info")
        return redirect(url_for("accounts.two_factor"))
    form = TotpSetupForm()
    secret = session.get(TOTP_SETUP_KEY)
    status = 200
    if form.validate_on_submit() and isinstance(secret, str):
        try:
            codes = services.enable_totp(user, secret, form.code.data)
        except DomainError as exc:
            db.session.commit()  # keep the audit entry of the failure
            form.code.errors = [*form.code.errors, exc.message]
            status = exc.status_code
        else:
            session.pop(TOTP_SETUP_KEY, None)
            return _enrolled(user, codes, _("Your authenticator app is set up."))
    elif request.method == "POST":
        status = 400
        if not isinstance(secret, str):
            form.code.errors = [*form.code.errors, _("The set-up has expired; please start again.")]
    if not isinstance(secret, str):
        secret = services.new_totp_secret()
        session[TOTP_SETUP_KEY] = secret
    uri = services.provisioning_uri(user, secret)
    return render_template(
        "accounts/2fa/totp_setup.html",
        form=form,
        secret=secret,
        grouped_secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        qr_code=services.qr_code_data_uri(uri),
        grace=not current_user.is_authenticated,
    ), status


def _enrolled(user: User, codes: list[str], message: str):
    """After a factor was set up: a verified session, and the recovery codes shown once."""
    db.session.commit()
    if current_user.is_authenticated:
        mark_verified(user)
        next_url = url_for("accounts.two_factor")
    else:
        next_url = _finish_login(user)
    flash(message, "success")
    if not codes:
        return redirect(next_url)
    return render_template("accounts/2fa/recovery_codes.html", codes=codes, next_url=next_url)


@bp.post("/account/second-factor/app/remove")
def two_factor_totp_remove():
    if not current_user.is_authenticated:
        return deny()
    services.remove_totp(current_user)
    db.session.commit()
    flash(_("The authenticator app is removed."), "success")
    return redirect(url_for("accounts.two_factor"))


@bp.post("/account/second-factor/recovery-codes")
def two_factor_recovery_codes():
    """New recovery codes (the old ones stop working), shown once."""
    g.personal_response = True
    if not current_user.is_authenticated:
        return deny()
    codes = services.regenerate_recovery_codes(current_user)
    db.session.commit()
    return render_template(
        "accounts/2fa/recovery_codes.html", codes=codes, next_url=url_for("accounts.two_factor")
    )


@bp.post("/account/second-factor/keys/options")
def two_factor_key_register_options():
    user = _acting_user()
    if user is None:
        abort(401)
    rp_id, _origin = _webauthn_rp()
    options, challenge = services.registration_options(user, rp_id)
    session[CHALLENGE_KEY] = challenge
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/account/second-factor/keys/verify")
def two_factor_key_register_verify():
    g.personal_response = True
    user = _acting_user()
    if user is None:
        abort(401)
    body = _json_body()
    rp_id, origin = _webauthn_rp()
    name = body.get("name") if isinstance(body.get("name"), str) else ""
    try:
        services.register_credential(
            user,
            body.get("credential"),
            challenge=session.pop(CHALLENGE_KEY, None),
            rp_id=rp_id,
            origin=origin,
            name=name,
        )
        codes = services.first_recovery_codes(user)
    except DomainError as exc:
        db.session.commit()  # keep the audit entry of the failure
        return _json_error(exc)
    db.session.commit()
    if current_user.is_authenticated:
        mark_verified(user)
        next_url = url_for("accounts.two_factor")
    else:
        next_url = _finish_login(user)
    if codes:
        # Shown once, on the next page (kept in the signed session until then).
        session["_2fa_new_codes"] = codes
        session["_2fa_codes_next"] = next_url
        next_url = url_for("accounts.two_factor_new_codes")
    flash(_("Your security key is registered."), "success")
    return jsonify({"redirect": next_url})


@bp.get("/account/second-factor/new-codes")
def two_factor_new_codes():
    """Recovery codes made when a first security key was registered (shown once)."""
    g.personal_response = True
    codes = session.pop("_2fa_new_codes", None)
    next_url = safe_next(session.pop("_2fa_codes_next", None))
    if not current_user.is_authenticated or not isinstance(codes, list):
        return redirect(url_for("accounts.two_factor"))
    return render_template("accounts/2fa/recovery_codes.html", codes=codes, next_url=next_url)


@bp.post("/account/second-factor/keys/<int:key_id>/remove")
def two_factor_key_remove(key_id):
    if not current_user.is_authenticated:
        return deny()
    key = services.remove_credential(current_user, key_id)
    db.session.commit()
    flash(_("The security key “%(name)s” is removed.", name=key.name), "success")
    return redirect(url_for("accounts.two_factor"))


# --- site administration --------------------------------------------------------------------


@bp.post("/admin/users/<int:user_id>/second-factor/reset")
@require("site.admin")
def admin_reset_second_factor(user_id):
    """Remove a person's factors (lost device), after the administrator confirms."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        abort(404, _("There is no such account."))
    form = ConfirmResetForm()
    if not form.validate_on_submit():
        raise DomainError(
            _(
                "Nothing was reset: please tick the box to confirm that you have checked the "
                "person's identity."
            )
        )
    services.reset_second_factor(user, actor=current_user)
    db.session.commit()
    if user.id == current_user.id:
        # Own reset: this session's token rotated too; log in again and set up anew.
        session.clear()
        flash(_("Your second factor is reset; please log in and set up a new one."), "success")
        return redirect(url_for("accounts.login"))
    flash(
        _(
            "The second factor of %(email)s is reset; their sessions are logged out and "
            "they will set up a new one at their next login.",
            email=user.email,
        ),
        "success",
    )
    return redirect(url_for("accounts.admin_user", user_id=user.id))
