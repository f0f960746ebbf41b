"""Security headers, HSTS behind proxies, session cookie flags and the request size limit."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

from conference import create_app
from tests.factories import PASSWORD, make_edition, make_user
from tests.hardening.conftest import csrf_token_from


def _csp(response) -> dict[str, str]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/editions", "/healthz", "/nowhere"])
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = _csp(response)
    assert csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in csp[directive]
        assert "'unsafe-eval'" not in csp[directive]
        assert csp[directive] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_pages_use_no_inline_scripts_or_styles(client):
    make_edition()
    for path in ("/", "/login", "/signup", "/2027/"):
        html = client.get(path).get_data(as_text=True)
        assert "<style" not in html
        assert ' style="' not in html
        for tag in html.split("<script")[1:]:
            assert tag.split(">", 1)[0].strip().startswith("src="), f"inline script on {path}"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://conference.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(secure.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 31536000


def test_forwarded_proto_ignored_without_trusted_proxy(app):
    """Without TRUSTED_PROXIES a client cannot pretend the request came over HTTPS."""
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_forwarded_proto_used_behind_one_trusted_proxy(make_app):
    proxied = make_app(TRUSTED_PROXIES=1)
    response = proxied.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    plain = proxied.test_client().get("/", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers


def test_forwarded_host_is_never_trusted(make_app):
    """ProxyFix rewrites scheme and client address, never the host (x_host=0)."""
    proxied = make_app(TRUSTED_PROXIES=1)
    response = proxied.test_client().get("/login", headers={"X-Forwarded-Host": "evil.example"})
    assert "evil.example" not in response.get_data(as_text=True)


def _set_cookies(response) -> dict[str, SimpleCookie]:
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            cookies[name] = (cookie[name], header)
    return cookies


def test_production_login_cookie_is_secure_httponly_lax(production_app):
    user = make_user("prod@example.org")
    prod = production_app()
    client = prod.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    cookies = _set_cookies(response)
    morsel, header = cookies["session"]
    assert morsel["secure"] is True
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert "Secure" in header and "HttpOnly" in header


def test_production_refuses_the_default_secret_key(app_config):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({**app_config, "SECRET_KEY": "short"}, mode="production")


def test_production_login_without_csrf_token_is_refused(production_app, db):
    user = make_user("nocsrf@example.org")
    before = user.last_login_at
    client = production_app().test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert not response.headers.getlist("Set-Cookie") or all(
        "session=;" in h or "Expires=Thu, 01 Jan 1970" in h or "_user_id" not in h
        for h in response.headers.getlist("Set-Cookie")
    )
    db.session.expire_all()
    assert user.last_login_at == before


def test_too_large_form_gives_friendly_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "a@b.c", "password": "x" * 5000})
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "too large" in html
    assert "<html" in html


def test_too_large_json_gives_json_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post(
        "/api/v1/editions", data="[" + "1," * 2000 + "1]", content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"
