"""/readyz tells a load balancer the truth; a read-only database answers writes with a 503."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from conference import health, mail
from conference.accounts.models import User
from conference.db import utcnow
from tests.badges.factories import keys_for
from tests.factories import PASSWORD, bearer, make_edition, make_user
from tests.hardening.faults import RedisServer, SilentServer


def _ready(client):
    response = client.get("/readyz")
    assert response.headers["Cache-Control"] == "no-store"
    return response


def test_ready_with_everything_in_place(app, db, client):
    keys_for(make_edition().year)
    response = _ready(client)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "ready"
    checks = body["checks"]
    assert checks["database"] == {"ok": True, "reachable": True, "writable": True}
    assert checks["migrations"]["ok"] and checks["migrations"]["current"]
    assert checks["redis"] == {"ok": True, "configured": False}
    assert checks["outbox"] == {
        "ok": True,
        "pending": 0,
        "failed": 0,
        "oldest_pending_age_seconds": None,
    }
    assert checks["badge_keys"] == {"ok": True, "editions": [2027]}


def test_outbox_backlog_and_oldest_mail_age_are_reported(app, db, client):
    keys_for(make_edition().year)
    mail.queue_rendered("a@example.org", "Old", "Body")
    db.session.commit()
    message = db.session.scalars(sa.select(mail.OutboxMessage)).one()
    message.created_at = utcnow() - dt.timedelta(hours=2)
    mail.queue_rendered("b@example.org", "New", "Body")
    db.session.commit()
    outbox = _ready(client).json["checks"]["outbox"]
    assert outbox["pending"] == 2
    assert 7100 < outbox["oldest_pending_age_seconds"] < 7300
    assert "mail server" in outbox["warning"]
    assert outbox["ok"] is True  # mail waiting is reported, not a reason to drop the node


def test_not_ready_without_the_signing_key_of_a_current_edition(app, db, client):
    make_edition(2027)
    response = _ready(client)
    assert response.status_code == 503
    assert response.json["status"] == "not ready"
    assert response.json["checks"]["badge_keys"] == {
        "ok": False,
        "editions": [2027],
        "missing": [2027],
    }


def test_past_and_draft_editions_need_no_key(app, db, client):
    make_edition(2020, start_date=dt.date(2020, 6, 9), end_date=dt.date(2020, 6, 10))
    make_edition(2029, state="draft")
    assert _ready(client).status_code == 200


def test_not_ready_when_redis_is_configured_and_down(app, db, client):
    server = RedisServer().start()
    app.config["REDIS_URL"] = server.url
    assert _ready(client).json["checks"]["redis"] == {"ok": True, "configured": True}
    server.stop()
    started = time.monotonic()
    response = _ready(client)
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json["checks"]["redis"]["ok"] is False


def test_not_ready_when_redis_hangs(app, db, client):
    server = SilentServer()
    try:
        app.config["REDIS_URL"] = f"redis://127.0.0.1:{server.port}/0"
        started = time.monotonic()
        response = _ready(client)
        assert time.monotonic() - started < 3
        assert response.status_code == 503
        assert response.json["checks"]["redis"]["error"] == "TimeoutError"
    finally:
        server.close()


def test_not_ready_when_migrations_are_pending(app, db, client):
    [head] = db.session.scalars(sa.text("SELECT version_num FROM alembic_version"))
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    db.session.commit()
    try:
        response = _ready(client)
    finally:  # PostgreSQL tests share the schema version between tests
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        db.session.commit()
    assert response.status_code == 503
    assert response.json["checks"]["migrations"]["ok"] is False
    assert response.json["checks"]["migrations"]["current"] == ["0001"]


def test_not_ready_when_the_database_is_unreachable(app_config, tmp_path, make_app):
    broken = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing-dir/nothing.db")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"]["reachable"] is False


# --- a read-only database -----------------------------------------------------------------


@pytest.fixture
def read_only_app(app, app_config, make_app, is_postgres):
    """Another app on this test's database, which refuses writes (SQLite opened read-only;
    on PostgreSQL every transaction read-only)."""
    if is_postgres:
        url = sa.engine.make_url(app_config["SQLALCHEMY_DATABASE_URI"])
        url = url.update_query_dict({"options": "-c default_transaction_read_only=on"})
        uri = url.render_as_string(hide_password=False)
    else:
        path = app_config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        uri = f"sqlite:///file:{path}?mode=ro&uri=true"
    return lambda: make_app(SQLALCHEMY_DATABASE_URI=uri)


def test_writes_to_a_read_only_database_answer_503_html(app, db, read_only_app):
    keys_for(make_edition().year)
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    db.session.remove()
    frozen = read_only_app()
    client = frozen.test_client()
    response = client.post(
        "/signup", data={"full_name": "Ro", "email": "ro@example.org", "password": PASSWORD}
    )
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "read-only or its disk is full" in page
    assert response.headers["Retry-After"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users
    # Reading still works; liveness stays up; readiness says why the node is not ready.
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["database"]["writable"] is False
    assert "refuses writes" in ready.json["checks"]["database"]["message"]


def test_writes_to_a_read_only_database_answer_503_json(app, db, read_only_app):
    edition = make_edition()
    keys_for(edition.year)
    staff = make_user(role="staff", edition=edition)
    headers = bearer(staff)
    db.session.remove()
    frozen = read_only_app()
    response = frozen.test_client().post(
        "/api/v1/editions/2027/checkins",
        json={"code": "whatever", "checkpoint": "venue"},
        headers=headers,
    )
    assert response.status_code == 503
    assert response.json["error"]["code"] == "storage_unavailable"
    assert "read-only" in response.json["error"]["message"]


def test_write_refused_recognises_the_storage_errors():
    import sqlite3

    def wrap(orig):
        return sa.exc.OperationalError("UPDATE x", {}, orig)

    assert health.write_refused(wrap(sqlite3.OperationalError("database or disk is full")))
    assert health.write_refused(
        wrap(sqlite3.OperationalError("attempt to write a readonly database"))
    )
    assert not health.write_refused(wrap(sqlite3.OperationalError("no such table: x")))
    assert not health.write_refused(ValueError("database or disk is full"))

    class PgError(Exception):
        sqlstate = "25006"

    assert health.write_refused(wrap(PgError("cannot execute UPDATE in a read-only transaction")))
    PgError.sqlstate = "53100"
    assert health.write_refused(wrap(PgError("could not extend file: No space left on device")))
    PgError.sqlstate = "23505"
    assert not health.write_refused(wrap(PgError("duplicate key")))


def test_liveness_reads_the_migration_scripts_once(app, client, monkeypatch):
    health.expected_heads()  # read once for this process
    import alembic.script

    def no_reading(*args, **kwargs):
        raise AssertionError("the migration scripts were read again")

    monkeypatch.setattr(alembic.script.ScriptDirectory, "from_config", no_reading)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
