"""POST /api/v1/editions/{year}/checkins and GET /api/v1/editions/{year}/scanner-bundle.

Staff authenticate with a Bearer token (scope ``checkin`` or ``full``), or — from the
scanner page — with their session cookie plus the ``X-CSRFToken`` header (the API blueprint
checks it for cookie writes). Scans are rate-limited per token (per staff member for the
scanner page): ``CHECKIN_RATE_LIMIT``.
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from conference.accounts.scopes import current_token, token_scopes
from conference.api import bp
from conference.api.common import error_responses, iso, json_body
from conference.api.editions import YEAR_PARAM
from conference.checkin import services
from conference.extensions import limiter
from conference.permissions import can, deny
from conference.query_args import arg_str


def scanner_device() -> str:
    """Who is scanning, as a rate-limit key and in the invalid-code counts: the API token,
    else the logged-in staff member, else the client address."""
    token = current_token()
    if token is not None:
        return f"token:{token.id}"
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr or 'unknown'}"


def _checkin_limit() -> str:
    return current_app.config["CHECKIN_RATE_LIMIT"]


def _staff_only():
    if not can(current_user, "checkin.scan", edition=g.edition):
        return deny()
    return None


@bp.post("/editions/<int:year>/checkins")
@limiter.limit(_checkin_limit, key_func=lambda: "checkin:" + scanner_device())
@token_scopes("checkin")
def create_checkin():
    denied = _staff_only()
    if denied is not None:
        return denied
    body = json_body()
    if "manual_reason" in body:
        return _manual_admission(body)
    if "code" not in body:
        raise services.BadRequest(_("Give the code (the text of the QR code)."), code="bad_code")
    if "checkpoint" not in body:
        raise services.BadRequest(_('Give the checkpoint: "venue" or a session id.'))
    edition = g.edition
    outcome = services.check_in(
        edition,
        code=body.get("code"),
        checkpoint=body.get("checkpoint"),
        scan_id=body.get("scan_id"),
        scanned_at=body.get("scanned_at"),
        offline=body.get("offline"),
        staff=current_user,
        device=scanner_device(),
        direction=body.get("direction"),
    )
    return jsonify(
        {
            "result": outcome.result,
            "reason": outcome.reason,
            "attendee": outcome.attendee,
            "first_admitted_at": iso(outcome.first_admitted_at, edition),
        }
    )


def _manual_admission(body):
    """No readable code: the badge number and a reason, audited with the staff member."""
    if "checkpoint" not in body:
        raise services.BadRequest(_('Give the checkpoint: "venue" or a session id.'))
    edition = g.edition
    outcome = services.admit_manually(
        edition,
        badge_number=body.get("badge_number"),
        checkpoint=body.get("checkpoint"),
        reason=body.get("manual_reason"),
        staff=current_user,
        may_override=can(current_user, "checkin.override", edition=edition),
        scan_id=body.get("scan_id"),
        scanned_at=body.get("scanned_at"),
        offline=body.get("offline"),
    )
    return jsonify(
        {
            "result": outcome.result,
            "reason": outcome.reason,
            "attendee": outcome.attendee,
            "first_admitted_at": iso(outcome.first_admitted_at, edition),
            "manual_reason": outcome.manual_reason,
        }
    )


@bp.get("/editions/<int:year>/attendees")
@token_scopes("checkin")
def find_attendees():
    """Door staff look someone up whose code cannot be read (name, organisation, number)."""
    denied = _staff_only()
    if denied is not None:
        return denied
    return jsonify({"attendees": services.find_attendees(g.edition, arg_str("q", "", max_len=200))})


@bp.get("/editions/<int:year>/scanner-bundle")
@token_scopes("checkin")
def scanner_bundle():
    denied = _staff_only()
    if denied is not None:
        return denied
    return jsonify(services.scanner_bundle(g.edition, current_user))


CHECKIN_REQUEST = {
    "type": "object",
    "required": ["checkpoint"],
    "description": "A scan: code and checkpoint; or a manual admission: badge_number, "
    "manual_reason and checkpoint.",
    "properties": {
        "code": {"type": "string", "description": "The text of the badge's QR code."},
        "checkpoint": {
            "oneOf": [
                {"type": "string", "enum": ["venue"]},
                {"type": "integer", "description": "A session id"},
            ]
        },
        "scan_id": {
            "type": "string",
            "format": "uuid",
            "description": "Chosen by the scanner; the same scan_id is recorded once.",
        },
        "scanned_at": {
            "type": "string",
            "format": "date-time",
            "description": "When the scan happened (offline scans), with a time zone.",
        },
        "offline": {"type": "boolean", "description": "The scanner decided offline."},
        "badge_number": {
            "type": "integer",
            "description": "Manual admission (no readable code): the number printed on the "
            "badge, instead of code.",
        },
        "manual_reason": {
            "type": "string",
            "enum": ["forgotten_badge", "unreadable_print", "organiser_override"],
            "description": "Manual admission: why the code was not scanned. Audited with the "
            "staff member; organiser_override (organisers only) admits someone the door "
            "denies.",
        },
        "direction": {
            "type": "string",
            "enum": ["in", "out"],
            "default": "in",
            "description": "Entry (default) or exit scan; exits are counted for who is inside.",
        },
    },
}

ATTENDEE_LOOKUP = {
    "type": "object",
    "required": ["attendees"],
    "properties": {
        "attendees": {
            "type": "array",
            "maxItems": 20,
            "items": {
                "type": "object",
                "required": ["name", "organisation", "category", "state", "badge_number"],
                "properties": {
                    "name": {"type": "string"},
                    "organisation": {"type": "string"},
                    "category": {"type": "string", "nullable": True},
                    "state": {"type": "string", "description": "The registration's state"},
                    "badge_number": {
                        "type": "integer",
                        "nullable": True,
                        "description": "The number printed on the valid badge",
                    },
                    "badge_id": {
                        "type": "integer",
                        "nullable": True,
                        "description": "The valid badge's id (to print it at the door)",
                    },
                },
            },
        }
    },
}

CHECKIN_RESULT = {
    "type": "object",
    "required": ["result", "reason", "attendee", "first_admitted_at"],
    "properties": {
        "result": {"type": "string", "enum": ["admitted", "admitted_again", "denied"]},
        "reason": {
            "type": "string",
            "nullable": True,
            "enum": [
                "invalid_code",
                "wrong_edition",
                "revoked",
                "not_accredited",
                "not_cleared",
                None,
            ],
        },
        "attendee": {
            "type": "object",
            "nullable": True,
            "properties": {
                "name": {"type": "string"},
                "organisation": {"type": "string"},
                "category": {"type": "string", "nullable": True},
            },
        },
        "first_admitted_at": {"type": "string", "format": "date-time", "nullable": True},
        "manual_reason": {
            "type": "string",
            "description": "Only in the answer to a manual admission: its reason.",
        },
    },
}

SCANNER_BUNDLE = {
    "type": "object",
    "required": ["edition", "generated_at", "public_keys", "revoked_badge_ids", "checkpoints"],
    "properties": {
        "edition": {"type": "integer"},
        "title": {"type": "string"},
        "generated_at": {"type": "string", "format": "date-time"},
        "code_format": {"type": "string"},
        "public_keys": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "alg": {"type": "string", "enum": ["Ed25519"]},
                    "raw": {"type": "string", "description": "base64url of the 32-byte key"},
                    "jwk": {"type": "object"},
                    "current": {"type": "boolean"},
                },
            },
        },
        "revoked": {"type": "array", "items": {"type": "object"}},
        "revoked_badge_ids": {"type": "array", "items": {"type": "integer"}},
        "not_accredited_badge_ids": {"type": "array", "items": {"type": "integer"}},
        "checkpoints": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                    "label": {"type": "string"},
                    "access": {
                        "type": "string",
                        "enum": ["venue", "open", "categories", "invitation"],
                    },
                    "categories": {
                        "type": "array",
                        "nullable": True,
                        "items": {"type": "string"},
                        "description": "Admitted category codes (restricted sessions).",
                    },
                    "badge_ids": {
                        "type": "array",
                        "items": {"type": "integer"},
                        "description": "Badges of people cleared individually.",
                    },
                    "exit_scans": {
                        "type": "boolean",
                        "description": "Whether this door takes exit scans (direction out).",
                    },
                },
            },
        },
        "names_offline": {
            "type": "boolean",
            "description": "Whether the organisers allow names in the bundle (offline lookup).",
        },
        "attendees": {
            "type": "array",
            "description": "Accredited holders of valid badges, for offline lookup and "
            "admission by badge number; name, organisation and category are null unless "
            "names_offline.",
            "items": {
                "type": "object",
                "properties": {
                    "badge_id": {"type": "integer"},
                    "badge_number": {"type": "integer", "nullable": True},
                    "name": {"type": "string", "nullable": True},
                    "organisation": {"type": "string", "nullable": True},
                    "category": {"type": "string", "nullable": True},
                    "category_code": {"type": "string", "nullable": True},
                },
            },
        },
    },
}

OPENAPI_SCHEMAS = {
    "CheckinRequest": CHECKIN_REQUEST,
    "CheckinResult": CHECKIN_RESULT,
    "ScannerBundle": SCANNER_BUNDLE,
    "AttendeeLookup": ATTENDEE_LOOKUP,
}
OPENAPI_PATHS = {
    "/editions/{year}/checkins": {
        "post": {
            "summary": "Record a badge scan at the venue or a session door (staff)",
            "tags": ["check-in"],
            "security": [{"bearer": []}],
            "parameters": [YEAR_PARAM],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/CheckinRequest"}}
                },
            },
            "responses": {
                "200": {
                    "description": "The door's decision (a denial is a normal answer, not an "
                    "error)",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/CheckinResult"}
                        }
                    },
                },
                **error_responses(400, 401, 403, 404, 415, 429),
            },
        }
    },
    "/editions/{year}/attendees": {
        "get": {
            "summary": "Find an attendee at the door by name, organisation or badge number "
            "(staff; checkin tokens)",
            "tags": ["check-in"],
            "security": [{"bearer": []}],
            "parameters": [
                YEAR_PARAM,
                {
                    "name": "q",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                    "description": "Part of the name or organisation (two letters at least), "
                    "or the printed badge number",
                },
            ],
            "responses": {
                "200": {
                    "description": "Up to 20 registrations of this edition, only what the door "
                    "needs",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/AttendeeLookup"}
                        }
                    },
                },
                **error_responses(400, 401, 403, 404),
            },
        }
    },
    "/editions/{year}/scanner-bundle": {
        "get": {
            "summary": "What a scanner needs to decide offline (staff)",
            "tags": ["check-in"],
            "security": [{"bearer": []}],
            "parameters": [YEAR_PARAM],
            "responses": {
                "200": {
                    "description": "Public keys, revoked badges and each checkpoint's rules",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ScannerBundle"}
                        }
                    },
                },
                **error_responses(401, 403, 404),
            },
        }
    },
}
