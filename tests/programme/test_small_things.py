"""Small things a careful user notices: plurals, no internal counters on organisers' pages."""

from __future__ import annotations

from conference.text import ngettext
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import make_attendee, make_room, make_session


def test_ngettext_helper_picks_the_form_and_formats_the_number():
    assert ngettext("%(num)d seat", "%(num)d seats", 1) == "1 seat"
    assert ngettext("%(num)d seat", "%(num)d seats", 0) == "0 seats"
    assert ngettext("%(num)d seat", "%(num)d seats", 2) == "2 seats"
    assert ngettext("%(num)d %(what)s", "%(num)d %(what)ss", 3, what="room") == "3 rooms"


def test_a_one_seat_session_says_one_seat(app, login):
    edition = make_edition()
    session = make_session(edition, title="Tête-à-tête", booking_required=True, capacity=1)
    page = login(make_attendee()).get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert "1 seat," in page
    assert "1 seats" not in page


def test_organisers_pages_say_one_seat_and_one_person(app, login):
    edition = make_edition()
    room = make_room(edition, name="Booth", capacity=1)
    guest = make_user()
    session = make_session(edition, room=room, invited=[guest])
    organiser = login(grant(make_user(), "organiser", edition))
    detail = organiser.get(f"/2027/admin/programme/sessions/{session.id}").get_data(as_text=True)
    assert "(1 person)" in detail and "1 people" not in detail
    form = organiser.get(f"/2027/admin/programme/sessions/{session.id}/edit").get_data(as_text=True)
    assert "Booth (1 seat)" in form and "1 seats" not in form


def test_calendar_sequence_is_not_shown_to_organisers(app, login):
    edition = make_edition()
    session = make_session(edition)
    organiser = login(grant(make_user(), "organiser", edition))
    detail = organiser.get(f"/2027/admin/programme/sessions/{session.id}")
    assert detail.status_code == 200
    assert "sequence" not in detail.get_data(as_text=True).lower()
