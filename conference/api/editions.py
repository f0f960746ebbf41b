"""GET /api/v1/editions and /api/v1/editions/{year}."""

from __future__ import annotations

from flask import g, jsonify
from flask_login import current_user

from conference.accounts.scopes import token_scopes
from conference.api import bp
from conference.api.common import error_responses
from conference.editions.services import visible_editions


def edition_json(edition) -> dict:
    return {
        "year": edition.year,
        "title": edition.title,
        "venue": edition.venue,
        "address": edition.address,
        "timezone": edition.timezone,
        "start_date": edition.start_date.isoformat(),
        "end_date": edition.end_date.isoformat(),
        "state": edition.state,
        "registration_open": edition.registration_open(),
        "call_open": edition.cfp_open(),
    }


@bp.get("/editions")
@token_scopes("checkin", "read")
def list_editions():
    return jsonify({"editions": [edition_json(e) for e in visible_editions(current_user)]})


@bp.get("/editions/<int:year>")
@token_scopes("checkin", "read")
def get_edition():
    return jsonify(edition_json(g.edition))


EDITION_SCHEMA = {
    "type": "object",
    "required": ["year", "title", "timezone", "start_date", "end_date", "state"],
    "properties": {
        "year": {"type": "integer"},
        "title": {"type": "string"},
        "venue": {"type": "string"},
        "address": {"type": "string"},
        "timezone": {"type": "string"},
        "start_date": {"type": "string", "format": "date"},
        "end_date": {"type": "string", "format": "date"},
        "state": {"type": "string", "enum": ["draft", "open", "closed", "archived"]},
        "registration_open": {"type": "boolean"},
        "call_open": {"type": "boolean"},
    },
}

YEAR_PARAM = {
    "name": "year",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 2000, "maximum": 2200},
}

OPENAPI_SCHEMAS = {"Edition": EDITION_SCHEMA}
OPENAPI_PATHS = {
    "/editions": {
        "get": {
            "summary": "Editions the caller may see",
            "tags": ["editions"],
            "responses": {
                "200": {
                    "description": "Editions, newest first",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "editions": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Edition"},
                                    }
                                },
                            }
                        }
                    },
                }
            },
        }
    },
    "/editions/{year}": {
        "get": {
            "summary": "One edition (drafts only for its organisers and administrators)",
            "tags": ["editions"],
            "parameters": [YEAR_PARAM],
            "responses": {
                "200": {
                    "description": "The edition",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Edition"}}
                    },
                },
                **error_responses(404),
            },
        }
    },
}
