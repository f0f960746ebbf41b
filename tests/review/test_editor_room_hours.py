"""Room hours in the grid editor and the chair's placement: a move, a resize or a new session
outside the room's opening hours is refused with that conflict (unless forced); inside them it
is saved."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import ProgrammeSession, Room, SessionType
from conference.submissions.models import Decision
from tests.factories import grant, make_user

MOVE = "/2027/admin/programme/editor/move"
OUTSIDE = "The session is outside the room's opening hours (Room A: 09:00–18:00)."


@pytest.fixture
def rooms(world):
    """Room A open 09:00–18:00 (Brussels), Room B without hours; a session in Room A at 10:00."""
    edition = world.edition
    room_a = Room(
        edition_id=edition.id,
        name="Room A",
        position=0,
        opens_at=dt.time(9),
        closes_at=dt.time(18),
    )
    room_b = Room(edition_id=edition.id, name="Room B", position=1)
    db.session.add_all([room_a, room_b])
    db.session.flush()
    session = ProgrammeSession(
        edition_id=edition.id,
        title="Morning panel",
        room_id=room_a.id,
        starts_at=dt.datetime(2027, 6, 9, 8, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 6, 9, 9, tzinfo=dt.UTC),
    )
    db.session.add(session)
    db.session.commit()
    organiser = grant(make_user(), "organiser", edition)
    return dict(a=room_a, b=room_b, session=session, organiser=organiser)


def _local(hour, minute=0):
    return f"2027-06-09T{hour:02d}:{minute:02d}:00+02:00"


def _times(session_id):
    db.session.expire_all()
    s = db.session.get(ProgrammeSession, session_id)
    return s.room_id, s.starts_at, s.ends_at


def _move(client, rooms, room, start, end, **extra):
    body = {
        "session_id": rooms["session"].id,
        "room_id": rooms[room].id,
        "starts_at": start,
        "ends_at": end,
        **extra,
    }
    return client.post(MOVE, json=body)


@pytest.mark.parametrize(
    "start,end",
    [
        (_local(8, 30), _local(9, 30)),  # moved before the room opens
        (_local(17, 30), _local(18, 30)),  # moved past closing
        (_local(10), _local(18, 5)),  # resized past closing
    ],
)
def test_a_move_or_resize_outside_the_room_hours_is_refused(rooms, login, start, end):
    client = login(rooms["organiser"])
    before = _times(rooms["session"].id)
    response = _move(client, rooms, "a", start, end)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "clashes"
    assert OUTSIDE in response.json["conflicts"]
    assert _times(rooms["session"].id) == before


def test_a_move_inside_the_hours_or_to_a_room_without_hours_is_saved(rooms, login):
    client = login(rooms["organiser"])
    inside = _move(client, rooms, "a", _local(9), _local(18))
    assert inside.status_code == 200, inside.json
    assert _times(rooms["session"].id)[1] == dt.datetime(2027, 6, 9, 7, tzinfo=dt.UTC)
    early = _move(client, rooms, "b", _local(7), _local(8))
    assert early.status_code == 200, early.json
    assert _times(rooms["session"].id)[0] == rooms["b"].id


def test_an_organiser_may_insist_on_a_move_outside_the_hours(rooms, login):
    client = login(rooms["organiser"])
    response = _move(client, rooms, "a", _local(18), _local(19), force=True)
    assert response.status_code == 200
    assert _times(rooms["session"].id)[1] == dt.datetime(2027, 6, 9, 16, tzinfo=dt.UTC)


def test_the_editor_shows_the_room_hours(rooms, login):
    client = login(rooms["organiser"])
    page = client.get("/2027/admin/programme/editor?day=2027-06-09").get_data(as_text=True)
    assert "open 09:00–18:00" in page


def test_placing_a_talk_outside_the_room_hours_is_refused(world, rooms, login):
    edition = world.edition
    talk = SessionType(edition_id=edition.id, code="talk", name="Talk")
    db.session.add(talk)
    world.submission.decision = Decision.ACCEPTED
    db.session.commit()
    chair = login(world.chair)
    url = f"/2027/review/chair/submissions/{world.submission.id}/programme"
    form = {
        "day": "2027-06-09",
        "start": "17:45",
        "duration_minutes": "30",
        "room_id": rooms["a"].id,
        "type_id": talk.id,
    }
    refused = chair.post(url, data=form)
    assert refused.status_code == 409
    assert "outside the room&#39;s opening hours" in refused.get_data(as_text=True)
    count = sa.select(sa.func.count()).select_from(ProgrammeSession)
    assert db.session.scalar(count) == 1
    placed = chair.post(url, data={**form, "start": "17:30"})
    assert placed.status_code == 302
    assert db.session.scalar(count) == 2
