"""The attacks that hit other conference systems (Indico, pretalx, pretix, HotCRP) fail here."""

from __future__ import annotations

import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.routing.converters import NumberConverter

from conference.accounts.models import RoleAssignment, User
from conference.audit import AuditEntry
from conference.errors import DomainError
from conference.mail import OutboxMessage, render_sandboxed
from conference.text import render_markdown
from conference.urls import safe_next
from tests.factories import PASSWORD, make_edition, make_user
from tests.hardening.world import build_world, fill

# --- next= open redirects ------------------------------------------------------------------

EVIL_TARGETS = [
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "/\t/evil.example",
    "/\r\n/evil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_safe_next_refuses_foreign_targets(target):
    assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/2027/programme", "/account?tab=tokens", "/"])
def test_safe_next_keeps_our_own_paths(target):
    assert safe_next(target) == target


def _is_our_redirect(location: str) -> bool:
    parts = urlsplit(location)
    return (
        parts.netloc in ("", "conference.test")
        and parts.scheme in ("", "http")
        and (parts.path.startswith("/") and not parts.path.startswith("//"))
    )


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_login_never_redirects_elsewhere(client, target):
    user = make_user()
    response = client.post(
        "/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert _is_our_redirect(response.headers["Location"]), response.headers["Location"]
    assert "evil" not in response.headers["Location"]


def test_login_follows_a_local_next(client):
    user = make_user()
    response = client.post(
        "/login",
        query_string={"next": "/account"},
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/account"


# --- links in mails come from BASE_URL, never from the Host header ---------------------------


def test_mail_links_use_base_url_not_host_header(app, client, db, login):
    world = build_world()
    make_user("known@example.org")
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    if "category_id" in world:
        # Logged in: the cookie only goes to our host, so only the forwarded header is forged.
        login(world["users"]["newcomer"]).post(
            f"/{world['year']}/register",
            headers={"X-Forwarded-Host": "evil.example"},
            data={
                "requested_category": world["category_id"],
                "full_name": "Nina Newcomer",
                "organisation": "Org",
                "organisation_type": "university",
                "country": "BE",
                "position": "Researcher",
                "privacy_consent": "y",
            },
        )
    client.post(
        "/signup",
        headers=evil,
        data={"full_name": "New Person", "email": "new@example.org", "password": PASSWORD},
    )
    client.post("/forgot-password", headers=evil, data={"email": "known@example.org"})
    client.post(
        "/signup",
        headers=evil,
        data={"full_name": "Again", "email": "known@example.org", "password": PASSWORD},
    )
    messages = db.session.scalars(sa.select(OutboxMessage)).all()
    assert len(messages) >= 3 + ("category_id" in world)
    for message in messages:
        body = message.text_body + (message.html_body or "")
        assert "evil.example" not in body
        assert app.config["BASE_URL"] + "/" in body


# --- user text is escaped ------------------------------------------------------------------

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>']
HOSTILE = "".join(PAYLOADS)


def test_user_text_is_escaped_on_every_page(app, db, login):
    """Every HTML page reachable with the world's ids, seen by each role, shows the hostile
    names, organisations, titles and abstracts escaped."""
    world = build_world(HOSTILE)
    checked = set()
    for role in ("attendee", "newcomer", "organiser", "reviewer", "chair", "staff", "admin"):
        client = login(world["users"][role])
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            path = fill(rule, world)
            if path is None:
                continue
            response = client.get(path)
            if response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            for payload in PAYLOADS:
                assert payload not in html, f"{path} as {role} shows {payload!r} unescaped"
            if response.status_code == 200:
                checked.add(rule.endpoint)
    assert {"editions.edition_home", "accounts.profile", "accounts.admin_user"} <= checked
    escaped = login(world["users"]["admin"]).get(f"/admin/users/{world['user_id']}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in escaped.get_data(as_text=True)


def test_markdown_drops_raw_html_and_script_links():
    source = '<script>alert(1)</script> [x](javascript:alert(1)) <b onclick="y">'
    html = str(render_markdown(source))
    assert "<script" not in html and "<b " not in html
    assert 'href="javascript' not in html


# --- organiser-edited mail templates run in a sandbox --------------------------------------

SANDBOX_ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ name|attr('__class__') }}",
    "{{ '{0.__class__.__mro__}'.format(name) }}",
    "{{ self._TemplateReference__context }}",
    "{{ [].append(1) }}",
    "{{ {}.update(a=1) }}",
    "{{ 'x' * 100000000 }}",
    "{{ 9 ** 99999999 }}",
]


@pytest.mark.parametrize("source", SANDBOX_ESCAPES)
def test_sandbox_refuses_access_to_internals(source):
    with pytest.raises(DomainError) as caught:
        render_sandboxed(source, name="Ann")
    assert caught.value.status_code == 400
    assert caught.value.code == "template_not_allowed"


@pytest.mark.parametrize(
    "source", ["{% for x in %}", "{{ name ", "{% if %}{% endif %}", "{{ 1/0 }}", "{{ missing.x }}"]
)
def test_sandbox_reports_broken_templates_as_domain_errors(source):
    with pytest.raises(DomainError) as caught:
        render_sandboxed(source, name="Ann")
    assert caught.value.code == "template_invalid"


def test_sandbox_renders_ordinary_templates():
    source = "Dear {{ name }},\n{% for s in sessions %}- {{ s.title|upper }}\n{% endfor %}"
    source += "{{ gone }}"
    text = render_sandboxed(source, name="Ann <b>", sessions=[{"title": "Opening"}])
    assert text == "Dear Ann <b>,\n- OPENING\n"


def test_sandbox_has_no_app_globals(app):
    assert render_sandboxed("{{ config }}{{ request }}{{ session }}{{ url_for }}{{ g }}") == ""


def test_sandbox_refuses_huge_templates_and_outputs():
    with pytest.raises(DomainError):
        render_sandboxed("x" * 60_000)
    with pytest.raises(DomainError):
        render_sandboxed("{% for i in range(99999) %}{{ 'abcdefghij' }}{% endfor %}")


# --- the client address for rate limits comes only from a trusted proxy ---------------------


def _limited_app(make_app, proxies: int):
    return make_app(
        RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", TRUSTED_PROXIES=proxies
    )


def _attempt(client, forwarded_for: str):
    return client.post(
        "/login",
        data={"email": "nobody@example.org", "password": "wrong password"},
        headers={"X-Forwarded-For": forwarded_for},
    ).status_code


def test_forged_forwarded_for_does_not_escape_the_login_limit(make_app):
    client = _limited_app(make_app, proxies=0).test_client()
    statuses = [_attempt(client, f"203.0.113.{n}") for n in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


def test_trusted_proxy_address_is_used_for_the_login_limit(make_app):
    client = _limited_app(make_app, proxies=1).test_client()
    assert [_attempt(client, f"198.51.100.{n}") for n in range(5)] == [200] * 5
    same = [_attempt(client, "192.0.2.7") for _ in range(4)]
    assert same == [200, 200, 200, 429]


def test_rate_limited_answer_is_friendly(make_app):
    client = _limited_app(make_app, proxies=0).test_client()
    for _ in range(3):
        _attempt(client, "x")
    response = client.post("/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)


# --- a new session on login, none after logout --------------------------------------------


def test_login_starts_a_fresh_session(client):
    user = make_user()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie("session").value
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{user.id}:")
    assert client.get_cookie("session").value != before


def test_old_session_cookie_is_dead_after_logout(app, client, db):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert client.get("/account").status_code == 200
    stolen = client.get_cookie("session").value
    token_before = user.session_token
    assert client.post("/logout").status_code == 302
    assert client.get("/account").status_code == 302
    db.session.expire_all()
    assert user.session_token != token_before
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logging_in_elsewhere_keeps_other_sessions_until_logout(app, client):
    user = make_user()
    other = app.test_client()
    for c in (client, other):
        c.post("/login", data={"email": user.email, "password": PASSWORD})
    client.post("/logout")
    assert other.get("/account").status_code == 302  # logout ends every session of the user


# --- no caching of personal answers --------------------------------------------------------


PERSONAL = [
    ("attendee", "accounts.profile"),
    ("attendee", "accounts.tokens"),
    ("attendee", "editions.home"),
    ("attendee", "accreditation.me"),
    ("attendee", "badges.my_badge_pdf"),
    ("attendee", "programme.agenda"),
    ("attendee", "calendar.me"),
    ("attendee", "accreditation.data_export"),
    ("organiser", "accreditation.queue"),
    ("organiser", "badges.badge_pdf"),
    ("organiser", "accreditation.detail"),
    ("reviewer", "review.my_reviews"),
    ("reviewer", "review.submission"),
    ("staff", "checkin.scanner"),
    (None, "calendar.personal_ics"),  # reached with the secret token, no cookie
]


def test_personal_answers_are_never_stored(app, login):
    world = build_world()
    checked = []
    for who, endpoint in PERSONAL:
        rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
        if not rules:
            continue
        path = fill(rules[0], world)
        assert path is not None, endpoint
        client = login(world["users"][who]) if who else app.test_client()
        response = client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        assert "no-store" in response.headers["Cache-Control"], f"{path} as {who}"
        assert "Cookie" in response.headers.get("Vary", ""), path
        checked.append(endpoint)
    assert len(checked) >= 3


def test_api_answers_to_bearer_calls_are_not_stored(client):
    from tests.factories import bearer

    make_edition()
    response = client.get("/api/v1/editions", headers=bearer(make_user()))
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers["Vary"]


def test_personal_decorator_forces_no_store(make_app):
    from conference.security import personal

    app = make_app()

    @app.get("/test-feed/<token>")
    @personal
    def feed(token):
        return "BEGIN:VCALENDAR", 200, {"Cache-Control": "public, max-age=3600"}

    response = app.test_client().get("/test-feed/secret")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers["Vary"]


def test_anonymous_public_pages_are_revalidated(client):
    response = client.get("/")
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Cookie" in response.headers["Vary"]


# --- fields a user may not set are ignored -------------------------------------------------

PRIVILEGED_FIELDS = {
    "is_admin": "1",
    "role": "organiser",
    "roles": "organiser",
    "email_verified_at": "2020-01-01T00:00:00",
    "session_token": "chosen",
    "state": "accredited",
    "category": "1",
    "category_id": "1",
    "id": "1",
    "deleted_at": "",
}


def test_signup_ignores_privileged_fields(client, db):
    make_edition()
    client.post(
        "/signup",
        data={
            "full_name": "Mallory",
            "email": "mallory@example.org",
            "password": PASSWORD,
            **PRIVILEGED_FIELDS,
        },
    )
    user = db.session.scalar(sa.select(User).where(User.email == "mallory@example.org"))
    assert user is not None
    assert user.is_admin is False
    assert user.email_verified_at is None
    assert user.session_token != "chosen"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoleAssignment)) == 0


def test_profile_ignores_privileged_fields(login, db):
    make_edition()
    user = make_user("eve@example.org", full_name="Eve")
    client = login(user)
    response = client.post(
        "/account",
        data={
            "full_name": "Eve Changed",
            "organisation": "Org",
            "organisation_type": "",
            "country": "",
            "position": "",
            "email": "admin@example.org",
            **PRIVILEGED_FIELDS,
        },
    )
    assert response.status_code in (200, 302, 400)
    db.session.expire_all()
    assert user.is_admin is False
    assert user.email == "eve@example.org"
    assert user.session_token != "chosen"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoleAssignment)) == 0


# --- no state change on GET; CSRF on every other method ------------------------------------

MUTATING_VERBS = (
    "accept",
    "accredit",
    "add",
    "approve",
    "assign",
    "book",
    "cancel",
    "check_in",
    "checkin",
    "clone",
    "confirm",
    "create",
    "decide",
    "delete",
    "grant",
    "import",
    "logout",
    "mark",
    "publish",
    "refuse",
    "reject",
    "remove",
    "resend",
    "revoke",
    "rotate",
    "scan",
    "send",
    "set",
    "submit",
    "unbook",
    "unpublish",
    "update",
    "withdraw",
)

# Nouns that begin like a verb ("the scan log" is a list of scans, not an action).
NOUN_PHRASES = ("scan_log", "send_log", "set_list")

# None: even links opened from a mail (confirming an address) show a page whose button POSTs,
# since mail gateways open links to scan them. The one exception: the language switch, a plain
# link on every page (no JavaScript), whose only effect is the display language (the cookie,
# and the profile's language when logged in); a forged or scanned link changes nothing else.
GET_ALLOWED: set[str] = {"set_language"}


def test_no_mutating_endpoint_answers_get(app):
    offenders = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in GET_ALLOWED:
            continue
        name = rule.endpoint.rpartition(".")[2]
        if "POST" in rule.methods:
            continue  # a form page: GET shows the form, POST acts
        if name.startswith(NOUN_PHRASES):
            continue
        if name in MUTATING_VERBS or name.startswith(tuple(v + "_" for v in MUTATING_VERBS)):
            offenders.append(f"{rule.rule} ({rule.endpoint})")
    assert offenders == []


def _sample_url(rule, year: int) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        kind = type(converter).__name__ if converter else "UnicodeConverter"
        if name == "year":
            values[name] = year
        elif isinstance(converter, NumberConverter):
            values[name] = 1
        elif kind == "AnyConverter":
            values[name] = sorted(converter.items)[0]
        elif kind == "UUIDConverter":
            values[name] = "00000000-0000-0000-0000-000000000001"
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def _unsafe_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            yield rule, method


def test_every_state_changing_route_requires_a_csrf_token(app, db, login):
    edition = make_edition()
    admin = make_user(admin=True)
    for role in ("organiser", "chair", "staff", "reviewer"):
        from tests.factories import grant

        grant(admin, role, edition)
    app.config["WTF_CSRF_ENABLED"] = True
    client = login(admin)
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    checked, failures = 0, []
    for rule, method in _unsafe_routes(app):
        path = _sample_url(rule, edition.year)
        response = client.open(path, method=method, data={"x": "1"})
        checked += 1
        if response.status_code != 400:
            failures.append(f"{method} {path} → {response.status_code}")
            continue
        if response.mimetype == "application/json":
            assert response.json["error"]["code"] == "csrf_failed", path
        else:
            assert "form expired" in response.get_data(as_text=True), path
    assert failures == []
    assert checked >= 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit_before


def test_csrf_token_lets_the_form_through(app, client):
    from tests.hardening.conftest import csrf_token_from

    user = make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


# --- ids too large for the database are a 404, not an overflow -----------------------------


@pytest.mark.parametrize(
    "path",
    ["/99999999999999999999/", "/2147483648/", "/api/v1/editions/99999999999999999999999"],
)
def test_huge_numbers_in_urls_are_not_found(client, path):
    make_edition()
    assert client.get(path).status_code == 404


def test_every_int_argument_is_bounded(app, login):
    """Walk the routes with an id one past a database integer: 404 (or 405), never 500."""
    client = login(make_user(admin=True))
    edition = make_edition()
    for rule in app.url_map.iter_rules():
        kinds = {type(c).__name__ for c in rule._converters.values()}
        if not rule.arguments or kinds != {"DatabaseIntConverter"}:
            continue
        values = {name: 2**31 for name in rule.arguments}
        if "year" in values:
            values["year"] = edition.year
        if all(v == edition.year for v in values.values()):
            continue
        path = rule.build(values, append_unknown=False)[1]
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
        assert client.open(path, method=method).status_code in (404, 405), path


def test_anonymous_api_write_is_401_not_a_csrf_error(app, client):
    """Without a login there is no ambient authority to protect: the API says 401."""
    make_edition()
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/api/v1/editions/2027/checkins", json={"code": "x", "checkpoint": 1})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_cookie_api_write_needs_the_csrf_header(app, login):
    """A logged-in browser's cookie alone cannot write through the API (cross-site POST)."""
    edition = make_edition()
    app.config["WTF_CSRF_ENABLED"] = True
    client = login(make_user(role="staff", edition=edition))
    response = client.post("/api/v1/editions/2027/checkins", json={"code": "x", "checkpoint": 1})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize("source", SANDBOX_ESCAPES[:4])
def test_organiser_mail_template_with_an_escape_is_refused_over_http(app, db, login, source):
    """The review area's editable decision mails: a hostile template is a 400, not saved."""
    if "review.edit_mail_template" not in app.view_functions:
        pytest.skip("the review area's mail templates are not registered")
    from conference.editions.models import MailTemplate
    from conference.review.services import DEFAULT_TEMPLATES

    edition = make_edition()
    chair = make_user(role="chair", edition=edition)
    key = sorted(DEFAULT_TEMPLATES)[0]
    response = login(chair).post(
        f"/{edition.year}/review/templates/{key}", data={"subject": "Decision", "body": source}
    )
    assert response.status_code == 400
    assert "not allowed" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailTemplate)) == 0


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) missing")
def test_badge_pdf_prints_markup_as_plain_text(app, db, login, tmp_path):
    """Names are drawn as text on the badge, never interpreted as PDF/reportlab markup."""
    if "badges.my_badge_pdf" not in app.view_functions:
        pytest.skip("the badges area is not registered")
    name = '<font size="90">Big</font> <b>Bold</b> & Co'
    world = build_world()
    from conference.accreditation.models import Registration

    registration = db.session.get(Registration, world["registration_id"])
    registration.full_name = name
    registration.organisation = "<i>Org</i> & Partners"
    db.session.commit()
    response = login(world["users"]["attendee"]).get(f"/{world['year']}/me/badge.pdf")
    assert response.status_code == 200
    pdf = tmp_path / "badge.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "<b>Bold</b>" in flat and "Big" in flat


def test_html_mails_escape_user_text(client, db):
    client.post(
        "/signup",
        data={"full_name": HOSTILE, "email": "hostile-mail@example.org", "password": PASSWORD},
    )
    messages = db.session.scalars(sa.select(OutboxMessage)).all()
    assert messages
    for message in messages:
        for payload in PAYLOADS:
            assert payload not in (message.html_body or "")
        assert "\n" not in message.subject and "\r" not in message.subject
