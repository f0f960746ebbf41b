"""Login and password reset are rate limited (Flask-Limiter); 429 as a page or JSON."""

import pytest

from tests.accounts.helpers import outbox
from tests.factories import PASSWORD, make_user


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "3 per minute",
        "RESET_RATE_LIMIT": "2 per minute",
    }


def test_login_is_rate_limited(client, db):
    make_user("victim@example.org")
    for _ in range(3):
        response = client.post("/login", data={"email": "victim@example.org", "password": "guess"})
        assert response.status_code == 200
    response = client.post("/login", data={"email": "victim@example.org", "password": PASSWORD})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many requests" in page
    assert "Traceback" not in page
    assert "Retry-After" in response.headers or "X-RateLimit-Reset" in response.headers
    # The correct password did not log anyone in.
    assert b"My account" not in client.get("/").data
    # Showing the login page is not limited.
    assert client.get("/login").status_code == 200


def test_rate_limit_answer_is_json_for_api_clients(client, db):
    for _ in range(3):
        client.post("/login", data={"email": "a@example.org", "password": "guess"})
    response = client.post(
        "/login",
        data={"email": "a@example.org", "password": "guess"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 429
    assert response.json["error"]["code"] == "rate_limited"


def test_password_reset_is_rate_limited(client, db):
    make_user("reset@example.org")
    for _ in range(2):
        assert (
            client.post("/forgot-password", data={"email": "reset@example.org"}).status_code == 200
        )
    response = client.post("/forgot-password", data={"email": "reset@example.org"})
    assert response.status_code == 429
    assert len(outbox(template="accounts_reset")) == 2


def test_rate_limits_are_per_client_address(app, db):
    make_user("x@example.org")
    first = app.test_client()
    for _ in range(3):
        first.post("/login", data={"email": "x@example.org", "password": "guess"})
    assert (
        first.post("/login", data={"email": "x@example.org", "password": "guess"}).status_code
        == 429
    )
    other = app.test_client()
    response = other.post(
        "/login",
        data={"email": "x@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 302


def test_signup_is_rate_limited(client, db):
    for n in range(2):
        data = {"full_name": "Bot", "email": f"bot{n}@example.org", "password": "long password!"}
        assert client.post("/signup", data=data).status_code == 200
    data = {"full_name": "Bot", "email": "bot9@example.org", "password": "long password!"}
    assert client.post("/signup", data=data).status_code == 429
    assert len(outbox(template="accounts_verify")) == 2


def test_storage_is_memory_without_redis(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def _redis_up() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_redis_storage_shares_counters_between_workers(app_config, db):
    """Two app instances (two gunicorn workers) count against the same limit in Redis."""
    import uuid

    from conference import create_app

    config = {k: v for k, v in app_config.items() if k != "RATELIMIT_STORAGE_URI"}
    config.update(
        REDIS_URL="redis://127.0.0.1:6379/15",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    )
    first = create_app(config, mode="testing")
    assert first.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"
    data = {"email": "a@example.org", "password": "guess"}
    with first.app_context():
        client = first.test_client()
        for _ in range(3):
            assert client.post("/login", data=data).status_code == 200
    second = create_app(config, mode="testing")
    with second.app_context():
        assert second.test_client().post("/login", data=data).status_code == 429
    for instance in (first, second):
        with instance.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
