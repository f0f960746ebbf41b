"""Login limits count failures only, per client address and per account, and say when to retry."""

import pytest

from tests.factories import PASSWORD, make_user


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
        "LOGIN_ACCOUNT_RATE_LIMIT": "3 per 15 minutes",
    }


def _post(client, email, password, n):
    """A login attempt from the client address 198.51.100.<n> (a new one each time)."""
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
    )


def _logged_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def test_guesses_against_one_account_from_many_addresses_are_limited(app, db):
    make_user("victim@example.org")
    for n in range(3):
        assert _post(app.test_client(), "victim@example.org", "guess", n).status_code == 200
    client = app.test_client()
    response = _post(client, "Victim@Example.org", PASSWORD, 99)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many login attempts. Try again in 15 minutes." in page
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    # Even the right password does not log in while the account is limited.
    assert not _logged_in(client)
    # Other accounts from the same addresses are not affected.
    other = make_user("other@example.org")
    response = _post(app.test_client(), other.email, PASSWORD, 0)
    assert response.status_code == 302


def test_unknown_address_is_limited_the_same_way(app, db):
    make_user("victim@example.org")
    answers = {}
    for email in ("victim@example.org", "nobody@example.org"):
        for n in range(3):
            _post(app.test_client(), email, "guess", n)
        response = _post(app.test_client(), email, "guess", 50)
        answers[email] = (
            response.status_code,
            response.get_data(as_text=True),
            response.headers.get("Retry-After") is not None,
        )
    assert answers["victim@example.org"] == answers["nobody@example.org"]
    assert answers["nobody@example.org"][0] == 429


def test_successful_logins_count_neither_against_the_address_nor_the_account(app, db):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    user = make_user("often@example.org")
    # Six successes from one address, over both limits of three.
    for _ in range(6):
        assert _post(app.test_client(), user.email, PASSWORD, 1).status_code == 302
    # Two failures after six successes are still under both limits.
    for _ in range(2):
        assert _post(app.test_client(), user.email, "guess", 1).status_code == 200
    assert _post(app.test_client(), user.email, PASSWORD, 1).status_code == 302
    # The third failure fills the limit: the next attempt, even a right one, waits.
    assert _post(app.test_client(), user.email, "guess", 1).status_code == 200
    assert _post(app.test_client(), user.email, PASSWORD, 1).status_code == 429


def test_shared_office_address_is_not_locked_out_by_successful_logins(app, db):
    """60 successful logins in an hour from one address (the default limits)."""
    app.config["LOGIN_RATE_LIMIT"] = "10 per minute;50 per hour"
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "10 per 15 minutes"
    people = [make_user(f"colleague{n}@ministry.example") for n in range(30)]
    statuses = []
    for _round in range(2):
        for person in people:
            client = app.test_client()
            response = client.post(
                "/login",
                data={"email": person.email, "password": PASSWORD},
                environ_base={"REMOTE_ADDR": "203.0.113.10"},
            )
            statuses.append(response.status_code)
    assert statuses == [302] * 60


def test_failures_from_one_address_are_still_limited_with_a_retry_time(app, db):
    app.config["LOGIN_RATE_LIMIT"] = "3 per hour"
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "100 per 15 minutes"
    client = app.test_client()
    for n in range(3):
        response = client.post("/login", data={"email": f"p{n}@example.org", "password": "x"})
        assert response.status_code == 200
    response = client.post("/login", data={"email": "p9@example.org", "password": "x"})
    assert response.status_code == 429
    assert "Try again in 60 minutes." in response.get_data(as_text=True)
    assert 3000 < int(response.headers["Retry-After"]) <= 3600


def test_login_page_itself_is_never_limited(app, db):
    for n in range(4):
        _post(app.test_client(), "victim@example.org", "guess", n)
    assert app.test_client().get("/login").status_code == 200


def test_wait_phrase():
    from conference.accounts.throttle import wait_phrase

    assert wait_phrase(0.2) == "1 second"
    assert wait_phrase(45) == "45 seconds"
    assert wait_phrase(60) == "1 minute"
    assert wait_phrase(11 * 60 + 1) == "12 minutes"
    assert wait_phrase(3 * 3600) == "3 hours"


def _redis_up() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_per_account_counters_are_shared_between_workers_in_redis(app_config, db):
    """Failures spread over two app instances (two workers) and many client addresses."""
    import uuid

    from conference import create_app

    config = {k: v for k, v in app_config.items() if k != "RATELIMIT_STORAGE_URI"}
    config.update(
        REDIS_URL="redis://127.0.0.1:6379/15", RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}"
    )
    first, second = create_app(config, mode="testing"), create_app(config, mode="testing")
    statuses = []
    for n in range(4):
        worker = (first, second)[n % 2]
        with worker.app_context():
            statuses.append(
                _post(worker.test_client(), "victim@example.org", "guess", n).status_code
            )
    assert statuses == [200, 200, 200, 429]
    for instance in (first, second):
        with instance.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
