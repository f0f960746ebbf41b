"""Issue 22: public exports and the anonymous programme page are built once per programme
version, and a change (programme, edition, bookings) shows at the next request; personal and
cleared variants are never taken from (or put into) the cache."""

from __future__ import annotations

import pytest

from conference import pagecache
from conference.calendar import exports
from conference.calendar import services as calendar
from conference.extensions import db
from conference.programme import services as programme
from tests.factories import make_edition, make_user
from tests.programme.factories import make_attendee, make_category, make_session

CHANNELS = {
    "/2027/programme.ics": (calendar, "edition_calendar"),
    "/2027/schedule.json": (exports, "schedule_json"),
    "/2027/schedule.xml": (exports, "schedule_xml"),
}


def _count_builds(monkeypatch, module, name) -> list:
    calls = []
    original = getattr(module, name)

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


@pytest.mark.parametrize("url", list(CHANNELS))
def test_unchanged_programme_export_is_built_once(app, client, monkeypatch, url):
    edition = make_edition()
    make_session(edition, title="Opening plenary")
    builds = _count_builds(monkeypatch, *CHANNELS[url])
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and b"Opening plenary" in first.data
    assert len(builds) == 1


def test_programme_page_is_built_once_for_anonymous_visitors(app, client, monkeypatch):
    make_session(make_edition(), title="Opening plenary")
    views = _count_builds(monkeypatch, programme, "session_views")
    first, second = client.get("/2027/programme"), client.get("/2027/programme")
    assert first.data == second.data and b"Opening plenary" in first.data
    assert len(views) == 1


@pytest.mark.parametrize("url", [*CHANNELS, "/2027/programme", "/2027/programme?day=all"])
def test_programme_change_shows_at_the_next_request(app, client, url):
    edition = make_edition()
    session = make_session(edition, title="Opening plenary")
    organiser = make_user(role="organiser", edition=edition)
    assert "Cancelled" not in client.get(url).get_data(as_text=True)
    programme.cancel_session(organiser, session, edition, "The speaker is ill")
    db.session.commit()
    text = client.get(url).get_data(as_text=True)
    assert "Cancelled" in text or "CANCELLED" in text or "cancelled" in text


@pytest.mark.parametrize("url", [*CHANNELS, "/2027/programme"])
def test_edition_change_shows_at_the_next_request(app, client, url):
    edition = make_edition()
    make_session(edition, title="Opening plenary")
    client.get(url)
    edition.title = "Renamed Conference Title"
    db.session.commit()
    assert "Renamed Conference Title" in client.get(url).get_data(as_text=True)


def test_booking_shows_at_the_next_request(app, client, login):
    edition = make_edition()
    session = make_session(edition, title="Workshop", booking_required=True, capacity=5)
    attendee = make_attendee(edition=edition)
    assert "5 seats left" in client.get("/2027/programme").get_data(as_text=True)
    response = login(attendee).post(f"/2027/sessions/{session.id}/book")
    assert response.status_code in (302, 303)
    assert "4 seats left" in client.get("/2027/programme").get_data(as_text=True)


@pytest.mark.parametrize("url", [*CHANNELS, "/2027/programme"])
def test_cleared_and_anonymous_bodies_never_mix(app, client, login, url):
    edition = make_edition()
    experts = make_category(edition, code="MSE", name="Member State experts")
    make_session(edition, title="Alphasecret briefing", restricted_to=[experts])
    cleared = login(make_attendee(experts, edition))
    assert "Alphasecret" not in client.get(url).get_data(as_text=True)  # cached anonymous
    assert "Alphasecret" in cleared.get(url).get_data(as_text=True)
    assert "Alphasecret" not in client.get(url).get_data(as_text=True)
    assert "Alphasecret" in cleared.get(url).get_data(as_text=True)


def test_only_anonymous_bodies_are_stored(app, client, login):
    edition = make_edition()
    make_session(edition, title="Opening plenary")
    person = login(make_user())
    for url in [*CHANNELS, "/2027/programme"]:
        assert person.get(url).status_code == 200
    assert len(pagecache.local_cache(app)) == 0
    for url in [*CHANNELS, "/2027/programme"]:
        assert client.get(url).status_code == 200
    assert len(pagecache.local_cache(app)) == 4


def test_searches_are_not_stored(app, client):
    make_session(make_edition(), title="Opening plenary")
    assert b"Opening plenary" in client.get("/2027/programme?q=opening").data
    assert client.get("/2027/programme?day=2031-01-01").status_code == 200
    assert len(pagecache.local_cache(app)) == 0


def test_cache_can_be_turned_off(app, client, monkeypatch):
    app.config["PAGE_CACHE_ENABLED"] = False
    make_session(make_edition(), title="Opening plenary")
    builds = _count_builds(monkeypatch, exports, "schedule_json")
    client.get("/2027/schedule.json")
    client.get("/2027/schedule.json")
    assert len(builds) == 2


def test_lru_is_bounded():
    cache = pagecache.LocalCache(max_entries=2, max_bytes=10)
    cache.set("a", b"1234")
    cache.set("b", b"1234")
    cache.get("a")
    cache.set("c", b"1234")
    assert cache.get("b") is None and cache.get("a") == b"1234"
    cache.set("d", b"12345678901")  # larger than the whole cache: not stored
    assert cache.get("d") is None


def test_redis_is_shared_between_workers(app, client, monkeypatch):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    make_session(make_edition(), title="Opening plenary")
    builds = _count_builds(monkeypatch, exports, "schedule_json")
    first = client.get("/2027/schedule.json").data
    pagecache.local_cache(app).clear()  # another worker: nothing in its own memory
    assert client.get("/2027/schedule.json").data == first
    assert len(builds) == 1


def test_redis_down_still_serves(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    make_session(make_edition(), title="Opening plenary")
    response = client.get("/2027/schedule.json")
    assert response.status_code == 200 and b"Opening plenary" in response.data


# --- compressed bodies are kept too --------------------------------------------------------


@pytest.mark.parametrize("encoding", ["br", "gzip"])
@pytest.mark.parametrize("url", [*CHANNELS, "/2027/programme"])
def test_a_stored_body_is_compressed_once_per_encoding(app, client, monkeypatch, url, encoding):
    import gzip

    import brotli

    edition = make_edition()
    for n in range(12):  # over the 1 KB threshold
        make_session(edition, title=f"Session number {n} on research security")
    compressions = _count_builds(monkeypatch, pagecache, "compress")
    plain = client.get(url).data
    headers = {"Accept-Encoding": encoding}
    first, second = client.get(url, headers=headers), client.get(url, headers=headers)
    assert first.headers["Content-Encoding"] == second.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in first.headers["Vary"]
    decode = brotli.decompress if encoding == "br" else gzip.decompress
    assert decode(first.data) == decode(second.data) == plain
    assert len(compressions) == 1


def test_a_change_gets_a_newly_compressed_body(app, client):
    import brotli

    edition = make_edition()
    session = make_session(edition, title="Opening plenary")
    for n in range(12):
        make_session(edition, title=f"Session number {n} on research security")
    headers = {"Accept-Encoding": "br"}
    before = brotli.decompress(client.get("/2027/programme.ics", headers=headers).data)
    organiser = make_user(role="organiser", edition=edition)
    programme.cancel_session(organiser, session, edition, "The speaker is ill")
    db.session.commit()
    after = brotli.decompress(client.get("/2027/programme.ics", headers=headers).data)
    assert b"CANCELLED" not in before and b"CANCELLED" in after


def test_logged_in_and_uncompressed_answers_are_not_taken_from_the_compressed_store(
    app, client, login
):
    edition = make_edition()
    for n in range(12):
        make_session(edition, title=f"Session number {n} on research security")
    client.get("/2027/programme.ics", headers={"Accept-Encoding": "br"})
    plain = client.get("/2027/programme.ics", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert b"BEGIN:VCALENDAR" in plain.data
    mine = login(make_user()).get("/2027/programme.ics", headers={"Accept-Encoding": "br"})
    assert mine.headers["Cache-Control"] == "private, no-store"
