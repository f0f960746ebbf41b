"""Migration 0011 on a copy of the demo data: each talk session becomes a session with one
contribution, and back (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from conference.demo import seed_demo
from conference.extensions import db


def _rows(sql: str, **params) -> list:
    with db.engine.connect() as connection:
        return list(connection.execute(sa.text(sql), params))


def _minutes(starts, ends) -> int:
    if isinstance(starts, str):  # SQLite through a plain text query
        starts, ends = dt.datetime.fromisoformat(starts), dt.datetime.fromisoformat(ends)
    return int((ends - starts).total_seconds() // 60)


@pytest.mark.slow
def test_talk_sessions_become_sessions_with_one_contribution_and_back(app):
    seed_demo()
    talks = _rows(
        "SELECT session_id, submission_id, position FROM session_contributions "
        "WHERE submission_id IS NOT NULL ORDER BY session_id, position"
    )
    assert len(talks) >= 2, "the demo presents accepted talks in chaired sessions"
    sessions_before = _rows("SELECT id, title, starts_at, ends_at FROM sessions ORDER BY id")
    speakers_before = _rows("SELECT id, session_id, name FROM session_speakers ORDER BY id")
    first_talk = {}
    for session_id, submission_id, _position in talks:
        first_talk.setdefault(session_id, submission_id)
    db.session.remove()
    db.engine.dispose()
    try:
        downgrade(revision="0007")
        # Today's data: a session made from a talk carries its submission.
        placed = dict(
            _rows("SELECT id, submission_id FROM sessions WHERE submission_id IS NOT NULL")
        )
        assert placed == first_talk
        columns = [c["name"] for c in sa.inspect(db.engine).get_columns("session_speakers")]
        assert "contribution_id" not in columns
        assert "session_contributions" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
    finally:
        upgrade()
    db.engine.dispose()
    assert _rows("SELECT id, title, starts_at, ends_at FROM sessions ORDER BY id") == (
        sessions_before
    )
    assert _rows("SELECT id, session_id, name FROM session_speakers ORDER BY id") == (
        speakers_before
    )
    migrated = _rows(
        "SELECT c.session_id, c.submission_id, c.kind, c.position, c.title, c.duration_minutes,"
        " s.title, s.starts_at, s.ends_at FROM session_contributions c"
        " JOIN sessions s ON s.id = c.session_id ORDER BY c.session_id"
    )
    assert {row[0]: row[1] for row in migrated} == first_talk
    for _sid, _sub, kind, position, title, minutes, session_title, starts, ends in migrated:
        assert (kind, position, title) == ("talk", 0, session_title)
        assert minutes == _minutes(starts, ends)
    # Every speaker of a migrated talk session presents its one contribution.
    for session_id in first_talk:
        linked = _rows(
            "SELECT COUNT(*) FROM session_speakers WHERE session_id = :s "
            "AND contribution_id IS NULL",
            s=session_id,
        )
        assert linked == [(0,)]
