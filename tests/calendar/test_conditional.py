"""Conditional GET: validators from the programme's last change, 304 without building the feed."""

from __future__ import annotations

import datetime as dt

import pytest

from conference.db import freeze
from conference.extensions import db
from tests.calendar.factories import (
    accredit,
    book,
    make_category,
    make_programme,
    make_session,
    touch,
)
from tests.factories import grant, make_user

PUBLIC_URLS = ["/2027/programme.ics", "/2027/schedule.json", "/2027/schedule.xml"]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_if_none_match_answers_304_until_the_programme_changes(client, edition, url):
    make_session(edition, title="First")
    first = client.get(url)
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    make_session(edition, title="Second")  # moves programme_changed_at
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert b"Second" in changed.data


def test_if_modified_since_answers_304_for_anonymous_callers(client, edition):
    freeze(dt.datetime(2027, 1, 5, 12, 0, tzinfo=dt.UTC))
    make_session(edition, title="Early")
    edition.updated_at = dt.datetime(2027, 1, 5, 12, 0, tzinfo=dt.UTC)
    db.session.commit()
    first = client.get("/2027/programme.ics")
    assert first.headers["Last-Modified"] == "Tue, 05 Jan 2027 12:00:00 GMT"
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    assert client.get("/2027/programme.ics", headers=since).status_code == 304
    freeze(dt.datetime(2027, 1, 6, 9, 0, tzinfo=dt.UTC))
    touch(edition)
    fresh = client.get("/2027/programme.ics", headers=since)
    assert fresh.status_code == 200
    assert fresh.headers["Last-Modified"] == "Wed, 06 Jan 2027 09:00:00 GMT"


def test_if_none_match_wins_over_if_modified_since(client, edition):
    make_session(edition)
    first = client.get("/2027/programme.ics")
    headers = {
        "If-None-Match": '"something-else"',
        "If-Modified-Since": first.headers["Last-Modified"],
    }
    assert client.get("/2027/programme.ics", headers=headers).status_code == 200


def test_the_304_path_does_not_load_the_programme(client, edition, count_queries):
    make_programme(edition, 40)
    etag = client.get("/2027/programme.ics").headers["ETag"]
    with count_queries() as log:
        response = client.get("/2027/programme.ics", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert log.touching("FROM sessions") == []
    assert len(log) <= 2  # the edition (and nothing else for an anonymous caller)


def test_the_304_path_of_a_logged_in_caller_reads_only_the_clearance(login, edition, count_queries):
    user = make_user()
    accredit(user, edition)
    make_programme(edition, 40)
    client = login(user)
    etag = client.get("/2027/schedule.json").headers["ETag"]
    with count_queries() as log:
        response = client.get("/2027/schedule.json", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert log.touching("sessions.title") == []
    assert len(log) <= 6


def test_etag_depends_on_the_callers_clearance(login, client, edition):
    category = make_category(edition)
    make_session(edition, title="Closed door", restricted_to=[category])
    anonymous = client.get("/2027/programme.ics").headers["ETag"]
    user = make_user()
    user_client = login(user)
    not_accredited = user_client.get("/2027/programme.ics").headers["ETag"]
    accredit(user, edition, category)
    cleared = user_client.get("/2027/programme.ics", headers={"If-None-Match": not_accredited})
    assert cleared.status_code == 200  # accreditation changed what this person may see
    assert b"Closed door" in cleared.data
    assert len({anonymous, not_accredited, cleared.headers["ETag"]}) == 3


def test_becoming_organiser_changes_the_etag(login, edition):
    user = make_user()
    make_session(edition, title="Invite only", invited=[])
    client = login(user)
    etag = client.get("/2027/programme.ics").headers["ETag"]
    grant(user, "organiser", edition)
    response = client.get("/2027/programme.ics", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert b"Invite only" in response.data


def test_logged_in_callers_get_no_last_modified_and_no_shared_caching(login, client, edition):
    make_session(edition)
    anonymous = client.get("/2027/programme.ics")
    assert anonymous.headers["Cache-Control"] == "no-cache"
    assert "Last-Modified" in anonymous.headers
    personal = login(make_user()).get("/2027/programme.ics")
    assert personal.headers["Cache-Control"] == "private, no-store"
    assert "Last-Modified" not in personal.headers
    assert "Cookie" in personal.headers["Vary"]


def test_a_session_feed_has_its_own_etag(client, edition):
    one = make_session(edition, title="One")
    two = make_session(edition, title="Two")
    etag_one = client.get(f"/2027/sessions/{one.id}.ics").headers["ETag"]
    etag_two = client.get(f"/2027/sessions/{two.id}.ics").headers["ETag"]
    assert etag_one != etag_two
    assert (
        client.get(f"/2027/sessions/{one.id}.ics", headers={"If-None-Match": etag_one}).status_code
        == 304
    )
    assert (
        client.get(f"/2027/sessions/{two.id}.ics", headers={"If-None-Match": etag_one}).status_code
        == 200
    )


def test_personal_feed_etag_follows_bookings(login, client, edition, count_queries):
    from conference.calendar import services

    user = make_user()
    accredit(user, edition)
    first = make_session(edition, title="Booked one", booking_required=True)
    second = make_session(edition, title="Booked two", booking_required=True, hour=11)
    book(user, first)
    token = services.regenerate_token(user)
    db.session.commit()
    url = f"/calendar/{token}.ics"
    etag = client.get(url).headers["ETag"]
    with count_queries() as log:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert log.touching("sessions.title") == []
    book(user, second)  # a booking does not touch the programme, but changes the agenda
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert b"Booked two" in response.data
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Last-Modified" not in response.headers
