"""Part: the cost of the health checks, in process (Flask test client, PostgreSQL).

``/healthz`` (liveness) once cost 10-12 ms of CPU a call: it re-read the migration scripts
each time. Now the head is read once per process; ``/readyz`` adds a rolled-back write, the
outbox backlog and the badge-key check. Figures: wall and CPU milliseconds per call.
"""

from __future__ import annotations

import os
import time

from bench.common import bench_app, figure, note, throwaway_database

CALLS = int(os.environ.get("BENCH_HEALTH_CALLS", "500"))


def _per_call(client, path: str) -> tuple[float, float]:
    client.get(path)  # warm: connection pool, first read of the migration head
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(CALLS):
        response = client.get(path)
        if response.status_code not in (200, 503):
            raise RuntimeError(f"{path} answered {response.status_code}")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall * 1000 / CALLS, cpu * 1000 / CALLS


def run() -> None:
    with throwaway_database("health") as url, bench_app(url) as (app, _workdir):
        client = app.test_client()
        app.logger.disabled = True  # one request log line per call would dominate
        note(f"health: {CALLS} calls each, in process, PostgreSQL")
        for name, path in (("liveness", "/healthz"), ("readiness", "/readyz")):
            wall, cpu = _per_call(client, path)
            figure(f"health_{name}_per_call", wall, "ms")
            figure(f"health_{name}_cpu_per_call", cpu, "ms")
        note("baseline (before): /healthz 10-12 ms CPU per call")
