"""QR badges: signing, PDF rendering and the organisers' badge pages."""

from flask import Blueprint

bp = Blueprint("badges", __name__)

# Modules imported by create_app once every package is importable: the routes, and the
# signal handlers (``reactions``), which connect themselves on import.
VIEWS = ("views", "reactions")
