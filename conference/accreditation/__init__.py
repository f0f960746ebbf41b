"""Accreditation: categories, registrations and the organisers' queue."""

from flask import Blueprint

bp = Blueprint("accreditation", __name__)

from conference.accreditation import reactions  # noqa: E402,F401 (connects its signal handlers)

# Modules with the routes, imported by create_app once every package is importable.
VIEWS = ("views",)
