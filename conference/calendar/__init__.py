"""Calendar feeds (.ics) and schedule exports (schedule.json, schedule.xml)."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)

# Modules imported by create_app once every package is importable: the routes, and the
# signal handlers (``reactions``), which connect themselves on import.
VIEWS = ("views", "private_views", "reactions")
