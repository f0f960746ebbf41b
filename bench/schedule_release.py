"""Benchmark of releasing the programme (issue 19): a 300-session schedule with 50 changes.

Builds a throw-away migrated SQLite database with the calendar benchmark's programme (300
sessions, 3 days, 6 rooms), gives every session a speaker with an account and two bookings,
releases version 1.0, then makes 50 changes (20 moved, 10 room changes, 10 renamed, 5
cancelled, 5 new) and times releasing 1.1: the diff, SEQUENCE bumps, the snapshot and queuing
the mails to the affected speakers and bookers. Target: under 2 s.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from pathlib import Path

from bench.calendar import _app, generate

TARGET_S = 2.0


def _people(edition) -> None:
    """A speaker account per session and two bookings per session (bulk inserts)."""
    import sqlalchemy as sa

    from conference.accounts.models import User
    from conference.extensions import db
    from conference.programme.models import Booking, ProgrammeSession, SessionSpeaker

    sessions = db.session.scalars(
        sa.select(ProgrammeSession).where(ProgrammeSession.edition_id == edition.id)
    ).all()
    db.session.execute(
        sa.insert(User),
        [
            {"email": f"person{i}@release.example.org", "full_name": f"Person {i}"}
            for i in range(900)
        ],
    )
    users = db.session.scalars(
        sa.select(User.id).where(User.email.like("person%@release.example.org")).order_by(User.id)
    ).all()
    db.session.execute(
        sa.insert(SessionSpeaker),
        [
            {"session_id": s.id, "user_id": users[i], "name": f"Person {i}", "position": 9}
            for i, s in enumerate(sessions)
        ],
    )
    db.session.execute(
        sa.insert(Booking),
        [
            {
                "edition_id": edition.id,
                "session_id": s.id,
                "user_id": users[300 + (2 * i + k) % 600],
            }
            for i, s in enumerate(sessions)
            for k in range(2)
        ],
    )
    db.session.commit()


def _fifty_changes(edition) -> None:
    import sqlalchemy as sa

    from conference.extensions import db
    from conference.programme.models import ProgrammeSession, Room, SessionState

    sessions = db.session.scalars(
        sa.select(ProgrammeSession)
        .where(ProgrammeSession.edition_id == edition.id)
        .order_by(ProgrammeSession.id)
    ).all()
    rooms = db.session.scalars(sa.select(Room).where(Room.edition_id == edition.id)).all()
    for s in sessions[0:20]:
        s.starts_at += dt.timedelta(minutes=15)
        s.ends_at += dt.timedelta(minutes=15)
    for s in sessions[20:30]:
        s.room_id = rooms[(rooms.index(s.room) + 1) % len(rooms)].id
    for s in sessions[30:40]:
        s.title += " (new title)"
    for s in sessions[40:45]:
        s.state = SessionState.CANCELLED
        s.cancel_reason = "Speaker unavailable."
    for n in range(5):
        db.session.add(
            ProgrammeSession(
                edition_id=edition.id,
                title=f"Added session {n}",
                starts_at=sessions[n].starts_at + dt.timedelta(hours=9),
                ends_at=sessions[n].ends_at + dt.timedelta(hours=9),
            )
        )
    db.session.commit()


def run() -> None:
    """Print the seconds to release 50 changes of a 300-session schedule, mails included."""
    from flask_migrate import upgrade

    logging.getLogger("alembic").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-release-") as tmp:
        app = _app(Path(tmp))
        with app.app_context(), app.test_request_context():
            upgrade()
            import sqlalchemy as sa

            from conference.accounts.models import Role, RoleAssignment, User
            from conference.extensions import db
            from conference.mail import OutboxMessage
            from conference.programme import services

            edition = generate(2027, 300)
            _people(edition)
            organiser = User(email="organiser@release.example.org", full_name="Olga Organiser")
            db.session.add(organiser)
            db.session.flush()
            db.session.add(
                RoleAssignment(user_id=organiser.id, edition_id=edition.id, role=Role.ORGANISER)
            )
            db.session.commit()
            services.release(organiser, edition, "1.0", "")
            db.session.commit()
            _fifty_changes(edition)
            before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
            started = time.perf_counter()
            record = services.release(organiser, edition, "1.1", "Fifty changes.")
            db.session.commit()
            seconds = time.perf_counter() - started
            mails = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
            verdict = "met" if seconds < TARGET_S else "SLOW"
            print(
                f"schedule release 300 sessions, {len(record.changes)} changes: {seconds:.2f} s"
                f" ({mails - before} mails queued; target < {TARGET_S:.0f} s: {verdict})",
                flush=True,
            )
            db.engine.dispose()


if __name__ == "__main__":
    run()
