"""Issue 22: a cache hit of the public exports and the anonymous programme page is answered
before the request machinery runs (one statement reads the version; the recorded response is
served, or a 304 when the client holds it), with the same headers, and never for a visitor
whose page could differ (logged in, a token, a flash message waiting, another language)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from conference import pagecache
from conference.extensions import db
from conference.programme import services as programme
from tests.factories import make_edition, make_user
from tests.programme.factories import make_category, make_session

URLS = ["/2027/programme.ics", "/2027/schedule.json", "/2027/schedule.xml", "/2027/programme"]
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")


@pytest.fixture
def statements(app):
    """The SQL statements run on the application's database from now on."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    engines = {id(e): e for e in db.engines.values()}
    early = pagecache._early_engine(app)
    engines[id(early)] = early
    for engine in engines.values():
        sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    for engine in engines.values():
        sa.event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def orm_queries():
    """ORM statements (the edition's load, the user's…) run from now on."""
    seen: list = []

    def record(state):
        seen.append(state.statement)

    sa.event.listen(sa.orm.Session, "do_orm_execute", record)
    yield seen
    sa.event.remove(sa.orm.Session, "do_orm_execute", record)


def _programme(edition=None):
    edition = edition or make_edition()
    session = make_session(edition, title="Opening plenary")
    for n in range(12):  # over the compression threshold
        make_session(edition, title=f"Session number {n} on research security")
    return edition, session


@pytest.mark.parametrize("url", URLS)
def test_a_cache_hit_is_one_statement_with_every_header(app, client, statements, orm_queries, url):
    _programme()
    first = client.get(url)
    statements.clear()
    orm_queries.clear()
    second = client.get(url)
    assert second.status_code == 200 and second.data == first.data
    assert len(statements) == 1  # the version; no edition load, no user, no transaction
    assert orm_queries == []
    for name in (*SECURITY_HEADERS, "Content-Type", "ETag", "Cache-Control"):
        assert second.headers.get(name) == first.headers.get(name), name
    assert second.headers["Cache-Control"] == "no-cache"
    for name in ("Cookie", "Accept-Language", "Accept-Encoding"):
        assert name in second.headers["Vary"]
    assert "Set-Cookie" not in second.headers


@pytest.mark.parametrize("url", URLS)
def test_a_client_holding_the_page_gets_304_until_it_changes(app, client, url):
    edition, session = _programme()
    etag = client.get(url).headers["ETag"]
    client.get(url)  # recorded
    held = client.get(url, headers={"If-None-Match": etag})
    assert held.status_code == 304 and held.data == b""
    assert held.headers["ETag"] == etag
    assert all(name in held.headers for name in SECURITY_HEADERS)
    programme.cancel_session(make_user(role="organiser", edition=edition), session, edition, "Ill")
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "cancelled" in changed.get_data(as_text=True).lower()


@pytest.mark.parametrize("url", URLS)
def test_a_compressed_hit_is_the_compressed_body(app, client, url):
    import gzip

    _programme()
    plain = client.get(url).data
    headers = {"Accept-Encoding": "gzip"}
    client.get(url, headers=headers)
    hit = client.get(url, headers=headers)
    assert hit.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(hit.data) == plain
    assert "Content-Encoding" not in client.get(url).headers


def test_each_language_gets_its_own_answer(app, client):
    _programme()
    for _ in range(2):
        french = client.get("/2027/programme", headers={"Accept-Language": "fr"})
        english = client.get("/2027/programme", headers={"Accept-Language": "en"})
        assert '<html lang="fr"' in french.get_data(as_text=True)
        assert '<html lang="en"' in english.get_data(as_text=True)


@pytest.mark.parametrize("url", URLS)
def test_logged_in_and_cleared_visitors_are_never_answered_early(app, client, login, url):
    edition = make_edition()
    experts = make_category(edition, code="MSE", name="Member State experts")
    make_session(edition, title="Alphasecret briefing", restricted_to=[experts])
    from tests.programme.factories import make_attendee

    client.get(url)
    client.get(url)  # recorded for anonymous visitors
    cleared = login(make_attendee(experts, edition))
    response = cleared.get(url)
    assert "Alphasecret" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] in ("private, no-store", "no-store")


@pytest.mark.parametrize("url", URLS[:3])
def test_a_bad_token_is_refused_not_answered_from_the_cache(app, client, url):
    _programme()
    client.get(url)
    client.get(url)
    response = client.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_a_waiting_flash_message_is_shown_not_a_stored_page(app, client):
    _programme()
    client.get("/2027/programme")
    client.get("/2027/programme")
    switched = client.get("/programme/timezone?zone=edition&next=/2027/programme")
    assert switched.status_code == 303
    page = client.get("/2027/programme").get_data(as_text=True)
    assert "Times are shown in the conference" in page


def test_a_database_error_takes_the_normal_path(app, client, monkeypatch):
    _programme()
    client.get("/2027/schedule.json")

    def broken(connection, year):
        raise sa.exc.OperationalError("SELECT", {}, Exception("connection lost"))

    route = pagecache._EARLY_ROUTES["calendar.schedule_json"]
    monkeypatch.setitem(
        pagecache._EARLY_ROUTES,
        "calendar.schedule_json",
        pagecache.EarlyRoute(broken, route.args, ()),
    )
    response = client.get("/2027/schedule.json")
    assert response.status_code == 200 and b"Opening plenary" in response.data


def test_head_is_answered_without_a_body(app, client):
    _programme()
    client.get("/2027/programme.ics")
    client.get("/2027/programme.ics")
    response = client.head("/2027/programme.ics")
    assert response.status_code == 200 and response.data == b""


def test_an_unknown_edition_is_still_404(app, client):
    _programme()
    assert client.get("/2031/programme.ics").status_code == 404
    assert client.get("/2031/programme").status_code == 404


def test_only_the_day_argument_is_answered_early(app, client, statements):
    _programme()
    client.get("/2027/programme?day=all")
    statements.clear()
    client.get("/2027/programme?day=all")
    assert len(statements) == 1
    statements.clear()
    client.get("/2027/programme?q=plenary")
    assert len(statements) > 1  # a search is built


# --- the shared copy carries no visitor's CSRF token -----------------------------------------


def test_the_stored_programme_page_carries_no_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    _programme()
    first = client.get("/2027/programme").get_data(as_text=True)
    other = app.test_client()
    page = other.get("/2027/programme").get_data(as_text=True)
    assert page == first
    assert "csrf_token" not in page
    form = re.search(r'<form method="get" action="(/programme/timezone)"', page)
    assert form is not None
    response = other.get(
        form.group(1), query_string={"zone": "America/New_York", "next": "/2027/programme"}
    )
    assert response.status_code == 303
    assert "programme_tz=America/New_York" in response.headers["Set-Cookie"]


def test_logged_in_visitors_keep_the_post_zone_switch(app, login):
    edition, _session = _programme()
    page = login(make_user()).get("/2027/programme").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/programme/timezone"', page)
    assert 'name="csrf_token"' in page
    assert edition.year == 2027
