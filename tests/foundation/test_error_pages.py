"""Friendly error pages (HTML) and JSON errors (API), configuration safety checks."""

import pytest
from flask import abort

from conference import create_app
from conference.config import INSECURE_DEFAULT_KEY, normalise_database_url
from tests.factories import bearer, make_user


def _boom():
    raise RuntimeError("secret internal detail")


def _bad_request():
    abort(400)


def _read_body():
    from flask import request

    return {"size": len(request.get_data())}


@pytest.fixture
def app(app):
    """The test app with a few routes that fail on purpose (added before any request)."""
    app.add_url_rule("/_test/boom", "test_boom", _boom)
    app.add_url_rule("/api/v1/_test/boom", "test_api_boom", _boom)
    app.add_url_rule("/_test/bad", "test_bad", _bad_request)
    app.add_url_rule("/api/v1/_test/bad", "test_api_bad", _bad_request)
    app.add_url_rule("/_test/upload", "test_upload", _read_body, methods=["POST"])
    app.add_url_rule("/api/v1/_test/upload", "test_api_upload", _read_body, methods=["POST"])
    return app


def _html(response, status, *texts):
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Back to the home page" in page
    for text in texts:
        assert text in page
    return page


def _json(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


def test_400(client, db):
    _html(client.get("/_test/bad"), 400, "could not be understood")
    _json(client.get("/api/v1/_test/bad"), 400, "bad_request")


def test_403(login, db):
    client = login(make_user())
    _html(client.get("/admin/users"), 403, "Access denied")
    _json(client.get("/admin/users", headers={"Accept": "application/json"}), 403, "forbidden")


def test_404(client, db):
    _html(client.get("/no/such/page"), 404, "Page not found")
    _json(client.get("/api/v1/no/such/thing"), 404, "not_found")
    _html(client.get("/2099/"), 404, "There is no edition 2099.")


def test_405(client, db):
    response = client.get("/logout")
    _html(response, 405, "not allowed")
    assert "POST" in response.headers["Allow"]
    _json(client.delete("/api/v1/editions"), 405, "method_not_allowed")


def test_413(app, client, db):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    big = "x" * 5000
    _html(client.post("/_test/upload", data={"field": big}), 413, "too large")
    response = client.post(
        "/api/v1/_test/upload",
        data=big,
        headers={"Content-Type": "application/octet-stream", **bearer(make_user())},
    )
    _json(response, 413, "too_large")


def test_500_is_generic_and_hides_the_traceback(client, db):
    page = _html(client.get("/_test/boom"), 500, "Something went wrong")
    assert "secret internal detail" not in page
    assert "Traceback" not in page
    response = client.get("/api/v1/_test/boom")
    _json(response, 500, "server_error")
    assert "secret internal detail" not in response.get_data(as_text=True)


def test_the_app_still_works_after_a_500(client, db):
    client.get("/_test/boom")
    assert client.get("/").status_code == 200


# --- configuration -------------------------------------------------------------------------


def test_production_refuses_the_default_or_a_weak_secret_key(app_config):
    for key in (INSECURE_DEFAULT_KEY, "short", ""):
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            create_app({**app_config, "SECRET_KEY": key}, mode="production")


def test_production_starts_with_a_real_secret_key(app_config):
    from conference.extensions import db as _db

    app = create_app({**app_config, "SECRET_KEY": "k" * 64}, mode="production")
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not app.config.get("TESTING")
    with app.app_context():
        for engine in _db.engines.values():
            engine.dispose()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://user@host/db", "postgresql+psycopg://user@host/db"),
        (
            "postgres://user:pw@db.example:5433/conf",
            "postgresql+psycopg://user:pw@db.example:5433/conf",
        ),
        ("postgresql+psycopg://user@host/db", "postgresql+psycopg://user@host/db"),
        ("sqlite:////srv/conference.db", "sqlite:////srv/conference.db"),
    ],
)
def test_normalise_database_url(given, expected):
    assert normalise_database_url(given) == expected


# --- CSRF ----------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(app_config):
    from conference.extensions import db as _db

    csrf_app = create_app({**app_config, "WTF_CSRF_ENABLED": True}, mode="testing")
    yield csrf_app
    with csrf_app.app_context():
        _db.session.remove()
        for engine in _db.engines.values():
            engine.dispose()


def test_forms_without_csrf_token_are_refused(csrf_app):
    from conference.extensions import db as _db

    with csrf_app.app_context():
        user = make_user("csrf@example.org")
        from tests.factories import login_client

        client = login_client(csrf_app.test_client(), user)
        response = client.post("/logout")
        assert response.status_code == 400
        assert "form expired" in response.get_data(as_text=True)
        assert client.get("/account").status_code == 200  # still logged in
        response = client.post("/account", data={"full_name": "Changed"})
        assert response.status_code == 400
        _db.session.refresh(user)
        assert user.full_name != "Changed"
        # With the token from the page, the form works.
        page = client.get("/account").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        response = client.post("/logout", data={"csrf_token": token})
        assert response.status_code == 302
