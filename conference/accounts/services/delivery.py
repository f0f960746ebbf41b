"""What became of the mail a page just queued (the page after sign-up says it truthfully).

Mail is sent after the request, by the worker or this process's background thread; the page
may wait a moment (``SIGNUP_MAIL_WAIT`` seconds) for that first attempt, then reports what
the outbox says: sent, queued and not yet tried, or queued after a failed attempt.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import current_app, g

from conference.extensions import db
from conference.jobs import in_background
from conference.mail import OutboxMessage


def queued_in_this_request() -> list[int]:
    """The outbox ids of the messages this request queued (after the commit)."""
    return [m.id for m in g.get("queued_messages", []) if m.id is not None]


def delivery_state(ids: list[int]) -> str | None:
    """``sent`` (all sent), ``failed`` (one could not be delivered yet: an attempt failed),
    ``queued`` (waiting for its first attempt), or None when there is no such message."""
    if not ids:
        return None
    rows = db.session.execute(
        sa.select(OutboxMessage.status, OutboxMessage.attempts).where(OutboxMessage.id.in_(ids))
    ).all()
    if not rows:
        return None
    if all(status == "sent" for status, _attempts in rows):
        return "sent"
    if any(status != "sent" and attempts for status, attempts in rows):
        return "failed"
    return "queued"


def send_and_wait(ids: list[int]) -> str | None:
    """Start sending now and wait up to ``SIGNUP_MAIL_WAIT`` seconds for the first attempt;
    the state then (see ``delivery_state``). Without sending after requests, no wait."""
    state = delivery_state(ids)
    config = current_app.config
    if state != "queued" or not config["MAIL_SEND_AFTER_REQUEST"]:
        return state
    in_background("conference.mail.send_pending")
    g.mail_queued = False  # handed over already: the after-request hook need not do it again
    deadline = time.monotonic() + float(config["SIGNUP_MAIL_WAIT"])
    while state == "queued" and time.monotonic() < deadline:
        time.sleep(0.1)
        db.session.expire_all()
        state = delivery_state(ids)
    return state
