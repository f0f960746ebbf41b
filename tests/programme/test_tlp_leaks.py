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

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.calendar import private_feed
from conference.calendar import services as calendar
from conference.checkin.models import Scan, ScanResult
from conference.editions import cloning
from conference.extensions import db
from conference.programme import services
from conference.programme.models import (
    AgendaStar,
    Contribution,
    ContributionKind,
    ProgrammeSession,
    SessionInvitation,
    SessionSpeaker,
)
from conference.programme.services import materials as material_services
from conference.programme.speaker_models import SessionMaterial
from tests.badges.factories import keys_for
from tests.factories import api_token, make_user
from tests.programme import tlp_world
from tests.programme.factories import make_session
from tests.programme.tlp_world import KEYS, VIEWERS, expected, leaks, mark, missing_titles

YEAR = 2027
# The labelled contributions and materials of the CLEAR session "MIX" (code → label).
MIX = {"c": "CLEAR", "g": "GREEN", "a": "AMBER", "s": "AMBER+STRICT", "r": "RED"}
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
    # A CLEAR session whose contributions and materials carry stricter labels of their own.
    mix = make_session(
        world["edition"],
        title="ZqTtlMIX",
        starts_at=dt.datetime(YEAR, 6, 10, 8, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(YEAR, 6, 10, 10, 0, tzinfo=dt.UTC),
    )
    for position, (code, label) in enumerate(MIX.items()):
        db.session.add(
            Contribution(
                session_id=mix.id,
                position=position,
                kind=ContributionKind.ITEM,
                title=f"ZqCttMIX{code}",
                description=f"On ZqCtdMIX{code}.",
                duration_minutes=20,
                tlp=label,
            )
        )
        db.session.add(
            SessionMaterial(
                edition_id=world["edition"].id,
                session_id=mix.id,
                title=f"ZqMatMIX{code}",
                kind="slides",
                storage_key=f"mix{code}",
                filename="mix.pdf",
                content_type="application/pdf",
                tlp=label,
            )
        )
    world["mix"] = mix
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


def test_scanner_bundle_labels_red_sessions_by_time_only(app, world):
    """Door staff's offline bundle (an API answer) names AMBER sessions (staff are cleared)
    but never a RED one: its checkpoint keeps the time and the placeholder title."""
    keys_for(YEAR)
    organiser = world["viewers"]["organiser"]
    headers = {"Authorization": f"Bearer {api_token(organiser, scope='checkin')}"}
    response = app.test_client().get(f"/api/v1/editions/{YEAR}/scanner-bundle", headers=headers)
    assert response.status_code == 200
    labels = {point["id"]: point["label"] for point in response.json["checkpoints"]}
    for key, session in world["sessions"].items():
        label = labels[session.id]
        if key.startswith("RED"):
            assert mark("Ttl", key) not in label
            assert "Session (details withheld under its TLP label)" in label
        else:
            assert mark("Ttl", key) in label
    assert leaks(response.get_data(as_text=True), "organiser", "api") == []


MIX_CHANNELS = {
    "session page": ("page", "/{year}/sessions/{id}"),
    "session .ics": ("feed", "/{year}/sessions/{id}.ics"),
    "schedule.json": ("export", "/{year}/schedule.json"),
    "schedule.xml": ("export", "/{year}/schedule.xml"),
    "API": ("api", "/api/v1/editions/{year}/sessions/{id}"),
}


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("channel", MIX_CHANNELS)
def test_contributions_and_materials_follow_their_own_stricter_label(
    app, login, world, viewer, channel
):
    """In a CLEAR session, a labelled contribution keeps its title only where its label lets
    the title out (neutral or full) and its description only where in full; a labelled
    material is listed only where its label discloses it in full."""
    user = world["viewers"][viewer]
    client = app.test_client() if user is None else login(user)
    kind, url = MIX_CHANNELS[channel]
    response = client.get(url.format(year=YEAR, id=world["mix"].id))
    assert response.status_code == 200
    text = tlp_world.unfold(response.get_data(as_text=True))
    assert "ZqTtlMIX" in text
    code_of = {value: short for short, value in tlp_world.LABELS.items()}
    wrong, missing = [], []
    for code, label in MIX.items():
        # The open session of the same label says what this viewer gets here.
        level = expected(f"{code_of[label]}o", viewer, kind)
        allowed = {"full": {"Ctt", "Ctd"}, "neutral": {"Ctt"}, "none": set()}[level]
        if level == "full":
            allowed.add("Mat")
        for field in ("Ctt", "Ctd", "Mat"):
            marker = f"Zq{field}MIX{code}"
            if field not in allowed and marker in text:
                wrong.append(marker)
            if field == "Ctt" and field in allowed and marker not in text:
                missing.append(marker)
    assert wrong == []
    assert missing == []


def test_feed_etags_differ_when_the_label_lets_out_different_things(app, world):
    """Two people who see the same sessions but receive different content (one presents the
    GREEN session, the other is only invited to it; neither is accredited) never share an
    ETag, and neither does a logged-in person with the anonymous public."""
    session = world["sessions"]["GRNo"]
    invited, presenting = make_user(), make_user()
    db.session.add(SessionInvitation(session_id=session.id, user_id=invited.id))
    db.session.add(SessionSpeaker(session_id=session.id, user_id=presenting.id, name="P"))
    db.session.commit()
    edition = world["edition"]
    tags = {}
    for name, user in (("invited", invited), ("presenting", presenting), ("nobody", None)):
        with app.test_request_context():
            tags[name] = calendar.edition_validators(user, edition, "programme.ics").etag
            body = calendar.edition_calendar(user, edition).decode()
        has_description = mark("Dsc", "GRNo") in tlp_world.unfold(body)
        assert has_description is (name == "presenting"), name
    assert len(set(tags.values())) == 3


def test_organisers_figure_csv_names_no_red_session(app, login, world):
    """The dashboard's bookings figure as a CSV download is an export: RED sessions by the
    placeholder there, though the organiser's page names them."""
    organiser = login(world["viewers"]["organiser"])
    csv_text = organiser.get(f"/{YEAR}/admin/figures/bookings.csv").get_data(as_text=True)
    page = organiser.get(f"/{YEAR}/admin").get_data(as_text=True)
    for key in KEYS:
        if key.startswith("RED"):
            assert mark("Ttl", key) not in csv_text
            assert mark("Ttl", key) in page
        else:
            assert mark("Ttl", key) in csv_text
    assert "Session (details withheld under its TLP label)" in csv_text


def test_a_stricter_label_in_the_draft_protects_the_released_programme_at_once(app, login, world):
    """Once released, the public channels show the release; a label made stricter in the
    draft (CLEAR → RED, and the Chatham House Rule added) applies at once, before any new
    release."""
    edition, organiser = world["edition"], world["viewers"]["organiser"]
    services.release(organiser, edition, "1.0", "")
    session = world["sessions"]["CLRo"]
    session.tlp = "RED"
    green = world["sessions"]["GRNo"]
    green.chatham_house = True
    db.session.commit()
    participant = login(world["viewers"]["participant"])
    anonymous = app.test_client()
    assert services.latest_release(edition) is not None
    for client in (anonymous, participant):
        for url in (
            f"/{YEAR}/programme.ics",
            f"/{YEAR}/schedule.json",
            f"/{YEAR}/schedule.xml",
            f"/api/v1/editions/{YEAR}/sessions",
        ):
            text = tlp_world.unfold(client.get(url).get_data(as_text=True))
            assert mark("Ttl", "CLRo") not in text and mark("Dsc", "CLRo") not in text, url
            assert mark("Spk", "GRNo") not in text and mark("Ttl", "GRNo") in text, url
    page = participant.get(f"/{YEAR}/sessions/{session.id}").get_data(as_text=True)
    assert mark("Ttl", "CLRo") in page  # RED still reaches a cleared person on the site


def test_a_label_change_never_serves_a_stored_public_copy(app, world):
    """The anonymous programme page and public exports are stored per programme version: a
    label made stricter through the session form makes a new version, so the stored copy that
    still named the session is never served again."""
    edition, organiser = world["edition"], world["viewers"]["organiser"]
    session = world["sessions"]["CLRo"]
    urls = [f"/{YEAR}/programme", f"/{YEAR}/programme.ics", f"/{YEAR}/schedule.json"]
    anonymous = app.test_client()
    for url in urls:
        assert mark("Ttl", "CLRo") in tlp_world.unfold(anonymous.get(url).get_data(as_text=True))
    services.save_session(organiser, edition, services.session_data_of(session, tlp="RED"), session)
    db.session.commit()
    for url in urls:
        text = tlp_world.unfold(anonymous.get(url).get_data(as_text=True))
        assert mark("Ttl", "CLRo") not in text and mark("Dsc", "CLRo") not in text, url


def test_a_cloned_programme_keeps_every_label_and_the_chatham_house_rule(app, world):
    """Cloning an edition with its programme copies each session's label (a RED session
    never turns CLEAR in the next edition)."""
    new = cloning.clone_edition(world["edition"], 2029, with_programme=True).edition
    db.session.commit()
    copies = {
        s.title: s
        for s in db.session.scalars(
            sa.select(ProgrammeSession).where(ProgrammeSession.edition_id == new.id)
        )
    }
    for key, session in world["sessions"].items():
        copy = copies[mark("Ttl", key)]
        assert copy.tlp == session.tlp == tlp_world.label_of(key), key
        assert copy.chatham_house is session.chatham_house


def test_a_duplicated_session_keeps_its_labels(app, world):
    """Duplicating a RED session (with a contribution labelled on its own) gives a RED copy
    whose contribution keeps its label: the copy is withheld from the public as the original."""
    edition, organiser = world["edition"], world["viewers"]["organiser"]
    original = world["sessions"]["REDo"]
    original.contributions[0].tlp = "RED"
    db.session.commit()
    copy = services.duplicate_session(organiser, original, edition)
    db.session.commit()
    assert copy.tlp == "RED" and copy.contributions[0].tlp == "RED"
    text = tlp_world.unfold(app.test_client().get(f"/{YEAR}/programme.ics").get_data(as_text=True))
    assert mark("Ttl", "REDo") not in text


def test_the_scan_log_download_names_no_red_session(app, login, world):
    """The door's scan log as CSV is an export: scans at a RED session's door are listed
    under its time and the placeholder; an AMBER one by name (organisers are cleared)."""
    edition, organiser = world["edition"], world["viewers"]["organiser"]
    for key in ("AMBx", "REDx"):
        session = world["sessions"][key]
        db.session.add(
            Scan(
                edition_id=edition.id,
                checkpoint=f"session:{session.id}",
                session_id=session.id,
                result=ScanResult.ADMITTED,
            )
        )
    db.session.commit()
    response = login(organiser).get(f"/{YEAR}/organise/checkin/scans.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert mark("Ttl", "AMBx") in text
    assert mark("Ttl", "REDx") not in text
    assert "Session (details withheld under its TLP label)" in text


def _event(calendar_text: str, key: str) -> str:
    events = tlp_world.unfold(calendar_text).split("BEGIN:VEVENT")
    return next(e for e in events if mark("Ttl", key) in e)


def test_feed_events_carry_their_label(app, login, world):
    """A labelled session's event says its label (TLP:AMBER …) so that whoever holds the
    calendar knows how the content may travel; AMBER and stricter are CLASS:CONFIDENTIAL."""
    cleared = login(world["viewers"]["cleared"])
    text = cleared.get(f"/{YEAR}/programme.ics").get_data(as_text=True)
    amber = _event(text, "AMSo")
    assert "TLP:AMBER+STRICT" in amber and "CLASS:CONFIDENTIAL" in amber
    public = app.test_client().get(f"/{YEAR}/programme.ics").get_data(as_text=True)
    green = _event(public, "GRNo")
    assert "TLP:GREEN" in green and "CLASS:CONFIDENTIAL" not in green
    assert "TLP:" not in _event(public, "CLRo")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_changelog_shows_changes_as_the_label_allows(app, login, world, viewer):
    """The public changelog (a page) after a release that moved every session."""
    edition, organiser = world["edition"], world["viewers"]["organiser"]
    services.release(organiser, edition, "1.0", "")
    for session in world["sessions"].values():
        session.starts_at += dt.timedelta(days=1)
        session.ends_at += dt.timedelta(days=1)
    db.session.commit()
    services.release(organiser, edition, "1.1", "")
    db.session.commit()
    user = world["viewers"][viewer]
    client = app.test_client() if user is None else login(user)
    text = client.get(f"/{YEAR}/changelog").get_data(as_text=True)
    found = leaks(text, viewer, "page")
    assert found == [], found


def test_a_labelled_material_of_a_clear_session_is_never_cached_publicly(app, world):
    """Only a material anyone may fetch is served with public caching: one labelled stricter
    than its CLEAR session is not, so no shared cache hands it to someone else."""
    materials = {
        m.title: m
        for m in db.session.scalars(
            sa.select(SessionMaterial).where(SessionMaterial.session_id == world["mix"].id)
        )
    }
    with app.test_request_context():
        public = {t: material_services.is_public(world["edition"], m) for t, m in materials.items()}
    assert public == {f"ZqMatMIX{code}": code == "c" for code in MIX}
