"""Backups of a SQLite deployment: the database (SQLite's online backup API, consistent while
the application runs) and the badge signing keys, in one timestamped directory.

Layout of ``<BACKUP_DIR>/backup-<UTC time>/``::

    conference.db      the database, a plain SQLite file
    badge-keys/        a copy of BADGE_KEY_DIR (private keys: keep the backup private)
    manifest.json      when, the schema version and the row count of every table

PostgreSQL deployments back up with ``pg_dump`` (see the README); the keys the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from conference.db import utcnow
from conference.errors import DomainError
from conference.extensions import db

DATABASE_FILE = "conference.db"
KEYS_DIR = "badge-keys"
MANIFEST = "manifest.json"


def _require_sqlite() -> None:
    if db.engine.dialect.name != "sqlite":
        raise DomainError(
            "flask backup copies SQLite databases. For PostgreSQL use pg_dump and pg_restore "
            "(see 'Backup and restore' in the README) and copy BADGE_KEY_DIR."
        )


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
    _require_sqlite()
    root = Path(root or backup_root())
    target = root / f"backup-{utcnow():%Y%m%dT%H%M%S%fZ}"
    target.mkdir(parents=True, mode=0o700)
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
    """Replace the configured SQLite database and badge keys with the backup in ``source``.

    Returns the restored row counts, checked against the manifest."""
    _require_sqlite()
    source = Path(source)
    database = source / DATABASE_FILE
    if not database.is_file():
        raise DomainError(f"{source} is not a backup: {DATABASE_FILE} is missing.")
    manifest = json.loads((source / MANIFEST).read_text()) if (source / MANIFEST).exists() else {}
    db.session.remove()
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
