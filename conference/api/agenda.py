"""The caller's own agenda through the API (issue 18).

- ``GET /api/v1/editions/{year}/me/agenda``: the agenda with a ``reasons`` list per entry.
- ``PUT`` / ``DELETE /api/v1/editions/{year}/me/agenda/{session_id}``: star a session, or take
  the star off. Cookie (with the CSRF token) or Bearer token (scope ``full``); a session the
  caller may not see in detail is a 403, an unknown one a 404 — the same ``agenda.star`` rule as
  the HTML buttons, asked on every request.
"""

from __future__ import annotations

from flask import g, jsonify
from flask_login import current_user

from conference.api import bp
from conference.api.common import error_responses
from conference.api.editions import YEAR_PARAM
from conference.api.programme import session_json
from conference.extensions import db
from conference.permissions import Channel, login_required
from conference.programme import services

# The agenda's reasons in the API's words (the contract); a waiting-list place is not one.
REASONS = {
    "starred": "starred",
    "booked": "booked",
    "speaker": "speaking",
    "chair": "chairing",
    "invited": "invited",
}


def entry_json(entry: services.AgendaEntry, edition) -> dict:
    booking = entry.booking
    return {
        "session": session_json(entry.view, edition),
        "reasons": [REASONS[r] for r in entry.roles if r in REASONS],
        "booking": (
            {"state": booking.state, "waitlist_position": entry.waitlist_position}
            if booking is not None
            else None
        ),
        "overlaps": [session_id for session_id, _title, _roles in entry.overlaps],
    }


@bp.get("/editions/<int:year>/me/agenda")
@login_required
def my_agenda():
    edition = g.edition
    entries = [
        entry_json(e, edition)
        for e in services.agenda_entries(current_user, edition, channel=Channel.API)
        if any(r in REASONS for r in e.roles)
    ]
    return jsonify({"edition": edition.year, "timezone": edition.timezone, "entries": entries})


@bp.put("/editions/<int:year>/me/agenda/<int:session_id>")
@login_required
def star_session(session_id: int):
    edition = g.edition
    created = services.star(current_user, edition, session_id)
    db.session.commit()
    return jsonify({"session_id": session_id, "starred": True, "created": created})


@bp.delete("/editions/<int:year>/me/agenda/<int:session_id>")
@login_required
def unstar_session(session_id: int):
    services.unstar(current_user, g.edition, session_id)
    db.session.commit()
    return "", 204


_SESSION_ID = {
    "name": "session_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}

AGENDA_ENTRY_SCHEMA = {
    "type": "object",
    "required": ["session", "reasons", "booking", "overlaps"],
    "properties": {
        "session": {"$ref": "#/components/schemas/Session"},
        "reasons": {
            "type": "array",
            "description": "Why the session is on the agenda",
            "items": {
                "type": "string",
                "enum": ["starred", "booked", "speaking", "chairing", "invited"],
            },
        },
        "booking": {
            "type": "object",
            "nullable": True,
            "properties": {
                "state": {"type": "string", "enum": ["booked", "waitlisted"]},
                "waitlist_position": {"type": "integer", "nullable": True},
            },
        },
        "overlaps": {
            "type": "array",
            "description": "Ids of the other entries at the same time (cancelled sessions and "
            "breaks overlap nothing)",
            "items": {"type": "integer"},
        },
    },
}

AGENDA_SCHEMA = {
    "type": "object",
    "required": ["edition", "timezone", "entries"],
    "properties": {
        "edition": {"type": "integer"},
        "timezone": {"type": "string"},
        "entries": {"type": "array", "items": {"$ref": "#/components/schemas/AgendaEntry"}},
    },
}

STAR_SCHEMA = {
    "type": "object",
    "required": ["session_id", "starred", "created"],
    "properties": {
        "session_id": {"type": "integer"},
        "starred": {"type": "boolean"},
        "created": {"type": "boolean", "description": "False when it was starred already"},
    },
}

OPENAPI_SCHEMAS = {"AgendaEntry": AGENDA_ENTRY_SCHEMA, "Agenda": AGENDA_SCHEMA, "Star": STAR_SCHEMA}
OPENAPI_PATHS = {
    "/editions/{year}/me/agenda": {
        "get": {
            "summary": "My agenda, with the reasons of each entry",
            "description": "Sessions the caller starred, booked (a seat), speaks at, chairs or "
            "is invited to, ordered by start, each with its `reasons` and the ids of the entries "
            "it overlaps. A starred restricted session appears only while the caller is cleared "
            "for it; places on a waiting list alone are not listed.",
            "tags": ["programme"],
            "parameters": [YEAR_PARAM],
            "responses": {
                "200": {
                    "description": "The agenda",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Agenda"}}
                    },
                },
                **error_responses(401, 404),
            },
        }
    },
    "/editions/{year}/me/agenda/{session_id}": {
        "put": {
            "summary": "Star a session (put it on my agenda)",
            "description": "Idempotent. Needs a login (cookie with CSRF token) or a token with "
            "scope `full`. A restricted session needs clearance, checked on every request.",
            "tags": ["programme"],
            "parameters": [YEAR_PARAM, _SESSION_ID],
            "responses": {
                "200": {
                    "description": "Starred (``created`` false when it was already)",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Star"}}
                    },
                },
                **error_responses(401, 403, 404),
            },
        },
        "delete": {
            "summary": "Take the star off a session",
            "description": "Idempotent (204 also when it was not starred).",
            "tags": ["programme"],
            "parameters": [YEAR_PARAM, _SESSION_ID],
            "responses": {
                "204": {"description": "Not starred (any more)"},
                **error_responses(401, 403, 404),
            },
        },
    },
}
