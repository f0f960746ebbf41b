"""After an edition's first release, bookings follow the released programme: a cancellation
or a capacity raised in the draft mails nobody and hands out no seat until it is released
(the release does both then), and refusals describe the release, never the draft. Before
the first release every change acts at once, as before releases existed."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.errors import DomainError
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.programme import services
from conference.programme.models import Booking, BookingState, ProgrammeSession, SessionState
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import make_attendee, make_category, make_room, make_session


@pytest.fixture
def stage(app):
    """A full workshop (two seats, one person waiting) and a talk, in edition 2027."""
    edition = make_edition(2027, timezone="Europe/Brussels")
    organiser = grant(make_user(), "organiser", edition)
    category = make_category(edition, code="ATT")
    people = [make_attendee(category, edition) for _ in range(4)]
    workshop = make_session(
        edition,
        title="Risk workshop",
        hour=9,
        booking_required=True,
        capacity=2,
        room=make_room(edition, name="Atelier"),
    )
    talk = make_session(
        edition,
        title="Keynote",
        hour=14,
        booking_required=True,
        capacity=50,
        room=make_room(edition, name="Aula Magna"),
    )
    db.session.commit()
    for person in people[:3]:
        services.book(person, edition, workshop.id)
    db.session.commit()
    return dict(
        edition=edition,
        organiser=organiser,
        people=people,
        workshop=workshop,
        talk=talk,
    )


def _release(stage, version):
    services.release(stage["organiser"], stage["edition"], version, "")
    db.session.commit()


def _mails(template):
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == template))
    )


def _states(session_id):
    db.session.expire_all()
    return {
        b.user_id: b.state
        for b in db.session.scalars(sa.select(Booking).where(Booking.session_id == session_id))
    }


def _edit(stage, session, **changes):
    data = services.session_data_of(session, **changes)
    services.save_session(stage["organiser"], stage["edition"], data, session)
    db.session.commit()


# --- 1. cancellations ------------------------------------------------------------------------


def test_a_draft_cancellation_mails_nobody_until_the_release_says_cancelled(stage, login):
    _release(stage, "1.0")
    workshop = stage["workshop"]
    response = login(stage["organiser"]).post(
        f"/2027/admin/programme/sessions/{workshop.id}/cancel",
        data={"reason": "The trainer is ill."},
    )
    assert response.status_code == 303
    assert _mails("programme_session_cancelled") == []
    person = stage["people"][0]
    overlapping = make_session(
        stage["edition"], title="Same hour", hour=9, booking_required=True, capacity=5
    )
    _release(stage, "1.1")
    mails = {m.to: m.text_body for m in _mails("programme_release")}
    people = stage["people"][:3]
    assert set(mails) == {p.email for p in people}
    body = mails[person.email]
    assert "Risk workshop" in body and "cancelled" in body
    assert "The trainer is ill." in body
    assert _mails("programme_session_cancelled") == []
    # Released: the cancelled session no longer holds the person's hour.
    booking = services.book(person, stage["edition"], overlapping.id)
    assert booking.state == BookingState.BOOKED


def test_before_the_first_release_a_cancellation_mails_at_once(stage, login):
    workshop = stage["workshop"]
    response = login(stage["organiser"]).post(
        f"/2027/admin/programme/sessions/{workshop.id}/cancel",
        data={"reason": "The trainer is ill."},
    )
    assert response.status_code == 303
    mails = _mails("programme_session_cancelled")
    assert sorted(m.to for m in mails) == sorted(p.email for p in stage["people"][:3])


def test_a_draft_cancellation_keeps_the_seat_and_its_clash_until_released(stage, login):
    same_hour = make_session(
        stage["edition"], title="Same hour", hour=9, booking_required=True, capacity=5
    )
    _release(stage, "1.0")
    services.cancel_session(stage["organiser"], stage["workshop"], stage["edition"], "Ill.")
    db.session.commit()
    person = stage["people"][0]
    client = login(person)
    refused = client.post(f"/2027/sessions/{same_hour.id}/book", follow_redirects=True)
    assert "Risk workshop" in refused.get_data(as_text=True)
    assert _states(same_hour.id) == {}
    assert _states(stage["workshop"].id)[person.id] == BookingState.BOOKED
    _release(stage, "1.1")
    assert client.post(f"/2027/sessions/{same_hour.id}/book").status_code == 303
    assert _states(same_hour.id) == {person.id: BookingState.BOOKED}


# --- 2. seats added in the draft -----------------------------------------------------------


def test_a_capacity_raised_in_the_draft_gives_seats_only_when_released(stage, login):
    _release(stage, "1.0")
    workshop, waiting = stage["workshop"], stage["people"][2]
    assert _states(workshop.id)[waiting.id] == BookingState.WAITLISTED
    workshop.room = make_room(stage["edition"], name="Draft-only hall")
    db.session.commit()
    _edit(stage, workshop, capacity=3, room_id=workshop.room_id)
    assert _states(workshop.id)[waiting.id] == BookingState.WAITLISTED
    assert _mails("programme_booking_promoted") == []
    # Nobody new takes the seat before the release either: the newcomer waits too.
    newcomer = stage["people"][3]
    response = login(newcomer).post(f"/2027/sessions/{workshop.id}/book")
    assert response.status_code == 303
    assert _states(workshop.id)[newcomer.id] == BookingState.WAITLISTED
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, workshop.id).booked_count == 2
    _release(stage, "1.1")
    states = _states(workshop.id)
    assert states[waiting.id] == BookingState.BOOKED
    assert states[newcomer.id] == BookingState.WAITLISTED
    [promoted] = _mails("programme_booking_promoted")
    assert promoted.to == waiting.email
    assert "Draft-only hall" in promoted.text_body  # released with 1.1


def test_an_unlimited_capacity_in_the_draft_waits_for_the_release_too(stage):
    _release(stage, "1.0")
    workshop, waiting = stage["workshop"], stage["people"][2]
    _edit(stage, workshop, capacity=None)
    assert _states(workshop.id)[waiting.id] == BookingState.WAITLISTED
    assert _mails("programme_booking_promoted") == []
    _release(stage, "1.1")
    assert _states(workshop.id)[waiting.id] == BookingState.BOOKED
    assert [m.to for m in _mails("programme_booking_promoted")] == [waiting.email]


def test_promotion_mail_gives_the_released_time_and_room_not_the_draft(stage):
    _release(stage, "1.0")
    workshop, holder, waiting = stage["workshop"], stage["people"][0], stage["people"][2]
    workshop.room = make_room(stage["edition"], name="Secret new room")
    workshop.starts_at += dt.timedelta(hours=3)
    workshop.ends_at += dt.timedelta(hours=3)
    db.session.commit()
    booking = db.session.scalar(
        sa.select(Booking).where(Booking.session_id == workshop.id, Booking.user_id == holder.id)
    )
    services.cancel_booking(holder, stage["edition"], booking)
    db.session.commit()
    assert _states(workshop.id)[waiting.id] == BookingState.BOOKED
    [promoted] = _mails("programme_booking_promoted")
    assert "Atelier" in promoted.text_body and "09:00" in promoted.text_body
    assert "Secret new room" not in promoted.text_body and "12:00" not in promoted.text_body


def test_before_the_first_release_a_raised_capacity_promotes_at_once(stage):
    _edit(stage, stage["workshop"], capacity=3)
    assert _states(stage["workshop"].id)[stage["people"][2].id] == BookingState.BOOKED
    assert [m.to for m in _mails("programme_booking_promoted")] == [stage["people"][2].email]


# --- 3. refusals describe the release ------------------------------------------------------


def test_a_clash_names_the_released_time_of_the_other_session(stage, login):
    _release(stage, "1.0")
    person = stage["people"][3]
    services.book(person, stage["edition"], stage["talk"].id)
    db.session.commit()
    other = make_session(
        stage["edition"], title="Lunch clinic", hour=14, booking_required=True, capacity=5
    )
    _release(stage, "1.1")
    # The keynote moves by half an hour in the draft only.
    talk = stage["talk"]
    _edit(
        stage,
        talk,
        starts_at=talk.starts_at + dt.timedelta(minutes=30),
        ends_at=talk.ends_at + dt.timedelta(minutes=30),
    )
    response = login(person).post(f"/2027/sessions/{other.id}/book", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "overlaps with “Keynote” (" in page or "overlaps with &#8220;Keynote" in page
    assert "14:00" in page and "14:30" not in page
    assert _states(other.id) == {}


def test_a_draft_that_drops_booking_says_nothing_of_the_draft(stage, login):
    _release(stage, "1.0")
    talk = stage["talk"]
    _edit(stage, talk, booking_required=False)
    person = stage["people"][3]
    response = login(person).post(f"/2027/sessions/{talk.id}/book", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "needs no booking" not in page
    assert "bookings open again when the organisers publish" in page
    assert _states(talk.id) == {}


def test_a_draft_cancellation_refuses_with_the_same_neutral_message(stage):
    _release(stage, "1.0")
    talk = stage["talk"]
    talk.state, talk.cancel_reason = SessionState.CANCELLED, "Secret reason"
    db.session.commit()
    with pytest.raises(DomainError, match="bookings open again") as refused:
        services.book(stage["people"][3], stage["edition"], talk.id)
    assert "cancelled" not in str(refused.value)
    db.session.rollback()
    assert _states(talk.id) == {}
