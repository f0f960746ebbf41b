"""The private full-programme feed (issue 18): the whole programme as its owner sees it.

Parsed with ``icalendar`` and with the tests' own strict RFC 5545 reader; checked for a
cleared, an uncleared and a revoked owner, and for the feed guarantees (stable UIDs,
SEQUENCE, STATUS:CANCELLED, VTIMEZONE, 304, private no-store).
"""

from __future__ import annotations

import icalendar
import pytest
import sqlalchemy as sa

from conference.accreditation.models import Registration, RegistrationState
from conference.audit import AuditEntry
from conference.calendar import private_feed
from conference.calendar.models import ProgrammeFeedToken
from conference.db import utcnow
from conference.extensions import db
from conference.programme import services as programme
from tests.calendar import rfc5545
from tests.calendar.factories import accredit, make_category, make_room, make_session
from tests.confirming import confirm_post
from tests.factories import make_user

SECRETS = ["Experts briefing", "classified agenda", "Vault"]


@pytest.fixture
def world(edition):
    experts = make_category(edition, "EXPERT")
    press = make_category(edition, "PRESS")
    open_talk = make_session(edition, title="Open talk", room=make_room(edition, "Hall"), hour=9)
    briefing = make_session(
        edition,
        title="Experts briefing",
        description="The classified agenda.",
        room=make_room(edition, "Vault"),
        restricted_to=[experts],
        hour=10,
    )
    dropped = make_session(edition, title="Dropped panel", hour=14, cancelled="Speaker ill")
    return {
        "edition": edition,
        "experts": experts,
        "press": press,
        "open": open_talk,
        "briefing": briefing,
        "dropped": dropped,
    }


def feed_for(user, edition) -> str:
    token = private_feed.make_feed(user, edition)
    db.session.commit()
    return f"/calendar/programme/{token}.ics"


def summaries(body: bytes) -> list[str]:
    calendar = rfc5545.parse(body)  # the strict reader: wire format first
    return [e.one("SUMMARY").text for e in calendar.components("VEVENT")]


def test_cleared_owner_sees_restricted_sessions_in_full(client, world):
    expert = make_user()
    accredit(expert, world["edition"], world["experts"])
    url = feed_for(expert, world["edition"])
    response = client.get(url)  # no cookie: the secret URL is the credential
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert sorted(summaries(response.data)) == ["Dropped panel", "Experts briefing", "Open talk"]
    parsed = icalendar.Calendar.from_ical(response.data)
    events = {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}
    assert "Vault" in str(events["Experts briefing"]["LOCATION"])
    assert str(events["Experts briefing"]["CLASS"]) == "CONFIDENTIAL"
    assert str(events["Dropped panel"]["STATUS"]) == "CANCELLED"
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/Brussels"]
    assert events["Experts briefing"]["DTSTART"].params["TZID"] == "Europe/Brussels"


def test_uncleared_owner_gets_placeholders(client, world):
    journalist = make_user()
    accredit(journalist, world["edition"], world["press"])
    body = client.get(feed_for(journalist, world["edition"])).data
    assert sorted(summaries(body)) == ["Dropped panel", "Open talk", "Restricted session"]
    text = body.decode()
    for secret in SECRETS:
        assert secret not in text
    parsed = icalendar.Calendar.from_ical(body)
    placeholder = next(
        e for e in parsed.walk("VEVENT") if str(e["SUMMARY"]) == "Restricted session"
    )
    assert "LOCATION" not in placeholder and "DESCRIPTION" not in placeholder


def test_revoked_owner_loses_the_details_at_the_next_request(client, world):
    expert = make_user()
    registration = accredit(expert, world["edition"], world["experts"])
    url = feed_for(expert, world["edition"])
    first = client.get(url)
    assert b"Experts briefing" in first.data
    etag = first.headers["ETag"]
    registration.state = RegistrationState.REVOKED
    db.session.commit()
    # The old ETag is no longer current: the calendar app gets the new body, not a 304.
    second = client.get(url, headers={"If-None-Match": etag})
    assert second.status_code == 200
    for secret in SECRETS:
        assert secret.encode() not in second.data
    assert "Restricted session" in summaries(second.data)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_uids_are_stable_and_sequence_follows_changes(client, world):
    expert = make_user()
    accredit(expert, world["edition"], world["experts"])
    url = feed_for(expert, world["edition"])
    before = icalendar.Calendar.from_ical(client.get(url).data)
    uids = {str(e["SUMMARY"]): str(e["UID"]) for e in before.walk("VEVENT")}
    assert uids["Open talk"].startswith(world["open"].uid)
    session = world["open"]
    session.sequence += 1
    world["edition"].programme_changed_at = utcnow()
    db.session.commit()
    after = icalendar.Calendar.from_ical(client.get(url).data)
    again = {str(e["SUMMARY"]): e for e in after.walk("VEVENT")}
    assert str(again["Open talk"]["UID"]) == uids["Open talk"]
    assert int(again["Open talk"]["SEQUENCE"]) == session.sequence


def test_conditional_get_answers_304(client, world):
    user = make_user()
    url = feed_for(user, world["edition"])
    first = client.get(url)
    assert first.headers["ETag"]
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304
    assert second.data == b""
    assert second.headers["Cache-Control"] == "private, no-store"


def test_unknown_or_malformed_link_is_404(client, world):
    assert client.get("/calendar/programme/" + "0" * 64 + ".ics").status_code == 404
    assert client.get("/calendar/programme/nonsense.ics").status_code == 404


def test_create_replace_and_turn_off_from_the_calendar_page(login, client, world):
    user = make_user()
    browser = login(user)
    page = browser.get("/calendar/").get_data(as_text=True)
    assert "/2027/calendar/programme-link" in page
    assert "Outlook" in page and "Google Calendar" in page and "Apple Calendar" in page
    assert (
        browser.post("/2027/calendar/programme-link", data={"next": "/calendar/"}).status_code
        == 303
    )
    record = db.session.scalar(sa.select(ProgrammeFeedToken))
    token = private_feed.feed_secret(user, record)
    assert token not in (record.nonce, record.token_hash)
    assert f"/calendar/programme/{token}.ics" in browser.get("/calendar/").get_data(as_text=True)
    assert client.get(f"/calendar/programme/{token}.ics").status_code == 200
    confirm_post(browser, "/2027/calendar/programme-link")
    db.session.expire_all()
    record = db.session.scalar(sa.select(ProgrammeFeedToken))
    new = private_feed.feed_secret(user, record)
    assert new != token
    assert client.get(f"/calendar/programme/{token}.ics").status_code == 404
    assert client.get(f"/calendar/programme/{new}.ics").status_code == 200
    confirm_post(browser, "/2027/calendar/programme-link/delete")
    assert db.session.scalar(sa.select(ProgrammeFeedToken)) is None
    assert client.get(f"/calendar/programme/{new}.ics").status_code == 404
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == [
        "calendar.programme_link_created",
        "calendar.programme_link_replaced",
        "calendar.programme_link_revoked",
    ]


def test_anonymous_cannot_make_a_programme_link(client, world):
    response = client.post("/2027/calendar/programme-link")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(sa.select(ProgrammeFeedToken)) is None


def test_personal_feed_holds_starred_sessions_and_drops_restricted_ones_on_revocation(
    client, world
):
    from conference.calendar import services as calendar

    expert = make_user()
    registration = accredit(expert, world["edition"], world["experts"])
    programme.star(expert, world["edition"], world["briefing"].id)
    programme.star(expert, world["edition"], world["open"].id)
    db.session.commit()
    token = calendar.regenerate_token(expert)
    db.session.commit()
    first = client.get(f"/calendar/{token}.ics")
    assert sorted(summaries(first.data)) == ["Experts briefing", "Open talk"]
    registration.state = RegistrationState.REVOKED
    db.session.commit()
    second = client.get(f"/calendar/{token}.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert summaries(second.data) == ["Open talk"]
    assert b"Restricted session" not in second.data  # a star is dropped, not a placeholder
    # A new star changes the ETag too.
    programme.unstar(expert, world["edition"], world["open"].id)
    db.session.commit()
    third = client.get(f"/calendar/{token}.ics", headers={"If-None-Match": second.headers["ETag"]})
    assert third.status_code == 200


def test_archived_edition_offers_no_new_programme_link(login, world):
    from conference.editions.models import EditionState

    world["edition"].state = EditionState.ARCHIVED
    db.session.commit()
    browser = login(make_user())
    assert browser.post("/2027/calendar/programme-link").status_code == 404
    assert db.session.scalar(sa.select(ProgrammeFeedToken)) is None
    assert "/2027/calendar/programme-link" not in browser.get("/calendar/").get_data(as_text=True)


def test_personal_feed_says_why_and_what_overlaps(client, world):
    from conference.calendar import services as calendar
    from tests.calendar.factories import book

    edition = world["edition"]
    expert = make_user()
    accredit(expert, edition, world["experts"])
    workshop = make_session(edition, title="Booked workshop", hour=10, booking_required=True)
    book(expert, workshop)
    programme.star(expert, edition, world["briefing"].id)  # 10:00, like the workshop
    db.session.commit()
    token = calendar.regenerate_token(expert)
    db.session.commit()
    parsed = icalendar.Calendar.from_ical(client.get(f"/calendar/{token}.ics").data)
    descriptions = {str(e["SUMMARY"]): str(e["DESCRIPTION"]) for e in parsed.walk("VEVENT")}
    assert "On your agenda: starred." in descriptions["Experts briefing"]
    assert "Overlaps “Booked workshop” (booked)." in descriptions["Experts briefing"]
    assert "On your agenda: booked." in descriptions["Booked workshop"]
