"""Shared fixtures: the app on a migrated database, a client, login, factories, SMTP.

The schema comes from the Alembic migrations (never ``create_all``). On SQLite the migrated
database is built once per run and copied for each test; on PostgreSQL (``TEST_DATABASE_URL``)
each test starts from emptied tables. Under pytest-xdist each worker has its own database.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest
import sqlalchemy as sa
from flask import g, request_started

from conference import create_app, pagecache
from conference.config import normalise_database_url
from conference.db import freeze
from conference.extensions import db as _db
from tests.factories import *  # noqa: F403
from tests.factories import login_client

PG_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_sessionstart(session):
    # The catalogues are compiled by `make translations-compile`; a bare `pytest` does it too.
    from conference.i18n import compile_catalogues

    compile_catalogues()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres" in item.keywords and not PG_URL:
            item.add_marker(pytest.mark.skip(reason="needs TEST_DATABASE_URL (PostgreSQL)"))
        if PG_URL and ("database_independent" in item.keywords or "browser" in item.keywords):
            # Pages' words, import contracts, and what a browser does with the pages: the
            # SQLite pass has checked them already; the database's own behaviour (locks,
            # constraints, types) is tested through HTTP and the services in both passes.
            item.add_marker(pytest.mark.skip(reason="database-independent: SQLite pass only"))


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pg_worker_url() -> str:
    """A PostgreSQL database of this xdist worker, created (empty) if needed."""
    url = sa.engine.make_url(normalise_database_url(PG_URL))
    name = f"{url.database}_{_worker()}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        # A test database need not survive a crash: commits do not wait for the disk.
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_pg_worker_database(url: str) -> None:
    url = sa.engine.make_url(url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def _migrate(url: str, instance) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": instance}, mode="testing")
    with app.app_context():
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """The migrated database of this run: a SQLite file to copy, or a PostgreSQL URL."""
    os.environ.setdefault("APP_ENV", "testing")
    instance = tmp_path_factory.mktemp("instance-template")
    if PG_URL:
        url = _pg_worker_url()
        _migrate(url, instance)
        yield ("postgresql", url)
        _drop_pg_worker_database(url)
        return
    path = tmp_path_factory.mktemp("db") / "template.db"
    _migrate(f"sqlite:///{path}", instance)
    yield ("sqlite", str(path))


_PG_ENGINES: dict[str, sa.Engine] = {}


def _pg_engine(url: str) -> sa.Engine:
    """One engine per test database for the fixtures' own statements (kept for the run)."""
    if url not in _PG_ENGINES:
        _PG_ENGINES[url] = sa.create_engine(url, poolclass=sa.pool.NullPool)
    return _PG_ENGINES[url]


def _tables() -> list[str]:
    """The application's tables, parents before children."""
    return [t.name for t in _db.metadata.sorted_tables if t.name != "alembic_version"]


def _empty_postgres(url: str) -> None:
    """Empty every table and restart every id sequence, in one round trip.

    DELETE, children first, rather than TRUNCATE: on tables holding a test's few rows it costs
    milliseconds, where TRUNCATE of ~60 tables costs a second or more (it replaces each table's
    files), which made the PostgreSQL pass minutes slower.
    """
    engine = _pg_engine(url)
    tables = _tables()
    script = "; ".join(f'DELETE FROM "{name}"' for name in reversed(tables))
    restart = (
        "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
    )
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(script)
            conn.exec_driver_sql(restart)
    except sa.exc.IntegrityError:  # rows referring to each other in a cycle: the slow way
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def _base_config(url: str, instance) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_DIR": instance,
        "BADGE_KEY_DIR": instance / "badge-keys",
        "UPLOAD_DIR": instance / "uploads",
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
    }


DEMO_SCHEMA = "demo_seed"


@pytest.fixture(scope="session")
def demo_template(database_template, tmp_path_factory):
    """The demo data (``seed-demo``), seeded once per worker for the tests marked ``demo``.

    SQLite: a seeded copy of the migrated file. PostgreSQL: the worker's database is seeded
    once and every table copied into the schema ``demo_seed`` (with the sequences' values), so
    that a test starts from the demo in milliseconds instead of seeding it again. Files the
    seed writes (badge keys, uploads) are in the returned instance folder.
    """
    from conference.demo import seed_demo
    from conference.jobs import wait_for_background

    kind, where = database_template
    folder = tmp_path_factory.mktemp("demo")
    instance = folder / "instance"
    if kind == "sqlite":
        path = folder / "demo.db"
        shutil.copyfile(where, path)
        url = f"sqlite:///{path}"
    else:
        _empty_postgres(where)
        url = where
    seeder = create_app(_base_config(url, instance), mode="testing")
    with seeder.app_context():
        seed_demo()
        wait_for_background(10)
        _db.session.remove()
        for engine in _db.engines.values():
            engine.dispose()
    if kind == "sqlite":
        return {"kind": kind, "path": str(path), "instance": instance}
    tables = _tables()
    with _pg_engine(url).begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{DEMO_SCHEMA}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{DEMO_SCHEMA}"')
        conn.exec_driver_sql(
            "; ".join(f'CREATE TABLE "{DEMO_SCHEMA}"."{t}" AS TABLE public."{t}"' for t in tables)
        )
        sequences = conn.execute(
            sa.text(
                "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = 'public' AND last_value IS NOT NULL"
            )
        ).all()
    load = "; ".join(
        f'INSERT INTO public."{t}" SELECT * FROM "{DEMO_SCHEMA}"."{t}"' for t in tables
    )
    restart = "; ".join(f"SELECT setval('{name}', {value})" for name, value in sequences)
    return {"kind": kind, "load": load, "restart": restart, "instance": instance}


def _load_demo(url: str, demo: dict) -> None:
    _empty_postgres(url)
    with _pg_engine(url).begin() as conn:
        conn.exec_driver_sql(demo["load"])
        if demo["restart"]:
            conn.exec_driver_sql(demo["restart"])


@pytest.fixture
def app_config(tmp_path, database_template, request):
    """Overrides for the test app; tests may add keys before ``app`` is built.

    A test marked ``demo`` starts from the demo data (``seed-demo``, see ``demo_template``);
    every other test from an empty migrated database.
    """
    kind, where = database_template
    demo = (
        request.getfixturevalue("demo_template")
        if request.node.get_closest_marker("demo")
        else None
    )
    instance = tmp_path / "instance"
    if kind == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(demo["path"] if demo else where, path)
        url = f"sqlite:///{path}"
    else:
        if demo:
            _load_demo(where, demo)
        else:
            _empty_postgres(where)
        url = where
    if demo and demo["instance"].exists():
        shutil.copytree(demo["instance"], instance, dirs_exist_ok=True)
    return _base_config(url, instance)


@pytest.fixture
def app(app_config):
    app = create_app(app_config, mode="testing")

    # Tests keep an app context open for convenience; give every request a fresh ``g``,
    # as it has in production, so nothing (logged-in user, edition) leaks between requests.
    def fresh_g(sender, **extra):
        for key in list(vars(g)):
            delattr(g, key)

    request_started.connect(fresh_g, app)
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        # A mail job still running on this app's background thread would open a connection
        # after the engines are disposed (and leak it): let it finish first.
        from conference.jobs import wait_for_background

        wait_for_background(10)
        _db.session.remove()
        for engine in _db.engines.values():
            engine.dispose()
        pagecache.dispose(app)
        ctx.pop()
        freeze(None)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(app):
    """``login(user)`` → a test client logged in as ``user`` (a fresh client per call)."""

    def _login(user, client=None):
        return login_client(client or app.test_client(), user)

    return _login


@pytest.fixture
def is_postgres(app):
    return _db.engine.dialect.name == "postgresql"


# --- a real SMTP server on 127.0.0.1 ------------------------------------------------------


class _Inbox:
    def __init__(self):
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 5.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        return list(self.messages)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """An aiosmtpd server; the app is configured to send to it. ``.messages`` holds mail."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    inbox.port = port
    inbox.controller = controller
    try:
        yield inbox
    finally:
        controller.stop()
