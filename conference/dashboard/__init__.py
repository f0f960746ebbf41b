"""The organisers' overview of an edition and the comparison of editions."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from conference.dashboard import views  # noqa: E402,F401
