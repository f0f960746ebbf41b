"""QR badges: signing, PDF rendering and the organisers' badge pages."""

from flask import Blueprint

bp = Blueprint("badges", __name__)

# Modules with the routes, imported by create_app once every package is importable.
VIEWS = ("views",)

from conference.badges import reactions  # noqa: E402, F401  (connects the signal handlers)
