"""The agenda API (issue 18 contracts): PUT/DELETE /me/agenda/{id} and GET /me/agenda."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation.models import Registration, RegistrationState
from conference.extensions import db
from conference.programme import services
from conference.programme.models import AgendaStar, Booking, BookingState
from tests.factories import bearer, make_edition, make_user
from tests.programme.factories import make_attendee, make_category, make_session

URL = "/api/v1/editions/2027/me/agenda"


def star_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AgendaStar))


def setup_world():
    edition = make_edition(2027)
    experts = make_category(edition, code="MSX")
    expert = make_attendee(experts, edition)
    outsider = make_attendee(make_category(edition, code="PRS"), edition)
    keynote = make_session(edition, title="Keynote", hour=9)
    roundtable = make_session(edition, title="Roundtable", hour=9, restricted_to=[experts])
    return edition, expert, outsider, keynote, roundtable


def test_put_and_delete_with_a_token(client, app):
    edition, expert, _outsider, keynote, roundtable = setup_world()
    headers = bearer(expert)
    response = client.put(f"{URL}/{keynote.id}", headers=headers)
    assert response.status_code == 200
    assert response.json == {"session_id": keynote.id, "starred": True, "created": True}
    again = client.put(f"{URL}/{keynote.id}", headers=headers)
    assert again.status_code == 200 and again.json["created"] is False
    assert client.put(f"{URL}/{roundtable.id}", headers=headers).status_code == 200
    assert star_count() == 2
    listing = client.get(URL, headers=headers)
    assert listing.status_code == 200
    by_title = {e["session"]["title"]: e for e in listing.json["entries"]}
    assert by_title["Keynote"]["reasons"] == ["starred"]
    assert by_title["Roundtable"]["reasons"] == ["starred"]
    assert by_title["Keynote"]["overlaps"] == [roundtable.id]
    assert client.delete(f"{URL}/{keynote.id}", headers=headers).status_code == 204
    assert client.delete(f"{URL}/{keynote.id}", headers=headers).status_code == 204
    assert star_count() == 1


def test_uncleared_caller_gets_403_and_nothing_changes(client, app):
    _edition, _expert, outsider, _keynote, roundtable = setup_world()
    response = client.put(f"{URL}/{roundtable.id}", headers=bearer(outsider))
    assert response.status_code == 403
    assert response.json["error"]["message"]
    assert star_count() == 0
    assert client.delete(f"{URL}/{roundtable.id}", headers=bearer(outsider)).status_code == 403


def test_unknown_or_foreign_session_is_404(client, app):
    _edition, expert, *_ = setup_world()
    foreign = make_session(make_edition(2028), title="Elsewhere")
    assert client.put(f"{URL}/{foreign.id}", headers=bearer(expert)).status_code == 404
    assert client.put(f"{URL}/99999", headers=bearer(expert)).status_code == 404
    assert star_count() == 0


def test_read_token_cannot_star_and_anonymous_gets_401(client, app):
    _edition, expert, _o, keynote, _r = setup_world()
    assert (
        client.put(f"{URL}/{keynote.id}", headers=bearer(expert, scope="read")).status_code == 403
    )
    assert client.put(f"{URL}/{keynote.id}").status_code == 401
    assert client.get(URL).status_code == 401
    assert star_count() == 0


def test_cookie_caller_needs_the_csrf_token(app, login):
    app.config["WTF_CSRF_ENABLED"] = True
    _edition, expert, _o, keynote, _r = setup_world()
    browser = login(expert)
    response = browser.put(f"{URL}/{keynote.id}")
    assert response.status_code == 400
    assert star_count() == 0


def test_reasons_of_every_kind(client, app):
    edition, expert, _o, keynote, _r = setup_world()
    chaired = make_session(edition, title="Chaired", hour=13, chair_id=expert.id)
    spoken = make_session(edition, title="Spoken", hour=15, speakers=[expert])
    invited = make_session(edition, title="Invited", hour=17, invited=[expert])
    booked = make_session(edition, title="Booked", hour=11, booking_required=True, capacity=5)
    db.session.add(
        Booking(
            edition_id=edition.id,
            session_id=booked.id,
            user_id=expert.id,
            state=BookingState.BOOKED,
        )
    )
    db.session.commit()
    services.star(expert, edition, booked.id)
    db.session.commit()
    entries = client.get(URL, headers=bearer(expert)).json["entries"]
    reasons = {e["session"]["title"]: e["reasons"] for e in entries}
    assert reasons == {
        "Booked": ["starred", "booked"],
        "Chaired": ["chairing"],
        "Spoken": ["speaking"],
        "Invited": ["invited"],
    }
    assert {e["session"]["id"] for e in entries} == {booked.id, chaired.id, spoken.id, invited.id}
    assert keynote.id not in {e["session"]["id"] for e in entries}


def test_revocation_drops_the_restricted_star_from_the_api_at_once(client, app):
    edition, expert, _o, _k, roundtable = setup_world()
    headers = bearer(expert)
    client.put(f"{URL}/{roundtable.id}", headers=headers)
    assert [e["session"]["title"] for e in client.get(URL, headers=headers).json["entries"]] == [
        "Roundtable"
    ]
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.user_id == expert.id)
    )
    registration.state = RegistrationState.REVOKED
    db.session.commit()
    entries = client.get(URL, headers=headers).json["entries"]
    assert entries == []
    assert "Roundtable" not in client.get(URL, headers=headers).get_data(as_text=True)


def test_openapi_documents_the_agenda_routes(client, app):
    make_user()
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    assert set(paths["/editions/{year}/me/agenda/{session_id}"]) == {"put", "delete"}
    assert "get" in paths["/editions/{year}/me/agenda"]
    assert "AgendaEntry" in spec["components"]["schemas"]
