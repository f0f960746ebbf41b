"""The organisers' overview of an edition and the comparison of editions."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

# Modules with the routes, imported by create_app once every package is importable.
VIEWS = ("views",)
