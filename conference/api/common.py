"""Helpers shared by the API views: JSON errors, ISO times, request bodies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _

from conference.errors import DomainError
from conference.errors_http import translated


def api_error(status: int, code: str, message: str):
    """``{"error": {"code", "message"}}``: the message in the request's language, the code
    stable for programs."""

    response = jsonify({"error": {"code": code, "message": translated(message)}})
    response.status_code = status
    return response


def iso(moment: dt.datetime | None, edition=None) -> str | None:
    """ISO 8601 with offset, in the edition's time zone when given."""
    if moment is None:
        return None
    if edition is not None:
        moment = moment.astimezone(edition.tz)
    return moment.isoformat()


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400/415 DomainError a person can understand."""
    if not request.is_json:
        raise DomainError(
            _("Send a JSON object with Content-Type: application/json."),
            code="unsupported_media_type",
            status_code=415,
        )
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError(_("The body must be a JSON object."), code="bad_request")
    return data


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


def error_responses(*statuses: int) -> dict[str, Any]:
    """OpenAPI response entries for the given error statuses."""
    text = {
        400: "Bad request",
        401: "Not authenticated",
        403: "Forbidden",
        404: "Not found",
        409: "Conflict",
        415: "Unsupported media type",
        422: "Invalid",
        429: "Rate limited",
    }
    return {
        str(s): {
            "description": text.get(s, "Error"),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for s in statuses
    }
