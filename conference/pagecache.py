"""Rendered bodies of public pages and exports, kept per programme version.

An unchanged programme used to be rebuilt on every request (``programme.ics``,
``schedule.json``, ``schedule.xml`` and the programme page for anonymous visitors). Callers
now ask ``cached(key, build)`` with a key that contains the version of everything the body
shows, computed from the database on each request (the programme's last change, the
edition's, the bookings' aggregate): a change makes a new key, so a stale body is never
served, with one worker or many, and old entries simply age out.

Where: the worker's own LRU first, then Redis when ``REDIS_URL`` is set (shared by every
worker; short timeouts, and any Redis error just means "build it here"). Only anonymous
variants are ever cached: ``public_request()`` says whether this request is one (no login, no
``Authorization`` header, no flash message waiting to be shown). ``PAGE_CACHE_ENABLED=0``
turns caching off.

A stored body is also kept compressed (brotli and gzip, as the client asks), beside the plain
one: ``encode(response, key)`` compresses it once per encoding instead of on every request
(Flask-Compress leaves a response that already has a ``Content-Encoding`` alone).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

import brotli
from flask import current_app, request, session
from flask_login import current_user
from redis import Redis

from conference.i18n import current_locale

PREFIX = "pagecache:v1:"
DEFAULT_MAX_ENTRIES = 128
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
REDIS_TTL = 24 * 3600  # old versions leave Redis by themselves
REDIS_TIMEOUT = 0.25  # seconds; a slow Redis must not cost more than building the body


class LocalCache:
    """A thread-safe LRU of bodies, bounded in entries and in bytes."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def set(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._items[key] = body
            self._bytes += len(body)
            while self._items and (
                len(self._items) > self.max_entries or self._bytes > self.max_bytes
            ):
                _key, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


def _state(app) -> dict:
    state = app.extensions.get("pagecache")
    if state is None:
        state = app.extensions["pagecache"] = {
            "local": LocalCache(
                int(app.config.get("PAGE_CACHE_MAX_ENTRIES", DEFAULT_MAX_ENTRIES)),
                int(app.config.get("PAGE_CACHE_MAX_BYTES", DEFAULT_MAX_BYTES)),
            ),
            "redis": None,
            "redis_url": None,
        }
    return state


def local_cache(app=None) -> LocalCache:
    return _state(app or current_app._get_current_object())["local"]


def _redis(app):
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    state = _state(app)
    if state["redis"] is None or state["redis_url"] != url:
        state["redis"] = Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        state["redis_url"] = url
    return state["redis"]


def enabled() -> bool:
    return bool(current_app.config.get("PAGE_CACHE_ENABLED", True))


def public_request() -> bool:
    """Is this an anonymous request whose page every other anonymous visitor would get too?"""
    if current_user.is_authenticated or request.headers.get("Authorization"):
        return False
    return not session.get("_flashes")


def make_key(*parts) -> str:
    """A cache key from the parts that decide the body (kinds, versions, query arguments);
    the request's language is always one of them."""
    parts = (*parts, current_locale())
    return PREFIX + hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:40]


def cached(key: str, build: Callable[[], bytes | str]) -> bytes:
    """The body stored under ``key``, or ``build()``'s (stored for the next request)."""
    app = current_app._get_current_object()
    local = local_cache(app)
    body = local.get(key)
    if body is not None:
        return body
    client = _redis(app)
    if client is not None:
        try:
            body = client.get(key)
        except Exception as exc:  # any Redis failure: build here, as without Redis
            app.logger.warning("page cache: Redis unavailable (%s)", type(exc).__name__)
            client = None
        if body is not None:
            local.set(key, body)
            return body
    built = build()
    body = built.encode("utf-8") if isinstance(built, str) else bytes(built)
    local.set(key, body)
    if client is not None:
        try:
            client.set(key, body, ex=REDIS_TTL)
        except Exception as exc:  # a cache that cannot store only costs speed
            app.logger.warning("page cache: Redis unavailable (%s)", type(exc).__name__)
    return body


def _accepted_algorithm() -> str | None:
    """The encoding this request gets: the first of ``COMPRESS_ALGORITHM`` the client
    accepts, or None (compression off, or the client asked for none)."""
    config = current_app.config
    if not config.get("COMPRESS_ENABLED", True):
        return None
    accepted = request.accept_encodings
    for algorithm in config.get("COMPRESS_ALGORITHM", ["br", "gzip"]):
        if algorithm in ("br", "gzip") and accepted[algorithm] > 0:
            return algorithm
    return None


def compress(body: bytes, algorithm: str) -> bytes:
    """``body`` compressed as Flask-Compress would (same levels)."""
    config = current_app.config
    if algorithm == "br":
        return brotli.compress(body, quality=int(config.get("COMPRESS_BR_LEVEL", 4)))
    return gzip.compress(body, compresslevel=int(config.get("COMPRESS_LEVEL", 6)), mtime=0)


def encode(response, key: str):
    """Serve the stored body ``key`` of ``response`` compressed as the client asks, from the
    cache (compressed once per encoding and version, not on every request)."""
    config = current_app.config
    if response.status_code != 200 or response.direct_passthrough:
        return response
    if response.mimetype not in config.get("COMPRESS_MIMETYPES", ()):
        return response
    body = response.get_data()
    if len(body) < int(config.get("COMPRESS_MIN_SIZE", 1024)):
        return response
    algorithm = _accepted_algorithm()
    response.vary.add("Accept-Encoding")
    if algorithm is None:
        return response
    encoded = cached(f"{key}:{algorithm}", lambda: compress(body, algorithm))
    response.set_data(encoded)
    response.headers["Content-Encoding"] = algorithm
    return response
