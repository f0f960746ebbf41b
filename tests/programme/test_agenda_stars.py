"""Stars ("add to my agenda"), the agenda's reasons and overlaps, revocation (issue 18)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accreditation.models import Registration, RegistrationState
from conference.editions.models import EditionState
from conference.extensions import db
from conference.permissions import can
from conference.programme import services
from conference.programme.models import AgendaStar, Booking, BookingState
from tests.factories import make_edition
from tests.programme.factories import make_attendee, make_category, make_room, make_session


def stars() -> list[tuple[int, int]]:
    return [
        tuple(r) for r in db.session.execute(sa.select(AgendaStar.user_id, AgendaStar.session_id))
    ]


@pytest.fixture
def world(app):
    edition = make_edition(2027)
    experts = make_category(edition, code="MSX", name="Member State experts")
    others = make_category(edition, code="PRS", name="Press")
    expert = make_attendee(experts, edition)
    journalist = make_attendee(others, edition)
    room = make_room(edition, name="Europa hall")
    keynote = make_session(edition, title="Opening keynote", hour=9, room_id=room.id)
    roundtable = make_session(
        edition, title="Closed-door roundtable", hour=11, restricted_to=[experts]
    )
    return {
        "edition": edition,
        "experts": experts,
        "expert": expert,
        "journalist": journalist,
        "keynote": keynote,
        "roundtable": roundtable,
        "room": room,
    }


def test_star_and_unstar_with_the_form_button(login, world):
    expert, keynote = world["expert"], world["keynote"]
    browser = login(expert)
    response = browser.post(f"/2027/sessions/{keynote.id}/star", data={"next": "/2027/programme"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/2027/programme")
    assert stars() == [(expert.id, keynote.id)]
    # Starring twice keeps one star.
    assert browser.post(f"/2027/sessions/{keynote.id}/star").status_code == 303
    assert stars() == [(expert.id, keynote.id)]
    page = browser.get("/2027/me/agenda").get_data(as_text=True)
    assert "Opening keynote" in page and "Starred" in page
    assert browser.post(f"/2027/sessions/{keynote.id}/unstar").status_code == 303
    assert stars() == []
    assert "Opening keynote" not in browser.get("/2027/me/agenda").get_data(as_text=True)


def test_star_answers_json_for_the_script(login, world):
    browser = login(world["journalist"])
    response = browser.post(
        f"/2027/sessions/{world['keynote'].id}/star", headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.json == {"session_id": world["keynote"].id, "starred": True, "changed": True}


def test_cleared_expert_stars_the_restricted_roundtable(login, world):
    expert, roundtable = world["expert"], world["roundtable"]
    browser = login(expert)
    assert browser.post(f"/2027/sessions/{roundtable.id}/star").status_code == 303
    assert stars() == [(expert.id, roundtable.id)]
    page = browser.get("/2027/me/agenda").get_data(as_text=True)
    assert "Closed-door roundtable" in page


def test_uncleared_person_cannot_star_a_restricted_session(login, world):
    journalist, roundtable = world["journalist"], world["roundtable"]
    browser = login(journalist)
    response = browser.post(
        f"/2027/sessions/{roundtable.id}/star", headers={"Accept": "application/json"}
    )
    assert response.status_code == 403
    assert "restricted" in response.json["error"]["message"]
    form = browser.post(f"/2027/sessions/{roundtable.id}/star", follow_redirects=True)
    assert "you are not cleared" in form.get_data(as_text=True)
    assert stars() == []
    # The page offers no star on the placeholder either.
    page = browser.get("/2027/programme?day=all").get_data(as_text=True)
    assert f"/sessions/{roundtable.id}/star" not in page
    assert f"/sessions/{world['keynote'].id}/star" in page


def test_anonymous_star_asks_for_login_and_changes_nothing(client, world):
    response = client.post(f"/2027/sessions/{world['keynote'].id}/star")
    assert response.status_code in (302, 401)
    assert stars() == []


def test_star_of_another_editions_session_is_404(login, world):
    other = make_edition(2028)
    foreign = make_session(other, title="Next year")
    browser = login(world["expert"])
    assert browser.post(f"/2027/sessions/{foreign.id}/star").status_code == 404
    assert browser.post("/2027/sessions/999999/star").status_code == 404
    assert stars() == []


def test_archived_edition_refuses_stars(login, world):
    edition = world["edition"]
    edition.state = EditionState.ARCHIVED
    db.session.commit()
    browser = login(world["expert"])
    response = browser.post(
        f"/2027/sessions/{world['keynote'].id}/star", headers={"Accept": "application/json"}
    )
    assert response.status_code == 403
    assert stars() == []


def test_agenda_star_rule_allows_and_denies(world):
    edition = world["edition"]
    assert can(world["expert"], "agenda.star", world["roundtable"], edition=edition)
    assert can(world["journalist"], "agenda.star", world["keynote"], edition=edition)
    assert not can(world["journalist"], "agenda.star", world["roundtable"], edition=edition)
    assert not can(None, "agenda.star", world["keynote"], edition=edition)


def test_agenda_lists_reasons_and_flags_overlaps(login, world):
    edition, expert = world["edition"], world["expert"]
    talk = make_session(edition, title="My talk", hour=14, minutes=60, speakers=[expert])
    workshop = make_session(
        edition,
        title="Export-control workshop",
        hour=14,
        minutes=90,
        booking_required=True,
        capacity=10,
    )
    db.session.add(
        Booking(
            edition_id=edition.id,
            session_id=workshop.id,
            user_id=expert.id,
            state=BookingState.BOOKED,
        )
    )
    db.session.commit()
    services.star(expert, edition, world["keynote"].id)
    db.session.commit()
    entries = {e.view.title: e for e in services.agenda_entries(expert, edition, channel="page")}
    assert entries["My talk"].roles == ("speaker",)
    assert entries["Export-control workshop"].roles == ("booked",)
    assert entries["Opening keynote"].roles == ("starred",)
    assert [o[0] for o in entries["My talk"].overlaps] == [workshop.id]
    assert [o[0] for o in entries["Export-control workshop"].overlaps] == [talk.id]
    assert entries["Opening keynote"].overlaps == ()
    page = login(expert).get("/2027/me/agenda").get_data(as_text=True)
    assert "Overlap:" in page
    assert "overlap" in page and "Export-control workshop" in page


def test_cancelled_sessions_overlap_nothing(world):
    edition, expert = world["edition"], world["expert"]
    services.star(expert, edition, world["keynote"].id)
    clash = make_session(edition, title="Cancelled clash", hour=9, state="cancelled")
    services.star(expert, edition, clash.id)
    db.session.commit()
    entries = services.agenda_entries(expert, edition, channel="page")
    assert all(e.overlaps == () for e in entries)


def test_revoked_accreditation_drops_restricted_stars_at_once(login, world):
    edition, expert, roundtable = world["edition"], world["expert"], world["roundtable"]
    services.star(expert, edition, roundtable.id)
    services.star(expert, edition, world["keynote"].id)
    db.session.commit()
    browser = login(expert)
    assert "Closed-door roundtable" in browser.get("/2027/me/agenda").get_data(as_text=True)
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.user_id == expert.id)
    )
    registration.state = RegistrationState.REVOKED
    db.session.commit()
    page = browser.get("/2027/me/agenda").get_data(as_text=True)
    assert "Closed-door roundtable" not in page
    assert "Opening keynote" in page
    grid = browser.get("/2027/programme/grid?starred=1&day=2027-06-09").get_data(as_text=True)
    assert "Closed-door roundtable" not in grid
    # The star row is kept (clearance restored brings it back), but unstarring is refused.
    assert len(stars()) == 2
    response = browser.post(
        f"/2027/sessions/{roundtable.id}/unstar", headers={"Accept": "application/json"}
    )
    assert response.status_code == 403


def test_session_page_has_the_star_button(login, world):
    browser = login(world["expert"])
    page = browser.get(f"/2027/sessions/{world['keynote'].id}").get_data(as_text=True)
    assert f"/2027/sessions/{world['keynote'].id}/star" in page
    assert "Add to my agenda" in page
    services.star(world["expert"], world["edition"], world["keynote"].id)
    db.session.commit()
    page = browser.get(f"/2027/sessions/{world['keynote'].id}").get_data(as_text=True)
    assert f"/2027/sessions/{world['keynote'].id}/unstar" in page
    assert "On my agenda" in page


def test_starred_only_filter_on_the_list(login, world):
    edition, user = world["edition"], world["journalist"]
    services.star(user, edition, world["keynote"].id)
    db.session.commit()
    make_session(edition, title="Other plenary", hour=15)
    page = login(user).get("/2027/programme?day=all&starred=1").get_data(as_text=True)
    assert "Opening keynote" in page and "Other plenary" not in page
    assert "starred=1" in page  # the grid link keeps the filter
