"""Accreditation: categories, registrations and the organisers' queue."""

from flask import Blueprint

bp = Blueprint("accreditation", __name__)
from conference.accreditation import views  # noqa: E402,F401
