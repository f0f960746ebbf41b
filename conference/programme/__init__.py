"""Programme: rooms, tracks, sessions, restricted access and bookings."""

from flask import Blueprint

bp = Blueprint("programme", __name__)
