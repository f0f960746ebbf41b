"""Part 2: the programme page and the edition's exports (``programme.ics``, ``schedule.json``,
``schedule.xml``) for 300 sessions, served by gunicorn (4 workers, PostgreSQL) under wrk:
requests per second and p50/p99 for anonymous visitors, with the page cache (an unchanged
programme: answered early, ``conference/pagecache.py``) and without it (``PAGE_CACHE_ENABLED=0``,
measured in the same run: every request builds the body), next to a bare Flask endpoint.
"""

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
# req/s for 300 sessions before issue 22 (every request built the body), same set-up, as
# measured then (for comparison; the ratio the target is about is against this run's uncached).
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
        paths = {
            "programme_page": f"/{edition.year}/programme",
            "programme_ics": f"/{edition.year}/programme.ics",
            "schedule_json": f"/{edition.year}/schedule.json",
            "schedule_xml": f"/{edition.year}/schedule.xml",
        }
        note(f"pages: {SESSIONS} sessions, gunicorn {WORKERS} workers, PostgreSQL, {DURATION}s")
        results, uncached = {}, {}
        env = server_env(url, workdir)
        with gunicorn("wsgi:app", env, ready_path="/healthz") as base:
            for name, path in paths.items():
                with urllib.request.urlopen(base + path, timeout=30) as response:
                    size = len(response.read())
                    if response.status != 200:
                        raise RuntimeError(f"{path} answered {response.status}")
                note(f"{path}: {size} bytes")
                results[name] = load(base, path, connections=16)
        with gunicorn(
            "wsgi:app", {**env, "PAGE_CACHE_ENABLED": "0"}, ready_path="/healthz"
        ) as base:
            for name, path in paths.items():
                uncached[name] = load(base, path, connections=16)
        # The floor on this machine at this moment: a bare Flask endpoint, same gunicorn.
        with gunicorn("bench.bare_app:app", env) as base:
            bare = load(base, "/", connections=16)
    for name, result in results.items():
        built = uncached[name]["rps"]
        ratio = result["rps"] / built if built else float("inf")
        verdict = "met" if ratio >= 10 else "NOT met"
        unit = (
            f"req/s (uncached, same run: {built:.1f} req/s; {ratio:.0f}x, target >= 10x: {verdict}"
        )
        baseline = BASELINES.get(name) if SESSIONS == 300 else None
        if baseline:
            unit += f"; before issue 22: {baseline} req/s, {result['rps'] / baseline:.0f}x"
        figure(f"{name}_per_second", result["rps"], unit + ")")
        figure(f"{name}_p50_latency", result["p50_ms"], "ms")
        figure(f"{name}_p99_latency", result["p99_ms"], "ms")
        figure(f"{name}_uncached_p50_latency", uncached[name]["p50_ms"], "ms")
        for label, run in (("", result), ("uncached_", uncached[name])):
            if run["errors"]:
                figure(f"{name}_{label}errors", run["errors"])
    figure("bare_flask_per_second", bare["rps"], "req/s (same set-up, for scale)")
    for name, result in results.items():
        figure(f"{name}_share_of_bare", result["rps"] / bare["rps"])
