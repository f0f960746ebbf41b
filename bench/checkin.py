"""Part 1: the check-in API under gunicorn (4 workers, PostgreSQL) and wrk, against a bare
Flask endpoint on the same server set-up: scans per second for both, the ratio, p50/p99.

Every request is a real scan: a staff member's Bearer token and the signed QR text of one of
a few hundred accredited attendees' badges, at the venue checkpoint (the first scan of each
badge admits, the later ones answer "already admitted", as at a busy door).
"""

from __future__ import annotations

import json
import os

from bench import seed
from bench.common import (
    DURATION,
    WORKERS,
    Skip,
    bench_app,
    figure,
    gunicorn,
    load,
    note,
    server_env,
    throwaway_database,
)

ATTENDEES = int(os.environ.get("BENCH_CHECKIN_ATTENDEES", "400"))


def _prerequisites():
    try:
        from conference.badges import services as badges  # noqa: F401
        from conference.checkin import services as checkin  # noqa: F401
    except ImportError as exc:
        raise Skip(f"the badges/check-in services are missing ({exc})") from None


def run() -> None:
    _prerequisites()
    from conference.badges import services as badges
    from conference.badges.signing import ensure_key

    with throwaway_database("checkin") as url, bench_app(url) as (app, workdir):
        edition = seed.edition()
        ensure_key(edition.year)
        registrations = seed.accredited_registrations(edition, ATTENDEES)
        token = seed.staff_token(edition)
        bodies = [
            json.dumps({"code": badges.badge_code(badges.valid_badge(r)), "checkpoint": "venue"})
            for r in registrations
        ]
        path = f"/api/v1/editions/{edition.year}/checkins"
        statements = _statements_per_scan(app, path, bodies[0], token)
        note(
            f"check-in: {len(bodies)} badges, gunicorn {WORKERS} workers, "
            f"PostgreSQL, {DURATION}s per run"
        )
        with gunicorn("wsgi:app", server_env(url, workdir), ready_path="/healthz") as base:
            app_result = load(base, path, method="POST", bodies=bodies, auth=f"Bearer {token}")
        with gunicorn("bench.bare_app:app", server_env(url, workdir)) as base:
            bare_result = load(base, "/scan", method="POST", bodies=bodies)

    figure("checkin_sql_statements_per_scan", statements)
    figure("checkin_scans_per_second", app_result["rps"], "req/s")
    figure("checkin_p50_latency", app_result["p50_ms"], "ms")
    figure("checkin_p99_latency", app_result["p99_ms"], "ms")
    figure("checkin_errors", app_result["errors"])
    figure("bare_flask_per_second", bare_result["rps"], "req/s")
    figure("bare_flask_p50_latency", bare_result["p50_ms"], "ms")
    figure("bare_flask_p99_latency", bare_result["p99_ms"], "ms")
    figure("checkin_vs_bare_ratio", app_result["rps"] / bare_result["rps"])


def _statements_per_scan(app, path: str, body: str, token: str) -> int:
    """SQL statements of one scan through the test client (a warm-up scan first, so the
    token's last-used minute is already written): the target is at most four."""
    import sqlalchemy as sa

    from conference.extensions import db

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    client.post(path, data=body, headers=headers)
    seen = []

    def count(*_args):
        seen.append(1)

    db.session.remove()
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.post(path, data=body, headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)
