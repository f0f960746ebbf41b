"""Friendly error pages (HTML) and ``{"error": {"code", "message"}}`` bodies (JSON)."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from conference.errors import DomainError
from conference.extensions import db
from conference.health import STORAGE_MESSAGE, write_refused

MESSAGES = {
    400: _l("The request could not be understood. Please check what you entered and try again."),
    401: _l("Please log in (or send a valid API token) to do this."),
    403: _l("You do not have permission to do this."),
    404: _l("We could not find that page."),
    405: _l("That method is not allowed here."),
    409: _l("That conflicts with the current state of the record."),
    413: _l("What you sent is too large."),
    415: _l("That content type is not supported here."),
    422: _l("Some of what you sent is not valid."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. The problem has been logged."),
    503: _l("The service is unavailable right now. Please try again later."),
}

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def wants_json() -> bool:
    """Whether the caller expects JSON: the API, or a client that prefers it to HTML."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def translated(message) -> str:
    """``message`` in the request's language: a lazy string as it is, a plain one through
    the catalogue (a message nobody translated comes out unchanged)."""
    return str(message) if isinstance(message, LazyString) else gettext(message)


def error_response(status: int, message: str | None = None, code: str | None = None):
    """An error answer in the format the caller expects (JSON for the API); the message in
    the request's language, the code stable."""
    message = translated(message or MESSAGES.get(status) or _l("Error"))
    code = code or CODES.get(status, "error")
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(
            400,
            _l(
                "Your form expired or was sent from elsewhere. "
                "Please reload the page and try again."
            ),
            "csrf_failed",
        )

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return error_response(exc.status_code, exc.message, exc.code)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = MESSAGES.get(status)
        # Descriptions we wrote ourselves (abort(404, "…")) are more helpful than the default.
        if exc.description and exc.description != type(exc).description:
            message = exc.description
        response = error_response(status, message)
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response = app.make_response(response)
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        if status == 429:
            response = app.make_response(response)
            retry = getattr(exc, "retry_after", None)
            if retry:
                response.headers["Retry-After"] = str(retry)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if write_refused(exc):
            # Read-only or full database: the node cannot take writes; say so (503, retry).
            app.logger.error("database refuses writes: %s", exc)
            db.session.rollback()
            response = app.make_response(
                error_response(503, STORAGE_MESSAGE, "storage_unavailable")
            )
            response.headers["Retry-After"] = "60"
            return response
        app.logger.exception("unhandled error", exc_info=exc)
        db.session.rollback()
        return error_response(500, MESSAGES[500])

    @app.errorhandler(InternalServerError)
    def internal_error(exc):
        return error_response(500, MESSAGES[500])
