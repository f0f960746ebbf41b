"""Writing, sending, stopping and resuming a mailing, and delivering it at a rate.

Sending renders one message per recipient and queues them all in the outbox in one
transaction, with the status ``held``: the ordinary outbox run (``mail.send_pending``) leaves
them alone, and ``deliver`` — run by the worker (RQ with Redis, this process's background
thread without) — sends them one by one at ``MAILING_RATE_PER_MINUTE``.

Never twice: ``deliver`` claims a message (``held`` → ``sending``, committed) before handing it
to the SMTP server and records the answer right after. A worker killed in between leaves the
message ``sending``; the next run (after ``MAILING_STALE_SECONDS``) marks it failed with a note
that it may or may not have arrived, instead of sending it again. A message the server refuses
goes to the ordinary outbox retry (``pending`` with a back-off; ``failed`` after
``mail.MAX_ATTEMPTS``). Stopping puts the not yet delivered messages back on hold.
"""

from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from conference import audit, jobs, mail
from conference.db import utcnow
from conference.editions.models import Edition
from conference.errors import DomainError, NotFound
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.mailings.models import Mailing, MailingMessage, MailingState
from conference.mailings.services import groups, placeholders

HELD = "held"
SENDING = "sending"
INTERRUPTED = (
    "Delivery was interrupted (the worker stopped while sending): the message may or may not "
    "have arrived, so it was not sent again."
)
DELIVER_JOB = "conference.mailings.services.sending.deliver"


def get_mailing(edition: Edition, mailing_id: int) -> Mailing:
    mailing = db.session.get(Mailing, mailing_id)
    if mailing is None or mailing.edition_id != edition.id:
        raise NotFound(_("There is no such mailing."))
    return mailing


def list_mailings(edition: Edition, kinds=None) -> list[Mailing]:
    stmt = (
        sa.select(Mailing)
        .where(Mailing.edition_id == edition.id)
        .order_by(Mailing.created_at.desc(), Mailing.id.desc())
    )
    mailings = list(db.session.scalars(stmt))
    if kinds is not None:
        mailings = [m for m in mailings if (m.audience or {}).get("kind") in kinds]
    return mailings


def save_draft(
    actor, edition: Edition, subject: str, body: str, audience: dict, mailing: Mailing | None
) -> Mailing:
    """Create or change a draft (the caller has checked the actor may write to this kind)."""
    if mailing is not None and mailing.state != MailingState.DRAFT:
        raise DomainError(
            _("This mailing has been sent and can no longer be changed."), status_code=409
        )
    audience = groups.normalise(audience)
    subject, body = placeholders.check_template(edition, subject, body)
    if mailing is None:
        mailing = Mailing(edition_id=edition.id, created_by_id=getattr(actor, "id", None))
        db.session.add(mailing)
    mailing.subject, mailing.body, mailing.audience = subject, body, audience
    db.session.flush()
    audit.record(actor, "mailing.save", mailing, edition=edition, title=subject)
    db.session.commit()
    return mailing


def delete_draft(actor, mailing: Mailing) -> None:
    if mailing.state != MailingState.DRAFT:
        raise DomainError(_("Only a draft can be deleted."), status_code=409)
    audit.record(actor, "mailing.delete", mailing, title=mailing.subject)
    db.session.delete(mailing)
    db.session.commit()


def preview(mailing: Mailing, recipient: groups.Recipient) -> tuple[str, str]:
    edition = mailing_edition(mailing)
    return placeholders.render_for(edition, mailing.subject, mailing.body, recipient)


def mailing_edition(mailing: Mailing) -> Edition:
    return db.session.get(Edition, mailing.edition_id)


def send_test(actor, mailing: Mailing, recipient: groups.Recipient) -> OutboxMessage:
    """The message ``recipient`` would get, sent to the actor's own address, marked as a test."""
    subject, text = preview(mailing, recipient)
    message = mail.queue_rendered(
        actor.email,
        _("[Test] %(subject)s", subject=subject),
        text,
        edition=mailing.edition_id,
        template="mailing_test",
    )
    audit.record(actor, "mailing.test", mailing, email=actor.email)
    db.session.commit()
    return message


def send(actor, mailing: Mailing) -> int:
    """Queue one message per recipient (one transaction) and start delivery; the count."""
    edition = mailing_edition(mailing)
    claimed = db.session.execute(
        sa.update(Mailing)
        .where(Mailing.id == mailing.id, Mailing.state == MailingState.DRAFT)
        .values(state=MailingState.SENDING, queued_at=utcnow())
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise DomainError(_("This mailing has already been sent."), status_code=409)
    recipients = groups.recipients(edition, mailing.audience)
    if not recipients:
        db.session.rollback()
        raise DomainError(_("The mailing has no recipients."), status_code=409)
    for recipient in recipients:
        subject, text = placeholders.render_for(edition, mailing.subject, mailing.body, recipient)
        message = mail.queue_rendered(
            recipient.to, subject, text, edition=edition, template="mailing"
        )
        message.status = HELD
        db.session.flush()
        db.session.add(
            MailingMessage(
                mailing_id=mailing.id,
                outbox_id=message.id,
                to=recipient.to,
                name=recipient.name[:200],
                user_id=recipient.user_id,
            )
        )
    db.session.flush()
    db.session.refresh(mailing)
    mailing.recipient_count = len(recipients)
    audit.record(
        actor,
        "mailing.send",
        mailing,
        edition=edition,
        total=len(recipients),
        title=mailing.subject,
    )
    db.session.commit()
    start_delivery(mailing.id)
    return len(recipients)


def start_delivery(mailing_id: int) -> str:
    """Hand delivery to the worker (RQ) or this process's background thread."""
    return jobs.in_background(DELIVER_JOB, mailing_id)


def _messages(mailing_id: int):
    return sa.select(MailingMessage.outbox_id).where(MailingMessage.mailing_id == mailing_id)


def stop(actor, mailing: Mailing) -> None:
    """Pause delivery: what is not delivered yet waits (retries included) until resumed."""
    stopped = db.session.execute(
        sa.update(Mailing)
        .where(Mailing.id == mailing.id, Mailing.state == MailingState.SENDING)
        .values(state=MailingState.STOPPED)
    ).rowcount
    if stopped != 1:
        db.session.rollback()
        raise DomainError(_("This mailing is not being sent."), status_code=409)
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(_messages(mailing.id)), OutboxMessage.status == "pending")
        .values(status=HELD)
    )
    audit.record(actor, "mailing.stop", mailing, **_audit_figures(mailing))
    db.session.commit()


def resume(actor, mailing: Mailing) -> None:
    """Continue a stopped mailing (or one whose worker died) where it was."""
    resumed = db.session.execute(
        sa.update(Mailing)
        .where(
            Mailing.id == mailing.id,
            Mailing.state.in_([MailingState.STOPPED, MailingState.SENDING]),
        )
        .values(state=MailingState.SENDING)
    ).rowcount
    if resumed != 1:
        db.session.rollback()
        raise DomainError(_("This mailing is not stopped."), status_code=409)
    audit.record(actor, "mailing.resume", mailing, **_audit_figures(mailing))
    db.session.commit()
    start_delivery(mailing.id)


def _audit_figures(mailing: Mailing) -> dict[str, int]:
    figures = progress(mailing)
    return {"total": figures["total"], "done": figures["sent"], "failed": figures["failed"]}


def progress(mailing: Mailing) -> dict[str, int]:
    """Counts of the mailing's messages: total, sent, waiting (not tried yet or being sent),
    retrying (refused once, will be tried again), failed (given up or interrupted)."""
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.id.in_(_messages(mailing.id)))
        .group_by(OutboxMessage.status)
    ).all()
    counts = dict(rows)
    total = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MailingMessage)
        .where(MailingMessage.mailing_id == mailing.id)
    )
    result = {
        "total": total or 0,
        "sent": counts.get("sent", 0),
        "waiting": counts.get(HELD, 0) + counts.get(SENDING, 0),
        "retrying": counts.get("pending", 0),
        "failed": counts.get("failed", 0),
    }
    result["percent"] = round(100 * result["sent"] / result["total"]) if result["total"] else 0
    return result


def recipient_states(mailing: Mailing) -> list[tuple[MailingMessage, OutboxMessage | None]]:
    """Each recipient of a sent mailing with its outbox message (state, error)."""
    rows = db.session.execute(
        sa.select(MailingMessage, OutboxMessage)
        .outerjoin(OutboxMessage, OutboxMessage.id == MailingMessage.outbox_id)
        .where(MailingMessage.mailing_id == mailing.id)
        .order_by(MailingMessage.id)
    )
    return [(row[0], row[1]) for row in rows]


# --- the worker's side -----------------------------------------------------------------------


def _recover_interrupted(mailing_id: int) -> int:
    """Messages left ``sending`` by a worker that died: failed, never sent again."""
    stale = utcnow() - dt.timedelta(seconds=current_app.config["MAILING_STALE_SECONDS"])
    count = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(_messages(mailing_id)),
            OutboxMessage.status == SENDING,
            OutboxMessage.next_attempt_at <= stale,
        )
        .values(status="failed", last_error=INTERRUPTED)
    ).rowcount
    db.session.commit()
    return count


def _claim_next(mailing_id: int) -> OutboxMessage | None:
    """The next held message of the mailing, claimed for this worker (committed); None when
    nothing is held or the mailing is no longer being sent (stopped meanwhile)."""
    sending_now = sa.exists().where(Mailing.id == mailing_id, Mailing.state == MailingState.SENDING)
    while True:
        message_id = db.session.scalar(
            sa.select(OutboxMessage.id)
            .where(
                OutboxMessage.id.in_(_messages(mailing_id)),
                OutboxMessage.status == HELD,
                sending_now,
            )
            .order_by(OutboxMessage.id)
            .limit(1)
        )
        if message_id is None:
            db.session.commit()
            return None
        claimed = db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == HELD, sending_now)
            .values(status=SENDING, next_attempt_at=utcnow())
        ).rowcount
        if claimed == 1:
            message = db.session.get(OutboxMessage, message_id)
            db.session.commit()
            return message
        db.session.commit()


def _record(message: OutboxMessage, error: str | None) -> None:
    now = utcnow()
    message.attempts += 1
    if error is None:
        message.status = "sent"
        message.sent_at = now
        message.last_error = ""
    else:
        message.last_error = error[:2000]
        delay = min(2**message.attempts * 30, 6 * 3600)
        message.next_attempt_at = now + dt.timedelta(seconds=delay)
        message.status = "failed" if message.attempts >= mail.MAX_ATTEMPTS else "pending"
    db.session.commit()


def _finish_if_done(mailing_id: int) -> None:
    left = db.session.scalar(
        sa.select(sa.func.count()).where(
            OutboxMessage.id.in_(_messages(mailing_id)),
            OutboxMessage.status.in_([HELD, SENDING]),
        )
    )
    if not left:
        db.session.execute(
            sa.update(Mailing)
            .where(Mailing.id == mailing_id, Mailing.state == MailingState.SENDING)
            .values(state=MailingState.SENT, finished_at=utcnow())
        )
    db.session.commit()


def deliver(mailing_id: int) -> int:
    """Send the mailing's held messages at the configured rate; the number tried.

    Stops when the mailing is stopped or done; after ``MAILING_JOB_SECONDS`` it hands the
    rest to a new job so that one mailing does not hold a worker for hours."""
    config = current_app.config
    rate = config["MAILING_RATE_PER_MINUTE"]
    interval = 60.0 / rate if rate and rate > 0 else 0.0
    started = time.monotonic()
    _recover_interrupted(mailing_id)
    sent = 0
    while True:
        if time.monotonic() - started > config["MAILING_JOB_SECONDS"]:
            start_delivery(mailing_id)
            return sent
        before = time.monotonic()
        message = _claim_next(mailing_id)
        if message is None:
            break
        _record(message, mail.send_now(message))
        sent += 1
        wait = interval - (time.monotonic() - before)
        if wait > 0:
            time.sleep(wait)
    _finish_if_done(mailing_id)
    return sent


def deliver_all(enqueue: bool = False) -> list[int]:
    """Deliver (or, with ``enqueue``, hand to the worker) every mailing being sent: for cron
    and after a worker was stopped or killed. The ids of those mailings."""
    ids = list(
        db.session.scalars(
            sa.select(Mailing.id).where(Mailing.state == MailingState.SENDING).order_by(Mailing.id)
        )
    )
    db.session.commit()
    for mailing_id in ids:
        if enqueue:
            start_delivery(mailing_id)
        else:
            deliver(mailing_id)
    return ids
