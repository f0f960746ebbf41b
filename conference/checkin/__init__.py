"""Check-in at the venue and session doors, and the staff scanner."""

from flask import Blueprint

bp = Blueprint("checkin", __name__)

from conference.checkin import views  # noqa: E402,F401
