"""Confirmation steps in the programme: deleting rooms, tracks and session types; cancelling
a booking (which says whether the seat passes on to someone waiting)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.mail import OutboxMessage
from conference.programme.models import Booking, BookingState, Room, SessionType, Track
from tests.confirming import confirm_post
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import make_attendee, make_room, make_session, make_track, make_type


@pytest.fixture
def org(login, app):
    return login(grant(make_user(), "organiser", make_edition()))


@pytest.mark.parametrize(
    "kind,model,factory",
    [("rooms", Room, make_room), ("tracks", Track, make_track), ("types", SessionType, make_type)],
)
def test_deleting_a_setting_needs_confirmation(org, kind, model, factory):
    obj = factory(make_edition(), name="Salle Europa")
    url = f"/2027/admin/programme/{kind}/{obj.id}/delete"
    response = org.post(url)
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    db.session.expire_all()
    assert db.session.get(model, obj.id) is not None
    page = org.get(url).get_data(as_text=True)
    assert "“Salle Europa”" in page and "deleted for good" in page
    assert db.session.get(model, obj.id) is not None
    # The list offers the step, not the deletion itself.
    listing = org.get(f"/2027/admin/programme/{kind}").get_data(as_text=True)
    assert f'<form method="get" action="{url}"' in listing
    assert confirm_post(org, url).status_code == 303
    db.session.expire_all()
    assert db.session.get(model, obj.id) is None


def test_a_used_room_shows_why_it_cannot_go(org):
    edition = make_edition()
    room = make_room(edition, name="Hall")
    make_session(edition, room=room)
    page = org.get(f"/2027/admin/programme/rooms/{room.id}/delete").get_data(as_text=True)
    assert "is used by 1 session" in page
    assert "Delete Hall" not in page  # no confirm button


@pytest.fixture
def workshop(app):
    edition = make_edition()
    return make_session(edition, title="Risk workshop", booking_required=True, capacity=1)


def _book(login, person, session):
    login(person).post(f"/2027/sessions/{session.id}/book")
    return db.session.scalar(
        sa.select(Booking).where(Booking.session_id == session.id, Booking.user_id == person.id)
    )


def _state(booking) -> str:
    db.session.expire_all()
    return db.session.get(Booking, booking.id).state


def test_cancelling_a_booking_says_the_seat_passes_to_the_first_waiting(login, workshop):
    first, second = make_attendee(), make_attendee()
    booking = _book(login, first, workshop)
    waiting = _book(login, second, workshop)
    assert waiting.state == BookingState.WAITLISTED
    client = login(first)
    url = f"/2027/bookings/{booking.id}/cancel"
    response = client.post(url)
    assert response.status_code == 303
    assert (_state(booking), _state(waiting)) == ("booked", "waitlisted")
    page = client.get(url).get_data(as_text=True)
    assert "Cancel the booking for “Risk workshop”?" in page
    assert "1 person is waiting" in page and "passes on at once to the first person" in page
    assert second.email not in page  # the attendee is not told who is waiting
    assert confirm_post(client, url).status_code == 303
    assert (_state(booking), _state(waiting)) == ("cancelled", "booked")


def test_cancelling_a_booking_nobody_waits_for(login, workshop):
    person = make_attendee()
    booking = _book(login, person, workshop)
    page = login(person).get(f"/2027/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert "Nobody is waiting" in page
    assert _state(booking) == "booked"


def test_a_confirmation_given_before_someone_joined_the_waiting_list_is_refused(login, workshop):
    from tests.confirming import confirm_token

    first, second = make_attendee(), make_attendee()
    booking = _book(login, first, workshop)
    client = login(first)
    url = f"/2027/bookings/{booking.id}/cancel"
    token = confirm_token(client, url)  # "nobody is waiting"
    _book(login, second, workshop)
    response = client.post(url, data={"confirm": "yes", "confirm_token": token})
    assert response.status_code == 409
    assert "1 person is waiting" in response.get_data(as_text=True)
    assert _state(booking) == "booked"


def test_leaving_the_waiting_list_is_confirmed_too(login, workshop):
    first, second = make_attendee(), make_attendee()
    _book(login, first, workshop)
    waiting = _book(login, second, workshop)
    client = login(second)
    url = f"/2027/bookings/{waiting.id}/cancel"
    assert client.post(url).status_code == 303
    assert _state(waiting) == "waitlisted"
    assert "Leave the waiting list" in client.get(url).get_data(as_text=True)
    assert confirm_post(client, url).status_code == 303
    assert _state(waiting) == "cancelled"


def test_organiser_cancelling_someones_booking_sees_whose(login, workshop):
    person = make_attendee(full_name="Petra Person")
    booking = _book(login, person, workshop)
    organiser = login(grant(make_user(), "organiser", make_edition()))
    url = f"/2027/bookings/{booking.id}/cancel"
    page = organiser.get(url).get_data(as_text=True)
    assert "Petra Person" in page and person.email in page
    assert organiser.post(url, data={"next": "/2027/"}).status_code == 303
    assert _state(booking) == "booked"
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_the_confirmation_page_is_not_for_others(login, workshop):
    person = make_attendee()
    booking = _book(login, person, workshop)
    assert login(make_attendee()).get(f"/2027/bookings/{booking.id}/cancel").status_code == 403
    assert _state(booking) == "booked"
