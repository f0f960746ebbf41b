"""The speaker's view of submissions: GET /api/v1/editions/{year}/me/submissions[/{id}].

Same rules as the pages: only the author and confirmed co-speakers see a submission; the
decision and the reviewers' comments to the authors appear only once the decision is published;
reviewers' names and confidential comments never appear.
"""

from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from conference.api import bp
from conference.api.common import error_responses, iso
from conference.errors import NotFound
from conference.permissions import is_submission_author, login_required
from conference.submissions import services


def submission_json(submission, role: str) -> dict:
    edition = submission.edition
    decision = services.published_decision(submission)
    is_author = is_submission_author(current_user, submission)
    return {
        "id": submission.id,
        "edition": edition.year,
        "role": role,
        "title": submission.title,
        "type": (
            {
                "id": submission.type.id,
                "code": submission.type.code,
                "name": submission.type.name,
                "max_words": submission.type.max_words,
                "duration_minutes": submission.type.duration_minutes,
            }
            if submission.type
            else None
        ),
        "track": (
            {"id": submission.track.id, "name": submission.track.name} if submission.track else None
        ),
        "abstract": submission.abstract,
        "words": services.count_words(submission.abstract),
        "keywords": submission.keywords,
        "audience": submission.audience,
        "state": submission.state,
        "status": services.status_label(submission),
        "author": submission.author.display_name if submission.author else None,
        "co_speakers": [
            {
                "name": c.name,
                **({"email": c.email} if is_author else {}),
                "confirmed": c.confirmed_at is not None,
            }
            for c in submission.co_speakers
            if is_author or c.confirmed_at is not None
        ],
        "created_at": iso(submission.created_at, edition),
        "updated_at": iso(submission.updated_at, edition),
        "submitted_at": iso(submission.submitted_at, edition),
        "withdrawn_at": iso(submission.withdrawn_at, edition),
        "decision": (
            {
                "decision": decision.decision,
                "published_at": iso(decision.published_at, edition),
                "comments_to_authors": decision.comments,
            }
            if decision
            else None
        ),
    }


@bp.get("/editions/<int:year>/me/submissions")
@login_required
def my_submissions():
    entries = services.my_submissions(current_user, g.edition)
    return jsonify({"submissions": [submission_json(s, role) for s, role in entries]})


@bp.get("/editions/<int:year>/me/submissions/<int:submission_id>")
@login_required
def my_submission(submission_id: int):
    for submission, role in services.my_submissions(current_user, g.edition):
        if submission.id == submission_id:
            return jsonify(submission_json(submission, role))
    raise NotFound(_("There is no such submission among yours."))


_YEAR = {
    "name": "year",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 2000, "maximum": 2200},
}
_ID = {"name": "submission_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_STRING = {"type": "string"}
_TIME = {"type": "string", "format": "date-time", "nullable": True}

OPENAPI_SCHEMAS = {
    "MySubmission": {
        "type": "object",
        "required": ["id", "edition", "role", "title", "state", "status", "decision"],
        "properties": {
            "id": {"type": "integer"},
            "edition": {"type": "integer"},
            "role": {"type": "string", "enum": ["author", "co_speaker"]},
            "title": _STRING,
            "type": {
                "type": "object",
                "nullable": True,
                "properties": {
                    "id": {"type": "integer"},
                    "code": _STRING,
                    "name": _STRING,
                    "max_words": {"type": "integer"},
                    "duration_minutes": {"type": "integer"},
                },
            },
            "track": {
                "type": "object",
                "nullable": True,
                "properties": {"id": {"type": "integer"}, "name": _STRING},
            },
            "abstract": _STRING,
            "words": {
                "type": "integer",
                "description": "Words as the form counts them: runs of characters between "
                "whitespace.",
            },
            "keywords": _STRING,
            "audience": _STRING,
            "state": {"type": "string", "enum": ["draft", "submitted", "withdrawn"]},
            "status": {
                "type": "string",
                "description": "What the speaker sees, e.g. 'Submitted – under review'.",
            },
            "author": {"type": "string", "nullable": True},
            "co_speakers": {
                "type": "array",
                "description": "The author sees every invitation with its e-mail address; "
                "co-speakers see the confirmed co-speakers' names.",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": _STRING,
                        "email": _STRING,
                        "confirmed": {"type": "boolean"},
                    },
                },
            },
            "created_at": _TIME,
            "updated_at": _TIME,
            "submitted_at": _TIME,
            "withdrawn_at": _TIME,
            "decision": {
                "type": "object",
                "nullable": True,
                "description": "Null until the decision is published.",
                "properties": {
                    "decision": {"type": "string", "enum": ["accepted", "rejected", "waitlisted"]},
                    "published_at": {"type": "string", "format": "date-time"},
                    "comments_to_authors": {"type": "array", "items": _STRING},
                },
            },
        },
    }
}

OPENAPI_PATHS = {
    "/editions/{year}/me/submissions": {
        "get": {
            "summary": "The caller's submissions (as author or confirmed co-speaker)",
            "tags": ["submissions"],
            "security": [{"bearer": []}],
            "parameters": [_YEAR],
            "responses": {
                "200": {
                    "description": "The caller's submissions in the edition",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "submissions": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/MySubmission"},
                                    }
                                },
                            }
                        }
                    },
                },
                **error_responses(401, 404),
            },
        }
    },
    "/editions/{year}/me/submissions/{submission_id}": {
        "get": {
            "summary": "One of the caller's submissions (404 for anybody else's)",
            "tags": ["submissions"],
            "security": [{"bearer": []}],
            "parameters": [_YEAR, _ID],
            "responses": {
                "200": {
                    "description": "The submission",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/MySubmission"}
                        }
                    },
                },
                **error_responses(401, 404),
            },
        }
    },
}
