"""The OpenAPI 3 document, assembled from each API module's OPENAPI_PATHS/OPENAPI_SCHEMAS."""

from __future__ import annotations

import importlib

from flask import current_app, jsonify

from conference.api import bp
from conference.api.common import ERROR_SCHEMA

# Every module that adds endpoints under /api/v1 is listed here, so the document stays complete.
API_MODULES = [
    "conference.api.editions",
    "conference.api.accounts",
    "conference.api.programme",
    "conference.api.submissions",
    "conference.api.review",
    "conference.api.checkin",
    "conference.api.accreditation",
    "conference.api.agenda",
]


def build_spec() -> dict:
    paths: dict = {}
    schemas: dict = {"Error": ERROR_SCHEMA}
    for name in API_MODULES:
        module = importlib.import_module(name)
        paths.update(getattr(module, "OPENAPI_PATHS", {}))
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "European Flagship Conference on Research Security API",
            "version": "1.0.0",
            "description": "Authenticate with `Authorization: Bearer <token>` (create tokens "
            "on your account page or with `flask tokens create EMAIL --name NAME --scope "
            "SCOPE`). A token "
            "never has more than its owner's permissions, and its scope limits it further: "
            "`checkin` (door scanners) reaches only the check-in endpoint, the attendee "
            "lookup and the scanner bundle of its edition, plus `GET /me` and `GET "
            "/editions…`; `read` reaches every GET; `full` the whole API. A request outside "
            "the token's scope is a 403 with the code `insufficient_scope`; an unknown, "
            "revoked or expired token is a 401 with the code `invalid_token` (never answered "
            "as the session cookie's user). Tokens may expire (check-in tokens by default the"
            " day after their edition ends); changing or resetting the password revokes all "
            "of them. Check-ins are rate-limited per token (429). Errors are "
            '`{"error": {"code": …, "message": …}}`.',
        },
        "servers": [{"url": current_app.config["BASE_URL"] + "/api/v1"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (`cft_…`) with the scope `checkin`, "
                    "`read` or `full`.",
                }
            },
        },
        "security": [{}, {"bearer": []}],
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(build_spec())
