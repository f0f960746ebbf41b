"""Security headers, cache rules for personal content, and the health check."""

from __future__ import annotations

import functools
import io
import re

from flask import Flask, abort, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound as HTTPNotFound
from werkzeug.routing import IntegerConverter
from werkzeug.wsgi import get_content_length

from conference.errors import DomainError
from conference.health import check

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class DatabaseIntConverter(IntegerConverter):
    """``<int:…>`` that only matches what a database integer column can hold, so that
    ``/admin/users/99999999999999999999`` is a 404 rather than an overflow (500)."""

    LIMIT = 2**31 - 1

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if abs(number) > self.LIMIT:
            # Not a ValidationError: that would let the router answer 405 for another rule.
            raise HTTPNotFound()
        return number


# C0 control characters other than tab, line feed and carriage return, DEL, and UTF-16
# surrogates (a JSON body can spell a lone one, "\ud800", which no database can store).
# PostgreSQL refuses NUL in text outright; the others have no business in conference data.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
MAX_JSON_DEPTH = 64


class ControlCharacterError(DomainError):
    """Text with a control character (a NUL byte…) or a lone surrogate: refused, 400."""

    status_code = 400
    code = "control_character"


def _refuse(where: str) -> None:
    """Refuse the request; ``where`` (translated) names the part that holds the character."""
    raise ControlCharacterError(
        _(
            "%(where)s contains a control character (such as a NUL byte) that cannot be "
            "stored. Remove it and try again.",
            where=where,
        )
    )


def _check_json(value, where: str, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise DomainError(_("The JSON body is nested too deeply."))
    if isinstance(value, str):
        if FORBIDDEN_CHARACTERS.search(value):
            _refuse(where)
    elif isinstance(value, dict):
        for key, item in value.items():
            if FORBIDDEN_CHARACTERS.search(key):
                _refuse(_("A field name in %(where)s", where=where))
            _check_json(item, _("The field “%(name)s”", name=key[:60]), depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, where, depth + 1)


def refuse_control_characters() -> None:
    """One check for every request: a control character in the query string, a form field
    (file uploads excepted) or a string of a JSON body is a 400; in a part of the path, a 404.
    Tab, newline and carriage return pass (multi-line fields need them); forms decide what a
    one-line field takes."""
    for key, value in request.args.items(multi=True):
        if FORBIDDEN_CHARACTERS.search(key) or FORBIDDEN_CHARACTERS.search(value):
            name = FORBIDDEN_CHARACTERS.sub("", key)[:60]
            _refuse(_("The query argument “%(name)s”", name=name))
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and FORBIDDEN_CHARACTERS.search(value):
            abort(404)  # no page has such an address
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            if FORBIDDEN_CHARACTERS.search(key) or FORBIDDEN_CHARACTERS.search(value):
                _refuse(_("The field “%(name)s”", name=FORBIDDEN_CHARACTERS.sub("", key)[:60]))
    elif request.is_json:
        data = request.get_json(silent=True)
        if data is not None:
            _check_json(data, _("The JSON body"))


class StreamedBodyLimit:
    """WSGI middleware: a body sent without Content-Length (``Transfer-Encoding: chunked``)
    is read here, at most ``MAX_CONTENT_LENGTH`` + 1 bytes, and handed on with its length.
    werkzeug otherwise cuts such a body silently at the limit, so the form or JSON parsed
    later was truncated (a 400, or a 401 from a CSRF check) instead of a 413. Over the limit,
    the request goes on with a Content-Length above it and an empty body: the usual checks
    answer 413 before anything reads it.
    """

    CHUNK = 64 * 1024

    def __init__(self, wsgi_app, flask_app: Flask):
        self.wsgi_app = wsgi_app
        self.flask_app = flask_app

    def __call__(self, environ, start_response):
        limit = self.flask_app.config.get("MAX_CONTENT_LENGTH")
        if (
            limit is not None
            and environ.get("wsgi.input_terminated")
            and get_content_length(environ) is None
        ):
            stream = environ["wsgi.input"]
            chunks, size = [], 0
            while size <= limit:
                chunk = stream.read(min(self.CHUNK, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > limit:
                chunks = []
            environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
            environ["CONTENT_LENGTH"] = str(size)
            environ.pop("HTTP_TRANSFER_ENCODING", None)  # the body is now plain, of known length
        return self.wsgi_app(environ, start_response)


def personal(view):
    """Mark a view's answer as personal even without a login cookie (feeds and badges reached
    by a secret token): ``Cache-Control: no-store`` whatever the view set."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.personal_response = True
        return view(*args, **kwargs)

    return wrapper


def register(app: Flask) -> None:
    app.wsgi_app = StreamedBodyLimit(app.wsgi_app, app)

    @app.before_request
    def limit_request_size():
        """Refuse an oversized body before anything reads it, on every route and method."""
        limit = request.max_content_length
        if limit is not None and (request.content_length or 0) > limit:
            abort(413)

    app.before_request(refuse_control_characters)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if not request.path.startswith("/static/"):
            response.vary.add("Cookie")
            if g.get("personal_response"):
                headers["Cache-Control"] = "no-store"
                headers["Pragma"] = "no-cache"
            elif "Cache-Control" not in headers:
                personal = current_user.is_authenticated or request.headers.get("Authorization")
                headers["Cache-Control"] = "no-store" if personal else "no-cache"
        return response

    @app.get("/healthz")
    def healthz():
        """For load balancers: the database answers and the schema is at the latest migration."""
        ok, details = check()
        response = jsonify({"status": "ok" if ok else "unavailable", **details})
        response.status_code = 200 if ok else 503
        response.headers["Cache-Control"] = "no-store"
        return response
