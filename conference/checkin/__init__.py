"""Check-in at the venue and session doors, and the staff scanner."""

from flask import Blueprint

bp = Blueprint("checkin", __name__)

# Modules with the routes, imported by create_app once every package is importable.
VIEWS = ("views",)

# Signal handlers, connected on import (last: they import this area's modules).
from conference.checkin import reactions  # noqa: E402, F401
