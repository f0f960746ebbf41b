"""The organisers' overview of an edition and the comparison of editions."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
