"""Redis down or hung, a mail server that never answers: logins, sign-ups and every other
request keep working and stay fast; the mail stays in the outbox and goes out later."""

from __future__ import annotations

import logging
import smtplib
import threading
import time

import pytest
import sqlalchemy as sa

from conference import jobs
from conference.mail import OutboxMessage, send_pending
from tests.factories import PASSWORD, make_user
from tests.hardening.faults import REDIS_SERVER, RedisServer, SilentServer

pytestmark = pytest.mark.skipif(
    not __import__("os").path.exists(REDIS_SERVER), reason="redis-server is not installed"
)


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def redis_app(make_app):
    """``redis_app(url)``: an app whose rate limits and jobs use the Redis at ``url``."""

    def _make(url: str, **overrides):
        return make_app(
            REDIS_URL=url,
            RATELIMIT_STORAGE_URI=url,
            RATELIMIT_ENABLED=True,
            JOBS_QUEUE="resilience-test",
            **overrides,
        )

    return _make


def _signup(client, n: int):
    return client.post(
        "/signup",
        data={"full_name": f"Person {n}", "email": f"person{n}@example.org", "password": PASSWORD},
    )


def _login(client, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_login_and_signup_work_after_redis_stops(app, db, redis_server, redis_app, caplog):
    make_user("known@example.org")
    served = redis_app(redis_server.url)
    client = served.test_client()
    assert _signup(client, 1).status_code == 200
    assert _login(client, "known@example.org").status_code == 302
    redis_server.stop()
    caplog.set_level(logging.WARNING)
    other = served.test_client()
    response, seconds = _timed(lambda: _login(other, "known@example.org"))
    assert response.status_code == 302  # logged in, not a 500
    assert seconds < 3
    response, seconds = _timed(lambda: _signup(served.test_client(), 2))
    assert response.status_code == 200
    assert "Check your e-mail" in response.get_data(as_text=True)
    assert seconds < 3
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
    emails = set(db.session.scalars(sa.select(OutboxMessage.to)))
    assert {"person1@example.org", "person2@example.org"} <= emails


def test_limits_still_count_in_memory_while_redis_is_down(app, db, redis_app):
    """The fallback is a limit, not a hole: failed logins are still refused past the limit."""
    make_user("victim@example.org")
    served = redis_app("redis://127.0.0.1:1/0", LOGIN_RATE_LIMIT="3 per minute")
    client = served.test_client()
    statuses = [_login(client, "victim@example.org", "guess").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_hung_redis_costs_a_request_at_most_its_short_timeout(
    app, db, silent_server, redis_app, smtp_server
):
    make_user("known@example.org")
    url = f"redis://127.0.0.1:{silent_server.port}/0"
    served = redis_app(
        url,
        MAIL_SEND_AFTER_REQUEST=True,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
    )
    assert served.config["REDIS_TIMEOUT"] <= 0.5
    response, seconds = _timed(lambda: _login(served.test_client(), "known@example.org"))
    assert response.status_code == 302
    assert seconds < 2.5
    # Sign-up queues mail: the queue does not answer, the mail goes by the background thread.
    response, seconds = _timed(lambda: _signup(served.test_client(), 3))
    assert response.status_code == 200
    assert seconds < 2.5
    [received] = smtp_server.wait_for(1, timeout=10)
    assert received["To"] == "person3@example.org"
    with served.app_context():
        assert jobs.wait_for_background(10)  # its database connection is back in the pool


def test_enqueue_to_a_hung_redis_falls_back_to_the_thread(app, db, silent_server, smtp_server):
    app.config.update(REDIS_URL=f"redis://127.0.0.1:{silent_server.port}/0")
    from conference import mail

    mail.queue_rendered("late@example.org", "Hello", "Body")
    db.session.commit()
    outcome, seconds = _timed(lambda: jobs.in_background("conference.mail.send_pending"))
    assert outcome == "thread"
    assert seconds < 2
    assert len(smtp_server.wait_for(1, timeout=10)) == 1
    assert jobs.wait_for_background(10)


def test_hung_mail_server_never_holds_a_request(app, db, client, silent_server, smtp_server):
    """16 sign-ups against a mail server that accepts and never answers: each request is
    answered at once; no SMTP connection is ever made by the thread serving a request; the
    mail stays queued and goes out once a working server is configured."""
    app.config.update(MAIL_SEND_AFTER_REQUEST=True, MAIL_PORT=silent_server.port, MAIL_TIMEOUT=8)
    smtp_threads: set[int] = set()
    real_smtp = smtplib.SMTP

    def watched_smtp(*args, **kwargs):
        smtp_threads.add(threading.get_ident())
        return real_smtp(*args, **kwargs)

    smtplib.SMTP = watched_smtp
    try:
        started = time.monotonic()
        for n in range(16):
            response, seconds = _timed(lambda n=n: _signup(client, n))
            assert response.status_code == 200
            assert seconds < 2
        assert time.monotonic() - started < 10
        deadline = time.monotonic() + 5
        while silent_server.accepted_count == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert silent_server.accepted_count >= 1  # the background thread is waiting on it
        assert threading.get_ident() not in smtp_threads
        # /healthz does not wait for the mail server either.
        response, seconds = _timed(lambda: client.get("/healthz"))
        assert response.status_code == 200 and seconds < 2
        db.session.expire_all()
        statuses = set(db.session.scalars(sa.select(OutboxMessage.status)))
        assert statuses == {"pending"}
        # The hung server goes away; the background attempt fails and the mail is kept.
        silent_server.close()
        assert jobs.wait_for_background(20)
    finally:
        smtplib.SMTP = real_smtp
    app.config["MAIL_PORT"] = smtp_server.port
    sent, failed = send_pending(include_failed=True)
    assert (sent, failed) == (16, 0)
    assert len(smtp_server.wait_for(16)) == 16
