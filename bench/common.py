"""Shared pieces of the benchmarks: throw-away PostgreSQL databases, the app on them,
gunicorn servers, the wrk load generator (or a threaded fallback) and figure printing."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"
FAST_HASH = "pbkdf2:sha256:1000"  # the bench's own accounts only: logins must not dominate
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))


class Skip(Exception):
    """A part cannot run here (missing prerequisite); the message says why."""


def figure(name: str, value, unit: str = "") -> None:
    """Print one figure on its own line: ``name: value unit``."""
    if isinstance(value, float):
        value = f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    print(f"{name}: {value}{' ' + unit if unit else ''}", flush=True)


def note(text: str) -> None:
    print(f"# {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- PostgreSQL -----------------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_database(tag: str) -> Iterator[str]:
    """A new PostgreSQL database ``bench_<pid>_<tag>``, dropped afterwards; yields its URL."""
    import sqlalchemy as sa

    from conference.config import normalise_database_url

    admin_url = sa.engine.make_url(normalise_database_url(ADMIN_URL))
    name = f"bench_{os.getpid()}_{tag}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        raise Skip(f"PostgreSQL not reachable at {ADMIN_URL} ({type(exc).__name__})") from None
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def bench_app(database_url: str) -> Iterator:
    """The app on a migrated ``database_url``, inside an app context; yields (app, workdir)."""
    import logging

    from flask_migrate import upgrade

    from conference import create_app
    from conference.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_DIR": workdir / "instance",
            "BADGE_KEY_DIR": workdir / "badge-keys",
            "SECRET_KEY": SECRET_KEY,
            "RATELIMIT_ENABLED": False,
            "MAIL_SEND_AFTER_REQUEST": False,
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        mode="development",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        logging.getLogger("conference").disabled = False
        try:
            yield app, workdir
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
            shutil.rmtree(workdir, ignore_errors=True)


def server_env(database_url: str, workdir: Path) -> dict[str, str]:
    """Environment for a gunicorn serving the app like production, on the bench database."""
    env = dict(os.environ)
    env.update(
        APP_ENV="production",
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        INSTANCE_DIR=str(workdir / "instance"),
        BADGE_KEY_DIR=str(workdir / "badge-keys"),
        BASE_URL="http://127.0.0.1",
        RATELIMIT_ENABLED="0",
        MAIL_SEND_AFTER_REQUEST="0",
        SESSION_COOKIE_SECURE="0",
        LOG_JSON="1",
    )
    env.pop("REDIS_URL", None)
    return env


# --- gunicorn -------------------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict | None = None, workers: int = WORKERS, ready_path="/"):
    """Serve ``app_spec`` (``module:app``) with gunicorn on a free port; yields the base URL."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (lives as long as the server)
        prefix="bench-gunicorn-", suffix=".log", delete=False
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--backlog",
        "2048",
        app_spec,
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env or dict(os.environ), stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {_tail(log.name)}")
            try:
                with urllib.request.urlopen(base + ready_path, timeout=2):
                    break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {_tail(log.name)}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        with contextlib.suppress(OSError):
            os.unlink(log.name)


def _tail(path: str, lines: int = 15) -> str:
    try:
        with open(path) as f:
            return "\n".join(f.read().splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- load generation ------------------------------------------------------------------------

WRK_SCRIPT = r"""
local bodies = {}
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local auth = os.getenv("BENCH_AUTH")
local counter = 0

function init(args)
  local file = os.getenv("BENCH_BODIES")
  if file then
    for line in io.lines(file) do bodies[#bodies + 1] = line end
  end
  counter = tonumber(args[1] or "0")
end

function request()
  local headers = {}
  if auth then headers["Authorization"] = auth end
  local body = nil
  if #bodies > 0 then
    counter = counter + 1
    body = bodies[(counter % #bodies) + 1]
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"errors_status": %d, "errors_connect": %d, "errors_read": %d, "errors_timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.timeout))
end
"""


def load(
    base_url: str,
    path: str,
    *,
    method: str = "GET",
    bodies: list[str] | None = None,
    auth: str | None = None,
    duration: int = DURATION,
    connections: int = 32,
    threads: int = 2,
) -> dict:
    """Drive ``path`` for ``duration`` seconds; requests/s, p50/p99 (ms) and error counts.

    Uses wrk when installed (``make system-deps``), a threaded http.client generator otherwise.
    """
    if shutil.which("wrk"):
        return _wrk(base_url, path, method, bodies, auth, duration, connections, threads)
    note("wrk not installed: using the threaded Python load generator")
    return _threaded(base_url, path, method, bodies, auth, duration, connections)


def _wrk(base_url, path, method, bodies, auth, duration, connections, threads) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "bench.lua"
        script.write_text(WRK_SCRIPT)
        env = dict(os.environ, BENCH_METHOD=method, BENCH_PATH=path)
        if auth:
            env["BENCH_AUTH"] = auth
        if bodies:
            body_file = Path(tmp) / "bodies.txt"
            body_file.write_text("\n".join(bodies) + "\n")
            env["BENCH_BODIES"] = str(body_file)
        result = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                base_url,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCH "))
    raw = json.loads(line[len("BENCH ") :])
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["errors_status"]
        + raw["errors_connect"]
        + raw["errors_read"]
        + raw["errors_timeout"],
    }


def _threaded(base_url, path, method, bodies, auth, duration, connections) -> dict:
    import http.client
    from urllib.parse import urlsplit

    host = urlsplit(base_url)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def client(offset: int):
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        n = offset
        local, failed = [], 0
        while time.monotonic() < stop:
            headers = {"Authorization": auth} if auth else {}
            body = None
            if bodies:
                body = bodies[n % len(bodies)]
                headers["Content-Type"] = "application/json"
                n += 1
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
            local.append(time.perf_counter() - started)
        with lock:
            latencies.extend(local)
            errors[0] += failed

    started = time.monotonic()
    workers = [threading.Thread(target=client, args=(i * 997,)) for i in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": pick(0.50) if latencies else 0.0,
        "p99_ms": pick(0.99) if latencies else 0.0,
        "errors": errors[0],
    }
