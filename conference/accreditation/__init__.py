"""Accreditation: categories, registrations and the organisers' queue."""

from flask import Blueprint

bp = Blueprint("accreditation", __name__)


# Modules imported by create_app once every package is importable: the routes, and the
# signal handlers (``reactions``), which connect themselves on import.
VIEWS = (
    "views",
    "reactions",
    "question_views",
    "question_reactions",
    "reminders",
    "waitlist_reactions",
    "invitation_views",
)
