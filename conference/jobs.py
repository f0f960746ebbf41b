"""Background work: on an RQ queue in Redis when ``REDIS_URL`` is set, inline otherwise.

Job functions are named by dotted path (``enqueue("conference.mail.send_pending")``) and always
run inside an application context, the same code path either way: in a worker started with
``flask jobs worker`` (or ``make worker``) the job runs in that worker's app context; a plain
``rq worker`` builds the app from the environment. If Redis does not answer, the job runs inline
rather than being lost.

``in_background`` is for work a request must not wait for (sending mail): on the queue with
Redis, otherwise (or when Redis does not answer within ``REDIS_TIMEOUT``) on one daemon thread
per process, never in the worker that serves the request.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import queue as queue_module
import threading
import time
from typing import Any

from flask import current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker, Worker
from rq.registry import ScheduledJobRegistry

from conference.extensions import db

QUEUE_NAME = "conference"
# A bulk badge PDF for a large edition can take minutes; nothing we run should take longer.
JOB_TIMEOUT = 30 * 60

_worker_app = None
_fork_hook_registered = False


def _resolve(path: str):
    module, _, name = path.rpartition(".")
    if not module.startswith("conference."):
        raise ValueError(f"Background jobs must be functions of the conference package: {path}")
    return getattr(importlib.import_module(module), name)


def _call(path: str, args, kwargs) -> Any:
    try:
        return _resolve(path)(*args, **kwargs)
    finally:
        db.session.remove()


def run_job(path: str, *args: Any, **kwargs: Any) -> Any:
    """Entry point executed by RQ workers: run ``path`` inside an app context."""
    if has_app_context():
        # Inline, in the caller's context (a request without Redis, a test): the job shares
        # the caller's database session, which stays the caller's to end.
        return _resolve(path)(*args, **kwargs)
    global _worker_app
    if _worker_app is None:
        # The worker builds the app by name, as a WSGI server does: the application (the
        # top layer) imports this module, never the other way round.
        _worker_app = importlib.import_module("conference").create_app()
    with _worker_app.app_context():
        return _call(path, args, kwargs)


def queue_name() -> str:
    return current_app.config.get("JOBS_QUEUE") or QUEUE_NAME


def redis_connection(*, worker: bool = False):
    """A Redis connection for REDIS_URL, or None when Redis is not configured.

    Requests use short timeouts (``REDIS_TIMEOUT``), so that a down or hung Redis costs them
    at most that long; a worker waits on the queue with blocking reads and gets no read timeout.
    """
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    timeout = current_app.config.get("REDIS_TIMEOUT", 0.5)
    if worker:
        return Redis.from_url(url, socket_connect_timeout=max(timeout, 3))
    return Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


def job_queue(connection=None):
    """The RQ queue of this app (None when Redis is not configured)."""
    connection = connection or redis_connection()
    if connection is None:
        return None
    return Queue(queue_name(), connection=connection, default_timeout=JOB_TIMEOUT)


def enqueue(path: str, *args: Any, **kwargs: Any) -> str:
    """Run ``path(*args, **kwargs)`` in the background (RQ) or right now (no Redis).

    Returns "queued" or "inline" so callers and tests can tell which happened. A job that cannot
    be queued because Redis is down runs inline (and the failure is logged).
    """
    _resolve(path)  # fail early, in the caller, on a mistyped path
    queue = job_queue()
    if queue is None:
        run_job(path, *args, **kwargs)
        return "inline"
    if _put_on_queue(queue, path, args, kwargs):
        return "queued"
    run_job(path, *args, **kwargs)
    return "inline"


def _put_on_queue(queue, path: str, args, kwargs) -> bool:
    """Queue the job; False (and a warning) when Redis does not answer."""
    try:
        queue.enqueue_call(
            run_job,
            args=(path, *args),
            kwargs=kwargs,
            retry=Retry(max=3, interval=[10, 60, 300]),
            description=path,
        )
    except (RedisError, OSError) as exc:
        current_app.logger.warning("Redis unavailable (%s); %s runs in this process", exc, path)
        return False
    return True


def in_background(path: str, *args: Any, **kwargs: Any) -> str:
    """Run ``path`` without making the current request wait for it.

    Returns "queued" (RQ, with Redis) or "thread" (this process's background thread, without
    Redis or when it does not answer). Identical jobs waiting for the thread are merged: one
    ``send_pending`` sends every mail queued meanwhile.
    """
    _resolve(path)
    queue = job_queue()
    if queue is not None and _put_on_queue(queue, path, args, kwargs):
        return "queued"
    _background_runner(current_app._get_current_object()).submit(path, args, kwargs)
    return "thread"


class _BackgroundRunner:
    """One daemon thread per app running jobs one after the other in its own app context."""

    def __init__(self, app):
        self.app = app
        self.jobs: queue_module.Queue = queue_module.Queue()
        self.waiting: set = set()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._loop, name="conference-jobs", daemon=True)
        self.thread.start()

    def submit(self, path: str, args, kwargs) -> None:
        key = (path, repr(args), repr(sorted(kwargs.items())))
        with self.lock:
            if key in self.waiting:
                return
            self.waiting.add(key)
        self.jobs.put((key, path, args, kwargs))

    def _loop(self) -> None:
        while True:
            key, path, args, kwargs = self.jobs.get()
            with self.lock:
                self.waiting.discard(key)
            try:
                with self.app.app_context():
                    _call(path, args, kwargs)
            except Exception:  # the job's own data (the outbox) keeps what must be retried
                self.app.logger.exception("background job %s failed", path)
            finally:
                self.jobs.task_done()

    def join(self, timeout: float) -> bool:
        """Wait until every submitted job has run (for tests and the CLI); False on timeout."""
        done = threading.Event()

        def wait():
            self.jobs.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout)


_runners: dict[int, _BackgroundRunner] = {}
_runners_lock = threading.Lock()


def _background_runner(app) -> _BackgroundRunner:
    with _runners_lock:
        runner = _runners.get(id(app))
        if runner is None or runner.app is not app or not runner.thread.is_alive():
            runner = _runners[id(app)] = _BackgroundRunner(app)
        return runner


def wait_for_background(timeout: float = 10.0) -> bool:
    """Wait for this app's background thread to finish its jobs; False on timeout."""
    runner = _runners.get(id(current_app._get_current_object()))
    return True if runner is None else runner.join(timeout)


def reset_connections_after_fork() -> None:
    """In a forked RQ work horse, never reuse the parent's database connections."""
    if has_app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


# --- periodic jobs (reminders): the worker runs them again and again ------------------------

# Dotted path of a job → the setting holding the seconds between its runs (0: never).
PERIODIC: dict[str, str] = {}


def every(path: str, interval_setting: str) -> None:
    """Have the worker run ``path`` every ``config[interval_setting]`` seconds."""
    PERIODIC[path] = interval_setting


def _periodic_prefix(path: str) -> str:
    """RQ job ids allow letters, digits, underscores and dashes only."""
    return "periodic-" + path.replace(".", "_") + "-"


def _periodic_job_id(path: str) -> str:
    return f"{_periodic_prefix(path)}{time.time_ns()}"


def _waiting_periodic(queue, path: str) -> bool:
    """Is a run of ``path`` already queued or scheduled (by this worker or another)?"""
    prefix = _periodic_prefix(path)
    waiting = [*queue.get_job_ids(), *ScheduledJobRegistry(queue=queue).get_job_ids()]
    return any(job_id.startswith(prefix) for job_id in waiting)


def schedule_periodic(queue, path: str, delay: float | None = None) -> bool:
    """Schedule the next run of ``path`` (after its interval, or ``delay`` seconds)."""
    interval = float(current_app.config.get(PERIODIC[path]) or 0)
    if interval <= 0:
        return False
    options = {"job_id": _periodic_job_id(path), "description": f"every {int(interval)} s: {path}"}
    if delay == 0:
        queue.enqueue_call(run_job, args=("conference.jobs.run_periodic", path), **options)
    else:
        seconds = interval if delay is None else delay
        queue.enqueue_in(
            dt.timedelta(seconds=seconds), run_job, "conference.jobs.run_periodic", path, **options
        )
    return True


def run_periodic(path: str) -> Any:
    """Run a periodic job, then schedule its next run (the chain the worker started)."""
    if path not in PERIODIC:
        raise ValueError(f"{path} is not a periodic job")
    try:
        return _resolve(path)()
    finally:
        queue = job_queue()
        if queue is not None:
            schedule_periodic(queue, path)


def start_periodic(queue) -> list[str]:
    """Start the chain of each periodic job that has no run waiting (a worker starting)."""
    started = []
    for path in PERIODIC:
        if not _waiting_periodic(queue, path) and schedule_periodic(queue, path, delay=0):
            started.append(path)
    return started


def work(burst: bool = False, fork: bool = True) -> bool:
    """Process the queue in the current app context (what ``flask jobs worker`` runs)."""
    queue = job_queue(redis_connection(worker=True))
    if queue is None:
        raise RuntimeError("REDIS_URL is not set: jobs run inline, no worker is needed.")
    global _fork_hook_registered
    worker_class = Worker if fork and hasattr(os, "fork") else SimpleWorker
    if worker_class is Worker and not _fork_hook_registered:
        os.register_at_fork(after_in_child=reset_connections_after_fork)
        _fork_hook_registered = True
    if not burst:  # a burst run (tests, cron) leaves the periodic chain to the real workers
        start_periodic(queue)
    worker = worker_class([queue], connection=queue.connection)
    # The scheduler (a separate process) re-queues failed jobs whose retry time has come.
    return worker.work(burst=burst, with_scheduler=not burst)
