"""Mailings: organisers (and chairs, to speakers and reviewers) write to a group of people.

``models`` holds a mailing and its messages, ``services`` the rules (choosing the group,
rendering each person's message, queueing, delivering at a rate, stopping and resuming),
``views`` the organiser pages under ``/<year>/admin/mailings``.
"""

from flask import Blueprint

bp = Blueprint("mailings", __name__)

VIEWS = ("views",)
