"""Backups: the database and the badge signing keys, in one timestamped directory.

Layout of ``<BACKUP_DIR>/backup-<UTC time>/``::

    conference.db      SQLite: the database, a plain SQLite file (SQLite's online backup API,
                       consistent while the application runs)
    conference.dump    PostgreSQL: ``pg_dump --format=custom`` (consistent while it runs)
    badge-keys/        a copy of BADGE_KEY_DIR (private keys: keep the backup private)
    manifest.json      when, the schema version and the row count of every table

A PostgreSQL backup is restored with ``pg_restore --no-owner`` into an empty database; the
client tools (``pg_dump``, ``pg_restore``) must be installed and of the server's major version
or newer.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from conference.db import utcnow
from conference.errors import DomainError
from conference.extensions import db

DATABASE_FILE = "conference.db"
DUMP_FILE = "conference.dump"
KEYS_DIR = "badge-keys"
MANIFEST = "manifest.json"
SUPPORTED = ("sqlite", "postgresql")


def _dialect() -> str:
    name = db.engine.dialect.name
    if name not in SUPPORTED:
        raise DomainError(f"flask backup handles SQLite and PostgreSQL databases, not {name}.")
    return name


def _postgres(tool: str, *args: str) -> None:
    """Run ``pg_dump`` or ``pg_restore`` on the configured database (the password, if any,
    in the environment, not on the command line)."""
    binary = shutil.which(tool)
    if binary is None:
        raise DomainError(
            f"{tool} is not installed: install the PostgreSQL client tools (e.g. the "
            "postgresql-client package) of the server's major version."
        )
    url = db.engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    address = url.set(password=None).render_as_string(hide_password=False)
    result = subprocess.run(  # noqa: S603 (a fixed tool, arguments not from a shell)
        [binary, *args, "--dbname", address],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DomainError(f"{tool} failed: {result.stderr.strip()[-800:]}")


def row_counts() -> dict[str, int]:
    """Rows per table of the current database (alembic_version included)."""
    inspector = sa.inspect(db.engine)
    counts = {}
    with db.engine.connect() as conn:
        for table in sorted(inspector.get_table_names()):
            counts[table] = conn.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))
    return counts


def backup_root() -> Path:
    configured = current_app.config.get("BACKUP_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


def create_backup(root: Path | None = None) -> Path:
    """Write a backup directory under ``root`` (default ``BACKUP_DIR``); return its path."""
    dialect = _dialect()
    root = Path(root or backup_root())
    target = root / f"backup-{utcnow():%Y%m%dT%H%M%S%fZ}"
    target.mkdir(parents=True, mode=0o700)
    if dialect == "postgresql":
        _postgres("pg_dump", "--format=custom", "--file", str(target / DUMP_FILE))
    else:
        destination = sqlite3.connect(target / DATABASE_FILE)
        try:
            with db.engine.connect() as conn:
                conn.connection.dbapi_connection.backup(destination)
        finally:
            destination.close()
    keys = Path(current_app.config["BADGE_KEY_DIR"])
    if keys.is_dir():
        shutil.copytree(keys, target / KEYS_DIR)
    with db.engine.connect() as conn:
        version = sorted(conn.scalars(sa.text("SELECT version_num FROM alembic_version")))
    manifest = {
        "created_at": utcnow().isoformat(),
        "schema_version": version,
        "row_counts": row_counts(),
        "badge_keys": sorted(p.name for p in (target / KEYS_DIR).glob("*"))
        if keys.is_dir()
        else [],
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return target


def restore_backup(source: Path) -> dict[str, int]:
    """Replace the configured database and badge keys with the backup in ``source`` (on
    PostgreSQL the database must be empty: a new one from ``createdb``).

    Returns the restored row counts, checked against the manifest."""
    dialect = _dialect()
    source = Path(source)
    database = source / (DUMP_FILE if dialect == "postgresql" else DATABASE_FILE)
    if not database.is_file():
        other = DATABASE_FILE if dialect == "postgresql" else DUMP_FILE
        if (source / other).is_file():
            raise DomainError(
                f"{source} is a backup of another kind of database ({other}); the configured "
                f"database is {dialect}."
            )
        raise DomainError(f"{source} is not a backup: {database.name} is missing.")
    manifest = json.loads((source / MANIFEST).read_text()) if (source / MANIFEST).exists() else {}
    db.session.remove()
    if dialect == "postgresql":
        if sa.inspect(db.engine).get_table_names():
            raise DomainError(
                "The configured PostgreSQL database is not empty: restore into a new one "
                "(createdb, then point DATABASE_URL at it)."
            )
        db.engine.dispose()
        _postgres("pg_restore", "--no-owner", "--exit-on-error", str(database))
    else:
        origin = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            with db.engine.connect() as conn:
                origin.backup(conn.connection.dbapi_connection)
        finally:
            origin.close()
    db.engine.dispose()
    if (source / KEYS_DIR).is_dir():
        keys = Path(current_app.config["BADGE_KEY_DIR"])
        keys.mkdir(parents=True, exist_ok=True)
        os.chmod(keys, 0o700)
        for path in (source / KEYS_DIR).iterdir():
            shutil.copy2(path, keys / path.name)
    counts = row_counts()
    expected = manifest.get("row_counts")
    if expected is not None and expected != counts:
        raise DomainError("The restored database does not match the backup's row counts.")
    return counts
