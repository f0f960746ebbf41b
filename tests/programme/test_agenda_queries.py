"""The grid, the agenda with stars and the agenda API use a constant number of queries."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import AgendaStar, ProgrammeSession
from tests.factories import bearer
from tests.programme.test_queries import _measure, count_queries


def _star_everything(edition, person):
    for session_id in db.session.scalars(sa.select(ProgrammeSession.id)):
        db.session.add(AgendaStar(edition_id=edition.id, session_id=session_id, user_id=person.id))
    db.session.commit()


@pytest.mark.parametrize("channel", ["grid_anonymous", "grid_attendee", "agenda", "api_agenda"])
def test_constant_query_count(app, login, channel):
    def run(edition, person):
        _star_everything(edition, person)
        headers = {}
        if channel == "grid_anonymous":
            client, url = app.test_client(), "/2027/programme/grid?day=2027-06-09"
        elif channel == "grid_attendee":
            client, url = login(person), "/2027/programme/grid?day=2027-06-09"
        elif channel == "agenda":
            client, url = login(person), "/2027/me/agenda"
        else:
            client, url, headers = (
                app.test_client(),
                "/api/v1/editions/2027/me/agenda",
                bearer(person),
            )
        client.get(url, headers=headers)
        with count_queries() as statements:
            response = client.get(url, headers=headers)
        assert response.status_code == 200
        return len(statements), response

    few, small = _measure(app, 5, run)
    db.session.remove()
    for table in (
        "agenda_stars",
        "bookings",
        "session_speakers",
        "session_invitations",
        "session_categories",
    ):
        db.session.execute(sa.text(f"DELETE FROM {table}"))
    db.session.execute(sa.text("DELETE FROM sessions"))
    db.session.commit()
    many, large = _measure(app, 50, run)
    assert len(large.get_data()) > len(small.get_data())
    assert few == many, (few, many)
