"""Parallel stars of one session by one person make one star and no error (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import AgendaStar
from tests.factories import make_edition
from tests.programme.factories import make_attendee, make_session


@pytest.mark.postgres
def test_parallel_stars_make_one_row(app):
    edition = make_edition()
    session = make_session(edition, title="Popular keynote")
    person = make_attendee(edition=edition)
    session_id, edition_id, user_id = session.id, edition.id, person.id
    db.session.remove()
    workers = 8
    barrier = threading.Barrier(workers)
    errors: list = []
    created: list[bool] = []

    def attempt():
        from conference.accounts.models import User
        from conference.editions.models import Edition
        from conference.programme import services

        with app.app_context():
            try:
                barrier.wait(timeout=10)
                user = db.session.get(User, user_id)
                created.append(services.star(user, db.session.get(Edition, edition_id), session_id))
                db.session.commit()
            except Exception as exc:  # collected and asserted below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert created.count(True) >= 1
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(AgendaStar).where(AgendaStar.user_id == user_id)
    )
    assert count == 1
