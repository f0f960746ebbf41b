"""Sign-up and the confirmation of the e-mail address."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from conference import audit, mail
from conference.accounts.models import User
from conference.accounts.services.links import EMAIL_SALT, email_token, load_token
from conference.accounts.services.users import create_user, find_user, validate_password
from conference.db import utcnow
from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.urls import external_url, safe_next


def send_verification(user: User, next_url: str | None = None) -> None:
    """Queue the mail with the verification link (the caller commits).

    ``next_url`` (a same-site path, checked again when used) rides along in the link, so that
    confirming leads the person back to what they were doing, e.g. registering.
    """
    mail.queue(
        user.email,
        "accounts_verify",
        _l("Please confirm your e-mail address"),
        user=user,
        link=external_url(
            "accounts.verify_email",
            token=email_token(user),
            next=safe_next(next_url, default="") or None,
        ),
        valid_hours=current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600,
    )


def sign_up(email: str, password: str, full_name: str, next_url: str | None = None) -> User | None:
    """Create an unverified account and mail the verification link.

    When the address already has an account, nothing is created; its owner gets a mail
    saying so (with links to log in or reset the password) and ``None`` is returned, so the
    page shown is the same either way and does not reveal who has an account.
    """
    full_name = (full_name or "").strip()
    if not full_name:
        raise DomainError(_("Please give your full name."))
    validate_password(password)
    existing = find_user(email)
    if existing is not None:
        # The same work as a new account (hash the password, one audit entry, one mail), so
        # that the time taken does not tell that the address has an account.
        generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        audit.record(None, "account.signup_existing", existing, email=existing.email)
        mail.queue(
            existing.email,
            "accounts_signup_existing",
            _l("Someone tried to create an account with your e-mail address"),
            user=existing,
            login_link=external_url("accounts.login"),
            reset_link=external_url("accounts.forgot_password"),
        )
        return None
    try:
        with db.session.begin_nested():
            user = create_user(email, password, full_name=full_name)
    except (Conflict, sa.exc.IntegrityError):
        # A second request for the same address (a double click) got here first: that one
        # sends the verification mail; this one answers the same neutral page.
        return None
    audit.record(user, "account.signup", user, email=user.email)
    send_verification(user, next_url)
    return user


def resend_verification(email: str, next_url: str | None = None) -> None:
    """Mail a new confirmation link when ``email`` has an account still waiting for it;
    silent otherwise, so that the answer does not tell who has an account."""
    user = find_user(email)
    if user is None or not user.is_active or user.email_verified_at is not None:
        return
    send_verification(user, next_url)


def user_for_email_token(token: str) -> User:
    """The account a confirmation link belongs to, if the link is valid (changes nothing)."""
    data = load_token(
        token,
        EMAIL_SALT,
        current_app.config["EMAIL_TOKEN_MAX_AGE"],
        _("This confirmation link has expired. Log in and ask for a new one."),
    )
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    if user is None or not user.is_active or user.email != data.get("email"):
        raise DomainError(_("This link is not valid."), code="invalid_token")
    return user


def verify_email(token: str) -> User:
    """Mark the address in ``token`` as verified (idempotent; only on an explicit POST, as
    mail gateways open links to scan them)."""
    user = user_for_email_token(token)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record(user, "account.verify_email", user, email=user.email)
    return user
