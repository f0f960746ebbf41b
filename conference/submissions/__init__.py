"""The call for abstracts and speakers' submissions."""

from flask import Blueprint

bp = Blueprint("submissions", __name__)


# Modules imported by create_app once every package is importable: the routes, and the
# signal handlers (``reactions``), which connect themselves on import.
VIEWS = ("views", "reactions", "speaker_views", "reminders")
