"""The programme grid, now and next, the shared filters and the time zone switch (issue 18)."""

from __future__ import annotations

import datetime as dt

import pytest

from conference.db import freeze
from conference.extensions import db
from conference.programme import services
from conference.programme.display import ZONE_COOKIE
from tests.factories import make_edition
from tests.programme.factories import (
    local,
    make_attendee,
    make_category,
    make_room,
    make_session,
    make_track,
)


@pytest.fixture
def edition(app):
    return make_edition(2027, timezone="Europe/Brussels")


@pytest.fixture(autouse=True)
def _unfreeze():
    yield
    freeze(None)


def test_grid_places_sessions_by_room_and_spans_their_duration(client, edition):
    hall, salon = (
        make_room(edition, name="Hall", position=1),
        make_room(edition, name="Salon", position=2),
    )
    make_session(edition, title="Long workshop", hour=9, minutes=120, room_id=salon.id)
    make_session(edition, title="Morning talk", hour=9, minutes=60, room_id=hall.id)
    make_session(edition, title="Late talk", hour=10, minutes=60, room_id=hall.id)
    page = client.get("/2027/programme/grid?day=2027-06-09").get_data(as_text=True)
    assert page.index(">Hall<") < page.index(">Salon<")
    assert 'rowspan="2"' in page  # the two-hour workshop spans the rows of both hours
    assert "Long workshop" in page and "Morning talk" in page and "Late talk" in page
    assert '<table class="programme-grid">' in page and "<script" in page  # JS optional


def test_build_grid_uses_lanes_for_overlaps_in_one_room(edition):
    hall = make_room(edition, name="Hall")
    make_session(edition, title="A", hour=9, minutes=60, room_id=hall.id)
    make_session(edition, title="B", hour=9, minutes=30, room_id=hall.id)
    views = services.session_views(None, edition, channel="page")
    grid = services.build_grid(views, services.rooms_of(edition), "No room")
    assert [(c.name, c.lanes) for c in grid.columns] == [("Hall", 2)]
    assert grid.sessions == 2
    assert len(grid.rows) == 2  # 09:00–09:30, 09:30–10:00
    first = grid.rows[0].cells
    assert {c.view.title: c.rowspan for c in first} == {"A": 2, "B": 1}
    assert grid.rows[1].cells[0] is services.COVERED or grid.rows[1].cells[1] is services.COVERED


def test_restricted_session_is_a_placeholder_without_room_for_the_uncleared(client, login, edition):
    experts = make_category(edition, code="MSX")
    vault = make_room(edition, name="Vault room")
    make_session(
        edition, title="Secret roundtable", hour=11, room_id=vault.id, restricted_to=[experts]
    )
    anonymous = client.get("/2027/programme/grid?day=2027-06-09").get_data(as_text=True)
    assert "Secret roundtable" not in anonymous and "Vault room" not in anonymous
    assert "Restricted session" in anonymous and "No room given" in anonymous
    cleared = login(make_attendee(experts, edition)).get("/2027/programme/grid?day=2027-06-09")
    text = cleared.get_data(as_text=True)
    assert "Secret roundtable" in text and "Vault room" in text


def test_day_tabs_and_filters_stay_in_the_urls(client, edition):
    track = make_track(edition, name="Policy")
    make_session(edition, title="Day one", hour=9, track_id=track.id)
    make_session(edition, title="Day two", day=1, hour=9, track_id=track.id)
    page = client.get(f"/2027/programme/grid?day=2027-06-10&track={track.id}").get_data(
        as_text=True
    )
    assert "Day two" in page and "Day one" not in page
    assert f"/2027/programme/grid?day=2027-06-09&amp;track={track.id}" in page
    assert f"/2027/programme?day=2027-06-10&amp;track={track.id}" in page  # the list keeps it
    assert 'aria-current="page"' in page


@pytest.mark.parametrize("query", ["day=someday", "track=abc", "room=-1"])
def test_bad_grid_arguments_are_400(client, edition, query):
    assert client.get(f"/2027/programme/grid?{query}").status_code == 400


def test_now_and_next_during_the_conference(client, edition):
    make_session(edition, title="Running now", hour=9, minutes=60)
    make_session(edition, title="Coming next", hour=10, minutes=30)
    make_session(edition, title="Later on", hour=11, minutes=30)
    freeze(local(edition, 0, 9, 30))
    page = client.get("/2027/programme/grid").get_data(as_text=True)
    assert "Now and next" in page
    now = page.index("Running now")
    assert page.index("Now and next") < now < page.index("Coming next")
    views = services.session_views(None, edition, channel="page")
    info = services.now_and_next(views, local(edition, 0, 9, 30), edition.tz)
    assert [v.title for v in info.now] == ["Running now"]
    assert [v.title for v in info.next] == ["Coming next"]
    assert services.now_and_next(views, local(edition, 0, 12), edition.tz) is None
    # Before the conference the block is not there.
    freeze(dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    assert "Now and next" not in client.get("/2027/programme/grid").get_data(as_text=True)


def test_zone_switch_is_remembered_and_changes_the_times(client, edition):
    make_session(edition, title="Morning talk", hour=9, minutes=60)  # 09:00 Brussels = 07:00 UTC
    page = client.get("/2027/programme/grid?day=2027-06-09").get_data(as_text=True)
    assert "09:00" in page
    response = client.post(
        "/programme/timezone",
        data={"zone": "America/New_York", "next": "/2027/programme/grid"},
    )
    assert response.status_code == 303
    assert ZONE_COOKIE in response.headers["Set-Cookie"]
    page = client.get("/2027/programme/grid?day=2027-06-09").get_data(as_text=True)
    assert "times in America/New_York" in page and "03:00" in page
    listing = client.get("/2027/programme?day=all").get_data(as_text=True)
    assert "times in America/New_York" in listing and "03:00" in listing
    back = client.post("/programme/timezone", data={"zone": "edition"})
    assert back.status_code == 303
    assert "09:00" in client.get("/2027/programme/grid?day=2027-06-09").get_data(as_text=True)


def test_unknown_zone_is_refused(client, edition):
    response = client.post("/programme/timezone", data={"zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert ZONE_COOKIE not in response.headers.get("Set-Cookie", "")


def test_starred_only_grid_shows_my_stars(login, edition):
    user = make_attendee(make_category(edition), edition)
    mine = make_session(edition, title="Mine", hour=9)
    make_session(edition, title="Not mine", hour=10)
    services.star(user, edition, mine.id)
    db.session.commit()
    page = login(user).get("/2027/programme/grid?day=2027-06-09&starred=1").get_data(as_text=True)
    assert "Mine" in page and "Not mine" not in page
    assert "is-starred" in page
