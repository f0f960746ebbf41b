"""A mailing to a filtered group of a few hundred, delivered to a real SMTP server (aiosmtpd):
the exact recipient set, one message each, restricted details never in an uncleared person's
message, progress figures, stop and resume, refused messages retried, and nothing sent twice
when the worker is killed and restarted (inline, and RQ with Redis)."""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from conference import mail
from conference.accounts.models import Role
from conference.audit import AuditEntry
from conference.db import freeze, utcnow
from conference.extensions import db
from conference.mailings.models import Mailing, MailingState
from conference.mailings.services import sending
from tests.calendar.factories import book, make_category, make_session
from tests.conftest import free_port
from tests.factories import make_edition, make_user
from tests.mailings.factories import crowd, make_mailing, messages_of

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/3"


@pytest.fixture
def edition(app):
    return make_edition()


@pytest.fixture
def organiser(edition):
    return make_user("olga@example.org", role=Role.ORGANISER, edition=edition)


@pytest.fixture
def manual_delivery(monkeypatch):
    """Delivery is run by the test itself (inline, step by step) instead of a thread."""
    started = []
    monkeypatch.setattr(sending, "start_delivery", lambda mailing_id: started.append(mailing_id))
    return started


def _send(app, organiser, mailing) -> int:
    with app.test_request_context():
        return sending.send(organiser, mailing)


def _to_counts(inbox) -> collections.Counter:
    return collections.Counter(m["To"] for m in inbox.messages)


def _big_group(edition, size=300):
    """``size`` accredited French researchers (the group) among people who must not get it."""
    research, press = make_category(edition, "RES"), make_category(edition, "PRESS")
    group = crowd(edition, size, research, country="FR")
    crowd(edition, 40, research, country="DE")  # other country
    crowd(edition, 30, research, state="submitted", country="FR")  # not accredited
    crowd(edition, 25, press, country="FR")  # other category
    audience = {
        "kind": "registrations",
        "states": ["accredited"],
        "category_ids": [research.id],
        "countries": ["FR"],
    }
    return group, audience, research, press


def test_a_few_hundred_get_exactly_one_message_each_without_restricted_details(
    app, edition, organiser, smtp_server
):
    app.config["MAILING_RATE_PER_MINUTE"] = 0
    group, audience, research, press = _big_group(edition)
    open_session = make_session(edition, title="Opening plenary")
    cleared = make_session(edition, title="Roundtable on due diligence", restricted_to=[research])
    secret = make_session(edition, title="Closed briefing on export control", restricted_to=[press])
    for person in group[:20]:
        book(person, open_session)
        book(person, cleared)
        book(person, secret)  # a stale booking: their category is not cleared for it
    mailing = make_mailing(
        edition,
        audience,
        subject="Your programme, {{ name }}",
        body="Dear {{ name }},\n\n{{ sessions }}\n\nBadge: {{ badge_link }}\n",
        by=organiser,
    )
    assert _send(app, organiser, mailing) == 300
    from conference.jobs import wait_for_background

    assert wait_for_background(120)
    received = smtp_server.wait_for(300, timeout=30)
    counts = _to_counts(smtp_server)
    assert set(counts) == {p.email for p in group}
    assert set(counts.values()) == {1}
    assert len(received) == 300
    by_address = {m["To"]: m.get_body(preferencelist=("plain",)).get_content() for m in received}
    for person in group:
        text = by_address[person.email]
        assert f"Dear {person.full_name}," in text
        assert "Closed briefing" not in text and "export control" not in text
        assert "/2027/me/badge.pdf" in text
    for person in group[:20]:
        assert "Opening plenary" in by_address[person.email]
        assert "Roundtable on due diligence" in by_address[person.email]
    assert all("Closed briefing" not in m.text_body for m in messages_of(mailing))
    db.session.refresh(mailing)
    assert mailing.state == MailingState.SENT and mailing.finished_at is not None
    assert sending.progress(mailing) == {
        "total": 300,
        "sent": 300,
        "waiting": 0,
        "retrying": 0,
        "failed": 0,
        "percent": 100,
    }


def test_the_ordinary_outbox_run_leaves_a_mailings_messages_to_its_worker(
    app, edition, organiser, smtp_server, manual_delivery
):
    category = make_category(edition)
    crowd(edition, 5, category)
    mailing = make_mailing(edition, {"kind": "registrations"})
    _send(app, organiser, mailing)
    assert manual_delivery == [mailing.id]
    assert mail.send_pending() == (0, 0)
    assert smtp_server.messages == []
    assert sending.progress(mailing)["waiting"] == 5


def test_stop_and_resume_with_progress_figures(
    app, edition, organiser, smtp_server, manual_delivery, monkeypatch
):
    app.config["MAILING_RATE_PER_MINUTE"] = 0
    category = make_category(edition)
    people = crowd(edition, 30, category)
    mailing = make_mailing(edition, {"kind": "registrations"})
    _send(app, organiser, mailing)
    real_send = mail.send_now
    calls = []

    def send_and_stop_after_ten(message):
        calls.append(message.id)
        error = real_send(message)
        if len(calls) == 10:
            sending.stop(organiser, mailing)  # an organiser presses "Stop" meanwhile
        return error

    monkeypatch.setattr(mail, "send_now", send_and_stop_after_ten)
    assert sending.deliver(mailing.id) == 10
    db.session.refresh(mailing)
    assert mailing.state == MailingState.STOPPED
    assert sending.progress(mailing) == {
        "total": 30,
        "sent": 10,
        "waiting": 20,
        "retrying": 0,
        "failed": 0,
        "percent": 33,
    }
    assert len(smtp_server.wait_for(10)) == 10
    # A stopped mailing sends nothing, whoever runs the delivery.
    assert sending.deliver(mailing.id) == 0
    assert sending.deliver_all() == []
    assert mail.send_pending() == (0, 0)
    with app.test_request_context():
        sending.resume(organiser, mailing)
    assert manual_delivery == [mailing.id, mailing.id]
    assert sending.deliver(mailing.id) == 20
    smtp_server.wait_for(30)
    counts = _to_counts(smtp_server)
    assert set(counts) == {p.email for p in people} and set(counts.values()) == {1}
    db.session.refresh(mailing)
    assert mailing.state == MailingState.SENT
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))
    actions = [e.action for e in entries if e.action.startswith("mailing.")]
    assert actions == ["mailing.send", "mailing.stop", "mailing.resume"]


def test_stopping_an_idle_mailing_is_refused_and_changes_nothing(app, edition, organiser, login):
    mailing = make_mailing(edition, {"kind": "role", "role": "organiser"})
    response = login(organiser).post(f"/2027/admin/mailings/{mailing.id}/stop")
    assert response.status_code == 409
    assert login(organiser).post(f"/2027/admin/mailings/{mailing.id}/resume").status_code == 409
    db.session.refresh(mailing)
    assert mailing.state == MailingState.DRAFT


class _Refusing:
    """An SMTP handler that refuses the first delivery to some addresses (a 451)."""

    def __init__(self, refuse: set[str]):
        self.refuse = set(refuse)
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        from email import message_from_bytes, policy

        [to] = envelope.rcpt_tos
        with self.lock:
            if to in self.refuse:
                self.refuse.discard(to)
                return "451 Try again later"
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def test_refused_messages_are_retried_and_delivered_once(app, edition, organiser, manual_delivery):
    from aiosmtpd.controller import Controller

    app.config["MAILING_RATE_PER_MINUTE"] = 0
    category = make_category(edition)
    people = crowd(edition, 12, category)
    refused = {p.email for p in people[:3]}
    handler = _Refusing(refused)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        mailing = make_mailing(edition, {"kind": "registrations"})
        _send(app, organiser, mailing)
        assert sending.deliver(mailing.id) == 12
        figures = sending.progress(mailing)
        assert (figures["sent"], figures["retrying"], figures["waiting"]) == (9, 3, 0)
        waiting = [m for m in messages_of(mailing) if m.status == "pending"]
        assert {m.to for m in waiting} == refused
        assert all(m.attempts == 1 and "451" in m.last_error for m in waiting)
        db.session.refresh(mailing)
        assert mailing.state == MailingState.SENT  # every message handed over once
        # Not due yet; then the outbox's own retry sends them.
        assert mail.send_pending() == (0, 0)
        freeze(utcnow() + dt.timedelta(hours=1))
        assert mail.send_pending() == (3, 0)
        counts = collections.Counter(m["To"] for m in handler.messages)
        assert set(counts) == {p.email for p in people} and set(counts.values()) == {1}
        assert sending.progress(mailing)["sent"] == 12
    finally:
        controller.stop()


# --- killing the worker ----------------------------------------------------------------------


def _process_config(app, **extra) -> dict:
    config = {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_DIR": str(app.config["INSTANCE_DIR"]),
        "BADGE_KEY_DIR": str(app.config["INSTANCE_DIR"] / "badge-keys"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": app.config["MAIL_PORT"],
        "MAILING_RATE_PER_MINUTE": 600,  # 0.1 s a message: the kill lands midway
        "MAILING_STALE_SECONDS": 0,
    }
    config.update(extra)
    return config


def _start(what: str, config: dict) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.mailings.worker_process", what, json.dumps(config)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill_after(process: subprocess.Popen, inbox, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < count:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode()[-3000:])
        assert time.monotonic() < deadline, "the worker sent nothing"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    process.stderr.close()


def _assert_never_twice(mailing, inbox, emails: set[str]) -> None:
    counts = _to_counts(inbox)
    assert set(counts.values()) == {1}, "a message was sent twice"
    messages = messages_of(mailing)
    by_status = collections.defaultdict(set)
    for message in messages:
        by_status[message.status].add(message.to)
    # What the outbox says was sent is exactly what arrived; a message cut off mid-send is
    # failed as interrupted (never resent); nothing else is missing.
    interrupted = {m.to for m in messages if m.last_error == sending.INTERRUPTED}
    assert by_status["sent"] <= set(counts) <= by_status["sent"] | interrupted
    assert by_status["sent"] | interrupted == emails
    assert len(interrupted) <= 1


def test_inline_delivery_killed_and_restarted_sends_nothing_twice(
    app, edition, organiser, smtp_server, manual_delivery
):
    category = make_category(edition)
    emails = {p.email for p in crowd(edition, 60, category)}
    mailing = make_mailing(edition, {"kind": "registrations"})
    _send(app, organiser, mailing)
    mailing_id = mailing.id
    db.session.remove()
    config = _process_config(app, MAILING_ID=mailing_id)
    _kill_after(_start("deliver", config), smtp_server, 10)
    sent_before = len(smtp_server.messages)
    assert sent_before < 60
    # Restarted (as ``flask mailings deliver`` does): it finishes the rest.
    app.config["MAILING_STALE_SECONDS"] = 0
    app.config["MAILING_RATE_PER_MINUTE"] = 0
    assert sending.deliver_all() == [mailing_id]
    smtp_server.wait_for(59, timeout=10)
    mailing = db.session.get(Mailing, mailing_id)
    _assert_never_twice(mailing, smtp_server, emails)
    assert mailing.state == MailingState.SENT


def _redis_answers() -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except RedisError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="Redis does not answer on 127.0.0.1:6379")
def test_rq_worker_killed_and_restarted_sends_nothing_twice(app, edition, organiser, smtp_server):
    queue_name = f"test-mailings-{uuid.uuid4().hex[:10]}"
    app.config.update(REDIS_URL=REDIS_URL, JOBS_QUEUE=queue_name, MAILING_STALE_SECONDS=0)
    category = make_category(edition)
    emails = {p.email for p in crowd(edition, 60, category)}
    mailing = make_mailing(edition, {"kind": "registrations"})
    from conference import jobs

    queue = jobs.job_queue()
    try:
        _send(app, organiser, mailing)  # queued on Redis, not run here
        mailing_id = mailing.id
        assert queue.count == 1 and smtp_server.messages == []
        db.session.remove()
        config = _process_config(app, REDIS_URL=REDIS_URL, JOBS_QUEUE=queue_name)
        _kill_after(_start("rq", config), smtp_server, 10)
        assert len(smtp_server.messages) < 60
        # Restarted: ``flask mailings deliver --enqueue`` hands the mailing to the new worker.
        assert sending.deliver_all(enqueue=True) == [mailing_id]
        db.session.remove()
        worker = _start("rq-burst", {**config, "MAILING_RATE_PER_MINUTE": 0})
        assert worker.wait(60) == 0, worker.stderr.read().decode()[-3000:]
        worker.stderr.close()
        smtp_server.wait_for(59, timeout=10)
        mailing = db.session.get(Mailing, mailing_id)
        _assert_never_twice(mailing, smtp_server, emails)
        assert mailing.state == MailingState.SENT
    finally:
        for job_id in queue.get_job_ids():
            queue.connection.delete(f"rq:job:{job_id}")
        queue.empty()
        queue.delete(delete_jobs=True)


def test_the_cli_and_the_restart_button_continue_a_mailing_whose_worker_died(
    app, edition, organiser, smtp_server, manual_delivery, runner, login
):
    app.config["MAILING_RATE_PER_MINUTE"] = 0
    category = make_category(edition)
    people = crowd(edition, 6, category)
    mailing = make_mailing(edition, {"kind": "registrations"})
    _send(app, organiser, mailing)  # queued; the worker never ran (it died)
    assert runner.invoke(args=["mailings", "deliver"]).output == (
        f"mailing {mailing.id}: delivered\n"
    )
    assert len(smtp_server.wait_for(6)) == 6
    assert runner.invoke(args=["mailings", "deliver"]).output == "No mailing is being sent.\n"
    # A second mailing: "Restart delivery" on its page hands it to the worker again.
    second = make_mailing(edition, {"kind": "registrations"})
    _send(app, organiser, second)
    response = login(organiser).post(f"/2027/admin/mailings/{second.id}/resume")
    assert response.status_code == 303
    assert manual_delivery == [mailing.id, second.id, second.id]
    sending.deliver(second.id)
    counts = _to_counts(smtp_server)
    assert set(counts) == {p.email for p in people} and set(counts.values()) == {2}
