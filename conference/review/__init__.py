"""Programme-committee review, assignments and decisions."""

from flask import Blueprint

bp = Blueprint("review", __name__)


# Modules imported by create_app once every package is importable: the routes, and the
# signal handlers (``reactions``), which connect themselves on import.
VIEWS = ("views", "committee_views", "editor_views", "reactions", "reminders")
