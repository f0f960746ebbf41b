"""The edition's page: its description (Markdown without raw HTML), venue, dates, deadlines and
what a visitor can do now; organisers write the description in the settings."""

from __future__ import annotations

import datetime as dt

from conference.db import utcnow
from conference.editions import page
from conference.editions.models import Edition, EditionState
from conference.extensions import db
from tests.factories import make_edition, make_user


def test_page_shows_description_venue_and_key_dates(client, app):
    make_edition(description="We discuss **research security**.\n\n- panels\n- workshops",
                 venue="Egmont Palace")  # fmt: skip
    html = client.get("/2027/").get_data(as_text=True)
    assert "<strong>research security</strong>" in html
    assert "<li>panels</li>" in html
    assert "Egmont Palace" in html and "Rue de la Loi 1, Brussels" in html
    assert "Key dates" in html and "Call for abstracts" in html and "The conference" in html
    assert "What you can do now" in html
    assert "Registration is open until" in html
    assert "The call for abstracts is open until" in html


def test_description_cannot_carry_html_or_scripts(client, app):
    make_edition(
        description="<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))"
    )
    html = client.get("/2027/").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;" in html


def test_news_before_registration_opens_and_after_the_edition(app):
    now = utcnow()
    edition = make_edition(
        registration_opens_at=now + dt.timedelta(days=3),
        registration_closes_at=now + dt.timedelta(days=20),
        cfp_opens_at=now + dt.timedelta(days=5),
        cfp_closes_at=now + dt.timedelta(days=10),
    )
    with app.test_request_context():
        news = page.visitor_news(edition, now)
        assert any(sentence.startswith("Registration opens on") for sentence in news)
        assert any(sentence.startswith("The call for abstracts opens on") for sentence in news)
        statuses = {d.label: d.status for d in page.key_dates(edition, now)}
        assert statuses == {"Registration": "coming", "Call for abstracts": "coming",
                            "The conference": "coming"}  # fmt: skip
        later = dt.datetime.combine(edition.end_date, dt.time(23, 0), tzinfo=edition.tz)
        later += dt.timedelta(days=2)
        news = page.visitor_news(edition, later)
        assert news[0] == "This edition is over; its programme stays available."
        assert all(d.status == "past" for d in page.key_dates(edition, later))
        edition.state = EditionState.ARCHIVED
        assert page.visitor_news(edition, later) == [
            "This edition is over; its programme stays available for reference."
        ]


def test_organiser_writes_the_description_in_the_settings(login, app):
    edition = make_edition()
    organiser = make_user(role="organiser", edition=edition)
    client = login(organiser)
    form = client.get("/2027/admin/settings").get_data(as_text=True)
    assert 'name="description"' in form
    data = {
        "title": edition.title, "acronym": "RSC27", "venue": edition.venue,
        "address": edition.address, "timezone": edition.timezone,
        "start_date": edition.start_date.isoformat(), "end_date": edition.end_date.isoformat(),
        "state": edition.state, "languages": "en,fr,de",
        "registration_opens_at": "2027-01-10T09:00", "registration_closes_at": "2027-05-01T23:59",
        "cfp_opens_at": "2026-11-01T00:00", "cfp_closes_at": "2027-01-31T17:00",
        "review_deadline": "2027-03-01T12:00",
        "description": "  Two days on **knowledge security**.  ",
    }  # fmt: skip
    response = client.post("/2027/admin/settings", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).description == "Two days on **knowledge security**."
    assert "<strong>knowledge security</strong>" in client.get("/2027/").get_data(as_text=True)
    attendee = login(make_user())
    response = attendee.post("/2027/admin/settings", data={**data, "description": "Hacked"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).description == "Two days on **knowledge security**."
