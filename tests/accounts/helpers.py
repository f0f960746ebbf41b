"""Small helpers for the accounts tests: the outbox and links in mails."""

from __future__ import annotations

import re

import sqlalchemy as sa

from conference.audit import AuditEntry
from conference.extensions import db
from conference.mail import OutboxMessage


def outbox(to: str | None = None, template: str | None = None) -> list[OutboxMessage]:
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if to:
        stmt = stmt.where(OutboxMessage.to == to)
    if template:
        stmt = stmt.where(OutboxMessage.template == template)
    return list(db.session.scalars(stmt))


def link_in(message: OutboxMessage) -> str:
    """The first http(s) link in the text body that carries a token."""
    links = re.findall(r"https?://\S+", message.text_body)
    for link in links:
        if "/verify/" in link or "/reset-password/" in link:
            return link
    raise AssertionError(f"no token link in {message.text_body!r}")


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
