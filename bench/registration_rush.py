"""Part 5: registration rush — 1,000 people register at once from 50 parallel clients against
gunicorn (4 workers) and PostgreSQL, through the real pages: each client logs in with the
login form, opens the registration form and sends it (CSRF tokens and session cookies as a
browser would). Prints the seconds for the whole rush, the registration POST latency, and
checks that exactly 1,000 registrations exist, one per person, with no error answer.
"""

from __future__ import annotations

import http.client
import os
import re
import statistics
import threading
import time
from urllib.parse import urlencode, urlsplit

from bench import seed
from bench.common import (
    FAST_HASH,
    WORKERS,
    Skip,
    bench_app,
    figure,
    gunicorn,
    note,
    server_env,
    throwaway_database,
)

PEOPLE = int(os.environ.get("BENCH_RUSH_PEOPLE", "1000"))
CLIENTS = int(os.environ.get("BENCH_RUSH_CLIENTS", "50"))
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """One keep-alive connection with a cookie jar: just enough of a browser for the forms."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode()
                break
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "Expires=Thu, 01 Jan 1970" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, response.headers, text

    def csrf(self, html: str) -> str:
        match = _CSRF.search(html)
        if not match:
            raise RuntimeError("no CSRF token on the page")
        return match.group(1)


def _seed_people(edition, n: int) -> int:
    """``n`` verified accounts (bulk insert, one shared fast hash); returns the category id."""
    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from conference.accounts.models import User
    from conference.db import utcnow
    from conference.extensions import db

    organiser = seed.organiser(edition)
    category = seed.category(edition, organiser)
    hashed = generate_password_hash(seed.PASSWORD, method=FAST_HASH)
    now = utcnow()
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"rush{i}@bench.example.org",
                "full_name": f"Rush Person {i}",
                "password_hash": hashed,
                "email_verified_at": now,
            }
            for i in range(n)
        ],
    )
    db.session.commit()
    return category.id


def _register(base: str, year: int, email: str, category_id: int, post_latencies: list):
    browser = Browser(base)
    status, _, html = browser.request("GET", "/login")
    status, headers, _ = browser.request(
        "POST",
        "/login",
        {"email": email, "password": seed.PASSWORD, "csrf_token": browser.csrf(html)},
    )
    if status != 302:
        raise RuntimeError(f"login of {email} answered {status}")
    status, _, html = browser.request("GET", f"/{year}/register")
    if status != 200:
        raise RuntimeError(f"registration form for {email} answered {status}")
    form = {
        "csrf_token": browser.csrf(html),
        "requested_category": str(category_id),
        "full_name": email.split("@")[0].replace("rush", "Rush Person "),
        "organisation": "Bench University",
        "organisation_type": "university",
        "country": "BE",
        "position": "Researcher",
        "privacy_consent": "y",
    }
    started = time.perf_counter()
    status, headers, _ = browser.request("POST", f"/{year}/register", form)
    post_latencies.append(time.perf_counter() - started)
    browser.conn.close()
    if status != 302:
        raise RuntimeError(f"registration of {email} answered {status}")


def run() -> None:
    import sqlalchemy as sa

    try:
        from conference.accreditation.models import Registration
    except ImportError as exc:
        raise Skip(f"the accreditation area is missing ({exc})") from None
    with throwaway_database("rush") as url, bench_app(url) as (app, workdir):
        if "accreditation.register" not in app.view_functions:
            raise Skip("the registration page (accreditation.register) is not registered")
        from conference.extensions import db

        edition = seed.edition()
        category_id = _seed_people(edition, PEOPLE)
        year, edition_id = edition.year, edition.id
        emails = [f"rush{i}@bench.example.org" for i in range(PEOPLE)]
        errors: list[str] = []
        latencies: list[float] = []
        lock = threading.Lock()
        note(f"registration rush: {PEOPLE} people, {CLIENTS} clients, gunicorn {WORKERS} workers")
        with gunicorn("wsgi:app", server_env(url, workdir), ready_path="/healthz") as base:

            def client(chunk: list[str]):
                for email in chunk:
                    try:
                        _register(base, year, email, category_id, latencies)
                    except Exception as exc:  # counted and reported, the rush goes on
                        with lock:
                            errors.append(str(exc))

            chunks = [emails[i::CLIENTS] for i in range(CLIENTS)]
            threads = [threading.Thread(target=client, args=(c,)) for c in chunks]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        db.session.expire_all()
        rows = db.session.scalar(
            sa.select(sa.func.count()).where(Registration.edition_id == edition_id)
        )
        people = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Registration.user_id))).where(
                Registration.edition_id == edition_id
            )
        )
    figure("registration_rush_seconds", elapsed, "s")
    figure("registration_rush_per_second", PEOPLE / elapsed, "registrations/s")
    if latencies:
        latencies.sort()
        figure("registration_post_p50_latency", statistics.median(latencies) * 1000, "ms")
        figure(
            "registration_post_p99_latency",
            latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000,
            "ms",
        )
    figure("registration_rows", rows)
    figure("registration_duplicates", rows - people)
    figure("registration_errors", len(errors))
    ok = rows == PEOPLE and people == PEOPLE and not errors
    figure("registration_rush_check", "ok" if ok else "FAILED")
    if not ok:
        for message in errors[:5]:
            note(message)
        raise RuntimeError("the registration rush lost or duplicated registrations")
