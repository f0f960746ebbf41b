"""Background work: on an RQ queue in Redis when ``REDIS_URL`` is set, inline otherwise.

Job functions are named by dotted path (``enqueue("conference.mail.send_pending")``) and always
run inside an application context, the same code path either way: in a worker started with
``flask jobs worker`` (or ``make worker``) the job runs in that worker's app context; a plain
``rq worker`` builds the app from the environment. If Redis does not answer, the job runs inline
rather than being lost.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from flask import current_app, has_app_context

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
    from conference.extensions import db

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
        from conference import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        return _call(path, args, kwargs)


def queue_name() -> str:
    return current_app.config.get("JOBS_QUEUE") or QUEUE_NAME


def redis_connection():
    """A Redis connection for REDIS_URL, or None when Redis is not configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)


def job_queue(connection=None):
    """The RQ queue of this app (None when Redis is not configured)."""
    connection = connection or redis_connection()
    if connection is None:
        return None
    from rq import Queue

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
    from redis.exceptions import RedisError
    from rq import Retry

    try:
        queue.enqueue_call(
            run_job,
            args=(path, *args),
            kwargs=kwargs,
            retry=Retry(max=3, interval=[10, 60, 300]),
            description=path,
        )
    except RedisError as exc:
        current_app.logger.warning("Redis unavailable (%s); running %s inline", exc, path)
        run_job(path, *args, **kwargs)
        return "inline"
    return "queued"


def reset_connections_after_fork() -> None:
    """In a forked RQ work horse, never reuse the parent's database connections."""
    from conference.extensions import db

    if has_app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def work(burst: bool = False, fork: bool = True) -> bool:
    """Process the queue in the current app context (what ``flask jobs worker`` runs)."""
    from rq import SimpleWorker, Worker

    queue = job_queue()
    if queue is None:
        raise RuntimeError("REDIS_URL is not set: jobs run inline, no worker is needed.")
    global _fork_hook_registered
    worker_class = Worker if fork and hasattr(os, "fork") else SimpleWorker
    if worker_class is Worker and not _fork_hook_registered:
        os.register_at_fork(after_in_child=reset_connections_after_fork)
        _fork_hook_registered = True
    worker = worker_class([queue], connection=queue.connection)
    # The scheduler (a separate process) re-queues failed jobs whose retry time has come.
    return worker.work(burst=burst, with_scheduler=not burst)
