"""The JSON API under /api/v1, described by the OpenAPI document at /api/v1/openapi.json."""

from flask import Blueprint, request

from conference.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def protect_cookie_writes():
    """Bearer-token calls need no CSRF token; calls riding on a session cookie do.

    An anonymous call carries no ambient authority to abuse: it goes on to the view, which
    answers 401 where a login is needed (not a misleading 400 about a form token).
    """
    from flask_login import current_user

    from conference.accounts import is_bearer_request

    if request.method in {"GET", "HEAD", "OPTIONS"} or is_bearer_request():
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
)
