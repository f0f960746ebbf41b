"""RFC 5545 correctness of the feeds: structure, time zones, identity, escaping, folding."""

from __future__ import annotations

import datetime as dt
import io
import warnings

import icalendar
import pytest

from conference.calendar import ics
from conference.db import freeze
from conference.extensions import db
from conference.programme import services as programme
from tests.calendar import rfc5545
from tests.calendar.factories import make_category, make_room, make_session, make_track, make_type
from tests.factories import make_user

INJECTION = "Evil\r\nATTENDEE:mailto:x@example.org\nLOCATION:Nowhere;X=1,2\\3\rEND:VEVENT"


def feed(client, url="/2027/programme.ics", **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.data[:500]
    return response


def events(body: bytes) -> dict[str, rfc5545.Component]:
    calendar = rfc5545.parse(body)
    return {e.one("SUMMARY").text: e for e in calendar.components("VEVENT")}


def parse_with_ics_package(body: bytes):
    """The ``ics`` package has its own parser (TatSu grammar), independent of icalendar."""
    import ics as ics_package

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # arrow/ics deprecation notices are not our concern
        return ics_package.Calendar(body.decode("utf-8"))


# --- low-level writer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a,b", "a\\,b"),
        ("a;b", "a\\;b"),
        ("a\\b", "a\\\\b"),
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\nb"),
        ("a\rb", "a\\nb"),
        ("a\u2028b", "a\\nb"),
        ("bell\x07tab\tok", "belltab\tok"),
    ],
)
def test_escape_text_neutralises_separators_and_line_breaks(raw, escaped):
    assert ics.escape_text(raw) == escaped


def test_fold_limits_lines_to_75_octets_without_splitting_characters():
    line = "DESCRIPTION:" + "αβγ😀" * 60
    folded = ics.fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 1
    for part in physical:
        encoded = part.encode("utf-8")
        assert len(encoded) <= 75
        encoded.decode("utf-8")  # no character cut in half
    assert all(p.startswith(" ") for p in physical[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(physical)) == line
    assert ics.fold("SHORT:x") == "SHORT:x"


def test_param_values_with_separators_are_quoted():
    assert ics.param_value("Europe/Brussels") == "Europe/Brussels"
    assert ics.param_value("a:b") == '"a:b"'


# --- the programme feed ------------------------------------------------------------------------


def test_programme_feed_has_calendar_headers_and_properties(client, edition):
    room = make_room(edition, "Salle Europa")
    make_session(
        edition,
        title="Opening plenary",
        description="Welcome words.",
        room=room,
        speakers=[("Ann Example", "European Commission")],
        type=make_type(edition, "Plenary", "plenary"),
        track=make_track(edition, "Policy"),
    )
    response = feed(client)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["ETag"].startswith('W/"')
    calendar = rfc5545.parse(response.data)
    assert calendar.one("X-WR-CALNAME").text == f"{edition.title} – Programme"
    assert calendar.one("X-PUBLISHED-TTL").value == "PT1H"
    refresh = calendar.one("REFRESH-INTERVAL")
    assert refresh.params == {"VALUE": "DURATION"} and refresh.value == "PT1H"
    event = events(response.data)["Opening plenary"]
    assert event.one("LOCATION").text == "Salle Europa, Egmont Palace"
    description = event.one("DESCRIPTION").text
    assert "Welcome words." in description and "Ann Example (European Commission)" in description
    assert event.one("URL").value.startswith("http://conference.test/2027/")
    assert event.one("STATUS").value == "CONFIRMED"
    assert event.one("CATEGORIES").value == "Plenary,Policy"
    assert rfc5545.re.fullmatch(r"\d{8}T\d{6}Z", event.one("DTSTAMP").value)
    assert rfc5545.re.fullmatch(r"\d{8}T\d{6}Z", event.one("LAST-MODIFIED").value)


def test_times_are_in_the_edition_zone_with_a_matching_vtimezone(client, edition):
    make_session(edition, title="Morning", hour=9)  # 9:00 Brussels summer time = 07:00 UTC
    body = feed(client).data
    calendar = rfc5545.parse(body)
    (zone,) = calendar.components("VTIMEZONE")
    assert zone.one("TZID").value == "Europe/Brussels"
    offsets = {o.one("TZOFFSETTO").value for o in zone.children}
    assert offsets == {"+0100", "+0200"}
    event = events(body)["Morning"]
    start = event.one("DTSTART")
    assert start.params == {"TZID": "Europe/Brussels"}
    assert start.value == "20270609T090000"
    assert event.one("DTEND").value == "20270609T100000"
    parsed = icalendar.Calendar.from_ical(body)
    (vevent,) = parsed.walk("VEVENT")
    assert vevent.start == dt.datetime(2027, 6, 9, 7, tzinfo=dt.UTC)
    assert str(vevent.start.tzinfo) == "Europe/Brussels"
    assert parsed.get_missing_tzids() == set()


def test_other_zones_get_their_own_vtimezone(client, app):
    from tests.factories import make_edition

    edition = make_edition(2027, timezone="America/New_York")
    make_session(edition, title="Eastern", hour=14)
    body = feed(client).data
    calendar = rfc5545.parse(body)
    assert [z.one("TZID").value for z in calendar.components("VTIMEZONE")] == ["America/New_York"]
    parsed = icalendar.Calendar.from_ical(body)
    (vevent,) = parsed.walk("VEVENT")
    assert vevent.start == dt.datetime(2027, 6, 9, 18, tzinfo=dt.UTC)


def test_uid_is_stable_and_sequence_grows_on_time_room_and_state_changes(client, edition):
    organiser = make_user(role="organiser", edition=edition)
    room_a, room_b = make_room(edition, "A"), make_room(edition, "B")
    session = make_session(edition, title="Panel", room=room_a)
    first = events(feed(client).data)["Panel"]
    uid = first.one("UID").value
    assert uid == f"{session.uid}@conference.test"
    assert first.one("SEQUENCE").value == "0"

    def edit(**changes):
        current = programme.get_session(edition, session.id)
        data = programme.SessionData(
            title=changes.get("title", current.title),
            starts_at=changes.get("starts_at", current.starts_at),
            ends_at=changes.get("ends_at", current.ends_at),
            room_id=changes.get("room_id", current.room_id),
            state=changes.get("state", current.state),
            cancel_reason=changes.get("cancel_reason", current.cancel_reason),
        )
        programme.save_session(organiser, edition, data, current)
        db.session.commit()
        return events(feed(client).data)

    later = session.starts_at + dt.timedelta(hours=2)
    moved = edit(starts_at=later, ends_at=later + dt.timedelta(hours=1))["Panel"]
    assert moved.one("SEQUENCE").value == "1"
    assert moved.one("DTSTART").value == "20270609T110000"
    rehoused = edit(room_id=room_b.id)["Panel"]
    assert rehoused.one("SEQUENCE").value == "2"
    assert rehoused.one("LOCATION").text.startswith("B")
    renamed = edit(title="Panel on export controls")["Panel on export controls"]
    assert renamed.one("SEQUENCE").value == "2"  # a new title is not a reschedule
    programme.cancel_session(
        organiser, programme.get_session(edition, session.id), edition, "Speaker ill"
    )
    db.session.commit()
    cancelled = events(feed(client).data)["Panel on export controls"]
    assert cancelled.one("SEQUENCE").value == "3"
    for event in (moved, rehoused, renamed, cancelled):
        assert event.one("UID").value == uid


def test_cancelled_session_stays_in_the_feed_with_status_cancelled(client, edition):
    make_session(edition, title="Workshop", cancelled="The trainer cannot travel")
    event = events(feed(client).data)["Workshop"]
    assert event.one("STATUS").value == "CANCELLED"
    assert event.one("DESCRIPTION").text.startswith("CANCELLED: The trainer cannot travel")


def test_last_modified_and_dtstamp_follow_the_session_update(client, edition):
    freeze(dt.datetime(2027, 3, 1, 10, 30, 15, tzinfo=dt.UTC))
    make_session(edition, title="Stamped")
    event = events(feed(client).data)["Stamped"]
    assert event.one("LAST-MODIFIED").value == "20270301T103015Z"
    assert event.one("DTSTAMP").value == "20270301T103015Z"


def test_title_with_line_breaks_and_separators_cannot_inject_properties(client, edition):
    make_session(
        edition, title=INJECTION, description="x\r\nORGANIZER:mailto:evil@example.org", room=None
    )
    body = feed(client).data
    calendar = rfc5545.parse(body)  # the strict reader rejects unescaped , ; \ and bare CR/LF
    (event,) = calendar.components("VEVENT")
    assert event.one("SUMMARY").text == INJECTION.replace("\r\n", "\n").replace("\r", "\n")
    assert event.all("ATTENDEE") == [] and event.all("ORGANIZER") == []
    assert len(event.all("LOCATION")) == 1
    assert [e.name for e in calendar.children].count("VEVENT") == 1
    parsed = icalendar.Calendar.from_ical(body)
    (vevent,) = parsed.walk("VEVENT")
    assert "ATTENDEE" not in vevent and "ORGANIZER" not in vevent
    assert str(vevent["SUMMARY"]) == INJECTION.replace("\r\n", "\n").replace("\r", "\n")
    other = parse_with_ics_package(body)
    (only,) = list(other.events)
    assert only.name.startswith("Evil") and not only.attendees and only.organizer is None


def test_long_lines_are_folded_at_75_octets_with_crlf(client, edition):
    make_session(edition, title="Ünïcödé " * 30, description="€ long text " * 100)
    body = feed(client).data
    assert b"\n" not in body.replace(b"\r\n", b"")
    for line in body.split(b"\r\n")[:-1]:
        assert len(line) <= 75
        line.decode("utf-8")
    assert any(line.startswith(b" ") for line in body.split(b"\r\n"))
    assert rfc5545.parse(body)  # unfolds to valid content lines
    (vevent,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Ünïcödé " * 30


def test_feed_parses_with_icalendar_and_the_independent_ics_parser(client, edition):
    category = make_category(edition)
    room = make_room(edition, "Room 1")
    for hour in range(8, 12):
        make_session(edition, title=f"Talk {hour}", hour=hour, room=room)
    make_session(edition, title="Closed", hour=13, restricted_to=[category])
    make_session(edition, title="Dropped", hour=14, cancelled="No")
    body = feed(client).data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed = icalendar.Calendar.from_ical(body)
    assert len(parsed.walk("VEVENT")) == 6
    assert all(not c.errors for c in parsed.walk())
    other = parse_with_ics_package(body)
    names = sorted(e.name for e in other.events)
    assert names == sorted(
        ["Talk 8", "Talk 9", "Talk 10", "Talk 11", "Restricted session", "Dropped"]
    )
    starts = {e.name: e.begin for e in other.events}
    assert starts["Talk 8"].to("UTC").hour == 6  # 08:00 in Brussels (summer)
    strict = rfc5545.parse(body)
    assert len(strict.components("VEVENT")) == 6


def test_recurring_ical_events_expands_the_feed(client, edition):
    import recurring_ical_events

    make_session(edition, title="Day one", day=0)
    make_session(edition, title="Day two", day=1)
    parsed = icalendar.Calendar.from_ical(feed(client).data)
    found = recurring_ical_events.of(parsed).between(dt.date(2027, 6, 10), dt.date(2027, 6, 11))
    assert [str(e["SUMMARY"]) for e in found] == ["Day two"]


def test_single_session_feed(client, edition):
    session = make_session(edition, title="Only me")
    make_session(edition, title="Someone else")
    response = feed(client, f"/2027/sessions/{session.id}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert list(events(response.data)) == ["Only me"]
    assert 'filename="session-' in response.headers["Content-Disposition"]


@pytest.mark.parametrize("path", ["/2027/sessions/999999.ics", "/2030/programme.ics"])
def test_unknown_session_or_edition_is_404(client, edition, path):
    assert client.get(path).status_code == 404


def test_session_of_another_edition_is_404(client, edition):
    from tests.factories import make_edition

    other = make_edition(2025)
    session = make_session(other, title="Old")
    assert client.get(f"/2027/sessions/{session.id}.ics").status_code == 404
    assert client.get(f"/2025/sessions/{session.id}.ics").status_code == 200


def test_empty_programme_is_a_valid_calendar(client, edition):
    body = feed(client).data
    calendar = rfc5545.parse(body)
    assert calendar.components("VEVENT") == []
    assert icalendar.Calendar.from_ical(io.BytesIO(body).getvalue())


def test_session_page_links_to_its_calendar_file(client, edition):
    session = make_session(edition, title="Linked")
    page = client.get(f"/2027/sessions/{session.id}")
    assert page.status_code == 200
    link = f'href="/2027/sessions/{session.id}.ics"'
    assert link in page.data.decode()
    assert client.get(f"/2027/sessions/{session.id}.ics").status_code == 200


@pytest.mark.parametrize(
    ("zone", "start", "tzid"),
    [("UTC", "20270609T090000Z", None), ("Etc/GMT-3", "20270609T090000", "Etc/GMT-3")],
)
def test_utc_and_fixed_offset_zones(client, app, zone, start, tzid):
    from tests.factories import make_edition

    edition = make_edition(2027, timezone=zone)
    make_session(edition, title="Zoned", hour=9)
    body = feed(client).data
    calendar = rfc5545.parse(body)
    (event,) = calendar.components("VEVENT")
    assert event.one("DTSTART").value == start
    assert event.one("DTSTART").params.get("TZID") == tzid
    assert len(calendar.components("VTIMEZONE")) == (0 if tzid is None else 1)
    (vevent,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    expected_utc = 9 if zone == "UTC" else 6
    assert vevent.start.astimezone(dt.UTC).hour == expected_utc
    assert len(list(parse_with_ics_package(body).events)) == 1
