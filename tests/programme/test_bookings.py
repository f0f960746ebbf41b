"""Bookings: seats, the waiting list, promotion by mail, clashes, and who may book."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from conference.accreditation.models import RegistrationState
from conference.audit import AuditEntry
from conference.db import utcnow
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.programme.models import Booking, BookingState, ProgrammeSession
from tests.confirming import confirm_post
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import (
    accredit,
    make_attendee,
    make_category,
    make_room,
    make_session,
)


def _bookings(session_id, state=None):
    query = sa.select(Booking).where(Booking.session_id == session_id)
    if state:
        query = query.where(Booking.state == state)
    return list(db.session.scalars(query.order_by(Booking.id)))


def _count(session_id):
    db.session.expire_all()
    return db.session.get(ProgrammeSession, session_id).booked_count


@pytest.fixture
def workshop(app):
    edition = make_edition()
    return make_session(
        edition,
        title="Risk assessment workshop",
        booking_required=True,
        capacity=2,
        room=make_room(edition, name="Atelier", capacity=20),
    )


def test_attendee_books_a_seat(app, login, workshop):
    person = make_attendee()
    client = login(person)
    response = client.post(f"/2027/sessions/{workshop.id}/book")
    assert response.status_code == 303
    assert "Your seat is booked" in client.get(response.location).get_data(as_text=True)
    [booking] = _bookings(workshop.id)
    assert booking.state == BookingState.BOOKED and booking.user_id == person.id
    assert _count(workshop.id) == 1
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "booking.create"))
    agenda = client.get("/2027/me/agenda").get_data(as_text=True)
    assert "Risk assessment workshop" in agenda and "Booked" in agenda


def test_full_session_waitlists_then_promotes_and_mails(app, login, workshop):
    first, second, third = (make_attendee(full_name=n) for n in ("Ann", "Ben", "Cleo"))
    for person in (first, second, third):
        login(person).post(f"/2027/sessions/{workshop.id}/book")
    states = [(b.user_id, b.state) for b in _bookings(workshop.id)]
    assert states == [
        (first.id, BookingState.BOOKED),
        (second.id, BookingState.BOOKED),
        (third.id, BookingState.WAITLISTED),
    ]
    assert _count(workshop.id) == 2
    page = login(third).get("/2027/me/agenda").get_data(as_text=True)
    assert "Waiting list (#1)" in page

    booking = _bookings(workshop.id)[0]
    response = confirm_post(login(first), f"/2027/bookings/{booking.id}/cancel")
    assert response.status_code == 303
    db.session.expire_all()
    states = {b.user_id: b.state for b in _bookings(workshop.id)}
    assert states == {
        first.id: BookingState.CANCELLED,
        second.id: BookingState.BOOKED,
        third.id: BookingState.BOOKED,
    }
    assert _count(workshop.id) == 2
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "programme_booking_promoted")
    ).all()
    assert [m.to for m in mail] == [third.email]
    assert "Risk assessment workshop" in mail[0].text_body
    assert "http://" in mail[0].text_body or "https://" in mail[0].text_body


def test_promotion_mail_is_delivered(app, login, workshop, smtp_server):
    from conference.mail import send_pending

    people = [make_attendee() for _ in range(3)]
    for person in people:
        login(person).post(f"/2027/sessions/{workshop.id}/book")
    booking = _bookings(workshop.id)[0]
    confirm_post(login(people[0]), f"/2027/bookings/{booking.id}/cancel")
    send_pending()
    messages = smtp_server.wait_for(1)
    assert any(m["To"] == people[2].email and "You have a seat" in m["Subject"] for m in messages)


def test_leaving_the_waiting_list_frees_nothing(app, login, workshop):
    people = [make_attendee() for _ in range(3)]
    for person in people:
        login(person).post(f"/2027/sessions/{workshop.id}/book")
    waiting = _bookings(workshop.id, BookingState.WAITLISTED)[0]
    confirm_post(login(people[2]), f"/2027/bookings/{waiting.id}/cancel")
    db.session.expire_all()
    assert db.session.get(Booking, waiting.id).state == BookingState.CANCELLED
    assert _count(workshop.id) == 2


def test_double_booking_refused(app, login, workshop):
    person = make_attendee()
    client = login(person)
    client.post(f"/2027/sessions/{workshop.id}/book")
    response = client.post(f"/2027/sessions/{workshop.id}/book", follow_redirects=True)
    assert "already have a seat" in response.get_data(as_text=True)
    assert len(_bookings(workshop.id)) == 1 and _count(workshop.id) == 1


def test_overlapping_booking_refused_naming_the_clash(app, login, workshop):
    edition = make_edition()
    overlapping = make_session(
        edition, title="Export control clinic", hour=10, minutes=30, booking_required=True
    )
    person = make_attendee()
    client = login(person)
    client.post(f"/2027/sessions/{workshop.id}/book")
    response = client.post(f"/2027/sessions/{overlapping.id}/book", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "overlaps with “Risk assessment workshop”" in text
    assert _bookings(overlapping.id) == [] and _count(overlapping.id) == 0
    # once the first booking is cancelled the other can be booked
    booking = _bookings(workshop.id)[0]
    confirm_post(client, f"/2027/bookings/{booking.id}/cancel")
    client.post(f"/2027/sessions/{overlapping.id}/book")
    assert _bookings(overlapping.id)[0].state == BookingState.BOOKED


@pytest.mark.parametrize("who", ["not_accredited", "submitted", "wrong_category"])
def test_uncleared_people_cannot_book(app, login, who):
    edition = make_edition()
    mse = make_category(edition, code="MSE")
    other = make_category(edition, code="GEN")
    session = make_session(edition, booking_required=True, capacity=5, restricted_to=[mse])
    open_session = make_session(edition, hour=15, booking_required=True, capacity=5)
    person = make_user()
    if who == "submitted":
        accredit(person, mse, edition, state=RegistrationState.SUBMITTED)
    elif who == "wrong_category":
        accredit(person, other, edition)
    client = login(person)
    response = client.post(f"/2027/sessions/{session.id}/book", follow_redirects=True)
    assert response.status_code == 200
    assert "not cleared" in response.get_data(as_text=True)
    assert _bookings(session.id) == [] and _count(session.id) == 0
    response = client.post(f"/2027/sessions/{open_session.id}/book", follow_redirects=True)
    if who == "wrong_category":
        assert _bookings(open_session.id)[0].state == BookingState.BOOKED
    else:
        assert "Only accredited attendees" in response.get_data(as_text=True)
        assert _bookings(open_session.id) == []


def test_anonymous_cannot_book(app, client, workshop):
    response = client.post(f"/2027/sessions/{workshop.id}/book")
    assert response.status_code == 302 and "/login" in response.location
    assert _bookings(workshop.id) == []


def test_cannot_book_unbookable_cancelled_or_past(app, login):
    edition = make_edition()
    free = make_session(edition, hour=9)
    cancelled = make_session(edition, hour=11, booking_required=True, state="cancelled")
    past = make_session(
        edition,
        starts_at=utcnow() - dt.timedelta(hours=2),
        ends_at=utcnow() - dt.timedelta(hours=1),
        booking_required=True,
    )
    client = login(make_attendee())
    for session, message in (
        (free, "needs no booking"),
        (cancelled, "is cancelled"),
        (past, "already started"),
    ):
        response = client.post(f"/2027/sessions/{session.id}/book", follow_redirects=True)
        assert message in response.get_data(as_text=True)
        assert _bookings(session.id) == []


def test_unknown_or_other_edition_session_is_404(app, login):
    make_edition()
    other = make_edition(2026)
    foreign = make_session(other, booking_required=True)
    client = login(make_attendee())
    assert client.post("/2027/sessions/999999/book").status_code == 404
    assert client.post(f"/2027/sessions/{foreign.id}/book").status_code == 404
    assert _bookings(foreign.id) == []


def test_someone_elses_booking_cannot_be_cancelled(app, login, workshop):
    owner, intruder = make_attendee(), make_attendee()
    login(owner).post(f"/2027/sessions/{workshop.id}/book")
    booking = _bookings(workshop.id)[0]
    assert login(intruder).post(f"/2027/bookings/{booking.id}/cancel").status_code == 403
    assert login(owner).post("/2027/bookings/999999/cancel").status_code == 404
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).state == BookingState.BOOKED


def test_archived_edition_takes_no_bookings(app, login):
    edition = make_edition(2025, state="archived")
    session = make_session(
        edition,
        starts_at=utcnow() + dt.timedelta(days=3),
        ends_at=utcnow() + dt.timedelta(days=3, hours=1),
        booking_required=True,
    )
    person = make_user()
    accredit(person, make_category(edition), edition)
    response = login(person).post(f"/2025/sessions/{session.id}/book", follow_redirects=True)
    assert "archived" in response.get_data(as_text=True)
    assert _bookings(session.id) == []


def test_organiser_sees_and_exports_the_booking_list(app, login, workshop):
    organiser = grant(make_user(), "organiser")
    people = [make_attendee(full_name=f'=HYPERLINK("x") {i}') for i in range(3)]
    for person in people:
        login(person).post(f"/2027/sessions/{workshop.id}/book")
    client = login(organiser)
    page = client.get(f"/2027/admin/programme/sessions/{workshop.id}/bookings")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert people[0].email in text and "Waiting" in text
    csv = client.get(f"/2027/admin/programme/sessions/{workshop.id}/bookings.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    body = csv.get_data(as_text=True)
    assert "'=HYPERLINK" in body and people[2].email in body and "waitlisted" in body
    # an organiser may cancel someone's booking; the waiting person moves up
    booking = _bookings(workshop.id)[0]
    confirm_post(client, f"/2027/bookings/{booking.id}/cancel")
    db.session.expire_all()
    assert {b.user_id: b.state for b in _bookings(workshop.id)}[people[2].id] == "booked"


def test_booking_list_is_for_organisers_only(app, login, workshop):
    attendee = make_attendee()
    staff = grant(make_user(), "staff")
    for user in (attendee, staff):
        client = login(user)
        assert (
            client.get(f"/2027/admin/programme/sessions/{workshop.id}/bookings").status_code == 403
        )
        assert (
            client.get(f"/2027/admin/programme/sessions/{workshop.id}/bookings.csv").status_code
            == 403
        )
    anonymous = app.test_client().get(f"/2027/admin/programme/sessions/{workshop.id}/bookings")
    assert anonymous.status_code == 302


@pytest.mark.parametrize("how", ["revoked", "cancelled"])
def test_revoked_or_cancelled_registration_releases_seats(app, login, workshop, how):
    from conference.accreditation import services as accreditation

    edition = make_edition()
    category = make_category(edition)
    holder = make_user()
    registration = accredit(holder, category, edition)
    other, waiting = make_attendee(category), make_attendee(category)
    for person in (holder, other, waiting):
        login(person).post(f"/2027/sessions/{workshop.id}/book")
    organiser = grant(make_user(), "organiser", edition)
    if how == "revoked":
        accreditation.transition(registration, "revoked", organiser, reason="Left the ministry")
    else:
        accreditation.cancel(registration, holder)
    db.session.commit()
    states = {b.user_id: b.state for b in _bookings(workshop.id)}
    assert states == {holder.id: "cancelled", other.id: "booked", waiting.id: "booked"}
    assert _count(workshop.id) == 2


def test_cancelling_a_session_mails_people_with_seats(app, login, workshop):
    people = [make_attendee() for _ in range(3)]
    for person in people:
        login(person).post(f"/2027/sessions/{workshop.id}/book")
    organiser = grant(make_user(), "organiser")
    response = login(organiser).post(
        f"/2027/admin/programme/sessions/{workshop.id}/cancel",
        data={"reason": "The trainer is ill."},
    )
    assert response.status_code == 303
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "programme_session_cancelled")
    ).all()
    assert sorted(m.to for m in mail) == sorted(p.email for p in people)
    assert "The trainer is ill." in mail[0].text_body
    agenda = login(people[0]).get("/2027/me/agenda").get_data(as_text=True)
    assert "Cancelled: The trainer is ill." in agenda


@pytest.mark.postgres
def test_parallel_bookings_never_exceed_capacity(app):
    edition = make_edition()
    session = make_session(edition, booking_required=True, capacity=5)
    people = [make_attendee() for _ in range(20)]
    session_id, edition_id = session.id, edition.id
    user_ids = [p.id for p in people]
    db.session.remove()
    barrier = threading.Barrier(len(user_ids))
    errors: list = []

    def attempt(user_id):
        from conference.accounts.models import User
        from conference.editions.models import Edition
        from conference.programme import services

        with app.app_context():
            try:
                # start together; connections beyond the pool's size queue for a free one
                barrier.wait(timeout=10)
                user = db.session.get(User, user_id)
                edition = db.session.get(Edition, edition_id)
                services.book(user, edition, session_id)
                db.session.commit()
            except Exception as exc:  # collected and asserted below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    booked = _bookings(session_id, BookingState.BOOKED)
    waiting = _bookings(session_id, BookingState.WAITLISTED)
    assert len(booked) == 5 and len(waiting) == 15
    assert _count(session_id) == 5


@pytest.mark.postgres
def test_parallel_overlapping_bookings_of_one_person_give_one_seat(app):
    edition = make_edition()
    sessions = [make_session(edition, booking_required=True, capacity=5, hour=10) for _ in range(6)]
    person = make_attendee()
    person_id, edition_id = person.id, edition.id
    session_ids = [s.id for s in sessions]
    db.session.remove()
    barrier = threading.Barrier(len(session_ids))
    outcomes: list = []

    def attempt(session_id):
        from conference.accounts.models import User
        from conference.editions.models import Edition
        from conference.errors import DomainError
        from conference.programme import services

        with app.app_context():
            try:
                barrier.wait(timeout=10)
                services.book(
                    db.session.get(User, person_id), db.session.get(Edition, edition_id), session_id
                )
                db.session.commit()
                outcomes.append("booked")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(sid,)) for sid in session_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["booked"] + ["refused"] * 5
    live = db.session.scalars(
        sa.select(Booking).where(Booking.user_id == person_id, Booking.state == BookingState.BOOKED)
    ).all()
    assert len(live) == 1


def _edit_form(session, **overrides):
    local_start = session.starts_at.astimezone(make_edition().tz)
    local_end = session.ends_at.astimezone(make_edition().tz)
    data = {
        "title": session.title,
        "starts_at": local_start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": local_end.strftime("%Y-%m-%dT%H:%M"),
        "state": "scheduled",
        "access": "open",
        "booking_required": "y",
        "capacity": str(session.capacity),
    }
    data.update(overrides)
    return data


def test_capacity_cannot_drop_below_booked_seats(app, login, workshop):
    people = [make_attendee() for _ in range(2)]
    for person in people:
        login(person).post(f"/2027/sessions/{workshop.id}/book")
    organiser = login(grant(make_user(), "organiser"))
    response = organiser.post(
        f"/2027/admin/programme/sessions/{workshop.id}/edit",
        data=_edit_form(workshop, capacity="1"),
    )
    assert response.status_code == 409
    assert "2 seats are already booked" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, workshop.id).capacity == 2


def test_raising_the_capacity_seats_waiting_people(app, login, workshop):
    people = [make_attendee() for _ in range(4)]
    for person in people:
        login(person).post(f"/2027/sessions/{workshop.id}/book")
    assert len(_bookings(workshop.id, BookingState.WAITLISTED)) == 2
    organiser = login(grant(make_user(), "organiser"))
    response = organiser.post(
        f"/2027/admin/programme/sessions/{workshop.id}/edit",
        data=_edit_form(workshop, capacity="3"),
    )
    assert response.status_code == 303
    db.session.expire_all()
    states = {b.user_id: b.state for b in _bookings(workshop.id)}
    assert states[people[2].id] == "booked" and states[people[3].id] == "waitlisted"
    assert _count(workshop.id) == 3
    promoted = db.session.scalars(
        sa.select(OutboxMessage.to).where(OutboxMessage.template == "programme_booking_promoted")
    ).all()
    assert promoted == [people[2].email]
