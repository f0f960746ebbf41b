"""Rooms' daily opening hours: entered and validated on the room form, listed, copied by a
clone, and every session outside them gets the conflict "outside the room's opening hours"."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.editions import cloning
from conference.editions.models import Edition
from conference.errors import DomainError
from conference.extensions import db
from conference.programme import services
from conference.programme.models import ProgrammeSession, Room
from conference.programme.services.clashes import outside_room_hours
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import local, make_room, make_session
from tests.programme.test_demo import _seed

OUTSIDE = "outside the room's opening hours"
ROOMS = "/2027/admin/programme/rooms"


@pytest.fixture
def organiser(app):
    return grant(make_user(), "organiser", make_edition())


@pytest.fixture
def org(login, organiser):
    return login(organiser)


def _rooms():
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Room).order_by(Room.id)))


def _hall(edition):
    return make_room(edition, name="Hall", opens_at=dt.time(8, 0), closes_at=dt.time(19, 0))


# --- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start,end,outside",
    [
        ((8, 0), (19, 0), False),  # exactly the opening hours
        ((10, 0), (11, 0), False),
        ((7, 55), (9, 0), True),  # starts before it opens
        ((18, 30), (19, 5), True),  # ends after it closes
        ((6, 0), (7, 0), True),  # wholly before
    ],
)
def test_outside_room_hours_uses_local_time(app, start, end, outside):
    edition = make_edition()  # Europe/Brussels: UTC+2 in June
    room = _hall(edition)
    starts = local(edition, 0, *start)
    ends = local(edition, 0, *end)
    assert outside_room_hours(room, starts, ends, edition) is outside


def test_a_session_past_midnight_is_outside_and_a_room_without_hours_never(app):
    edition = make_edition()
    room = _hall(edition)
    starts, ends = local(edition, 0, 18), local(edition, 1, 9)
    assert outside_room_hours(room, starts, ends, edition)
    open_room = make_room(edition, name="Always open")
    assert not outside_room_hours(open_room, local(edition, 0, 2), ends, edition)


@pytest.mark.parametrize(
    "opens,closes,message",
    [
        (dt.time(8), None, "Give both the opening and the closing time"),
        (None, dt.time(19), "Give both the opening and the closing time"),
        (dt.time(19), dt.time(8), "The room must close after it opens."),
        (dt.time(9), dt.time(9), "The room must close after it opens."),
    ],
)
def test_save_room_refuses_bad_hours(app, organiser, opens, closes, message):
    edition = make_edition()
    with pytest.raises(DomainError, match=message):
        services.save_room(organiser, edition, name="Hall", opens_at=opens, closes_at=closes)
    db.session.rollback()
    assert _rooms() == []


def test_the_database_refuses_hours_in_the_wrong_order(app):
    edition = make_edition()
    db.session.add(
        Room(edition_id=edition.id, name="Bad", opens_at=dt.time(19), closes_at=dt.time(8))
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- the room form and list ----------------------------------------------------------------


def test_organiser_gives_a_room_hours_and_the_list_shows_them(app, org):
    response = org.post(
        ROOMS, data={"name": "Hall", "opens_at": "08:00", "closes_at": "19:00", "position": "0"}
    )
    assert response.status_code == 303
    (room,) = _rooms()
    assert (room.opens_at, room.closes_at) == (dt.time(8), dt.time(19))
    org.post(ROOMS, data={"name": "Annex", "position": "1"})
    page = org.get(ROOMS).get_data(as_text=True)
    assert "08:00–19:00" in page
    assert "No limit" in page
    form = org.get(f"{ROOMS}/{room.id}").get_data(as_text=True)
    assert '<label for="opens_at">Opening time</label>' in form
    assert 'value="08:00"' in form and 'value="19:00"' in form
    # clearing both removes the limit
    org.post(f"{ROOMS}/{room.id}", data={"name": "Hall", "opens_at": "", "closes_at": ""})
    room = _rooms()[0]
    assert (room.opens_at, room.closes_at) == (None, None)


@pytest.mark.parametrize(
    "hours,message",
    [
        ({"opens_at": "08:00"}, "Give both the opening and the closing time"),
        ({"closes_at": "19:00"}, "Give both the opening and the closing time"),
        ({"opens_at": "19:00", "closes_at": "08:00"}, "The room must close after it opens."),
        ({"opens_at": "soon", "closes_at": "19:00"}, "Not a valid time value"),
    ],
)
def test_bad_hours_on_the_form_are_refused_with_a_clear_message(app, org, hours, message):
    response = org.post(ROOMS, data={"name": "Hall", **hours})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _rooms() == []


def test_non_organiser_cannot_set_hours(app, login):
    edition = make_edition()
    room = make_room(edition, name="Hall")
    client = login(make_user())
    response = client.post(
        f"{ROOMS}/{room.id}", data={"name": "Hall", "opens_at": "08:00", "closes_at": "09:00"}
    )
    assert response.status_code in (403, 404)
    assert _rooms()[0].opens_at is None


def test_cloning_copies_the_hours(app):
    source = make_edition(2025, start_date=dt.date(2025, 6, 11), end_date=dt.date(2025, 6, 12))
    _hall(source)
    result = cloning.clone_edition(source, 2027, shift_days=728, with_programme=False)
    copy = db.session.scalar(sa.select(Room).where(Room.edition_id == result.edition.id))
    assert (copy.name, copy.opens_at, copy.closes_at) == ("Hall", dt.time(8), dt.time(19))


# --- the session form reports the conflict --------------------------------------------------


def _session_form(room, start, end):
    return {
        "title": "Early session",
        "description": "",
        "type_id": "",
        "track_id": "",
        "room_id": room.id,
        "starts_at": start,
        "ends_at": end,
        "speakers": "",
        "chair_email": "",
        "capacity": "",
        "state": "scheduled",
        "cancel_reason": "",
        "access": "open",
        "invitees": "",
    }


def test_session_form_reports_a_session_outside_the_room_hours(app, org):
    edition = make_edition()
    room = _hall(edition)
    response = org.post(
        "/2027/admin/programme/sessions/new",
        data=_session_form(room, "2027-06-09T07:30", "2027-06-09T08:30"),
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "The session is outside the room&#39;s opening hours (Hall: 08:00–19:00)." in text
    session = db.session.scalar(sa.select(ProgrammeSession))
    # a warning, as the other clashes on this form: moving it inside the hours clears it
    response = org.post(
        f"/2027/admin/programme/sessions/{session.id}/edit",
        data=_session_form(room, "2027-06-09T08:00", "2027-06-09T09:00"),
        follow_redirects=True,
    )
    assert "opening hours" not in response.get_data(as_text=True)


def test_clash_warnings_of_a_session_inside_and_outside_the_hours(app):
    edition = make_edition()
    room = _hall(edition)
    inside = make_session(edition, hour=18, minutes=60, room_id=room.id)
    late = make_session(edition, hour=18, minutes=90, room_id=room.id, title="Late")
    db.session.refresh(inside)
    db.session.refresh(late)
    assert not [w for w in services.clash_warnings(inside, edition) if OUTSIDE in w]
    assert [w for w in services.clash_warnings(late, edition) if OUTSIDE in w]


# --- demo -----------------------------------------------------------------------------------


def test_demo_rooms_have_hours_that_fit_their_sessions(app):
    _seed()
    _seed()  # idempotent: the hours are set once
    rooms = {r.name: r for r in _rooms()}
    assert (rooms["Plenary Hall"].opens_at, rooms["Plenary Hall"].closes_at) == (
        dt.time(8),
        dt.time(19),
    )
    assert not rooms["Meeting room 3"].has_hours
    for session in db.session.scalars(sa.select(ProgrammeSession)):
        edition = db.session.get(Edition, session.edition_id)
        if session.room_id is not None:
            room = db.session.get(Room, session.room_id)
            assert not outside_room_hours(room, session.starts_at, session.ends_at, edition)
