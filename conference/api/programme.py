"""GET /api/v1/editions/{year}/sessions and /sessions/{id}: the programme for the caller.

The caller is anonymous or authenticated with a Bearer token; restricted sessions the caller
is not cleared for come back as the same placeholder the HTML pages show.
"""

from __future__ import annotations

import dataclasses

from flask import g, jsonify
from flask_login import current_user

from conference import tlp
from conference.api import bp
from conference.api.common import error_responses, iso
from conference.api.editions import YEAR_PARAM
from conference.permissions import Channel
from conference.programme import services
from conference.query_args import arg_id, arg_str
from conference.urls import external_url


def material_json(material) -> dict:
    """A material the caller may see: its title, kind and where to get it (the download URL of
    a file, which checks the caller again; the address of a recording)."""
    url = (
        material.url
        if material.kind == "recording"
        else external_url("programme.material_download", material_id=material.id)
    )
    return {"title": material.title, "kind": material.kind, "url": url}


def session_json(view: services.SessionView, edition=None, materials=None) -> dict:
    """A ``SessionView`` as JSON (times ISO 8601 with offset, in the edition's zone if given).

    ``materials`` are those the caller may see (issue 21: an empty list for everyone else).
    """
    return {
        "id": view.id,
        "uid": view.uid,
        "restricted": view.restricted,
        "cleared": view.cleared,
        "title": view.title,
        "description": view.description,
        "type": dataclasses.asdict(view.type) if view.type else None,
        "track": dataclasses.asdict(view.track) if view.track else None,
        "room": dataclasses.asdict(view.room) if view.room else None,
        "speakers": [dataclasses.asdict(s) for s in view.speakers],
        "chair": dataclasses.asdict(view.chair) if view.chair else None,
        "capacity": view.capacity,
        "booking_required": view.booking_required,
        "chatham_house": view.chatham_house,
        "tlp": view.tlp,
        "state": view.state,
        "cancel_reason": view.cancel_reason,
        "starts_at": iso(view.starts_at, edition),
        "ends_at": iso(view.ends_at, edition),
        "sequence": view.sequence,
        "updated_at": iso(view.updated_at, edition),
        "materials": [material_json(m) for m in materials or ()],
        "contributions": [contribution_json(c, edition) for c in view.contributions],
    }


def contribution_json(contribution: services.ContributionView, edition=None) -> dict:
    """One item of a session's running order, with its own times."""
    return {
        "id": contribution.id,
        "position": contribution.position,
        "kind": contribution.kind,
        "title": contribution.title,
        "description": contribution.description,
        "starts_at": iso(contribution.starts_at, edition),
        "ends_at": iso(contribution.ends_at, edition),
        "duration_minutes": contribution.duration_minutes,
        "speakers": [dataclasses.asdict(s) for s in contribution.speakers],
        "submission_id": contribution.submission_id,
        "tlp": contribution.tlp,
    }


@bp.get("/editions/<int:year>/sessions")
def list_sessions():
    edition = g.edition
    sessions = services.programme_sessions(current_user, edition)
    viewer = services.clearance(current_user, edition)
    views = services.filter_views(
        [services.session_view(s, viewer, channel=Channel.API) for s in sessions],
        track=arg_id("track"),
        type=arg_id("type"),
        room=arg_id("room"),
        q=arg_str("q", max_len=200),
    )
    shown = {v.id for v in views}
    materials = services.materials_by_session(
        current_user, edition, [s for s in sessions if s.id in shown], channel=Channel.API
    )
    return jsonify(
        {
            "edition": edition.year,
            "timezone": edition.timezone,
            "programme_changed_at": iso(edition.programme_changed_at, edition),
            "sessions": [session_json(v, edition, materials.get(v.id)) for v in views],
        }
    )


@bp.get("/editions/<int:year>/sessions/<int:session_id>")
def get_session(session_id: int):
    edition = g.edition
    session = services.get_session(edition, session_id)
    view = services.session_view(
        session, services.clearance(current_user, edition), channel=Channel.API
    )
    materials = services.visible_materials(current_user, edition, session, channel=Channel.API)
    return jsonify(session_json(view, edition, materials))


_NAMED = {
    "type": "object",
    "nullable": True,
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}

SESSION_SCHEMA = {
    "type": "object",
    "description": "A programme session as the caller may see it. For a restricted session the "
    "caller is not cleared for (restricted true, cleared false) only id, uid, times, state, "
    "sequence and updated_at are real; the title is “Restricted session” and every other "
    "detail is empty.",
    "required": [
        "id",
        "uid",
        "restricted",
        "cleared",
        "title",
        "starts_at",
        "ends_at",
        "state",
        "tlp",
        "chatham_house",
    ],
    "properties": {
        "id": {"type": "integer"},
        "uid": {"type": "string"},
        "restricted": {"type": "boolean"},
        "cleared": {"type": "boolean"},
        "title": {"type": "string"},
        "description": {"type": "string", "description": "Markdown"},
        "type": {
            **_NAMED,
            "properties": {
                **_NAMED["properties"],
                "code": {"type": "string"},
                "is_break": {"type": "boolean"},
            },
        },
        "track": {
            **_NAMED,
            "properties": {**_NAMED["properties"], "colour": {"type": "string"}},
        },
        "room": {
            **_NAMED,
            "properties": {
                **_NAMED["properties"],
                "capacity": {"type": "integer", "nullable": True},
                "directions": {"type": "string"},
            },
        },
        "speakers": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "organisation": {"type": "string"},
                    "user_id": {"type": "integer", "nullable": True},
                },
            },
        },
        "chair": _NAMED,
        "capacity": {"type": "integer", "nullable": True},
        "booking_required": {"type": "boolean"},
        "chatham_house": {
            "type": "boolean",
            "description": "Held under the Chatham House Rule: speakers and chair are named "
            "only on the site, to logged-in people cleared for the session.",
        },
        "tlp": {
            "type": "string",
            "enum": list(tlp.VALUES),
            "description": "The session's Traffic Light Protocol label (FIRST TLP 2.0). What "
            "a label withholds from the caller is left out of this answer: RED sessions are "
            "placeholders in every API answer.",
        },
        "state": {"type": "string", "enum": ["scheduled", "cancelled"]},
        "cancel_reason": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
        "sequence": {"type": "integer"},
        "updated_at": {"type": "string", "format": "date-time"},
        "materials": {
            "type": "array",
            "description": "Slides, documents and recording links, for callers who may see "
            "them (the session's access rule first, then who the organisers let see them); "
            "empty for everyone else.",
            "items": {
                "type": "object",
                "required": ["title", "kind", "url"],
                "properties": {
                    "title": {"type": "string"},
                    "kind": {"type": "string", "enum": ["slides", "document", "recording"]},
                    "url": {"type": "string", "format": "uri"},
                },
            },
        },
        "contributions": {
            "type": "array",
            "description": "The session's running order (talks and free items), in order, "
            "each with its own times; empty for a session without one and for a restricted "
            "session the caller is not cleared for.",
            "items": {
                "type": "object",
                "required": ["id", "position", "kind", "title", "starts_at", "ends_at"],
                "properties": {
                    "id": {"type": "integer"},
                    "position": {"type": "integer"},
                    "kind": {"type": "string", "enum": ["talk", "item"]},
                    "title": {"type": "string"},
                    "description": {"type": "string", "description": "Markdown"},
                    "starts_at": {"type": "string", "format": "date-time"},
                    "ends_at": {"type": "string", "format": "date-time"},
                    "duration_minutes": {"type": "integer"},
                    "speakers": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "organisation": {"type": "string"},
                                "user_id": {"type": "integer", "nullable": True},
                            },
                        },
                    },
                    "submission_id": {"type": "integer", "nullable": True},
                    "tlp": {"type": "string", "enum": list(tlp.VALUES)},
                },
            },
        },
    },
}

SESSION_LIST_SCHEMA = {
    "type": "object",
    "required": ["edition", "timezone", "sessions"],
    "properties": {
        "edition": {"type": "integer"},
        "timezone": {"type": "string"},
        "programme_changed_at": {"type": "string", "format": "date-time"},
        "sessions": {"type": "array", "items": {"$ref": "#/components/schemas/Session"}},
    },
}

OPENAPI_SCHEMAS = {"Session": SESSION_SCHEMA, "SessionList": SESSION_LIST_SCHEMA}
OPENAPI_PATHS = {
    "/editions/{year}/sessions": {
        "get": {
            "summary": "The programme of an edition, as the caller may see it",
            "description": "Ordered by start. Times are ISO 8601 with the edition's offset. "
            "The filters work on what the caller may see: a search never matches the hidden "
            "details of a restricted session.",
            "tags": ["programme"],
            "parameters": [
                YEAR_PARAM,
                *(
                    {
                        "name": name,
                        "in": "query",
                        "required": False,
                        "description": f"Only sessions of this {name} (id)",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    }
                    for name in ("track", "type", "room")
                ),
                {
                    "name": "q",
                    "in": "query",
                    "required": False,
                    "description": "Search words (all must match)",
                    "schema": {"type": "string", "maxLength": 200},
                },
            ],
            "responses": {
                "200": {
                    "description": "All sessions (restricted ones as placeholders unless the "
                    "caller is cleared)",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/SessionList"}}
                    },
                },
                **error_responses(400, 404),
            },
        }
    },
    "/editions/{year}/sessions/{session_id}": {
        "get": {
            "summary": "One session, as the caller may see it",
            "tags": ["programme"],
            "parameters": [
                YEAR_PARAM,
                {
                    "name": "session_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                },
            ],
            "responses": {
                "200": {
                    "description": "The session",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Session"}}
                    },
                },
                **error_responses(404),
            },
        }
    },
}
