"""The mail log: what the outbox holds, for organisers (their edition) and site admins (all).

Reading, searching and filtering the outbox, resending one message and retrying the failed
ones. Sending itself stays in ``conference.mail``; a resent or retried message goes through
the outbox like any other, so the log shows it too.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_pgettext

from conference import audit
from conference.db import utcnow
from conference.errors import NotFound
from conference.extensions import db
from conference.mail import OutboxMessage, queue_rendered

# What a person sees of a message's state (the filter's values), and which rows each means.
STATES = {
    "queued": lazy_pgettext("mail state", "Queued"),
    "retrying": lazy_pgettext("mail state", "Queued, retrying"),
    "sent": lazy_pgettext("mail state", "Sent"),
    "failed": lazy_pgettext("mail state", "Failed"),
}


# The links of mails that carry a secret (a signed token): whoever holds one can confirm an
# address, set a password, answer an invitation or nomination, or read a personal calendar.
_SECRET_LINK = re.compile(
    r"(/(?:verify|reset-password|nomination|invitations)/)[^\s/\"'<>?&]+"
    r"|(/calendar/)[^\s/\"'<>?&]+(\.ics)"
)


def hide_secret_links(text: str) -> str:
    """``text`` with the token of every secret link replaced by ``[hidden]`` (the mail log in
    production shows what was sent without handing its readers other people's links)."""
    return _SECRET_LINK.sub(
        lambda m: (m.group(1) or m.group(2)) + "[hidden]" + (m.group(3) or ""), text or ""
    )


def state_of(message: OutboxMessage) -> str:
    """``queued``, ``retrying`` (queued after failed attempts), ``sent`` or ``failed``."""
    if message.status == "pending":
        return "retrying" if message.attempts else "queued"
    return message.status


def _state_condition(state: str):
    return {
        "queued": sa.and_(OutboxMessage.status == "pending", OutboxMessage.attempts == 0),
        "retrying": sa.and_(OutboxMessage.status == "pending", OutboxMessage.attempts > 0),
        "sent": OutboxMessage.status == "sent",
        "failed": OutboxMessage.status == "failed",
    }[state]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(
    edition=None,
    *,
    state: str | None = None,
    query: str | None = None,
    template: str | None = None,
    to: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[OutboxMessage], int]:
    """One page of the log, newest first, and the number of matching messages.

    ``edition`` None is every message (site administrators); ``query`` looks in the
    recipient and the subject; ``to`` is one exact address (a person's mail)."""
    stmt = sa.select(OutboxMessage)
    if edition is not None:
        stmt = stmt.where(OutboxMessage.edition_id == edition.id)
    if state:
        stmt = stmt.where(_state_condition(state))
    if query:
        pattern = _like(query.strip().lower())
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(OutboxMessage.to).like(pattern, escape="\\"),
                sa.func.lower(OutboxMessage.subject).like(pattern, escape="\\"),
            )
        )
    if template:
        stmt = stmt.where(OutboxMessage.template == template)
    if to:
        stmt = stmt.where(sa.func.lower(OutboxMessage.to) == to.strip().lower())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(
        stmt.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    )
    return list(rows), total


def templates_used(edition=None) -> list[str]:
    """The kinds of mail (template names) in the log, for the filter."""
    stmt = sa.select(OutboxMessage.template).distinct().where(OutboxMessage.template != "")
    if edition is not None:
        stmt = stmt.where(OutboxMessage.edition_id == edition.id)
    return sorted(db.session.scalars(stmt))


def get_message(message_id: int, edition=None) -> OutboxMessage:
    """The message, if it belongs to ``edition`` (any message when ``edition`` is None)."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or (edition is not None and message.edition_id != edition.id):
        raise NotFound(_("There is no such message."))
    return message


def messages_to(address: str, edition) -> list[OutboxMessage]:
    """The mail sent (or waiting) to ``address`` for ``edition``, newest first."""
    if not address:
        return []
    messages, _total = search(edition, to=address, per_page=200)
    return messages


def resend(message: OutboxMessage, *, actor=None) -> OutboxMessage:
    """Queue the message again, exactly as it was sent (a new entry in the log)."""
    copy = queue_rendered(
        message.to,
        message.subject,
        message.text_body,
        message.html_body,
        edition=message.edition_id,
        template=message.template,
    )
    db.session.flush()
    audit.record(
        actor,
        "mail.resend",
        copy,
        edition=message.edition_id,
        email=message.to,
        subject=message.subject,
        resent_message=message.id,
    )
    return copy


def retry(edition=None, *, ids: list[int] | None = None, actor=None) -> int:
    """Put failed messages (of ``edition``, or only ``ids``) back in the queue, due now.

    A retried message keeps its attempts; one more failure marks it failed again."""
    stmt = sa.select(OutboxMessage).where(OutboxMessage.status == "failed")
    if edition is not None:
        stmt = stmt.where(OutboxMessage.edition_id == edition.id)
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    messages = list(db.session.scalars(stmt))
    now = utcnow()
    for message in messages:
        message.status = "pending"
        message.next_attempt_at = now
    if messages:
        audit.record(
            actor,
            "mail.retry",
            None,
            edition=edition,
            count=len(messages),
        )
    return len(messages)
