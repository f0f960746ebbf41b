"""What an API token may do: its scope, checked once for every request before any view runs.

A request that sends ``Authorization: Bearer …`` is authenticated by that token alone (never
by a session cookie sent along with it), and an invalid, revoked or expired token is a 401
on every route. A valid token then passes only where its scope allows:

- ``full``: every route of the JSON API (``/api/v1``);
- ``read``: GET/HEAD on the JSON API;
- ``checkin``: the API routes a door scanner needs, declared with ``@token_scopes("checkin",
  …)`` (the check-in endpoint and the scanner bundle of the token's own edition, and a few
  read-only GETs such as ``/api/v1/me``).

Outside the API a Bearer caller is refused unless the view is declared with
``@token_scopes(...)`` and the request is a GET/HEAD (the public calendar exports): tokens
never manage tokens, post HTML forms or download personal data exports.

This sits apart from ``conference.permissions`` because it is a question about the
credential, not the person: the person's own permissions are still asked by every view.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from conference.accounts import is_bearer_request
from conference.accounts.models import ApiToken, TokenScope
from conference.errors import DomainError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Shown on the token page and in the CLI help.
SCOPE_HELP = {
    TokenScope.CHECKIN: _l(
        "Check-in: for a door scanner. Scans badges and reads the scanner bundle of one "
        "edition; nothing else. Expires the day after the edition ends unless you choose a date."
    ),
    TokenScope.READ: _l(
        "Read: reads through the API (GET) whatever your account may see; changes nothing."
    ),
    TokenScope.FULL: _l(
        "Full: reads and changes through the API whatever your account may. Never manages tokens."
    ),
}


def token_scopes(*scopes: str | TokenScope) -> Callable:
    """Declare which token scopes (besides ``full`` on the API) may call a view.

    On the API, ``read`` is implied for GET/HEAD; outside it, only GET/HEAD are ever allowed.
    """
    allowed = frozenset(TokenScope(s) for s in scopes) | {TokenScope.FULL}

    def decorator(view):
        view.token_scopes = allowed
        return view

    return decorator


def current_token() -> ApiToken | None:
    """The API token that authenticated this request, if any."""
    current_user._get_current_object()  # loading the user looks the token up
    return g.get("api_token")


def is_api_request() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def token_allows(token: ApiToken, view, *, method: str, api: bool) -> bool:
    """May ``token`` call ``view`` with ``method``? (The person's permissions come after.)"""
    declared = getattr(view, "token_scopes", None)
    scope = TokenScope(token.scope)
    if not api:
        return method in SAFE_METHODS and declared is not None and scope in declared
    if scope == TokenScope.FULL:
        return True
    if scope == TokenScope.READ:
        return method in SAFE_METHODS
    if declared is None or scope not in declared:
        return False
    # A check-in token works for its own edition only.
    edition = g.get("edition")
    return edition is None or edition.id == token.edition_id


def _refuse(status: int, message: str, code: str):
    # The application's handler of domain errors answers in the app-wide error format.
    refusal = DomainError(message, code=code, status_code=status)
    response = current_app.make_response(current_app.handle_user_exception(refusal))
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    else:
        response.headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
    return response


def register(app: Flask) -> None:
    def enforce_token_scope():
        """Bearer callers: 401 for a bad token, 403 where the token's scope does not reach."""
        if not is_bearer_request():
            return None
        if request.endpoint == "static":
            return None
        # Checked before routing errors are told: a token that could not call any view here
        # learns 403, not which methods or paths exist.
        token = current_token()
        if token is None:
            message = g.get("api_token_error") or _("The API token is not valid.")
            return _refuse(401, message, "invalid_token")
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if not token_allows(token, view, method=request.method, api=is_api_request()):
            return _refuse(
                403,
                _(
                    "This token's scope (%(scope)s) does not allow this request.",
                    scope=token.scope,
                ),
                "insufficient_scope",
            )
        return None

    # First of all request hooks: the credential is settled before CSRF checks, rate limits
    # and views (a bad token is a 401, not a complaint about a missing form token).
    app.before_request_funcs.setdefault(None, []).insert(0, enforce_token_scope)
