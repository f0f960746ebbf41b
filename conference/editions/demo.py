"""Demo mail (the last demo step): the mail log of 2027 has a message in every state, and the
edition's reminder settings differ a little from the defaults.

Sent confirmations, a message queued for sending, one waiting for a retry after the mail
server refused it, one that failed for good (with the SMTP error), and one account mail of
no edition (seen only in ``/admin/mail``). Idempotent: nothing is added a second time.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from conference import mail
from conference.db import utcnow
from conference.editions.models import ReminderSetting
from conference.extensions import db
from conference.mail import OutboxMessage

MARK = "[demo] "


def _message(edition, to, subject, body, template, *, minutes_ago, **state) -> None:
    message = mail.queue_rendered(to, MARK + subject, body, edition=edition, template=template)
    message.created_at = utcnow() - dt.timedelta(minutes=minutes_ago)
    message.next_attempt_at = message.created_at
    for key, value in state.items():
        setattr(message, key, value)


def seed(demo) -> None:
    edition = demo.editions[2027]
    exists = db.session.scalar(
        sa.select(OutboxMessage.id).where(OutboxMessage.subject.startswith(MARK)).limit(1)
    )
    if exists is None:
        base = current_app.config["BASE_URL"]
        now = utcnow()
        _message(
            edition,
            "attendee@demo.test",
            "Your registration for EFCRS 2027 is accredited",
            "Dear Anna Attendee,\n\nyour registration is accredited. Your badge:\n"
            f"{base}/2027/me/badge\n",
            "accreditation_accredited",
            minutes_ago=60 * 24 * 3,
            status="sent",
            attempts=1,
            sent_at=now - dt.timedelta(days=3),
        )
        _message(
            edition,
            "reviewer@demo.test",
            "Reminder: your reviews for EFCRS 2027",
            f"Dear Rita Reviewer,\n\ntwo reviews are not submitted yet.\n\n{base}/2027/review\n",
            "review_deadline_reminder",
            minutes_ago=5,
        )
        _message(
            edition,
            "speaker.delayed@demo.test",
            "Please confirm your participation in EFCRS 2027",
            f"Dear speaker,\n\nplease confirm by registering: {base}/2027/register\n",
            "submissions_confirm_reminder",
            minutes_ago=90,
            attempts=2,
            last_error="connect: [Errno 111] Connection refused",
            next_attempt_at=now + dt.timedelta(hours=2),
        )
        _message(
            edition,
            "no-such-mailbox@demo.test",
            "Your registration for EFCRS 2027 was received",
            "Dear registrant,\n\nwe have received your registration.\n",
            "accreditation_submitted",
            minutes_ago=60 * 30,
            status="failed",
            attempts=mail.MAX_ATTEMPTS,
            last_error="{'no-such-mailbox@demo.test': (550, b'5.1.1 Mailbox does not exist')}",
        )
        _message(
            None,
            "new.person@demo.test",
            "Please confirm your e-mail address",
            f"Hello,\n\nplease confirm your address: {base}/verify/(demo link, expired)\n",
            "accounts_verify",
            minutes_ago=60 * 2,
            status="sent",
            attempts=1,
            sent_at=now - dt.timedelta(hours=2),
        )
    has_setting = db.session.scalar(
        sa.select(ReminderSetting.id).where(ReminderSetting.edition_id == edition.id).limit(1)
    )
    if has_setting is None:
        db.session.add(
            ReminderSetting(
                edition_id=edition.id, kind="review_unfinished", enabled=True, days_before=5
            )
        )
    db.session.commit()
