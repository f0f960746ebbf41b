"""Programme: rooms, tracks, sessions, restricted access and bookings."""

from flask import Blueprint
from flask_login import current_user

from conference.programme import reactions  # noqa: F401 (connects the signal handlers)
from conference.programme.services import agenda_entries

bp = Blueprint("programme", __name__)


@bp.record_once
def _register_template_globals(state) -> None:
    """``my_agenda(edition)`` for the attendee's page (``templates/programme/_me.html``)."""
    state.app.jinja_env.globals["my_agenda"] = lambda edition: agenda_entries(current_user, edition)


from conference.programme import reactions  # noqa: E402,F401 (connects its signal handlers)

# Modules with the routes, imported by create_app once every package is importable.
VIEWS = ("views",)

# Signal handlers, connected on import (last: they import this area's modules).
from conference.programme import reactions  # noqa: E402, F401
