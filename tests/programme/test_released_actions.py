"""Attendees act on the released programme only: booking or starring a session that exists
only in the draft is a 404 (as if it did not exist), one the release shows cancelled,
restricted or without booking is refused, and a refusal leaves no row. Organisers still
preview the draft."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.errors import DomainError
from conference.extensions import db
from conference.programme import services
from conference.programme.models import AgendaStar, Booking, SessionState
from tests.factories import bearer, grant, make_edition, make_user
from tests.programme.factories import make_attendee, make_category, make_session

AGENDA = "/api/v1/editions/2027/me/agenda"


@pytest.fixture
def stage(app):
    """A released workshop (booking required), then draft-only changes: a new session, the
    released one cancelled in the release but reopened in the draft, one that needs booking
    only in the draft, and one restricted in the release but opened in the draft."""
    edition = make_edition(2027)
    organiser = grant(make_user(), "organiser", edition)
    experts = make_category(edition, code="MSX")
    workshop = make_session(
        edition, title="Released workshop", hour=9, booking_required=True, capacity=10
    )
    cancelled = make_session(
        edition,
        title="Cancelled in the release",
        hour=11,
        booking_required=True,
        state=SessionState.CANCELLED,
        cancel_reason="Speaker ill",
    )
    walk_in = make_session(edition, title="Walk-in talk", hour=14)
    closed = make_session(
        edition, title="Closed roundtable", hour=16, booking_required=True, restricted_to=[experts]
    )
    db.session.commit()
    services.release(organiser, edition, "1.0", "")
    db.session.commit()
    draft_only = make_session(
        edition, title="Draft-only masterclass", hour=12, booking_required=True
    )
    cancelled.state, cancelled.cancel_reason = SessionState.SCHEDULED, ""
    walk_in.booking_required = True
    closed.access, closed.categories = "open", []
    db.session.commit()
    attendee = make_attendee(make_category(edition, code="ATT"), edition)
    return dict(
        edition=edition,
        organiser=organiser,
        attendee=attendee,
        workshop=workshop,
        cancelled=cancelled,
        walk_in=walk_in,
        closed=closed,
        draft_only=draft_only,
    )


def _rows(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_released_session_is_still_booked(stage, login):
    client = login(stage["attendee"])
    response = client.post(f"/2027/sessions/{stage['workshop'].id}/book")
    assert response.status_code == 303
    assert _rows(Booking) == 1


def test_booking_a_draft_only_session_is_404_and_books_nothing(stage, login):
    client = login(stage["attendee"])
    response = client.post(f"/2027/sessions/{stage['draft_only'].id}/book")
    assert response.status_code == 404
    assert "Draft-only masterclass" not in response.get_data(as_text=True)
    assert _rows(Booking) == 0


@pytest.mark.parametrize(
    "key,message",
    [
        ("cancelled", "This session is cancelled."),
        ("walk_in", "This session needs no booking: just come."),
        ("closed", "This session is restricted: you are not cleared to attend it."),
    ],
)
def test_booking_follows_the_release_not_the_draft(stage, login, key, message):
    client = login(stage["attendee"])
    response = client.post(f"/2027/sessions/{stage[key].id}/book", follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert _rows(Booking) == 0
    with pytest.raises(DomainError, match=message):
        services.book(stage["attendee"], stage["edition"], stage[key].id)
    db.session.rollback()
    assert _rows(Booking) == 0


def test_starring_a_draft_only_session_is_404_on_the_web_and_the_api(stage, client, login):
    session_id = stage["draft_only"].id
    api = client.put(f"{AGENDA}/{session_id}", headers=bearer(stage["attendee"]))
    assert api.status_code == 404
    assert api.json["error"]["code"]
    web = login(stage["attendee"]).post(f"/2027/sessions/{session_id}/star")
    assert web.status_code == 404
    assert _rows(AgendaStar) == 0


def test_starring_a_session_restricted_in_the_release_is_refused(stage, client):
    response = client.put(f"{AGENDA}/{stage['closed'].id}", headers=bearer(stage["attendee"]))
    assert response.status_code == 403
    assert _rows(AgendaStar) == 0
    released = client.put(f"{AGENDA}/{stage['workshop'].id}", headers=bearer(stage["attendee"]))
    assert released.status_code == 200
    assert _rows(AgendaStar) == 1


def test_the_draft_only_session_has_no_public_page_but_the_preview_shows_it(stage, login):
    session_id = stage["draft_only"].id
    attendee = login(stage["attendee"])
    assert attendee.get(f"/2027/sessions/{session_id}").status_code == 404
    assert attendee.get(f"/2027/sessions/{session_id}.ics").status_code == 404
    organiser = login(stage["organiser"])
    preview = organiser.get("/2027/admin/programme/preview")
    assert preview.status_code == 200
    assert "Draft-only masterclass" in preview.get_data(as_text=True)
    person = organiser.get(
        "/2027/admin/programme/preview", query_string={"person": stage["attendee"].email}
    )
    assert person.status_code == 200
    assert "Draft-only masterclass" in person.get_data(as_text=True)
