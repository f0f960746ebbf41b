"""Registrations over JSON: the caller's own registration, and for organisers the queue and
decisions — the same services and permission rules as the pages.

- GET  /api/v1/editions/{year}/me/registration
- GET  /api/v1/editions/{year}/registrations            (organisers; filters as the queue)
- POST /api/v1/editions/{year}/registrations/{id}/decision   (organisers)
"""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from conference.accreditation import services
from conference.accreditation.services import questions as question_services
from conference.api import bp
from conference.api.common import error_responses, iso, json_body
from conference.errors import DomainError, NotFound
from conference.extensions import db
from conference.permissions import login_required, require
from conference.query_args import arg_page

PAGE_SIZE = 100


def _category(category) -> dict | None:
    if category is None:
        return None
    return {"id": category.id, "code": category.code, "name": category.name}


def registration_json(registration) -> dict:
    edition = registration.edition
    return {
        "id": registration.id,
        "edition": edition.year,
        "state": registration.state,
        "requested_category": _category(registration.requested_category),
        "category": _category(registration.category),
        "full_name": registration.full_name,
        "email": services.attendee_email(registration),
        "organisation": registration.organisation,
        "organisation_type": registration.organisation_type,
        "country": registration.country,
        "position": registration.position,
        "nominating_authority": registration.nominating_authority,
        "nominator_email": registration.nominator_email,
        "endorsement": registration.endorsement,
        "dietary_needs": registration.dietary_needs,
        "accessibility_needs": registration.accessibility_needs,
        "created_at": iso(registration.created_at, edition),
        "decided_at": iso(registration.decided_at, edition),
        "decision_reason": registration.decision_reason,
        "answers": question_services.answers_json(registration),
        "history": [
            {
                "from_state": e.from_state,
                "to_state": e.to_state,
                "reason": e.reason,
                "at": iso(e.created_at, edition),
            }
            for e in registration.events
        ],
    }


@bp.get("/editions/<int:year>/me/registration")
@login_required
def my_registration():
    registration = services.registration_for(current_user, g.edition)
    if registration is None:
        raise NotFound(_("You have not registered for the %(year)s edition.", year=g.edition.year))
    return jsonify(
        {
            "registration": registration_json(registration),
            "next_steps": services.next_steps(registration),
        }
    )


@bp.get("/editions/<int:year>/registrations")
@require("registration.view_all")
def list_registrations():
    edition = g.edition
    filters = services.QueueFilters.from_args(request.args)
    page = arg_page()
    query = services.queue_query(edition, filters)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    counts = services.queue_counts(edition)
    return jsonify(
        {
            "total": total,
            "page": page,
            "page_size": PAGE_SIZE,
            "counts": {"states": counts["states"], "capacity": counts["capacity"]},
            "registrations": [registration_json(r) for r in rows],
        }
    )


@bp.post("/editions/<int:year>/registrations/<int:registration_id>/decision")
@require("registration.decide")
def decide_registration(registration_id: int):
    edition = g.edition
    data = json_body()
    unknown = set(data) - {"action", "category", "reason"}
    if unknown:
        raise DomainError(
            _("Unknown field(s): %(fields)s.", fields=", ".join(sorted(unknown))[:200])
        )
    action = data.get("action")
    if not isinstance(action, str) or action not in services.DECISIONS:
        raise DomainError(_("action must be one of accredit, reject, waitlist, revoke."))
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        raise DomainError(_("reason must be a string."))
    code = data.get("category")
    if code is not None and not isinstance(code, str):
        raise DomainError(_("category must be a category code (a string)."))
    registration = services.get_registration(edition, registration_id)
    category = None
    if code and action == "accredit":
        category = next(
            (c for c in services.categories(edition) if c.code == code.strip().upper()), None
        )
        if category is None:
            raise NotFound(
                _("There is no category %(code)s in this edition.", code=repr(code[:20]))
            )
    try:
        services.decide(registration, action, current_user, reason=reason, category=category)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return jsonify({"registration": registration_json(registration)})


# --- OpenAPI ------------------------------------------------------------------------------

YEAR_PARAM = {
    "name": "year",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 2000, "maximum": 2200},
}
_STATES = ["submitted", "accredited", "rejected", "waitlisted", "revoked", "cancelled"]
_CATEGORY_REF = {
    "type": "object",
    "nullable": True,
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string"},
        "name": {"type": "string"},
    },
}
_DATETIME = {"type": "string", "format": "date-time", "nullable": True}
REGISTRATION_SCHEMA = {
    "type": "object",
    "required": ["id", "edition", "state", "requested_category", "history"],
    "properties": {
        "id": {"type": "integer"},
        "edition": {"type": "integer"},
        "state": {"type": "string", "enum": _STATES},
        "requested_category": _CATEGORY_REF,
        "category": _CATEGORY_REF,
        "full_name": {"type": "string"},
        "email": {"type": "string"},
        "organisation": {"type": "string"},
        "organisation_type": {"type": "string"},
        "country": {"type": "string"},
        "position": {"type": "string"},
        "nominating_authority": {"type": "string"},
        "nominator_email": {"type": "string"},
        "endorsement": {
            "type": "string",
            "enum": ["not_needed", "pending", "endorsed", "declined"],
        },
        "dietary_needs": {"type": "string"},
        "accessibility_needs": {"type": "string"},
        "created_at": _DATETIME,
        "decided_at": _DATETIME,
        "decision_reason": {"type": "string"},
        "answers": {
            "type": "object",
            "description": "Answers to the edition's registration questions: question key → "
            "value (text; a list of choices; true/false for yes/no; a number; a date as "
            "YYYY-MM-DD; a country code; for a file, its file_name, size and content_type). "
            "A question not answered is absent.",
            "additionalProperties": {
                "nullable": True,
                "oneOf": [
                    {"type": "string"},
                    {"type": "number"},
                    {"type": "boolean"},
                    {"type": "array", "items": {"type": "string"}},
                    {
                        "type": "object",
                        "properties": {
                            "file_name": {"type": "string"},
                            "size": {"type": "integer"},
                            "content_type": {"type": "string"},
                        },
                    },
                ],
            },
        },
        "history": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "from_state": {"type": "string", "nullable": True},
                    "to_state": {"type": "string"},
                    "reason": {"type": "string"},
                    "at": _DATETIME,
                },
            },
        },
    },
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


_REF = {"$ref": "#/components/schemas/Registration"}
OPENAPI_SCHEMAS = {"Registration": REGISTRATION_SCHEMA}
OPENAPI_PATHS = {
    "/editions/{year}/me/registration": {
        "get": {
            "summary": "The caller's registration for the edition, with its history",
            "tags": ["accreditation"],
            "security": [{"bearer": []}],
            "parameters": [YEAR_PARAM],
            "responses": {
                "200": {
                    "description": "The registration and what happens next",
                    "content": _json(
                        {
                            "type": "object",
                            "properties": {"registration": _REF, "next_steps": {"type": "string"}},
                        }
                    ),
                },
                **error_responses(401, 404),
            },
        }
    },
    "/editions/{year}/registrations": {
        "get": {
            "summary": "The organisers' registration queue (filtered, newest first)",
            "tags": ["accreditation"],
            "security": [{"bearer": []}],
            "parameters": [
                YEAR_PARAM,
                {"name": "state", "in": "query", "schema": {"type": "string", "enum": _STATES}},
                {
                    "name": "category",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                },
                {"name": "country", "in": "query", "schema": {"type": "string", "maxLength": 2}},
                {"name": "organisation_type", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "q",
                    "in": "query",
                    "schema": {"type": "string", "maxLength": 200},
                    "description": "Search in name, e-mail and organisation",
                },  # fmt: skip
                {
                    "name": "sort",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["newest", "oldest"]},
                },  # fmt: skip
                {
                    "name": "question",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    "description": "Only registrations that answered this registration question",
                },
                {
                    "name": "answer",
                    "in": "query",
                    "schema": {"type": "string", "maxLength": 200},
                    "description": "With question: the answer contains this text (a choice: "
                    "exactly this choice)",
                },
                {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                },
            ],
            "responses": {
                "200": {
                    "description": "One page of registrations and the counts per state",
                    "content": _json(
                        {
                            "type": "object",
                            "properties": {
                                "total": {"type": "integer"},
                                "page": {"type": "integer"},
                                "page_size": {"type": "integer"},
                                "counts": {"type": "object"},
                                "registrations": {"type": "array", "items": _REF},
                            },
                        }
                    ),
                },
                **error_responses(400, 401, 403, 404),
            },
        }
    },
    "/editions/{year}/registrations/{registration_id}/decision": {
        "post": {
            "summary": "Accredit (optionally as another category), reject, waitlist or revoke",
            "description": "A reason is required to reject or revoke, and to accredit a "
            "registration whose nomination is not endorsed. Quotas and the edition's capacity "
            "are enforced (409).",
            "tags": ["accreditation"],
            "security": [{"bearer": []}],
            "parameters": [
                YEAR_PARAM,
                {
                    "name": "registration_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                },  # fmt: skip
            ],
            "requestBody": {
                "required": True,
                "content": _json(
                    {
                        "type": "object",
                        "required": ["action"],
                        "additionalProperties": False,
                        "properties": {
                            "action": {
                                "type": "string",
                                "enum": ["accredit", "reject", "waitlist", "revoke"],
                            },
                            "category": {
                                "type": "string",
                                "maxLength": 20,
                                "description": "Category code (accredit only)",
                            },
                            "reason": {"type": "string", "maxLength": 2000},
                        },
                    }  # fmt: skip
                ),
            },
            "responses": {
                "200": {
                    "description": "The registration after the decision",
                    "content": _json({"type": "object", "properties": {"registration": _REF}}),
                },
                **error_responses(400, 401, 403, 404, 409, 415),
            },
        }
    },
}
