"""Calendar feeds (.ics) and schedule exports (schedule.json, schedule.xml)."""

from flask import Blueprint
from flask_login import current_user

bp = Blueprint("calendar", __name__)


@bp.app_template_global()
def my_calendar():
    """The logged-in person's feed link for templates (``calendar/_me.html``), or None.

    A dict with ``url`` (https), ``webcal`` (for one-click subscription), ``created_at`` and
    ``last_used_at``; ``broken`` is True when the link must be regenerated (the secret key
    changed since it was made).
    """
    from conference.calendar import services

    record = services.calendar_token(current_user)
    if record is None:
        return None
    token = services.feed_token(current_user, record)
    return {
        "url": services.personal_feed_url(token) if token else None,
        "webcal": services.personal_feed_url(token, webcal=True) if token else None,
        "created_at": record.created_at,
        "last_used_at": record.last_used_at,
        "broken": token is None,
    }


@bp.app_template_global()
def my_calendar_url() -> str | None:
    """The logged-in person's personal feed URL, or None when they have none."""
    info = my_calendar()
    return info["url"] if info else None


# Modules with the routes, imported by create_app once every package is importable.
VIEWS = ("views",)

# Signal handlers, connected on import (last: they import this area's modules).
from conference.calendar import reactions  # noqa: E402, F401
