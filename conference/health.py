"""Health checks: liveness (``/healthz``) and readiness (``/readyz``).

Liveness is cheap: one query for the schema version, compared with the migration head read
once per process. Readiness answers "may a load balancer send traffic here?": the database
answers and takes writes (a rolled-back update), the schema is current, Redis answers when
configured, the signing keys of current editions are present; it also reports the outbox
backlog. ``write_refused`` (in ``conference.db``, so that every layer may ask it) recognises
the errors of a read-only or full database, which requests answer with a 503 instead of a
generic 500.
"""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import Flask, current_app, jsonify

from conference.config import ROOT
from conference.db import utcnow, write_refused  # noqa: F401 (still importable from here)
from conference.extensions import db

STORAGE_MESSAGE = (
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
    from conference.jobs import redis_connection

    connection = redis_connection()
    if connection is None:
        return {"ok": True, "configured": False}
    from redis.exceptions import RedisError

    try:
        connection.ping()
    except (RedisError, OSError) as exc:
        return {"ok": False, "configured": True, "error": type(exc).__name__}
    finally:
        connection.close()
    return {"ok": True, "configured": True}


def _check_outbox() -> dict:
    from conference.mail import OutboxMessage

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


def _check_badge_keys() -> dict:
    # Readiness looks at every area's prerequisites; imported here, when asked, so that this
    # shared module stays below the areas.
    from conference.badges import signing
    from conference.editions.models import Edition, EditionState

    today = utcnow().date()
    years = db.session.scalars(
        sa.select(Edition.year)
        .where(Edition.state.in_([EditionState.OPEN, EditionState.CLOSED]))
        .where(Edition.end_date >= today)
        .order_by(Edition.year)
    ).all()
    missing = []
    for year in years:
        try:
            key = signing.private_key(year)
        except signing.KeyMissing:
            key = None
        if key is None:
            missing.append(year)
    entry: dict = {"ok": not missing, "editions": list(years)}
    if missing:
        entry["missing"] = missing
    return entry


def readiness() -> tuple[bool, dict]:
    """Every readiness check; ready when each one is ok."""
    database, migrations = _check_database()
    checks = {"database": database, "migrations": migrations, "redis": _check_redis()}
    if database.get("reachable") and migrations["ok"]:
        try:
            checks["outbox"] = _check_outbox()
            checks["badge_keys"] = _check_badge_keys()
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
