"""Programme-committee review, assignments and decisions."""

from flask import Blueprint

from conference.review import reactions  # noqa: F401  (connects review's signal handlers)

bp = Blueprint("review", __name__)

from conference.review import reactions  # noqa: E402,F401 (connects its signal handlers)

# Modules with the routes, imported by create_app once every package is importable.
VIEWS = ("views",)

# Signal handlers, connected on import (last: they import this area's modules).
from conference.review import reactions  # noqa: E402, F401
