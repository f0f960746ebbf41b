"""Programme: rooms, tracks, sessions, restricted access and bookings."""

from flask import Blueprint

bp = Blueprint("programme", __name__)


# Modules imported by create_app once every package is importable: the routes, and the
# signal handlers (``reactions``), which connect themselves on import.
VIEWS = (
    "views",
    "agenda_views",
    "contribution_views",
    "release_views",
    "speaking_views",
    "reactions",
    "material_views",
    "speaker_reactions",
)
