"""QR badges: signing, PDF rendering and the organisers' badge pages."""

from flask import Blueprint

bp = Blueprint("badges", __name__)

# Modules with the routes (and signal handlers), imported by create_app once every
# package is importable.
VIEWS = (
    "services",
    "views",
)

# Signal handlers, connected on import (last: they import this area's modules).
from conference.badges import reactions  # noqa: E402, F401
