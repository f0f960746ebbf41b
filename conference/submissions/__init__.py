"""The call for abstracts and speakers' submissions."""

from flask import Blueprint

bp = Blueprint("submissions", __name__)
