"""Signed links mailed to a person: confirming the e-mail address, resetting the password.

Links carry a token signed with SECRET_KEY (itsdangerous). The verification token names the
account and the address it was sent to, so that it stops working when the address changes.
The reset token also carries a fingerprint of the current password hash: once the password
has been changed (by this very link or otherwise) the fingerprint no longer matches, so each
reset link works once.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from conference.accounts.models import User
from conference.db import utcnow
from conference.errors import DomainError

EMAIL_SALT = "accounts.verify-email"
RESET_SALT = "accounts.reset-password"


def _serializer(salt: str):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def password_fingerprint(user: User) -> str:
    source = f"{user.password_hash or ''}|{user.password_changed_at or ''}"
    return hashlib.sha256(source.encode()).hexdigest()[:20]


def load_token(token: str, salt: str, max_age: int, expired_message: str) -> dict:
    if not token or len(token) > 500:
        raise DomainError(_("This link is not valid."), code="invalid_token")
    try:
        data, issued_at = _serializer(salt).loads(token, return_timestamp=True)
    except BadSignature:
        raise DomainError(_("This link is not valid."), code="invalid_token") from None
    # The age is measured with the application clock (``utcnow``), which tests can freeze.
    if (utcnow() - issued_at).total_seconds() > max_age:
        raise DomainError(expired_message, code="token_expired")
    if not isinstance(data, dict):
        raise DomainError(_("This link is not valid."), code="invalid_token")
    return data


def email_token(user: User) -> str:
    return _serializer(EMAIL_SALT).dumps({"uid": user.id, "email": user.email})


def reset_token(user: User) -> str:
    return _serializer(RESET_SALT).dumps({"uid": user.id, "pw": password_fingerprint(user)})
