"""QR badges: signing, PDF rendering and the organisers' badge pages."""

from flask import Blueprint

bp = Blueprint("badges", __name__)
