"""Odd requests get a clear 4xx, never a 500."""

from __future__ import annotations

import pytest

from tests.calendar.factories import make_session


@pytest.mark.parametrize(
    "path",
    [
        "/2027/sessions/99999999999999999999.ics",
        "/2027/sessions/0.ics",
        "/2027/sessions/-1.ics",
        "/2027/sessions/abc.ics",
        "/2027/sessions/1.ics.ics",
        "/calendar/" + "a" * 5000 + ".ics",
        "/calendar/.ics",
    ],
)
def test_odd_feed_urls_are_404(client, edition, path):
    make_session(edition)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": "garbage"},
        {"If-None-Match": '"' + "x" * 5000 + '"'},
        {"If-Modified-Since": "not a date"},
        {"If-Modified-Since": "Tue, 05 Jan 9999 12:00:00 GMT"},
    ],
)
def test_odd_conditional_headers_are_ignored_or_honoured(client, edition, headers):
    make_session(edition, title="Here")
    response = client.get("/2027/programme.ics", headers=headers)
    assert response.status_code in (200, 304)
    if "If-None-Match" in headers or headers["If-Modified-Since"] == "not a date":
        assert response.status_code == 200


def test_star_if_none_match_is_304(client, edition):
    assert client.get("/2027/programme.ics", headers={"If-None-Match": "*"}).status_code == 304


def test_head_request_has_headers_without_body(client, edition):
    make_session(edition)
    response = client.head("/2027/schedule.json")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["ETag"]
