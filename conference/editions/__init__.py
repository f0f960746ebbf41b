"""Editions: the home page, each edition's landing page and its settings."""

from flask import Blueprint

bp = Blueprint("editions", __name__)


# Modules with the routes (and signal handlers), imported by create_app once every
# package is importable.
VIEWS = (
    "clone_views",
    "views",
    "mail_views",
    "lookups",  # hands accounts its look-ups
)
