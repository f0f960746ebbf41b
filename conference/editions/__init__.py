"""Editions: the home page, each edition's landing page and its settings."""

from flask import Blueprint

bp = Blueprint("editions", __name__)

from conference.editions import clone_views, views  # noqa: E402,F401
