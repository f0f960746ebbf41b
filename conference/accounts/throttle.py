"""Login limits: failed attempts per client address and per account, with a retry time.

Both limits are Flask-Limiter limits on the login view, so their counters live in the
limiter's storage (Redis when ``REDIS_URL`` is set, shared by every worker; memory otherwise).
They count failed attempts only (``deduct_when``): a ministry or venue network behind one
address logs in all day without locking itself out, while guessing is slowed

- per client address (``LOGIN_RATE_LIMIT``), and
- per e-mail address typed (``LOGIN_ACCOUNT_RATE_LIMIT``), whatever the client address, so
  that spreading guesses over many addresses does not help. The same counter exists for an
  address without an account, so the answer never tells whether an account exists.

A failure is marked by ``note_failed_login`` (called by ``services.authenticate``); the
per-account key is a keyed hash of the normalised address, never the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from flask import current_app, g, has_request_context, request

from conference.extensions import limiter


def note_failed_login() -> None:
    """Mark the current request as a failed login, to be counted by the login limits."""
    if has_request_context():
        g.login_failed = True


def login_failed(_response) -> bool:
    """``deduct_when`` of the login limits: count only the attempts that failed."""
    return bool(g.get("login_failed"))


def address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def account_key() -> str:
    """The per-account limit's key: the e-mail address typed, hashed with the secret key."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, email.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    return f"login-account:{digest[:32]}"


def wait_phrase(seconds: float) -> str:
    """'12 minutes', '1 minute', '45 seconds' — for "Try again in …"."""
    seconds = max(int(math.ceil(seconds)), 1)
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"


def retry_message() -> str:
    """The message of a refused login; agrees with the Retry-After header Flask-Limiter sets."""
    current = limiter.current_limit
    # The same arithmetic as Flask-Limiter's Retry-After header.
    wait = int(current.reset_at - time.time()) if current is not None else 60
    return f"Too many login attempts. Try again in {wait_phrase(wait)}."
