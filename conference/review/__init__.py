"""Programme-committee review, assignments and decisions."""

from flask import Blueprint

bp = Blueprint("review", __name__)

from conference.review import views  # noqa: E402,F401
