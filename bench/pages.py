"""Part 2: the programme page and the edition ``.ics`` for 300 sessions, served by gunicorn
(4 workers, PostgreSQL) under wrk: requests per second and p50/p99, anonymous visitors."""

from __future__ import annotations

import os
import urllib.request

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

SESSIONS = int(os.environ.get("BENCH_SESSIONS", "300"))
# req/s for 300 sessions before issue 22 (every request built the body), same set-up.
BASELINES = {"programme_page": 28.4, "programme_ics": 44.5}


def run() -> None:
    try:
        from bench.calendar import generate
    except ImportError as exc:
        raise Skip(f"the programme generator (bench/calendar.py) is missing ({exc})") from None
    with throwaway_database("pages") as url, bench_app(url) as (app, workdir):
        for endpoint in ("programme.programme", "calendar.programme_ics"):
            if endpoint not in app.view_functions:
                raise Skip(f"{endpoint} is not registered")
        edition = generate(2027, SESSIONS)
        paths = {"programme_page": f"/{edition.year}/programme"}
        paths["programme_ics"] = f"/{edition.year}/programme.ics"
        note(f"pages: {SESSIONS} sessions, gunicorn {WORKERS} workers, PostgreSQL, {DURATION}s")
        results = {}
        with gunicorn("wsgi:app", server_env(url, workdir), ready_path="/healthz") as base:
            for name, path in paths.items():
                with urllib.request.urlopen(base + path, timeout=30) as response:
                    size = len(response.read())
                    if response.status != 200:
                        raise RuntimeError(f"{path} answered {response.status}")
                note(f"{path}: {size} bytes")
                results[name] = load(base, path, connections=16)
        # The floor on this machine at this moment: a bare Flask endpoint, same gunicorn.
        with gunicorn("bench.bare_app:app", server_env(url, workdir)) as base:
            bare = load(base, "/", connections=16)
    for name, result in results.items():
        baseline = BASELINES.get(name) if SESSIONS == 300 else None
        unit = "req/s"
        if baseline:
            ratio = result["rps"] / baseline
            unit += f" (before the page cache: {baseline} req/s; {ratio:.0f}x, target >= 10x)"
        figure(f"{name}_per_second", result["rps"], unit)
        figure(f"{name}_p50_latency", result["p50_ms"], "ms")
        figure(f"{name}_p99_latency", result["p99_ms"], "ms")
        if result["errors"]:
            figure(f"{name}_errors", result["errors"])
    figure("bare_flask_per_second", bare["rps"], "req/s (same set-up, for scale)")
    for name, result in results.items():
        figure(f"{name}_share_of_bare", result["rps"] / bare["rps"])
