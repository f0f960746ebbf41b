"""Forgotten passwords (a reset link by mail) and changing one's password."""

from __future__ import annotations

import contextlib

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from conference import audit, mail
from conference.accounts.models import User
from conference.accounts.services.links import (
    RESET_SALT,
    load_token,
    password_fingerprint,
    reset_token,
)
from conference.accounts.services.tokens import revoke_all_tokens
from conference.accounts.services.users import find_user, normalise_email, set_password
from conference.db import utcnow
from conference.errors import DomainError
from conference.extensions import db
from conference.urls import external_url


def request_password_reset(email: str) -> None:
    """Mail a reset link when the account exists; silent otherwise (no account probing).

    For an unknown address the link is signed and the mail rendered all the same, then
    dropped, so that the time taken does not tell whether the account exists.
    """
    user = find_user(email)
    known = user is not None and user.is_active
    # A stand-in that is never added to the session (nothing is stored for it).
    recipient = user if known else User(email=normalise_email(email)[:254], full_name="")
    # In the language the account chose (looked up for unknown addresses too: same work).
    locale = mail.recipient_locale(recipient.email)
    with force_locale(locale.replace("-", "_")) if locale else contextlib.nullcontext():
        subject = _("Reset your password")
        text, html = mail.render(
            "accounts_reset",
            subject,
            user=recipient,
            link=external_url("accounts.reset_password", token=reset_token(recipient)),
            valid_minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
        )
    if not known:
        return
    mail.queue_rendered(user.email, subject, text, html, template="accounts_reset")
    audit.record(None, "account.reset_requested", user, email=user.email)


def user_for_reset_token(token: str) -> User:
    """The account a reset link belongs to, if the link is still valid and unused."""
    data = load_token(
        token,
        RESET_SALT,
        current_app.config["RESET_TOKEN_MAX_AGE"],
        _("This reset link has expired. Please ask for a new one."),
    )
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    if user is None or not user.is_active:
        raise DomainError(_("This link is not valid."), code="invalid_token")
    if data.get("pw") != password_fingerprint(user):
        raise DomainError(
            _("This reset link has already been used. Please ask for a new one."),
            code="token_used",
        )
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link (and every session) stops working."""
    user = user_for_reset_token(token)
    set_password(user, new_password)
    # Whoever could read the mail controls the address: consider it verified.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    audit.record(user, "account.password_reset", user)
    revoke_all_tokens(user, reason="password_reset")
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one; other sessions end."""
    if user.password_hash is None or not check_password_hash(
        user.password_hash, current_password or ""
    ):
        raise DomainError(_("The current password is not correct."), code="wrong_password")
    set_password(user, new_password)
    audit.record(user, "account.password_change", user)
    revoke_all_tokens(user, reason="password_change")
