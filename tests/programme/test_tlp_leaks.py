"""Nothing leaves that a TLP label or the Chatham House Rule forbids, on any channel (issue 23).

The matrix: every label (open and restricted sessions) and a Chatham House session
(``tests/programme/tlp_world.py``) × every viewer (anonymous, logged in without registration,
accredited participant not cleared for restricted sessions, cleared participant, speaker of
every session, organiser) × every channel that answers over HTTP: the programme, session pages,
grid, search, personal agenda page, the public edition feed, session .ics, the personal agenda
feed, the private full-programme feed, schedule.json/xml, and the API anonymously and with a
token of each scope. Each cell asserts that no forbidden marker appears and that every session
the viewer may know of keeps its title (a test that over-hides fails too). Mails and PDFs are
in ``test_tlp_leaks_mail.py``.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.calendar import private_feed
from conference.calendar import services as calendar
from conference.extensions import db
from conference.programme.models import AgendaStar
from conference.programme.speaker_models import SessionMaterial
from tests.factories import api_token
from tests.programme import tlp_world
from tests.programme.tlp_world import KEYS, VIEWERS, leaks, mark, missing_titles

YEAR = 2027
# channel → the TLP channel it is ("page" or another; only "page" differs in the rule)
CHANNELS = {
    "programme": "page",
    "session_pages": "page",
    "grid": "page",
    "search": "page",
    "agenda_page": "page",
    "programme_ics": "feed",
    "session_ics": "feed",
    "personal_feed": "feed",
    "private_feed": "feed",
    "schedule_json": "export",
    "schedule_xml": "export",
    "api": "api",
    "api_token_full": "api",
    "api_token_read": "api",
    "api_token_checkin": "api",
    "api_agenda": "api",
    "material_urls": "page",
}
# Channels that need a logged-in person (a personal feed, a token, an agenda).
PERSONAL = {
    "agenda_page",
    "personal_feed",
    "private_feed",
    "api_token_full",
    "api_token_read",
    "api_token_checkin",
    "api_agenda",
}
# Channels that list the whole programme (so every title the viewer may know must be there).
COMPLETE = {
    "programme",
    "session_pages",
    "grid",
    "programme_ics",
    "session_ics",
    "private_feed",
    "schedule_json",
    "schedule_xml",
    "api",
    "api_token_full",
    "api_token_read",
}


@pytest.fixture
def world(app):
    world = tlp_world.build(YEAR)
    # Everyone logged in starred every session (a star only counts while cleared).
    for viewer in VIEWERS[1:]:
        user = world["viewers"][viewer]
        for session in world["sessions"].values():
            db.session.add(
                AgendaStar(edition_id=world["edition"].id, session_id=session.id, user_id=user.id)
            )
    db.session.commit()
    world["recordings"] = list(
        db.session.scalars(sa.select(SessionMaterial).where(SessionMaterial.kind == "recording"))
    )
    return world


def _fetch(app, login, world, viewer: str, channel: str) -> str:
    user = world["viewers"][viewer]
    client = app.test_client() if user is None else login(user)
    sessions = world["sessions"]
    bodies = []

    def get(url, **kwargs):
        response = client.get(url, **kwargs)
        assert response.status_code in (200, 403), (url, response.status_code)
        bodies.append(response.get_data(as_text=True))
        return response

    if channel == "programme":
        get(f"/{YEAR}/programme")
    elif channel == "session_pages":
        for session in sessions.values():
            get(f"/{YEAR}/sessions/{session.id}")
    elif channel == "grid":
        get(f"/{YEAR}/programme/grid")
    elif channel == "search":
        # Searching for withheld words must not find the session (nor show it).
        # (The page repeats the query, so only the title is looked for.)
        for key in KEYS:
            for field in ("Dsc", "Spk", "Org", "Ctt"):
                if mark(field, key) not in tlp_world.forbidden(key, viewer, "page"):
                    continue
                response = client.get(f"/{YEAR}/programme", query_string={"q": mark(field, key)})
                assert response.status_code == 200
                assert mark("Ttl", key) not in response.get_data(as_text=True), (key, field)
    elif channel == "agenda_page":
        get(f"/{YEAR}/me/agenda")
    elif channel == "programme_ics":
        get(f"/{YEAR}/programme.ics")
    elif channel == "session_ics":
        for session in sessions.values():
            get(f"/{YEAR}/sessions/{session.id}.ics")
    elif channel == "personal_feed":
        token = calendar.regenerate_token(user)
        db.session.commit()
        anonymous = app.test_client()
        bodies.append(anonymous.get(f"/calendar/{token}.ics").get_data(as_text=True))
    elif channel == "private_feed":
        token = private_feed.make_feed(user, world["edition"])
        db.session.commit()
        anonymous = app.test_client()
        bodies.append(anonymous.get(f"/calendar/programme/{token}.ics").get_data(as_text=True))
    elif channel == "schedule_json":
        get(f"/{YEAR}/schedule.json")
    elif channel == "schedule_xml":
        get(f"/{YEAR}/schedule.xml")
    elif channel == "api":
        get(f"/api/v1/editions/{YEAR}/sessions")
        for session in sessions.values():
            get(f"/api/v1/editions/{YEAR}/sessions/{session.id}")
    elif channel.startswith("api_token_"):
        scope = channel.removeprefix("api_token_")
        headers = {"Authorization": f"Bearer {api_token(user, scope=scope)}"}
        anonymous = app.test_client()
        urls = [f"/api/v1/editions/{YEAR}/sessions", f"/api/v1/editions/{YEAR}/me/agenda"]
        urls += [f"/api/v1/editions/{YEAR}/sessions/{s.id}" for s in sessions.values()]
        urls += [f"/{YEAR}/programme.ics", f"/{YEAR}/schedule.json", f"/{YEAR}/schedule.xml"]
        for url in urls:
            response = anonymous.get(url, headers=headers)
            assert response.status_code in (200, 401, 403), (url, response.status_code)
            if scope == "checkin":
                assert response.status_code in (401, 403), url
            bodies.append(response.get_data(as_text=True))
    elif channel == "material_urls":
        # A recording's download URL redirects to it: the Location is what leaves.
        for material in world["recordings"]:
            response = client.get(f"/{YEAR}/materials/{material.id}")
            assert response.status_code in (302, 401, 403, 404), response.status_code
            bodies.append(response.headers.get("Location", ""))
    elif channel == "api_agenda":
        get(f"/api/v1/editions/{YEAR}/me/agenda")
    return "\n".join(bodies)


CELLS = [
    (viewer, channel)
    for viewer in VIEWERS
    for channel in CHANNELS
    if not (viewer == "anonymous" and channel in PERSONAL)
    # Only door staff and organisers may hold a check-in token.
    and not (channel == "api_token_checkin" and viewer != "organiser")
]


@pytest.mark.parametrize(("viewer", "channel"), CELLS)
def test_nothing_leaves_that_the_label_forbids(app, login, world, viewer, channel):
    text = _fetch(app, login, world, viewer, channel)
    kind = CHANNELS[channel]
    found = leaks(text, viewer, kind)
    assert found == [], found
    if channel in COMPLETE:
        assert missing_titles(text, viewer, kind) == []
