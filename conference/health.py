"""Health checks: liveness (``/healthz``) and readiness (``/readyz``).

Liveness is cheap: one query for the schema version, compared with the migration head read
once per process. Readiness answers "may a load balancer send traffic here?": the database
answers and takes writes (a rolled-back update), the schema is current, Redis answers when
configured, the signing keys of current editions are present; it also reports the outbox
backlog. Areas add their own readiness checks with ``readiness_check`` (badges: the signing
keys), so that this shared module imports no area. ``write_refused`` (in ``conference.db``,
so that every layer may ask it) recognises the errors of a read-only or full database, which
requests answer with a 503 instead of a generic 500.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

import sqlalchemy as sa
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import Flask, current_app, jsonify
from flask_babel import lazy_gettext as _l
from redis.exceptions import RedisError

from conference.config import ROOT
from conference.db import utcnow, write_refused  # noqa: F401 (still importable from here)
from conference.extensions import db
from conference.jobs import redis_connection
from conference.mail import OutboxMessage

# Lazy: translated into the language of the request that meets the refusal.
STORAGE_MESSAGE = _l(
    "The database cannot store changes right now (it is read-only or its disk is full). "
    "Nothing was saved. Please try again later."
)


@functools.cache
def expected_heads() -> frozenset[str]:
    """The migration head(s) of this code: read from the scripts once per process."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _schema_versions() -> set[str]:
    return set(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))


def check() -> tuple[bool, dict]:
    """Liveness: the database answers and the schema is at the latest migration."""
    try:
        current = _schema_versions()
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return False, {"database": "unreachable or not migrated", "error": type(exc).__name__}
    finally:
        db.session.rollback()
    if current != expected_heads():
        return False, {"database": "ok", "migrations": "pending"}
    return True, {"database": "ok", "migrations": "current"}


# --- readiness -------------------------------------------------------------------------------


def _check_database() -> tuple[dict, dict]:
    """(database, migrations) entries; the write test is a rolled-back no-op update."""
    database: dict = {"ok": False}
    migrations: dict = {"ok": False}
    try:
        current = _schema_versions()
        database["reachable"] = True
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        database.update(reachable=False, error=type(exc).__name__)
        return database, migrations
    migrations.update(current=sorted(current), expected=sorted(expected_heads()))
    migrations["ok"] = current == expected_heads()
    try:
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = version_num"))
        database.update(ok=True, writable=True)
    except sa.exc.SQLAlchemyError as exc:
        database.update(writable=False, error=type(exc).__name__)
        if write_refused(exc):
            database["message"] = "the database refuses writes (read-only or disk full)"
    finally:
        db.session.rollback()
    return database, migrations


def _check_redis() -> dict:
    connection = redis_connection()
    if connection is None:
        return {"ok": True, "configured": False}
    try:
        connection.ping()
    except (RedisError, OSError) as exc:
        return {"ok": False, "configured": True, "error": type(exc).__name__}
    finally:
        connection.close()
    return {"ok": True, "configured": True}


def _check_outbox() -> dict:
    pending, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == "pending"
        )
    ).one()
    failed = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.status == "failed"))
    age = None
    if oldest is not None:
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        age = max(int((utcnow() - oldest).total_seconds()), 0)
    entry = {"ok": True, "pending": pending, "failed": failed, "oldest_pending_age_seconds": age}
    if age is not None and age > current_app.config["READY_MAIL_MAX_AGE"]:
        entry["warning"] = "mail is waiting longer than READY_MAIL_MAX_AGE: is the mail server up?"
    return entry


# The areas' checks, by name, run after the outbox's when the schema is current.
_area_checks: dict[str, Callable[[], dict]] = {}


def readiness_check(name: str):
    """Register an area's readiness check: a function returning a dict with an "ok" entry."""

    def decorator(check: Callable[[], dict]) -> Callable[[], dict]:
        _area_checks[name] = check
        return check

    return decorator


def readiness() -> tuple[bool, dict]:
    """Every readiness check; ready when each one is ok."""
    database, migrations = _check_database()
    checks = {"database": database, "migrations": migrations, "redis": _check_redis()}
    if database.get("reachable") and migrations["ok"]:
        try:
            checks["outbox"] = _check_outbox()
            for name, check in _area_checks.items():
                checks[name] = check()
        finally:
            db.session.rollback()
    ready = all(entry["ok"] for entry in checks.values())
    return ready, checks


def register(app: Flask) -> None:
    @app.get("/readyz")
    def readyz():
        """For load balancers: send traffic here only while this answers 200."""
        ready, checks = readiness()
        response = jsonify({"status": "ready" if ready else "not ready", "checks": checks})
        response.status_code = 200 if ready else 503
        response.headers["Cache-Control"] = "no-store"
        return response
