"""The development mail catcher: a real SMTP server on 127.0.0.1 that keeps every message.

``make run`` starts it (``flask mail catcher``) beside the application and points the
application's ``MAIL_SERVER``/``MAIL_PORT`` at it, so that a newcomer receives the confirmation
mail of a sign-up with no set-up: each message is written to ``instance/mail/`` as an ``.eml``
file (any mail program opens it), and one line per message (recipient, subject, links) is
printed. It accepts mail for any address and relays nothing: never expose it beyond
127.0.0.1. The outbox pages (``/admin/mail``) show the same messages as the application sent
them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

_UNSAFE = re.compile(r"[^A-Za-z0-9@._-]+")
_LINK = re.compile(r"https?://\S+")


class CatcherHandler:
    """Writes each message to ``directory`` and tells ``report`` about it."""

    def __init__(self, directory: Path, report: Callable[[str], None] | None = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.report = report
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        message = message_from_bytes(envelope.content, policy=policy.default)
        path = self.write(message, envelope.rcpt_tos)
        if self.report is not None:
            self.report(describe(message, path))
        return "250 Message accepted for delivery"

    def write(self, message: EmailMessage, recipients: list[str]) -> Path:
        self.count += 1
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
        to = _UNSAFE.sub("_", ",".join(recipients))[:80] or "unknown"
        path = self.directory / f"{stamp}-{self.count:04d}-{to}.eml"
        path.write_bytes(message.as_bytes())
        return path


def describe(message: EmailMessage, path: Path) -> str:
    """One line or a few: who, what, where the file is, and the links of the text part."""
    lines = [f"Mail to {message['To']}: {message['Subject']}  ({path})"]
    body = message.get_body(preferencelist=("plain",))
    if body is not None:
        lines += [f"    {link}" for link in _LINK.findall(body.get_content())]
    return "\n".join(lines)


def start(directory: Path, *, host: str = "127.0.0.1", port: int = 8025, report=None) -> Controller:
    """Start the catcher in a thread; ``.stop()`` the returned controller to end it."""
    controller = Controller(CatcherHandler(directory, report), hostname=host, port=port)
    controller.start()
    return controller
