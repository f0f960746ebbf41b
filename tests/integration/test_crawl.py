"""Integration crawl over the demo data set, once per role.

From a few entry points the crawler follows every internal ``<a href>`` the pages render and
checks that nothing breaks: no 5xx ever, no 404 or 403 behind a link our own pages show, and
every HTML page passes a few structural checks (one ``<h1>``, ``<html lang>``, a label for
every form control, nothing the Content-Security-Policy would block: inline ``style=``,
inline ``<script>``, ``<style>``). Failures are listed in one readable assertion message.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

import lxml.html
import pytest
import sqlalchemy as sa
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from conference.accounts.models import User
from conference.demo import DEMO_ACCOUNTS
from conference.extensions import db

ROLES = [
    None,
    "attendee@demo.test",
    "organiser@demo.test",
    "chair@demo.test",
    "reviewer@demo.test",
    "staff@demo.test",
    "admin@demo.test",
]

START_PAGES = ["/", "/2027/", "/2025/", "/2027/me", "/2027/admin", "/2027/review", "/2027/scan"]

MAX_PAGES = 400
# Pages that differ only by ids or query strings (one per session, registration, badge,
# filter…) are sampled, so the budget covers every kind of page rather than every row.
MAX_PER_PATTERN = 8
MAX_PER_DOWNLOAD_PATTERN = 2
DOWNLOAD_SUFFIXES = (".pdf", ".csv", ".ics", ".json", ".xml", ".zip")

# Problems the crawler found that are not fixed yet (each with the reason); a problem is
# matched on its text, so keep each entry as specific as possible. Empty is the goal.
KNOWN_ISSUES: list[str] = []

LABEL_EXEMPT_TYPES = {"hidden", "submit", "button", "reset", "image"}
# Data blocks are not executed, so the CSP does not concern them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "importmap"}


@pytest.fixture
def app_config(app_config):
    """CSRF protection on, as in production, so that forms render their tokens (GETs only)."""
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def _pattern(path: str, query: str) -> str:
    shape = re.sub(r"/\d+(?=/|\.|$)", "/N", path)
    shape = re.sub(r"/[A-Za-z0-9_-]{20,}(?=/|\.|$)", "/TOKEN", shape)
    if query:
        shape += "?" + "&".join(sorted(p.split("=")[0] for p in query.split("&")))
    return shape


def _is_download(path: str) -> bool:
    return path.endswith(DOWNLOAD_SUFFIXES)


def check_html(url: str, text: str) -> list[str]:
    """Structural and CSP problems of one HTML page."""
    problems = []
    doc = lxml.html.document_fromstring(text)
    if not (doc.get("lang") or "").strip():
        problems.append(f"{url}: <html> has no lang")
    h1s = doc.xpath("//h1")
    if len(h1s) != 1:
        problems.append(f"{url}: {len(h1s)} <h1> elements (want exactly one)")
    label_for = {label.get("for") for label in doc.xpath("//label[@for]")}
    for control in doc.xpath("//input | //select | //textarea"):
        if control.tag == "input" and (control.get("type") or "text").lower() in (
            LABEL_EXEMPT_TYPES
        ):
            continue
        if control.get("aria-label") or control.get("aria-labelledby"):
            continue
        if control.get("id") and control.get("id") in label_for:
            continue
        if control.xpath("ancestor::label"):
            continue
        problems.append(
            f"{url}: <{control.tag} name={control.get('name')!r} id={control.get('id')!r}> "
            "has no label"
        )
    for element in doc.xpath("//*[@style]"):
        problems.append(f"{url}: inline style= on <{element.tag}> (blocked by the CSP)")
    for script in doc.xpath("//script[not(@src)]"):
        if (script.get("type") or "").lower() in DATA_SCRIPT_TYPES:
            continue
        problems.append(f"{url}: inline <script> (blocked by the CSP)")
    if doc.xpath("//style"):
        problems.append(f"{url}: <style> element (blocked by the CSP)")
    return problems


def check_post_forms(url: str, text: str, adapter) -> list[str]:
    """Every POST form goes to a route that accepts POST and carries a CSRF token.

    Tests run with CSRF checks off, so a form without its token would only fail in production.
    """
    problems = []
    doc = lxml.html.document_fromstring(text)
    for form in doc.xpath("//form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        action = urlsplit(urljoin("http://localhost" + url, form.get("action") or ""))
        try:
            adapter.match(action.path, method="POST")
        except RequestRedirect:
            pass
        except HTTPException as exc:
            problems.append(f"{url}: form posts to {action.path} → HTTP {exc.code}")
        # A prefixed form names it "<prefix>-csrf_token", which CSRFProtect accepts too.
        names = form.xpath(".//input[@type='hidden']/@name")
        if not any(name.endswith("csrf_token") for name in names):
            problems.append(f"{url}: POST form to {action.path} has no csrf_token")
    return problems


def check_archive_forms(url: str, text: str, archived: tuple[str, ...]) -> list[str]:
    """An archived edition is read-only (except for site admins): its pages offer no live form
    that changes it, only disabled ones."""
    problems = []
    doc = lxml.html.document_fromstring(text)
    for form in doc.xpath("//form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        action = urlsplit(urljoin("http://localhost" + url, form.get("action") or "")).path
        if not action.startswith(archived):
            continue
        live = form.xpath(
            ".//button[not(@type) or @type='submit'][not(@disabled)]"
            "[not(ancestor::fieldset[@disabled])]"
            " | .//input[@type='submit'][not(@disabled)][not(ancestor::fieldset[@disabled])]"
        )
        if live:
            label = " ".join(live[0].text_content().split()) or live[0].get("value")
            problems.append(f"{url}: archived edition offers the form {action} ({label!r})")
    return problems


def _targets(doc) -> list[str]:
    """Every ``<a href>``, plus each GET form submitted with its default values."""
    # Links inside a copy of a mail (the mail log) are the recipient's, not the viewer's.
    hrefs = [
        anchor.get("href").strip()
        for anchor in doc.xpath("//a[@href][not(ancestor::*[contains(@class, 'mail-preview')])]")
    ]
    for form in doc.xpath("//form"):
        if (form.get("method") or "get").lower() != "get":
            continue
        query = urlencode(form.form_values())
        hrefs.append((form.get("action") or "").split("?")[0] + (f"?{query}" if query else ""))
    return hrefs


def _links(base: str, text: str, internal_hosts: set[str]) -> list[str]:
    doc = lxml.html.document_fromstring(text)
    out = []
    for href in _targets(doc):
        if href.startswith(("mailto:", "tel:", "javascript:", "data:")):
            continue
        absolute, _fragment = urldefrag(urljoin("http://localhost" + base, href))
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or parts.netloc not in internal_hosts:
            continue
        path = parts.path or "/"
        if path.startswith("/static/") or path.rstrip("/") == "/logout":
            continue
        out.append(path + (f"?{parts.query}" if parts.query else ""))
    return out


def crawl(
    client,
    internal_hosts: set[str],
    adapter,
    archived: tuple[str, ...] = (),
    *,
    max_pages: int = MAX_PAGES,
    max_per_pattern: int = MAX_PER_PATTERN,
    on_page=None,
    skip=None,
) -> tuple[list[str], list[str]]:
    """Visit the start pages and every internal link; return (visited, problems).

    ``on_page(url, response)``, if given, sees every answer (the fuzz tests collect forms);
    links for which ``skip(url)`` is true are not followed."""
    queue: deque[tuple[str, str | None]] = deque((url, None) for url in START_PAGES)
    seen = set(START_PAGES)
    per_pattern: Counter[str] = Counter()
    visited: list[str] = []
    problems: list[str] = []
    while queue and len(visited) < max_pages:
        url, source = queue.popleft()
        response = client.get(url)
        visited.append(url)
        if on_page is not None:
            on_page(url, response)
        status = response.status_code
        origin = f" (linked from {source})" if source else ""
        if status >= 500:
            problems.append(f"{url}: HTTP {status}{origin}")
        elif source is not None and status in (400, 403, 404, 405, 410):
            problems.append(f"{url}: HTTP {status} behind a link{origin}")
        new_links: list[str] = []
        if status in (301, 302, 303, 307, 308) and response.location:
            new_links = _links(url, f'<a href="{response.location}">redirect</a>', internal_hosts)
        elif response.mimetype == "text/html":
            text = response.get_data(as_text=True)
            problems.extend(check_html(url, text))
            problems.extend(check_post_forms(url, text, adapter))
            if archived:
                problems.extend(check_archive_forms(url, text, archived))
            new_links = _links(url, text, internal_hosts)
        for link in new_links:
            if link in seen or (skip is not None and skip(link)):
                continue
            seen.add(link)
            path, _, query = link.partition("?")
            shape = _pattern(path, query)
            limit = min(
                MAX_PER_DOWNLOAD_PATTERN if _is_download(path) else max_per_pattern,
                max_per_pattern,
            )
            if per_pattern[shape] >= limit:
                continue
            per_pattern[shape] += 1
            queue.append((link, url))
    return visited, problems


def _internal_hosts(app) -> set[str]:
    hosts = {"localhost", ""}
    base = app.config.get("BASE_URL")
    if base:
        hosts.add(urlsplit(base).netloc)
    return hosts


def test_page_checks_catch_each_kind_of_problem():
    page = """<!doctype html><html><head><style>p {}</style></head><body>
      <h1>One</h1><h1>Two</h1>
      <form><input name="q"><label for="a">A</label><input id="a" name="a">
      <label>B <select name="b"></select></label><input type="hidden" name="c">
      <textarea name="d" aria-label="D"></textarea></form>
      <p style="color: red">x</p><script>alert(1)</script><script src="/x.js"></script>
    </body></html>"""
    problems = "\n".join(check_html("/page", page))
    assert "no lang" in problems
    assert "2 <h1>" in problems
    assert "name='q'" in problems
    assert "name='a'" not in problems and "name='b'" not in problems
    assert "name='c'" not in problems and "name='d'" not in problems
    assert "inline style=" in problems
    assert problems.count("inline <script>") == 1
    assert "<style> element" in problems


def test_post_form_check_catches_missing_token_and_wrong_action(app):
    page = """<!doctype html><html lang="en"><body><h1>x</h1>
      <form method="post" action="/logout"><button>Log out</button></form>
      <form method="post" action="/no/such/page"><input type="hidden" name="csrf_token"></form>
      <form method="post" action="/privacy"><input type="hidden" name="x-csrf_token"></form>
    </body></html>"""
    problems = check_post_forms("/page", page, app.url_map.bind("localhost"))
    assert problems == [
        "/page: POST form to /logout has no csrf_token",
        "/page: form posts to /no/such/page → HTTP 404",
        "/page: form posts to /privacy → HTTP 405",
    ]


def test_archive_check_accepts_only_disabled_forms():
    page = """<!doctype html><html lang="en"><body><h1>x</h1>
      <form method="post" action="/2025/a"><button>Save</button></form>
      <form method="post" action="/2025/b"><fieldset disabled><button>Save</button></fieldset>
      </form>
      <form method="post" action="/2025/c"><button disabled>Save</button></form>
      <form method="post" action="/logout"><button>Log out</button></form>
    </body></html>"""
    assert check_archive_forms("/2025/p", page, ("/2025/",)) == [
        "/2025/p: archived edition offers the form /2025/a ('Save')"
    ]


@pytest.mark.slow
@pytest.mark.demo
@pytest.mark.parametrize("email", ROLES, ids=lambda e: (e or "anonymous").split("@")[0])
def test_every_linked_page_works_for_role(app, client, login, email):
    if email is None:
        browser = client
    else:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user is not None, f"demo account {email} missing"
        browser = login(user)
    adapter = app.url_map.bind("localhost")
    # Site administrators may still correct an archive; everyone else only reads it.
    archived = () if email == "admin@demo.test" else ("/2025/",)
    visited, problems = crawl(browser, _internal_hosts(app), adapter, archived)
    problems = [p for p in problems if not any(known in p for known in KNOWN_ISSUES)]
    print(f"crawled {len(visited)} pages as {email or 'anonymous'}")
    assert len(visited) >= len(START_PAGES) + 5, visited
    assert not problems, (
        f"{len(problems)} problem(s) crawling {len(visited)} pages as {email or 'anonymous'}:\n"
        + "\n".join(sorted(set(problems)))
    )


def _row_counts() -> dict[str, int]:
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        counts[table.name] = db.session.scalar(sa.select(sa.func.count()).select_from(table))
    return counts


def test_seed_demo_command_is_idempotent_and_lists_the_logins(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output + repr(first.exception)
    db.session.remove()
    after_first = _row_counts()
    assert after_first["users"] >= len(DEMO_ACCOUNTS)

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output + repr(second.exception)
    db.session.remove()
    after_second = _row_counts()
    changed = {
        name: (after_first[name], after_second[name])
        for name in after_first
        if after_first[name] != after_second[name]
    }
    assert not changed, f"second seed-demo changed row counts (before, after): {changed}"

    password = app.config["DEMO_PASSWORD"]
    for output in (first.output, second.output):
        for email, _name, _label, _role in DEMO_ACCOUNTS:
            assert re.search(rf"{re.escape(email)}\s+password: {re.escape(password)}", output), (
                f"{email} missing from the seed-demo output:\n{output}"
            )
    assert len(DEMO_ACCOUNTS) == 6
