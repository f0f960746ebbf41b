"""The programme page, the sessions API and the agenda use a constant number of queries."""

from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import Booking
from tests.factories import bearer, make_edition, make_user
from tests.programme.factories import (
    make_attendee,
    make_category,
    make_room,
    make_session,
    make_track,
    make_type,
)


@contextlib.contextmanager
def count_queries():
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def _add_sessions(edition, n, people, categories):
    room = make_room(edition)
    track = make_track(edition)
    session_type = make_type(edition)
    chair = make_user()
    for i in range(n):
        kind = i % 3
        session = make_session(
            edition,
            day=i % 2,
            hour=8 + (i % 10),
            room=room,
            track=track,
            type=session_type,
            chair=chair,
            speakers=["Guest speaker", people[0]],
            restricted_to=categories if kind == 1 else None,
            invited=people if kind == 2 else None,
            booking_required=True,
            capacity=100,
        )
        db.session.add(Booking(edition_id=edition.id, session_id=session.id, user_id=people[0].id))
    db.session.commit()


def _measure(app, n, request):
    edition = make_edition()
    category = make_category(edition)
    person = make_attendee(category, edition)
    _add_sessions(edition, n, [person], [category])
    return request(edition, person)


@pytest.mark.parametrize(
    "channel",
    ["programme_anonymous", "programme_attendee", "api_anonymous", "api_bearer", "agenda"],
)
def test_constant_query_count(app, login, channel):
    def run(edition, person):
        if channel == "programme_anonymous":
            client, url, headers = app.test_client(), "/2027/programme", {}
        elif channel == "programme_attendee":
            client, url, headers = login(person), "/2027/programme", {}
        elif channel == "api_anonymous":
            client, url, headers = app.test_client(), "/api/v1/editions/2027/sessions", {}
        elif channel == "api_bearer":
            client, url = app.test_client(), "/api/v1/editions/2027/sessions"
            headers = bearer(person)
        else:
            client, url, headers = login(person), "/2027/me/agenda", {}
        client.get(url, headers=headers)  # warm up (first-request work)
        with count_queries() as statements:
            response = client.get(url, headers=headers)
        assert response.status_code == 200
        return len(statements), response

    few, small = _measure(app, 5, run)
    db.session.remove()
    for table in ("bookings", "session_speakers", "session_invitations", "session_categories"):
        db.session.execute(sa.text(f"DELETE FROM {table}"))
    db.session.execute(sa.text("DELETE FROM sessions"))
    db.session.commit()
    many, large = _measure(app, 50, run)
    assert len(large.get_data()) > len(small.get_data())
    assert few == many, (few, many)
