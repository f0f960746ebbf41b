"""Background work: on an RQ queue in Redis when ``REDIS_URL`` is set, inline otherwise.

Job functions are named by dotted path and always run inside an application context, the
same code path either way. Start a worker with ``flask jobs worker``.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import current_app

QUEUE_NAME = "conference"

_worker_app = None


def _resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def run_job(path: str, *args: Any, **kwargs: Any) -> Any:
    """Entry point executed by RQ workers: run ``path`` inside an app context."""
    from flask import has_app_context

    if has_app_context():
        return _resolve(path)(*args, **kwargs)
    global _worker_app
    if _worker_app is None:
        from conference import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        return _resolve(path)(*args, **kwargs)


def redis_connection():
    """A Redis connection for REDIS_URL, or None when Redis is not configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis

    return Redis.from_url(url)


def enqueue(path: str, *args: Any, **kwargs: Any) -> str:
    """Run ``path(*args, **kwargs)`` in the background (RQ) or right now (no Redis).

    Returns "queued" or "inline" so callers and tests can tell which happened.
    """
    connection = redis_connection()
    if connection is None:
        run_job(path, *args, **kwargs)
        return "inline"
    from rq import Queue

    Queue(QUEUE_NAME, connection=connection).enqueue(run_job, path, *args, **kwargs)
    return "queued"
