"""Calendar feeds (.ics) and schedule exports (schedule.json, schedule.xml)."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)

# Modules with the routes (and the template globals), imported by create_app once every
# package is importable.
VIEWS = ("views",)

# Signal handlers, connected on import (last: they import this area's modules).
from conference.calendar import reactions  # noqa: E402, F401
