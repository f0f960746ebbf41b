"""QR badges: signing, PDF rendering and the organisers' badge pages."""

from flask import Blueprint

bp = Blueprint("badges", __name__)

from conference.badges import services, views  # noqa: E402,F401
