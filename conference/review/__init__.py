"""Programme-committee review, assignments and decisions."""

from flask import Blueprint

bp = Blueprint("review", __name__)
