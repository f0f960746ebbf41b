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

Answering early: served from the cache, a page still cost the whole request machinery (the
edition loaded through the ORM, a pool ping, a transaction begun and rolled back, the
before-request hooks), several database round trips where one is enough. A route registered
with ``early_route(endpoint, version)`` is answered before all that (``early_response()``,
called by the application before its hooks) when the request is an anonymous GET or HEAD
without a body and with only the query arguments the route allows: ``version`` reads, in one
statement on an autocommit connection, everything the page depends on; the complete response
recorded for the same URL, language inputs, encoding and version (``remember()``, after a
normal request that served the public variant) is answered as it is, or as a 304 when the
client's ``If-None-Match`` / ``If-Modified-Since`` says it already holds it. A change makes a
new version, so the next request takes the normal path and records the new response. The
after-request hooks (security headers, ``Vary``, logging) run as for any response.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import brotli
import sqlalchemy as sa
from flask import current_app, g, request, session
from flask_login import current_user
from redis import Redis

from conference.extensions import db
from conference.i18n import COOKIE_NAME as LANGUAGE_COOKIE
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
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def set(self, key: Hashable, body, size: int | None = None) -> None:
        """Keep ``body`` (bytes, or any value whose ``size`` in bytes is given)."""
        size = len(body) if size is None else size
        if size > self.max_bytes:
            return
        with self._lock:
            if self._items.pop(key, None) is not None:
                self._bytes -= self._sizes.pop(key)
            self._items[key] = body
            self._sizes[key] = size
            self._bytes += size
            while self._items and (
                len(self._items) > self.max_entries or self._bytes > self.max_bytes
            ):
                dropped, _value = self._items.popitem(last=False)
                self._bytes -= self._sizes.pop(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._sizes.clear()
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
            # Complete responses for early answers (their bodies are mostly the same bytes
            # objects as the stored bodies above, so they cost little besides).
            "early": LocalCache(
                int(app.config.get("PAGE_CACHE_MAX_ENTRIES", DEFAULT_MAX_ENTRIES)),
                int(app.config.get("PAGE_CACHE_MAX_BYTES", DEFAULT_MAX_BYTES)),
            ),
            "early_engine": None,
            "early_pid": None,
        }
    return state


def local_cache(app=None) -> LocalCache:
    return _state(app or current_app._get_current_object())["local"]


def early_cache(app=None) -> LocalCache:
    """The complete responses answered early (see the module's docstring)."""
    return _state(app or current_app._get_current_object())["early"]


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


# --- Answering early ------------------------------------------------------------------------

# Headers of a recorded response that are answered again; the after-request hooks add the
# rest (security headers…). Never a cookie: that belonged to the visitor who had it built.
KEPT_HEADERS = frozenset(
    {
        "content-type",
        "content-disposition",
        "content-encoding",
        "content-language",
        "etag",
        "last-modified",
        "cache-control",
        "vary",
    }
)


@dataclass(frozen=True)
class EarlyRoute:
    """A route answered early: ``version(connection, year)`` returns everything besides the
    URL and the language its public page depends on (None: no such edition, take the normal
    path); ``args`` are the query arguments it may carry, ``cookies`` the cookies besides the
    language's that change its page."""

    version: Callable[[sa.Connection, int], tuple | None]
    args: frozenset[str]
    cookies: tuple[str, ...]


@dataclass(frozen=True)
class EarlyEntry:
    body: bytes
    headers: tuple[tuple[str, str], ...]


_EARLY_ROUTES: dict[str, EarlyRoute] = {}


def early_route(
    endpoint: str,
    version: Callable[[sa.Connection, int], tuple | None],
    *,
    args=(),
    cookies=(),
) -> None:
    """Answer ``endpoint`` early from its recorded response while ``version`` is unchanged."""
    _EARLY_ROUTES[endpoint] = EarlyRoute(version, frozenset(args), tuple(cookies))


def mark_public() -> None:
    """Called by a view that answers the public (anonymous, stored) variant of its page: the
    response may be recorded for early answers."""
    g.pagecache_public = True


def _early_engine(app):
    """Where versions are read: on PostgreSQL, a small pool of autocommit connections
    without the pre-ping (a version is one statement: no BEGIN, no ROLLBACK, no ping; a dead
    connection fails the statement, the pool is dropped and the request takes the normal
    path, whose pool pings). Elsewhere (SQLite) the application's engine."""
    state = _state(app)
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return engine
    if state["early_engine"] is None or state["early_pid"] != os.getpid():
        state["early_engine"] = sa.create_engine(
            engine.url,
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=False,
            pool_reset_on_return=None,
            pool_size=1,
            max_overflow=8,
        )
        state["early_pid"] = os.getpid()
    return state["early_engine"]


def dispose(app) -> None:
    """Close the connections of the early answers' pool (tests, and a forked process)."""
    state = _state(app)
    if state["early_engine"] is not None:
        state["early_engine"].dispose()
        state["early_engine"] = None


def _early_key(endpoint: str, route: EarlyRoute, year: int, app) -> tuple | None:  # noqa: PLR0911
    """The recorded response's key for this request, or None when it must take the normal
    path (not anonymous, a body, another query argument, no such edition, database error)."""
    if request.content_length or not set(request.args) <= route.args:
        return None
    if not (1900 <= year <= 9999) or not public_request():
        return None
    engine = _early_engine(app)
    try:
        with engine.connect() as connection:
            version = route.version(connection, year)
    except sa.exc.SQLAlchemyError as exc:
        app.logger.warning("page cache: early version failed (%s)", type(exc).__name__)
        if engine is not db.engine:
            engine.dispose()
            _state(app)["early_engine"] = None
        return None
    if version is None:
        return None
    cookies = request.cookies
    return (
        endpoint,
        tuple(sorted((request.view_args or {}).items())),
        tuple(sorted(request.args.items(multi=True))),
        version,
        _accepted_algorithm(),
        # The language's inputs for an anonymous visitor (i18n._choose).
        request.headers.get("Accept-Language", ""),
        cookies.get(LANGUAGE_COOKIE),
        tuple(cookies.get(name) for name in route.cookies),
    )


def early_response():
    """The recorded response for this request (200, or 304 when the client holds it), or
    None: the request goes through the application as usual (and, when it serves the public
    variant, its response is recorded by ``remember()``)."""
    if not _EARLY_ROUTES or request.method not in ("GET", "HEAD"):
        return None
    endpoint = request.endpoint
    route = _EARLY_ROUTES.get(endpoint)
    if route is None or not enabled() or request.headers.get("Authorization"):
        return None
    year = (request.view_args or {}).get("year")
    if not isinstance(year, int):
        return None
    app = current_app._get_current_object()
    key = _early_key(endpoint, route, year, app)
    if key is None:
        return None
    entry = early_cache(app).get(key)
    if entry is None:
        g.pagecache_early_key = key
        return None
    response = app.response_class(entry.body, headers=list(entry.headers))
    return response.make_conditional(request)


def remember(response):
    """After-request hook (the last one): record the public variant's complete response for
    early answers of the same key."""
    key = g.pop("pagecache_early_key", None)
    if (
        key is None
        or not g.get("pagecache_public")
        or request.method != "GET"
        or response.status_code != 200
        or response.direct_passthrough
        or response.is_streamed
    ):
        return response
    body = response.get_data()
    headers = tuple((k, v) for k, v in response.headers.items() if k.lower() in KEPT_HEADERS)
    early_cache().set(key, EarlyEntry(body, headers), len(body) + 512)
    return response
