"""Issue 22: the programme page shows one day at a time (day links keep the filters;
``?day=all`` shows everything), so a large programme is not one multi-megabyte page."""

from __future__ import annotations

from tests.factories import make_edition
from tests.programme.factories import make_session, make_track


def _programme(edition):
    make_session(edition, title="Opening plenary", day=0, hour=9)
    make_session(edition, title="Closing plenary", day=1, hour=16)


def test_first_day_by_default(app, client):
    _programme(make_edition())
    text = client.get("/2027/programme").get_data(as_text=True)
    assert "Opening plenary" in text and "Closing plenary" not in text
    assert 'href="/2027/programme?day=2027-06-10"' in text
    assert 'href="/2027/programme?day=all"' in text
    assert "1 session on Wednesday 09 June (2 in all)" in text


def test_day_link_shows_that_day(app, client):
    _programme(make_edition())
    text = client.get("/2027/programme?day=2027-06-10").get_data(as_text=True)
    assert "Closing plenary" in text and "Opening plenary" not in text
    assert 'href="/2027/programme?day=2027-06-10" aria-current="page"' in text


def test_all_days(app, client):
    _programme(make_edition())
    text = client.get("/2027/programme?day=all").get_data(as_text=True)
    assert "Opening plenary" in text and "Closing plenary" in text


def test_day_links_keep_the_filters(app, client):
    edition = make_edition()
    track = make_track(edition, name="Policy")
    make_session(edition, title="Opening plenary", day=0, track=track)
    make_session(edition, title="Closing plenary", day=1, track=track)
    text = client.get(f"/2027/programme?track={track.id}&day=2027-06-10").get_data(as_text=True)
    assert "Closing plenary" in text and "Opening plenary" not in text
    assert f'href="/2027/programme?day=2027-06-09&amp;track={track.id}"' in text


def test_search_without_day_shows_every_day(app, client):
    _programme(make_edition())
    text = client.get("/2027/programme?q=plenary").get_data(as_text=True)
    assert "Opening plenary" in text and "Closing plenary" in text


def test_bad_day_is_a_clear_400(app, client):
    _programme(make_edition())
    response = client.get("/2027/programme?day=tomorrow")
    assert response.status_code == 400
    assert "2027-06-09" in response.get_data(as_text=True)


def test_day_without_sessions(app, client):
    _programme(make_edition())
    text = client.get("/2027/programme?day=2027-06-11").get_data(as_text=True)
    assert "No session on this day" in text
