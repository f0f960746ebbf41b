"""The JSON API under /api/v1, described by the OpenAPI document at /api/v1/openapi.json."""

from flask import Blueprint, request
from flask_login import current_user

from conference.accounts.scopes import current_token
from conference.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def protect_cookie_writes():
    """Calls authenticated by a valid Bearer token need no CSRF token; calls riding on a
    session cookie do.

    Only a token that did authenticate the request lifts the check: a Bearer header with a
    bad token has already been answered 401 (``accounts.scopes``), and the cookie is never
    used for a Bearer call. An anonymous call carries no ambient authority to abuse: it goes
    on to the view, which answers 401 where a login is needed.
    """
    if request.method in {"GET", "HEAD", "OPTIONS"} or current_token() is not None:
        return
    if current_user.is_authenticated:
        csrf.protect()


# Modules with the routes (and signal handlers), imported by create_app once every
# package is importable.
VIEWS = (
    "accounts",
    "checkin",
    "editions",
    "openapi",
    "programme",
    "submissions",
    "review",
    "accreditation",
    "agenda",
)
