"""The public programme, session pages, the agenda, the ``_me`` summary and the JSON API."""

from __future__ import annotations

import datetime as dt

from flask import render_template_string

from conference.extensions import db
from conference.programme.models import Booking
from tests.factories import bearer, make_edition, make_user
from tests.programme.factories import (
    make_attendee,
    make_room,
    make_session,
    make_track,
    make_type,
)


def test_programme_by_day_in_edition_time_zone(app, client):
    edition = make_edition()
    make_session(edition, title="Opening", day=0, hour=9)
    make_session(edition, title="Closing", day=1, hour=16, minutes=30)
    make_session(
        edition,
        title="Moved away",
        hour=11,
        state="cancelled",
        cancel_reason="Merged with the opening",
    )
    text = client.get("/2027/programme?day=all").get_data(as_text=True)
    assert "Wednesday 09 June 2027" in text and "Thursday 10 June 2027" in text
    assert text.index("Opening") < text.index("Closing")
    assert ">09:00</time>–<time" in text and ">16:30</time>" in text  # Brussels, not UTC
    assert 'datetime="2027-06-09T09:00:00+02:00"' in text
    assert "Cancelled: Merged with the opening" in text
    assert "Europe/Brussels" in text


def test_filters_by_track_type_room_and_search(app, client):
    edition = make_edition()
    policy, tech = make_track(edition, name="Policy"), make_track(edition, name="Technology")
    panel = make_type(edition, code="panel", name="Panel")
    hall = make_room(edition, name="Hall")
    make_session(edition, title="Export control", track=policy, type=panel, room=hall)
    make_session(edition, title="Cyber hygiene", track=tech, hour=12, speakers=["Ada Lovelace"])
    assert "Cyber hygiene" not in client.get(f"/2027/programme?track={policy.id}").text
    assert "Export control" in client.get(f"/2027/programme?track={policy.id}").text
    assert "Cyber hygiene" not in client.get(f"/2027/programme?type={panel.id}").text
    assert "Cyber hygiene" not in client.get(f"/2027/programme?room={hall.id}").text
    text = client.get("/2027/programme?q=lovelace").text
    assert "Cyber hygiene" in text and "Export control" not in text
    text = client.get("/2027/programme?q=nothing+like+this").text
    assert "No session matches" in text
    # nonsense filter values answer 400 with a message, never a 500
    for query in ("track=abc", "room=-1", "type=99999999999999", "q=" + "x" * 5000, "q=%00"):
        assert client.get(f"/2027/programme?{query}").status_code == 400


def test_session_page_and_markdown_is_safe(app, client):
    edition = make_edition()
    session = make_session(
        edition,
        title="Due diligence",
        description="**Bold** [link](javascript:alert(1)) <img src=x onerror=alert(1)>",
        room=make_room(edition, name="Hall", directions="Level 2, left"),
        speakers=["Grace Hopper"],
        chatham_house=True,
    )
    text = client.get(f"/2027/sessions/{session.id}").text
    assert "<strong>Bold</strong>" in text and 'href="javascript' not in text
    assert "<img" not in text and "Level 2, left" in text
    # Chatham House Rule: speakers are named only to logged-in people cleared for the session.
    assert "Grace Hopper" not in text and "Chatham House Rule:" in text
    assert client.get("/2027/sessions/999999").status_code == 404
    assert client.get("/2099/sessions/1").status_code == 404


def test_draft_edition_programme_is_hidden(app, client):
    edition = make_edition(2028, state="draft")
    session = make_session(edition)
    assert client.get("/2028/programme").status_code == 404
    assert client.get(f"/2028/sessions/{session.id}").status_code == 404
    assert client.get("/api/v1/editions/2028/sessions").status_code == 404


def test_agenda_lists_booked_speaking_chairing_invited(app, login):
    edition = make_edition()
    person = make_attendee()
    booked = make_session(edition, title="Booked one", hour=9, booking_required=True)
    make_session(edition, title="Speaking one", hour=11, speakers=[person])
    make_session(edition, title="Chairing one", hour=13, chair=person)
    make_session(edition, title="Invited one", hour=15, invited=[person])
    make_session(edition, title="Not mine", hour=17)
    db.session.add(Booking(edition_id=edition.id, session_id=booked.id, user_id=person.id))
    db.session.commit()
    text = login(person).get("/2027/me/agenda").text
    for title, role in (
        ("Booked one", "Booked"),
        ("Speaking one", "Speaker"),
        ("Chairing one", "Chair"),
        ("Invited one", "Invited"),
    ):
        assert title in text and role in text
    assert "Not mine" not in text
    assert "Nothing yet" in login(make_user()).get("/2027/me/agenda").text
    assert app.test_client().get("/2027/me/agenda").status_code == 302


def test_me_summary_template(app):
    edition = make_edition()
    person = make_attendee()
    make_session(edition, title="My talk", speakers=[person])
    with app.test_request_context("/2027/me"):
        from flask_login import login_user

        login_user(person)
        html = render_template_string(
            '{% include "programme/_me.html" %}', edition=edition, current_user=person
        )
    assert "My talk" in html and "speaker" in html and "/2027/me/agenda" in html


def test_book_button_and_booking_state_on_session_page(app, login):
    edition = make_edition()
    session = make_session(edition, booking_required=True, capacity=1)
    attendee = make_attendee()
    client = login(attendee)
    assert "Book a seat" in client.get(f"/2027/sessions/{session.id}").text
    client.post(f"/2027/sessions/{session.id}/book")
    text = client.get(f"/2027/sessions/{session.id}").text
    assert "You have a seat" in text and "Cancel my booking" in text
    other = login(make_attendee())
    assert "Join the waiting list" in other.get(f"/2027/sessions/{session.id}").text
    # not accredited: no button
    assert "Book a seat" not in login(make_user()).get(f"/2027/sessions/{session.id}").text


def test_api_sessions_list_and_detail(app, client):
    edition = make_edition()
    session = make_session(
        edition, title="Plenary", room=make_room(edition, name="Hall"), speakers=["Someone"]
    )
    data = client.get("/api/v1/editions/2027/sessions").get_json()
    assert data["edition"] == 2027 and data["timezone"] == "Europe/Brussels"
    [item] = data["sessions"]
    assert item["title"] == "Plenary" and item["room"]["name"] == "Hall"
    assert item["starts_at"] == "2027-06-09T10:00:00+02:00"
    assert dt.datetime.fromisoformat(item["ends_at"]).utcoffset() == dt.timedelta(hours=2)
    assert item["restricted"] is False and item["cleared"] is True
    detail = client.get(f"/api/v1/editions/2027/sessions/{session.id}").get_json()
    assert detail == item
    missing = client.get("/api/v1/editions/2027/sessions/999999")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    other = make_session(make_edition(2026))
    assert client.get(f"/api/v1/editions/2027/sessions/{other.id}").status_code == 404


def test_api_filters(app, client):
    edition = make_edition()
    policy = make_track(edition, name="Policy")
    make_session(edition, title="Export control", track=policy)
    make_session(edition, title="Cyber hygiene", hour=12)
    url = "/api/v1/editions/2027/sessions"
    titles = [s["title"] for s in client.get(f"{url}?track={policy.id}").get_json()["sessions"]]
    assert titles == ["Export control"]
    assert [s["title"] for s in client.get(f"{url}?q=cyber").get_json()["sessions"]] == [
        "Cyber hygiene"
    ]
    for query in ("track=abc", "room=-5", "type=99999999999"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, query
        assert query.split("=")[0] in response.get_json()["error"]["message"]


def test_api_bad_token_is_401(app, client):
    make_edition()
    response = client.get(
        "/api/v1/editions/2027/sessions", headers={"Authorization": "Bearer nonsense"}
    )
    assert response.status_code == 401


def test_openapi_documents_the_sessions_api(app, client):
    import jsonschema

    make_edition()
    make_session(make_edition(), speakers=["Someone"], room=make_room(make_edition()))
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/editions/{year}/sessions" in spec["paths"]
    assert "/editions/{year}/sessions/{session_id}" in spec["paths"]
    schemas = spec["components"]["schemas"]
    body = client.get("/api/v1/editions/2027/sessions", headers=bearer(make_user())).get_json()
    schema = {**_json_schema(schemas["SessionList"]), "components": {"schemas": {}}}
    schema["components"]["schemas"] = {k: _json_schema(v) for k, v in schemas.items()}
    jsonschema.validate(body, schema)
    assert body["sessions"][0]["type"] is None  # nullable really is allowed


def _json_schema(node):
    """OpenAPI 3.0 ``nullable`` → JSON Schema ``type: [..., "null"]``."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def test_attendee_page_includes_the_agenda_summary(app, login):
    edition = make_edition()
    person = make_attendee()
    make_session(edition, title="My chaired session", chair=person)
    response = login(person).get("/2027/me")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "My agenda" in text and "My chaired session" in text
