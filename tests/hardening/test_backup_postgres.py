"""Issue 22: a PostgreSQL database backed up as the README says (``pg_dump`` in the custom
format, and ``flask backup``, which calls it) and restored into a fresh database has
identical row counts in every table, and the application pointed at it logs people in."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import sqlalchemy as sa

from conference import backup
from tests.badges.factories import accredited, keys_for, make_category
from tests.factories import PASSWORD, make_edition, make_user

pytestmark = pytest.mark.postgres


@pytest.fixture
def client_tools():
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the PostgreSQL client tools are not installed ({', '.join(missing)})")


@pytest.fixture
def fresh_database(db):
    """A new, empty database on the test server (``createdb``), dropped afterwards."""
    url = db.engine.url
    name = f"{url.database}_restored"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _libpq(url) -> str:
    """The URL as the PostgreSQL tools take it (no SQLAlchemy driver name)."""
    url = sa.engine.make_url(url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _world(db) -> dict[str, int]:
    edition = make_edition()
    keys_for(edition.year)
    category = make_category(edition)
    for n in range(3):
        accredited(make_user(f"attendee{n}@example.org"), edition, category)
    make_user("restored@example.org")
    db.session.commit()
    counts = backup.row_counts()
    assert counts["users"] == 4 and counts["badges"] == 3
    return counts


def _logs_in(restored) -> None:
    client = restored.test_client()
    response = client.post("/login", data={"email": "restored@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    stranger = restored.test_client()
    stranger.post("/login", data={"email": "restored@example.org", "password": "wrong"})
    assert stranger.get("/account").status_code == 302  # to the login page
    assert client.get("/readyz").status_code == 200


def test_pg_dump_and_pg_restore_as_documented(
    app, db, client_tools, fresh_database, make_app, tmp_path
):
    before = _world(db)
    dump = tmp_path / "conference.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", _libpq(db.engine.url)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq(fresh_database)]
        + [str(dump)],
        check=True,
        capture_output=True,
    )
    restored = make_app(SQLALCHEMY_DATABASE_URI=fresh_database)
    with restored.app_context():
        assert backup.row_counts() == before
    _logs_in(restored)


def test_flask_backup_dumps_and_restores_postgresql(
    app, db, runner, client_tools, fresh_database, make_app, tmp_path
):
    before = _world(db)
    result = runner.invoke(args=["backup", "create", "--dir", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    [target] = (tmp_path / "backups").iterdir()
    assert (target / backup.DUMP_FILE).is_file()
    assert not (target / backup.DATABASE_FILE).exists()
    assert (target / "badge-keys" / "2027.pem").is_file()
    key_text = (app.config["BADGE_KEY_DIR"] / "2027.pem").read_bytes()

    restored = make_app(
        SQLALCHEMY_DATABASE_URI=fresh_database, BADGE_KEY_DIR=tmp_path / "restored-keys"
    )
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["backup", "restore", str(target), "--yes"])
        assert result.exit_code == 0, result.output
        assert backup.row_counts() == before
    assert (tmp_path / "restored-keys" / "2027.pem").read_bytes() == key_text
    _logs_in(restored)


def test_restore_refuses_a_database_that_is_not_empty(app, db, runner, client_tools, tmp_path):
    before = _world(db)
    result = runner.invoke(args=["backup", "create", "--dir", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    [target] = (tmp_path / "backups").iterdir()
    make_user("after-the-backup@example.org")
    db.session.commit()
    result = runner.invoke(args=["backup", "restore", str(target), "--yes"])
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert backup.row_counts()["users"] == before["users"] + 1


def test_a_sqlite_backup_is_not_restored_into_postgresql(app, db, runner, tmp_path):
    (tmp_path / backup.DATABASE_FILE).write_bytes(b"")
    result = runner.invoke(args=["backup", "restore", str(tmp_path), "--yes"])
    assert result.exit_code != 0
    assert "another kind of database" in result.output
