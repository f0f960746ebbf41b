"""The call for abstracts and speakers' submissions."""

from flask import Blueprint
from flask_login import current_user

from conference.submissions import services

bp = Blueprint("submissions", __name__)


@bp.app_template_global("my_submissions")
def my_submissions_global(edition):
    """The current user's submissions in ``edition`` for the /<year>/me summary:
    a list of (submission, role, status label)."""
    return [
        (submission, role, services.status_label(submission))
        for submission, role in services.my_submissions(current_user, edition)
    ]


_STATUS_CSS = {
    "Withdrawn": "withdrawn",
    "Draft (not submitted)": "draft",
    "Submitted – under review": "pending",
    "Accepted": "accepted",
    "Not accepted": "rejected",
    "On the waiting list": "waitlisted",
}


@bp.app_template_global("submission_status")
def submission_status_global(submission):
    """{"label", "css"} of the state a speaker may see (no unpublished decision)."""
    label = services.status_label(submission)
    return {"label": label, "css": _STATUS_CSS.get(label, "pending")}


from conference.submissions import reactions  # noqa: E402,F401 (connects its signal handlers)

# Modules with the routes, imported by create_app once every package is importable.
VIEWS = ("views",)

# Signal handlers, connected on import (last: they import this area's modules).
from conference.submissions import reactions  # noqa: E402, F401
