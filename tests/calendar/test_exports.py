"""schedule.json (c3voc) and schedule.xml (Frab/Pentabarf): schema validity, content, speed."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from lxml import etree

from conference.calendar.exports import acronym, slugify
from tests.calendar.factories import (
    make_category,
    make_programme,
    make_room,
    make_session,
    make_track,
    make_type,
)
from tests.factories import make_edition, make_user


def validate_json(document: dict, schema: dict) -> None:
    validator = jsonschema.Draft6Validator(
        schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def validate_xml(body: bytes, xsd) -> etree._Element:
    root = etree.fromstring(body)
    if not xsd.validate(root):
        raise AssertionError("\n".join(str(e) for e in list(xsd.error_log)[:10]))
    return root


@pytest.fixture
def programme(edition):
    hall = make_room(edition, "Main hall", capacity=500, position=0)
    side = make_room(edition, "Side room", capacity=40, position=1)
    policy = make_track(edition, "Policy & law", colour="#aa3300")
    workshop = make_type(edition, "Workshop", "workshop")
    speaker = make_user(full_name="Dr. Zoë Ŝpeaker", organisation="Uni")
    make_session(
        edition,
        title="Opening <plenary> & welcome",
        description="Markdown *text*\nwith lines & <tags> \x07bell",
        room=hall,
        track=policy,
        speakers=[speaker, ("Guest Person", "Ministry")],
        hour=9,
    )
    make_session(edition, title="Hands-on: export control", room=side, type=workshop, hour=11)
    make_session(edition, title="研究安全", room=side, hour=14, day=1)
    make_session(edition, title="Cancelled talk", room=hall, cancelled="Speaker ill", hour=16)
    make_session(edition, title="Lunch", hour=12)  # no room: listed under the venue
    make_session(edition, title="Closed", restricted_to=[make_category(edition)], hour=15)
    return edition


def test_schedule_json_validates_against_the_c3voc_schema(client, programme, schedule_schema):
    response = client.get("/2027/schedule.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(response.data)
    validate_json(document, schedule_schema)
    conference = document["schedule"]["conference"]
    assert conference["acronym"] == "rsc2027"
    assert conference["time_zone_name"] == "Europe/Brussels"
    assert conference["daysCount"] == 2
    assert [d["date"] for d in conference["days"]] == ["2027-06-09", "2027-06-10"]
    events = {
        e["title"]: e
        for day in conference["days"]
        for room_events in day["rooms"].values()
        for e in room_events
    }
    opening = events["Opening <plenary> & welcome"]
    assert opening["date"] == "2027-06-09T09:00:00+02:00"
    assert opening["start"] == "09:00" and opening["duration"] == "01:00"
    assert opening["room"] == "Main hall" and opening["track"] == "Policy & law"
    assert [p["name"] for p in opening["persons"]] == ["Dr. Zoë Ŝpeaker", "Guest Person"]
    assert opening["url"].startswith("http://conference.test/2027/")
    assert events["Hands-on: export control"]["type"] == "workshop"
    assert events["Lunch"]["room"] == "Egmont Palace"
    assert events["Cancelled: Cancelled talk"]["description"] == "Cancelled: Speaker ill"
    assert "Restricted session" in events
    assert events["研究安全"]["slug"].endswith("-session")


def test_schedule_xml_validates_against_the_frab_xsd(client, programme, schedule_xsd):
    response = client.get("/2027/schedule.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    root = validate_xml(response.data, schedule_xsd)
    assert root.findtext("conference/acronym") == "rsc2027"
    assert [d.get("index") for d in root.findall("day")] == ["1", "2"]
    titles = [e.findtext("title") for e in root.iter("event")]
    assert "Opening <plenary> & welcome" in titles and "Restricted session" in titles
    opening = next(e for e in root.iter("event") if e.findtext("title").startswith("Opening"))
    assert opening.findtext("abstract") == "Markdown *text*\nwith lines & <tags> bell"
    assert [p.text for p in opening.iter("person")] == ["Dr. Zoë Ŝpeaker", "Guest Person"]
    assert root.find("conference/track").get("color") == "#aa3300"


def test_the_same_session_keeps_its_guid_across_formats_and_edits(client, edition):
    session = make_session(edition, title="Stable")
    document = json.loads(client.get("/2027/schedule.json").data)
    (event,) = [
        e
        for day in document["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for e in events
    ]
    root = etree.fromstring(client.get("/2027/schedule.xml").data)
    assert root.find(".//event").get("guid") == event["guid"]
    session.title = "Stable, renamed"
    from conference.extensions import db

    db.session.commit()
    root = etree.fromstring(client.get("/2027/schedule.xml").data)
    assert root.find(".//event").get("guid") == event["guid"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"acronym": "RSC"}, "rsc2027"),
        ({"acronym": "ERA-15 Conf"}, "era_15_conf2027"),
        ({"acronym": "rsc2027"}, "rsc2027"),
        ({"acronym": "", "title": "Research Security Conference"}, "rsc2027"),
        ({"acronym": "", "title": "研究"}, "conference2027"),
    ],
)
def test_acronym_fits_the_schedule_formats(app, values, expected):
    edition = make_edition(2027, **values)
    assert acronym(edition) == expected


def test_slugify():
    assert slugify("Ünïcode & more!") == "unicode-more"
    assert slugify("---") == ""


def test_exports_of_unusual_editions_still_validate(client, app, schedule_schema, schedule_xsd):
    edition = make_edition(
        2027, acronym="", title="Conférence « 2027 »", venue="", timezone="Etc/GMT-3"
    )
    make_session(edition, title="Alone")
    document = json.loads(client.get("/2027/schedule.json").data)
    validate_json(document, schedule_schema)
    assert "time_zone_name" not in document["schedule"]["conference"]
    validate_xml(client.get("/2027/schedule.xml").data, schedule_xsd)


@pytest.mark.parametrize(
    "url", ["/2027/programme.ics", "/2027/schedule.json", "/2027/schedule.xml"]
)
def test_constant_number_of_queries_whatever_the_programme_size(url, app, login, count_queries):
    small = make_edition(2027)
    big = make_edition(2028)
    make_programme(small, 5)
    make_programme(big, 60)
    user = make_user()
    from tests.calendar.factories import accredit

    accredit(user, small)
    accredit(user, big)
    client = login(user)
    counts = []
    for year in (2027, 2028):
        with count_queries() as log:
            response = client.get(url.replace("2027", str(year)))
        assert response.status_code == 200
        counts.append(len(log))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12


def test_personal_feed_uses_a_constant_number_of_queries(app, client, count_queries):
    from conference.calendar import services
    from conference.extensions import db
    from tests.calendar.factories import accredit, book

    counts = []
    for year, size in ((2027, 5), (2028, 60)):
        edition = make_edition(year)
        make_programme(edition, size)
        user = make_user()
        accredit(user, edition)
        from conference.programme.models import ProgrammeSession

        for session in db.session.scalars(
            db.select(ProgrammeSession).where(ProgrammeSession.edition_id == edition.id)
        ):
            if session.access == "open":
                book(user, session)
        token = services.regenerate_token(user)
        db.session.commit()
        client.get(f"/calendar/{token}.ics")  # first use is recorded (a write)
        with count_queries() as log:
            response = client.get(f"/calendar/{token}.ics")
        assert response.status_code == 200
        assert response.data.count(b"BEGIN:VEVENT") == size - (size + 4) // 5
        counts.append(len(log))
    assert counts[0] == counts[1], counts


def test_large_programme_feed_is_complete(client, edition):
    make_programme(edition, 120)
    body = client.get("/2027/programme.ics").data
    assert body.count(b"BEGIN:VEVENT") == 120
    assert body.count(b"SUMMARY:Restricted session") == 24
    document = json.loads(client.get("/2027/schedule.json").data)
    total = sum(
        len(events)
        for day in document["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
    )
    assert total == 120
    assert dt.date.fromisoformat(document["schedule"]["conference"]["days"][-1]["date"]) == (
        edition.start_date + dt.timedelta(days=2)
    )
