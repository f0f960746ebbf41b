"""The personal feed link: create, regenerate (old URL 404), turn off, the /me how-to."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from conference.audit import AuditEntry
from conference.calendar import services
from conference.calendar.models import CalendarToken
from conference.db import freeze, utcnow
from conference.extensions import db
from tests.calendar import rfc5545
from tests.calendar.factories import accredit, book, make_session
from tests.confirming import confirm_post
from tests.factories import make_user


def tokens() -> list[CalendarToken]:
    return list(db.session.scalars(sa.select(CalendarToken)))


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_anonymous_cannot_create_a_link(client, edition):
    response = client.post("/calendar/link")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert tokens() == []
    assert client.post("/calendar/link/delete").status_code == 302
    assert client.get("/calendar/").status_code == 302


def test_create_link_stores_only_a_hash_and_serves_the_feed(login, client, edition):
    user = make_user()
    accredit(user, edition)
    session = make_session(edition, title="My workshop", booking_required=True)
    book(user, session)
    browser = login(user)
    response = browser.post("/calendar/link", data={"next": "/2027/me"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/2027/me")
    (record,) = tokens()
    token = services.feed_token(user)
    assert len(token) == 64
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (record.nonce, record.token_hash)
    assert audit_actions() == ["calendar.link_created"]
    feed = client.get(f"/calendar/{token}.ics")  # no login: the secret URL is enough
    assert feed.status_code == 200
    assert feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert feed.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in feed.headers["Vary"]
    calendar = rfc5545.parse(feed.data)
    assert [e.one("SUMMARY").text for e in calendar.components("VEVENT")] == ["My workshop"]
    assert calendar.one("X-WR-CALNAME").text.startswith("My conference agenda")


def test_regenerate_makes_the_old_url_404(login, client, edition):
    user = make_user()
    browser = login(user)
    browser.post("/calendar/link")
    old = services.feed_token(user)
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    response = confirm_post(browser, "/calendar/link", follow_redirects=True)
    assert b"The old link no longer works" in response.data
    new = services.feed_token(user)
    assert new != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert len(tokens()) == 1
    assert audit_actions() == ["calendar.link_created", "calendar.link_regenerated"]


def test_turning_the_link_off(login, client, edition):
    user = make_user()
    browser = login(user)
    browser.post("/calendar/link")
    token = services.feed_token(user)
    confirm_post(browser, "/calendar/link/delete")
    assert tokens() == []
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert audit_actions()[-1] == "calendar.link_revoked"
    again = browser.post("/calendar/link/delete", follow_redirects=True)
    assert b"You have no calendar link" in again.data


def test_links_are_per_person(login, client, edition):
    alice, bob = make_user(), make_user()
    login(alice).post("/calendar/link")
    login(bob).post("/calendar/link")
    alice_token, bob_token = services.feed_token(alice), services.feed_token(bob)
    assert alice_token != bob_token
    confirm_post(login(bob), "/calendar/link")  # Bob regenerates: Alice's link keeps working
    assert client.get(f"/calendar/{alice_token}.ics").status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "0" * 64,
        "abc",
        "Z" * 64,
        "0" * 65,
        "%00" * 10,
        "../../etc/passwd",
        "é" * 64,
    ],
)
def test_unknown_or_malformed_tokens_are_404(client, edition, token, count_queries):
    with count_queries() as log:
        response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    if len(token) != 64 or not token.isalnum():
        assert log.touching("calendar_tokens") == []


def test_a_deleted_account_has_no_feed(client, edition):
    user = make_user()
    token = services.regenerate_token(user)
    db.session.commit()
    user.deleted_at = utcnow()
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_changed_secret_key_invalidates_links_and_says_so(app, login, client, edition):
    user = make_user()
    token = services.regenerate_token(user)
    db.session.commit()
    app.config["SECRET_KEY"] = "another-secret-key-of-sufficient-length-123"
    assert services.feed_token(user) is None
    page = login(user).get("/calendar/")
    assert b"stopped working" in page.data
    assert client.get(f"/calendar/{token}.ics").status_code == 200  # the stored hash still matches


def test_last_use_is_recorded_at_most_hourly(client, edition):
    user = make_user()
    token = services.regenerate_token(user)
    db.session.commit()
    freeze(dt.datetime(2027, 5, 1, 8, 0, tzinfo=dt.UTC))
    client.get(f"/calendar/{token}.ics")
    (record,) = tokens()
    assert record.last_used_at == dt.datetime(2027, 5, 1, 8, 0, tzinfo=dt.UTC)
    freeze(dt.datetime(2027, 5, 1, 8, 30, tzinfo=dt.UTC))
    client.get(f"/calendar/{token}.ics")
    db.session.refresh(record)
    assert record.last_used_at == dt.datetime(2027, 5, 1, 8, 0, tzinfo=dt.UTC)
    freeze(dt.datetime(2027, 5, 1, 9, 1, tzinfo=dt.UTC))
    client.get(f"/calendar/{token}.ics")
    db.session.refresh(record)
    assert record.last_used_at == dt.datetime(2027, 5, 1, 9, 1, tzinfo=dt.UTC)


def test_personal_feed_covers_booked_speaking_chairing_and_invited(client, edition):
    user = make_user(full_name="Pat Person")
    accredit(user, edition)
    booked = make_session(edition, title="Booked", hour=8, booking_required=True)
    book(user, booked)
    make_session(edition, title="Speaking", hour=10, speakers=[user])
    make_session(edition, title="Chairing", hour=12, chair=user)
    make_session(edition, title="Invited", hour=14, invited=[user])
    make_session(edition, title="Someone else's", hour=16)
    waitlisted = make_session(edition, title="Waiting", hour=18, booking_required=True)
    from conference.programme.models import Booking, BookingState

    db.session.add(
        Booking(
            edition_id=edition.id,
            session_id=waitlisted.id,
            user_id=user.id,
            state=BookingState.WAITLISTED,
        )
    )
    db.session.commit()
    token = services.regenerate_token(user)
    db.session.commit()
    calendar = rfc5545.parse(client.get(f"/calendar/{token}.ics").data)
    titles = [e.one("SUMMARY").text for e in calendar.components("VEVENT")]
    assert titles == ["Booked", "Speaking", "Chairing", "Invited"]


def test_personal_feed_spans_editions_in_their_own_zones(client, app):
    from tests.factories import make_edition

    old = make_edition(2025, timezone="Europe/Lisbon")
    new = make_edition(2027, timezone="Europe/Brussels")
    user = make_user()
    make_session(old, title="Last year", speakers=[user])
    make_session(new, title="This year", speakers=[user])
    token = services.regenerate_token(user)
    db.session.commit()
    calendar = rfc5545.parse(client.get(f"/calendar/{token}.ics").data)
    zones = sorted(z.one("TZID").value for z in calendar.components("VTIMEZONE"))
    assert zones == ["Europe/Brussels", "Europe/Lisbon"]
    starts = {
        e.one("SUMMARY").text: e.one("DTSTART").params["TZID"]
        for e in calendar.components("VEVENT")
    }
    assert starts == {"Last year": "Europe/Lisbon", "This year": "Europe/Brussels"}


def test_personal_feed_leaves_out_draft_editions_unless_organiser(client, app):
    from conference.editions.models import EditionState
    from tests.factories import grant, make_edition

    draft = make_edition(2028, state=EditionState.DRAFT)
    user = make_user()
    make_session(draft, title="Draft plan", speakers=[user])
    token = services.regenerate_token(user)
    db.session.commit()
    assert b"Draft plan" not in client.get(f"/calendar/{token}.ics").data
    grant(user, "organiser", draft)
    assert b"Draft plan" in client.get(f"/calendar/{token}.ics").data


def test_calendar_page_offers_creation_then_link_and_howto(login, edition):
    user = make_user()
    browser = login(user)
    page = browser.get("/calendar/")
    assert page.status_code == 200
    assert b"Create my calendar link" in page.data
    browser.post("/calendar/link")
    page = browser.get("/calendar/").data.decode()
    token = services.feed_token(user)
    assert f"http://conference.test/calendar/{token}.ics" in page
    assert f"webcal://conference.test/calendar/{token}.ics" in page
    assert '<label for="calendar-feed-url">' in page
    for app_name in ("Outlook", "Google Calendar", "Apple Calendar"):
        assert app_name in page
    assert "Replace my link" in page and "Turn my calendar link off" in page


def test_me_page_of_the_edition_includes_the_calendar_section(login, edition):
    user = make_user()
    accredit(user, edition)
    browser = login(user)
    page = browser.get("/2027/me")
    assert page.status_code == 200
    assert b"Your agenda in your calendar" in page.data
    assert b"/2027/programme.ics" in page.data


def test_template_global_gives_the_url(app, login, edition):
    from flask import g, render_template_string
    from flask_login import login_user

    user = make_user()
    token = services.regenerate_token(user)
    db.session.commit()
    with app.test_request_context("/"):
        login_user(user)
        assert (
            render_template_string("{{ my_calendar_url() }}")
            == f"http://conference.test/calendar/{token}.ics"
        )
    with app.test_request_context("/"):
        g.pop("_login_user", None)  # the tests' long-lived app context keeps ``g``
        assert render_template_string("{{ my_calendar_url() }}") == "None"


def test_next_parameter_cannot_redirect_elsewhere(login, edition):
    browser = login(make_user())
    response = browser.post("/calendar/link", data={"next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/calendar/")


def test_feed_links_are_get_only(login, client, edition):
    # GET never makes or replaces a link (it leads to the confirmation step, or back).
    assert login(make_user()).get("/calendar/link").status_code == 302
    assert tokens() == []
    assert client.post("/2027/programme.ics").status_code == 405


def test_personal_feed_is_in_its_owners_language(login, client, edition):
    """A calendar app sends no cookie: the owner's profile language decides, and the ETag
    names it (so a copy in another language is never taken as current)."""
    user = make_user()
    user.locale = "fr"
    db.session.commit()
    login(user).post("/calendar/link")
    token = services.feed_token(user)
    feed = client.get(f"/calendar/{token}.ics", headers={"Accept-Language": "de"})
    assert feed.status_code == 200
    assert feed.headers["ETag"].rstrip('"').endswith(".fr")
