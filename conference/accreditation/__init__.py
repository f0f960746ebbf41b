"""Accreditation: categories, registrations and the organisers' queue."""

from flask import Blueprint

bp = Blueprint("accreditation", __name__)

# Modules with the routes, imported by create_app once every package is importable.
VIEWS = ("views",)
