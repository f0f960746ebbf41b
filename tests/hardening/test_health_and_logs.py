"""/healthz for load balancers, and structured JSON request logs."""

from __future__ import annotations

import io
import json
import logging
import os

import pytest
import sqlalchemy as sa

from conference import create_app
from conference.config import normalise_database_url
from conference.extensions import db as _db


def test_healthz_ok_when_migrations_are_current(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "migrations": "current"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_503_when_database_unreachable(app_config, tmp_path):
    for url in (
        f"sqlite:///{tmp_path}/missing-dir/nothing.db",
        "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2",
    ):
        broken = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url}, mode="testing")
        with broken.app_context():
            response = broken.test_client().get("/healthz")
            _db.engine.dispose()
        assert response.status_code == 503, url
        assert response.json["status"] == "unavailable"
        assert "database" in response.json


def _throwaway_database(tmp_path):
    """A fresh database URL (SQLite file, or a new PostgreSQL database) and a drop function."""
    pg = os.environ.get("TEST_DATABASE_URL")
    if not pg:
        return f"sqlite:///{tmp_path}/health.db", lambda: None
    url = sa.engine.make_url(normalise_database_url(pg))
    name = f"{url.database}_health_{os.getpid()}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture
def loggers_untouched():
    """In-process migrations run Alembic's logging set-up, which disables every existing
    logger; put them back so later tests in this worker still see their log records."""
    before = {
        name: logger.disabled
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    for name, disabled in before.items():
        logging.getLogger(name).disabled = disabled


def test_healthz_503_when_migrations_pending(app_config, tmp_path, loggers_untouched):
    from flask_migrate import downgrade, upgrade

    url, drop = _throwaway_database(tmp_path)
    try:
        other = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url}, mode="testing")
        client = other.test_client()
        with other.app_context():
            assert client.get("/healthz").status_code == 503  # never migrated
            upgrade()
            assert client.get("/healthz").status_code == 200
            downgrade(revision="base")
            response = client.get("/healthz")
            assert response.status_code == 503
            assert response.json["migrations"] == "pending"
            upgrade()
            assert client.get("/healthz").status_code == 200
            _db.session.remove()
            _db.engine.dispose()
    finally:
        drop()


@pytest.mark.parametrize("mode", ["production", "testing"])
def test_request_log_lines_are_json(make_app, mode):
    from tests.hardening.conftest import PRODUCTION_KEY

    logged = make_app(mode, SECRET_KEY=PRODUCTION_KEY, LOG_JSON=True, TESTING=False)
    stream = io.StringIO()
    for handler in logged.logger.handlers:
        handler.setStream(stream)
    logged.test_client().get("/healthz?x=1", headers={"X-Request-ID": "abc123"})
    logged.test_client().get("/no-such-page")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    first = lines[0]
    assert first["method"] == "GET"
    assert first["path"] == "/healthz"
    assert first["status"] == 200
    assert first["request_id"] == "abc123"
    assert first["level"] == "INFO"
    assert isinstance(first["duration_ms"], float)
    assert first["time"].endswith("Z")
    assert lines[1]["status"] == 404


def test_unexpected_errors_are_logged_as_json_with_traceback(make_app):
    logged = make_app(LOG_JSON=True, TESTING=False)

    @logged.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    stream = io.StringIO()
    for handler in logged.logger.handlers:
        handler.setStream(stream)
    response = logged.test_client().get("/boom")
    assert response.status_code == 500
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    error = next(r for r in records if r["level"] == "ERROR")
    assert "kaboom" in error["exception"]
    assert records[-1]["status"] == 500
