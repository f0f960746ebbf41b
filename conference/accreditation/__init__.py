"""Accreditation: categories, registrations and the organisers' queue."""

from flask import Blueprint

bp = Blueprint("accreditation", __name__)
