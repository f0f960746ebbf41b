"""Accounts: sign-up, login, profile, roles and API tokens."""

from flask import Blueprint, g, request

from conference.accounts.models import User
from conference.accounts.services import check_token
from conference.extensions import db, login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    if is_bearer_request():  # a Bearer call is the token's, never the cookie's
        return None
    raw_id, _, session_token = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not session_token or user.session_token != session_token:
        return None
    if not user.is_active:  # a deleted account's sessions end at once
        return None
    # The session's second step lives with the two-factor routes, which import ``bp``.
    from conference.accounts.twofactor import second_factor_satisfied

    if not second_factor_satisfied(user):  # half-logged-in: the second step is still due
        return None
    return user


@login_manager.request_loader
def load_user_from_bearer(req):
    """API callers authenticate with ``Authorization: Bearer <token>``; the token that did
    is kept in ``g.api_token`` (scopes.py checks what it may do), a refusal's reason in
    ``g.api_token_error``."""
    header = req.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    edition = g.get("edition")
    check = check_token(value.strip(), edition.id if edition is not None else None)
    token, error = check.token, check.error
    g.api_token = token
    g.api_token_error = error
    if token is not None and check.roles is not None:
        from conference.permissions import remember_roles  # permissions imports accounts

        remember_roles(token.user, edition, check.roles)
    return token.user if token is not None else None


def is_bearer_request() -> bool:
    """Does the request carry ``Authorization: Bearer …`` (valid or not)?"""
    scheme, _, _value = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer"


# Modules imported by create_app once every package is importable: the routes, and the
# signal handlers (``reactions``), which connect themselves on import.
VIEWS = ("views", "twofactor", "reactions")
