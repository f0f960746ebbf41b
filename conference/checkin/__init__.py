"""Check-in at the venue and session doors, and the staff scanner."""

from flask import Blueprint

bp = Blueprint("checkin", __name__)

# Modules imported by create_app once every package is importable: the routes, and the
# signal handlers (``reactions``), which connect themselves on import.
VIEWS = ("views", "reactions")
