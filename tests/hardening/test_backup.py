"""``flask backup``: a consistent copy of the SQLite database and the badge keys, restored
into a fresh database with identical row counts and a working login."""

from __future__ import annotations

import json
import sqlite3

import pytest
import sqlalchemy as sa

from conference import backup
from tests.badges.factories import accredited, keys_for, make_category
from tests.factories import PASSWORD, make_edition, make_user


@pytest.fixture(autouse=True)
def sqlite_only(is_postgres):
    if is_postgres:
        pytest.skip("SQLite backups; PostgreSQL: tests/hardening/test_backup_postgres.py")


def _world(db):
    edition = make_edition()
    keys_for(edition.year)
    category = make_category(edition)
    for n in range(3):
        accredited(make_user(f"attendee{n}@example.org"), edition, category)
    return make_user("restored@example.org")


def test_backup_then_restore_into_a_fresh_database(app, db, runner, tmp_path, make_app):
    _world(db)
    before = backup.row_counts()
    result = runner.invoke(args=["backup", "create", "--dir", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    [target] = (tmp_path / "backups").iterdir()
    assert target.name.startswith("backup-")
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["row_counts"] == before
    assert manifest["badge_keys"] == ["2027.pem"]
    with sqlite3.connect(target / "conference.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    key_text = (app.config["BADGE_KEY_DIR"] / "2027.pem").read_bytes()

    fresh_db = tmp_path / "fresh" / "restored.db"
    fresh_db.parent.mkdir()
    fresh = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{fresh_db}",
        INSTANCE_DIR=tmp_path / "fresh" / "instance",
        BADGE_KEY_DIR=tmp_path / "fresh" / "keys",
    )
    with fresh.app_context():  # the CLI runs in the current app context
        result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(target), "--yes"])
        assert result.exit_code == 0, result.output
        assert "Restored" in result.output
        assert backup.row_counts() == before
        from conference.extensions import db as fresh_db_ext

        fresh_db_ext.session.remove()
        fresh_db_ext.engine.dispose()
    assert (tmp_path / "fresh" / "keys" / "2027.pem").read_bytes() == key_text
    client = fresh.test_client()
    response = client.post("/login", data={"email": "restored@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/readyz").status_code == 200


def test_flask_backup_alone_writes_into_backup_dir(app, db, runner, tmp_path):
    make_user()
    app.config["BACKUP_DIR"] = str(tmp_path / "nightly")
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    [target] = (tmp_path / "nightly").iterdir()
    assert (target / "conference.db").is_file()


def test_restore_refuses_a_directory_that_is_not_a_backup(app, db, runner, tmp_path):
    users = db.session.scalar(sa.text("SELECT count(*) FROM users"))
    result = runner.invoke(args=["backup", "restore", str(tmp_path), "--yes"])
    assert result.exit_code != 0
    assert "not a backup" in result.output
    assert db.session.scalar(sa.text("SELECT count(*) FROM users")) == users
