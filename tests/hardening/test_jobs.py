"""Background work: the same job runs inline without Redis and on RQ with it."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from conference import jobs, mail
from conference.mail import OutboxMessage

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except RedisError:
        return False


needs_redis = pytest.mark.skipif(
    not _redis_answers(), reason="Redis does not answer on 127.0.0.1:6379"
)


@pytest.fixture
def redis_queue(app):
    """REDIS_URL set for the app, with a queue of its own that is deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    app.config.update(REDIS_URL=REDIS_URL, JOBS_QUEUE=name)
    queue = jobs.job_queue()
    yield queue
    from rq.registry import (
        FailedJobRegistry,
        FinishedJobRegistry,
        ScheduledJobRegistry,
        StartedJobRegistry,
    )

    for registry in (FinishedJobRegistry, FailedJobRegistry, StartedJobRegistry):
        for job_id in registry(queue=queue).get_job_ids():
            queue.connection.delete(f"rq:job:{job_id}")
    for registry in (FinishedJobRegistry, FailedJobRegistry, StartedJobRegistry):
        queue.connection.delete(registry(queue=queue).key)
    queue.connection.delete(ScheduledJobRegistry(queue=queue).key)
    queue.empty()
    queue.delete(delete_jobs=True)


def _queue_mail(db, n=2):
    for i in range(n):
        mail.queue_rendered(f"person{i}@example.org", f"Hello {i}", f"Body {i}")
    db.session.commit()


def _statuses(db):
    db.session.expire_all()
    return sorted(db.session.scalars(sa.select(OutboxMessage.status)))


def test_without_redis_jobs_run_inline(app, db, smtp_server):
    _queue_mail(db)
    assert jobs.enqueue("conference.mail.send_pending") == "inline"
    assert len(smtp_server.wait_for(2)) == 2
    assert _statuses(db) == ["sent", "sent"]


def test_only_conference_functions_can_be_jobs(app):
    with pytest.raises(ValueError):
        jobs.enqueue("os.system", "true")


@needs_redis
def test_with_redis_the_job_is_queued_then_run_by_a_worker(app, db, smtp_server, redis_queue):
    from rq import SimpleWorker

    _queue_mail(db)
    assert jobs.enqueue("conference.mail.send_pending") == "queued"
    assert redis_queue.count == 1
    assert redis_queue.jobs[0].description == "conference.mail.send_pending"
    assert _statuses(db) == ["pending", "pending"]  # nothing ran yet
    assert smtp_server.messages == []
    db.session.remove()
    worker = SimpleWorker([redis_queue], connection=redis_queue.connection)
    assert worker.work(burst=True) is True
    assert redis_queue.count == 0
    received = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in received) == ["person0@example.org", "person1@example.org"]
    assert _statuses(db) == ["sent", "sent"]


@needs_redis
def test_cli_worker_runs_queued_jobs_in_burst_mode(app, db, runner, smtp_server, redis_queue):
    _queue_mail(db, n=3)
    assert jobs.enqueue("conference.mail.send_pending") == "queued"
    db.session.remove()
    result = runner.invoke(args=["jobs", "worker", "--burst", "--no-fork"])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.wait_for(3)) == 3
    assert _statuses(db) == ["sent", "sent", "sent"]


@needs_redis
def test_forking_worker_runs_the_job_in_a_work_horse(app, db, runner, smtp_server, redis_queue):
    _queue_mail(db, n=1)
    assert jobs.enqueue("conference.mail.send_pending") == "queued"
    db.session.remove()
    for engine in db.engines.values():
        engine.dispose()
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.wait_for(1)) == 1
    assert _statuses(db) == ["sent"]


@needs_redis
def test_mail_queued_by_a_request_is_handed_to_the_queue(app, db, client, redis_queue):
    from tests.factories import PASSWORD

    app.config["MAIL_SEND_AFTER_REQUEST"] = True
    client.post(
        "/signup",
        data={"full_name": "Queued Person", "email": "queued@example.org", "password": PASSWORD},
    )
    assert _statuses(db) == ["pending"]
    assert redis_queue.count == 1


def test_redis_down_falls_back_to_inline(app, db, smtp_server):
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0", JOBS_QUEUE="unreachable")
    _queue_mail(db, n=1)
    assert jobs.enqueue("conference.mail.send_pending") == "inline"
    assert len(smtp_server.wait_for(1)) == 1


def test_cli_worker_without_redis_explains(runner):
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output


def test_run_job_outside_an_app_context_builds_the_app(monkeypatch, app, db, smtp_server):
    """A plain ``rq worker`` has no app context: run_job makes one from the environment."""
    import threading

    _queue_mail(db, n=1)
    monkeypatch.setattr(jobs, "_worker_app", app)
    outcome = {}

    def in_thread():  # a fresh thread has no app context
        outcome["result"] = jobs.run_job("conference.mail.send_pending")

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert outcome["result"] == (1, 0)


def _print_job_setup():
    from tests.badges.factories import accredited, keys_for, make_category
    from tests.factories import make_edition, make_user

    edition = make_edition()
    keys_for(edition.year)
    category = make_category(edition)
    for _ in range(5):
        accredited(make_user(), edition, category)
    return edition, make_user(role="organiser", edition=edition)


def test_bulk_badge_pdf_runs_inline_without_redis(app, db):
    from conference.badges import services as badges

    edition, organiser = _print_job_setup()
    job = badges.start_print_job(edition, actor=organiser)
    assert job.state == "done"
    assert job.total == 5
    assert job.pdf.startswith(b"%PDF")


@needs_redis
def test_bulk_badge_pdf_runs_on_the_queue_with_redis(app, db, redis_queue):
    from rq import SimpleWorker

    from conference.badges import services as badges
    from conference.badges.models import BadgePrintJob

    edition, organiser = _print_job_setup()
    job = badges.start_print_job(edition, actor=organiser)
    job_id = job.id
    assert job.state == "pending"
    assert redis_queue.count == 1
    db.session.remove()
    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    job = db.session.get(BadgePrintJob, job_id)
    assert job.state == "done"
    assert job.total == 5
    assert job.pdf.startswith(b"%PDF")
