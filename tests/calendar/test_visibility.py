"""Restricted sessions in feeds and exports, per kind of caller and per channel.

A caller who is not cleared sees a time-only "Restricted session" (as on the HTML programme):
never the title, description, speakers or room.
"""

from __future__ import annotations

import json

import pytest
from lxml import etree

from conference.calendar import services
from conference.extensions import db
from tests.calendar import rfc5545
from tests.calendar.factories import accredit, book, make_category, make_room, make_session
from tests.factories import bearer, make_user

EXPERTS = ["Experts briefing", "classified agenda", "Secret Speaker", "Vault"]
DINNER = ["Invitation dinner", "dinner talk", "Ambassador Guest", "Cellar"]
CHANNELS = [
    "/2027/programme.ics",
    "/2027/schedule.json",
    "/2027/schedule.xml",
    "/2027/sessions/{experts}.ics",
    "/2027/sessions/{dinner}.ics",
]


@pytest.fixture
def world(edition):
    expert_category = make_category(edition, "EXPERT")
    other_category = make_category(edition, "PRESS")
    invitee = make_user(full_name="Ivy Invitee")
    # Being invited clears only together with an accredited registration (in any category).
    accredit(invitee, edition, other_category)
    make_session(edition, title="Open talk", room=make_room(edition, "Hall"), hour=9)
    experts = make_session(
        edition,
        title="Experts briefing",
        description="The classified agenda.",
        room=make_room(edition, "Vault"),
        speakers=[("Secret Speaker", "Agency")],
        restricted_to=[expert_category],
        hour=10,
    )
    dinner = make_session(
        edition,
        title="Invitation dinner",
        description="A dinner talk.",
        room=make_room(edition, "Cellar"),
        speakers=[("Ambassador Guest", "Embassy")],
        invited=[invitee],
        hour=19,
    )
    return {
        "edition": edition,
        "expert_category": expert_category,
        "other_category": other_category,
        "invitee": invitee,
        "experts": experts,
        "dinner": dinner,
    }


def caller(kind: str, world, login, client):
    """A test client for one kind of caller, and request headers."""
    edition = world["edition"]
    if kind == "anonymous":
        return client, {}
    if kind == "invited":
        return login(world["invitee"]), {}
    user = make_user()
    if kind == "wrong category":
        accredit(user, edition, world["other_category"])
    elif kind in ("cleared category", "bearer cleared"):
        accredit(user, edition, world["expert_category"])
    elif kind == "organiser":
        from tests.factories import grant

        grant(user, "organiser", edition)
    elif kind == "staff":
        from tests.factories import grant

        grant(user, "staff", edition)
    elif kind == "speaker":
        # Speaking clears only together with an accredited registration (in any category).
        accredit(user, edition, world["other_category"])
        world["experts"].speakers[0].user_id = user.id
        db.session.commit()
    if kind == "bearer cleared":
        return client, bearer(user)
    return login(user), {}


EXPECTED = {
    # kind: (sees experts, sees dinner)
    "anonymous": (False, False),
    "logged in, not accredited": (False, False),
    "wrong category": (False, False),
    "cleared category": (True, False),
    "bearer cleared": (True, False),
    "invited": (False, True),
    "speaker": (True, False),
    "organiser": (True, True),
    "staff": (True, True),
}


def _texts(url: str, body: bytes) -> str:
    """Every value of the document as plain text (unescaped), to search for secrets."""
    if url.endswith(".ics"):
        calendar = rfc5545.parse(body)
        parts = []
        for event in calendar.components("VEVENT"):
            parts.extend(p.text for p in event.properties)
        return "\n".join(parts)
    if url.endswith(".json"):
        return json.dumps(json.loads(body), ensure_ascii=False)
    return " ".join(etree.fromstring(body).itertext()) + " ".join(
        v for el in etree.fromstring(body).iter() for v in el.attrib.values()
    )


@pytest.mark.parametrize("kind", list(EXPECTED))
@pytest.mark.parametrize("channel", CHANNELS)
def test_restricted_details_only_for_cleared_callers(kind, channel, world, login, client):
    sees_experts, sees_dinner = EXPECTED[kind]
    http, headers = caller(kind, world, login, client)
    url = channel.format(experts=world["experts"].id, dinner=world["dinner"].id)
    response = http.get(url, headers=headers)
    assert response.status_code == 200
    text = _texts(url, response.data)
    for secret in EXPERTS:
        if "{dinner}" in channel:
            assert secret not in text
        else:
            assert (secret in text) is sees_experts, (secret, kind, url)
    for secret in DINNER:
        if "{experts}" in channel:
            assert secret not in text
        else:
            assert (secret in text) is sees_dinner, (secret, kind, url)
    hidden = (not sees_experts and "{dinner}" not in channel) + (
        not sees_dinner and "{experts}" not in channel
    )
    assert text.count("Restricted session") == hidden


def test_placeholder_event_has_time_only(client, world):
    body = client.get("/2027/programme.ics").data
    calendar = rfc5545.parse(body)
    (placeholder,) = [
        e
        for e in calendar.components("VEVENT")
        if e.one("UID").value.startswith(world["experts"].uid)
    ]
    assert placeholder.one("SUMMARY").text == "Restricted session"
    assert placeholder.one("DTSTART").value == "20270609T100000"
    for absent in ("DESCRIPTION", "LOCATION", "CATEGORIES", "ATTENDEE", "ORGANIZER"):
        assert placeholder.all(absent) == []


def test_placeholder_in_exports_sits_under_the_venue(client, world):
    document = json.loads(client.get("/2027/schedule.json").data)
    conference = document["schedule"]["conference"]
    day = conference["days"][0]
    placeholders = [
        e for events in day["rooms"].values() for e in events if e["title"] == "Restricted session"
    ]
    assert {e["room"] for e in placeholders} == {"Egmont Palace"}
    assert all(e["persons"] == [] and e["abstract"] == "" for e in placeholders)
    assert all(e["track"] is None for e in placeholders)
    assert [r["name"] for r in conference["rooms"]] == ["Hall", "Egmont Palace"]


def test_personal_feed_shows_the_owners_restricted_sessions_in_full(client, world):
    edition = world["edition"]
    invitee = world["invitee"]
    expert = make_user()
    accredit(expert, edition, world["expert_category"])
    book(expert, world["experts"])
    make_session(edition, title="Not mine", hour=15)
    db.session.commit()
    for owner, mine, others in (
        (invitee, "Invitation dinner", "Experts briefing"),
        (expert, "Experts briefing", "Invitation dinner"),
    ):
        token = services.regenerate_token(owner)
        db.session.commit()
        response = client.get(f"/calendar/{token}.ics")
        assert response.status_code == 200
        calendar = rfc5545.parse(response.data)
        titles = [e.one("SUMMARY").text for e in calendar.components("VEVENT")]
        assert titles == [mine]
        assert others not in response.data.decode()
        assert "Not mine" not in response.data.decode()


def test_personal_feed_hides_a_booked_session_once_clearance_is_lost(client, world):
    from conference.accreditation.models import Registration, RegistrationState

    edition = world["edition"]
    expert = make_user()
    registration = accredit(expert, edition, world["expert_category"])
    book(expert, world["experts"])
    token = services.regenerate_token(expert)
    db.session.commit()
    assert b"Experts briefing" in client.get(f"/calendar/{token}.ics").data
    registration.state = RegistrationState.REVOKED
    db.session.commit()
    body = client.get(f"/calendar/{token}.ics").data
    assert b"Experts briefing" not in body and b"Vault" not in body
    assert b"SUMMARY:Restricted session" in body
    assert Registration.query.filter_by(user_id=expert.id).count() == 1
