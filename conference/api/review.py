"""The reviewer's view: GET /api/v1/editions/{year}/review/assignments, one (blinded)
submission, and GET/PUT of the caller's own review of it.

Same rules and blinding as the pages: no author, co-speaker, organisation or e-mail ever
appears; a conflicted or unassigned caller gets 403 for the submission and its reviews.
"""

from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from conference.api import bp
from conference.api.common import error_responses, iso, json_body
from conference.errors import DomainError
from conference.permissions import can, require
from conference.review import services

REVIEW_FIELDS = (
    "relevance",
    "quality",
    "originality",
    "recommendation",
    "comments_to_authors",
    "confidential_comments",
)


def _submission(submission_id: int, **_):
    return services.get_submission(g.edition, submission_id)


def blinded_json(item: dict) -> dict:
    return {
        "id": item["id"],
        "title": item["title"],
        "type": item["type"],
        "track": item["track"],
        "track_id": item["track_id"],
        "abstract": item["abstract"],
        "keywords": item["keywords"],
        "audience": item["audience"],
        "state": item["state"],
        "submitted_at": iso(item["submitted_at"], g.edition),
    }


def review_json(review) -> dict | None:
    if review is None:
        return None
    return {
        **{name: getattr(review, name) for name in REVIEW_FIELDS},
        "score": services.review_score(review),
        "submitted": review.submitted_at is not None,
        "submitted_at": iso(review.submitted_at, g.edition),
        "updated_at": iso(review.updated_at, g.edition),
    }


def _deadline() -> dict:
    """The deadline and the review phase, stated in every review answer."""
    phase = services.current_phase(g.edition)
    rules = services.phase_rules(phase)
    return {
        "review_deadline": iso(g.edition.review_deadline, g.edition),
        "reviews_closed": services.review_closed(g.edition),
        "phase": phase,
        "phase_rules": {
            "may_review": rules.may_review,
            "others_visible": rules.others_visible,
            "may_discuss": rules.may_discuss,
        },
    }


def discussion_json(comments: list[dict]) -> list[dict]:
    return [
        {
            "id": c["id"],
            "label": c["label"],
            "own": c["own"],
            "body": c["body"],
            "created_at": iso(c["created_at"], g.edition),
        }
        for c in comments
    ]


@bp.get("/editions/<int:year>/review/assignments")
@require("review.participate")
def review_assignments():
    rows = services.my_assignments(current_user, g.edition)
    progress = services.progress_of(current_user, g.edition, rows)
    return jsonify(
        {
            **_deadline(),
            "progress": {"done": progress.done, "total": progress.total, "drafts": progress.drafts},
            "assignments": [
                {"submission": blinded_json(r.submission), "review_status": r.status} for r in rows
            ],
        }
    )


@bp.get("/editions/<int:year>/review/submissions/<int:submission_id>")
@require("review.read", _submission)
def review_submission(submission_id: int):
    item = _submission(submission_id)
    others = services.visible_reviews(current_user, item)
    return jsonify(
        {
            **_deadline(),
            "submission": blinded_json(services.blinded(item)),
            "own_review": review_json(services.own_review(current_user, item)),
            "other_reviews_visible": can(current_user, "review.read_others", item),
            "other_reviews": [
                {
                    "label": r["label"],
                    **{k: r[k] for k in REVIEW_FIELDS},
                    "score": r["score"],
                    "submitted_at": iso(r["submitted_at"], g.edition),
                }
                for r in others
            ],
            "discussion_visible": can(current_user, "review.discussion.read", item),
            "may_discuss": can(current_user, "review.discuss", item),
            "discussion": discussion_json(services.comments(current_user, item)),
        }
    )


@bp.post("/editions/<int:year>/review/submissions/<int:submission_id>/discussion")
@require("review.discuss", _submission)
def post_discussion_comment(submission_id: int):
    """Add a comment to the discussion (discussion phase; notifies the other participants)."""
    item = _submission(submission_id)
    data = json_body()
    unknown = set(data) - {"body"}
    if unknown:
        raise DomainError(
            _("Unknown field(s): %(fields)s.", fields=", ".join(sorted(unknown))[:200])
        )
    comment = services.add_comment(current_user, item, data.get("body"))
    mine = next(c for c in services.comments(current_user, item) if c["id"] == comment.id)
    return jsonify({**_deadline(), "comment": discussion_json([mine])[0]}), 201


@bp.get("/editions/<int:year>/review/submissions/<int:submission_id>/review")
@require("review.read", _submission)
def get_own_review(submission_id: int):
    item = _submission(submission_id)
    return jsonify({**_deadline(), "review": review_json(services.own_review(current_user, item))})


@bp.put("/editions/<int:year>/review/submissions/<int:submission_id>/review")
@require("review.write", _submission)
def put_own_review(submission_id: int):
    item = _submission(submission_id)
    data = json_body()
    unknown = set(data) - set(REVIEW_FIELDS) - {"submit"}
    if unknown:
        raise DomainError(
            _("Unknown field(s): %(fields)s.", fields=", ".join(sorted(unknown))[:200])
        )
    submit = data.get("submit", False)
    if not isinstance(submit, bool):
        raise DomainError(_("submit must be true or false."))
    review = services.save_review(current_user, item, data, submit=submit)
    return jsonify({**_deadline(), "review": review_json(review)})


SUBMISSION_ID_PARAM = {
    "name": "submission_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
}
YEAR_PARAM = {
    "name": "year",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 2000, "maximum": 2200},
}
NULLABLE_SCORE = {"type": "integer", "minimum": 1, "maximum": 5, "nullable": True}
RECOMMENDATION = {
    "type": "string",
    "enum": ["accept", "weak_accept", "weak_reject", "reject"],
    "nullable": True,
}

OPENAPI_SCHEMAS = {
    "BlindedSubmission": {
        "type": "object",
        "description": "A submission as reviewers see it: no speaker names, organisations or "
        "e-mail addresses (double-blind).",
        "required": ["id", "title", "abstract", "state"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "type": {"type": "string", "nullable": True},
            "track": {"type": "string", "nullable": True},
            "track_id": {"type": "integer", "nullable": True},
            "abstract": {"type": "string"},
            "keywords": {"type": "string"},
            "audience": {"type": "string"},
            "state": {"type": "string"},
            "submitted_at": {"type": "string", "format": "date-time", "nullable": True},
        },
        "additionalProperties": False,
    },
    "Review": {
        "type": "object",
        "properties": {
            "relevance": NULLABLE_SCORE,
            "quality": NULLABLE_SCORE,
            "originality": NULLABLE_SCORE,
            "recommendation": RECOMMENDATION,
            "comments_to_authors": {"type": "string"},
            "confidential_comments": {"type": "string"},
            "score": {
                "type": "number",
                "nullable": True,
                "description": "Mean of relevance, quality and originality",
            },
            "submitted": {"type": "boolean"},
            "submitted_at": {"type": "string", "format": "date-time", "nullable": True},
            "updated_at": {"type": "string", "format": "date-time", "nullable": True},
        },
    },
    "ReviewInput": {
        "type": "object",
        "description": "A draft may leave scores empty; `submit: true` needs every score and "
        "a recommendation. A submitted review stays submitted; edits are accepted until the "
        "review deadline.",
        "properties": {
            "relevance": NULLABLE_SCORE,
            "quality": NULLABLE_SCORE,
            "originality": NULLABLE_SCORE,
            "recommendation": RECOMMENDATION,
            "comments_to_authors": {"type": "string", "maxLength": services.MAX_COMMENT},
            "confidential_comments": {"type": "string", "maxLength": services.MAX_COMMENT},
            "submit": {"type": "boolean", "default": False},
        },
        "additionalProperties": False,
    },
    "DiscussionComment": {
        "type": "object",
        "description": "A comment in the committee's discussion; never shown to speakers. "
        "`label` is Reviewer N (or the name, if the edition shows reviewers' names).",
        "properties": {
            "id": {"type": "integer"},
            "label": {"type": "string"},
            "own": {"type": "boolean"},
            "body": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "OtherReview": {
        "type": "object",
        "properties": {
            "label": {
                "type": "string",
                "description": "Reviewer 1, 2, … (chairs see the reviewer's name)",
            },
            "relevance": {"type": "integer"},
            "quality": {"type": "integer"},
            "originality": {"type": "integer"},
            "recommendation": RECOMMENDATION,
            "comments_to_authors": {"type": "string"},
            "confidential_comments": {"type": "string"},
            "score": {"type": "number", "nullable": True},
            "submitted_at": {"type": "string", "format": "date-time"},
        },
    },
}

_DEADLINE_PROPS = {
    "review_deadline": {"type": "string", "format": "date-time", "nullable": True},
    "reviews_closed": {"type": "boolean"},
    "phase": {
        "type": "string",
        "enum": ["assigning", "reviewing", "discussion", "decisions"],
        "description": "The edition's review phase, switched by the chairs: what reviewers may "
        "see and do (`phase_rules`).",
    },
    "phase_rules": {
        "type": "object",
        "properties": {
            "may_review": {"type": "boolean"},
            "others_visible": {
                "type": "boolean",
                "description": "Others' reviews and the discussion are shown (to a reviewer "
                "once their own review is submitted)",
            },
            "may_discuss": {"type": "boolean"},
        },
    },
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


OPENAPI_PATHS = {
    "/editions/{year}/review/assignments": {
        "get": {
            "summary": "The caller's review assignments (blinded); committee members only",
            "tags": ["review"],
            "security": [{"bearer": []}],
            "parameters": [YEAR_PARAM],
            "responses": {
                "200": {
                    "description": "Assigned submissions without conflicts, with review status",
                    "content": _json(
                        {
                            "type": "object",
                            "properties": {
                                **_DEADLINE_PROPS,
                                "progress": {
                                    "type": "object",
                                    "description": "The caller's submitted reviews of their "
                                    "assignments (3 of 8 done), and drafts",
                                    "properties": {
                                        "done": {"type": "integer"},
                                        "total": {"type": "integer"},
                                        "drafts": {"type": "integer"},
                                    },
                                },
                                "assignments": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "submission": {
                                                "$ref": "#/components/schemas/BlindedSubmission"
                                            },
                                            "review_status": {
                                                "type": "string",
                                                "enum": ["not started", "draft", "submitted"],
                                            },
                                        },
                                    },
                                },
                            },
                        }
                    ),
                },
                **error_responses(401, 403, 404),
            },
        }
    },
    "/editions/{year}/review/submissions/{submission_id}": {
        "get": {
            "summary": "One assigned submission (blinded), the caller's review and, once the "
            "caller's review is submitted, the other reviews",
            "description": "403 when the caller is conflicted with the submission or not "
            "assigned to it.",
            "tags": ["review"],
            "security": [{"bearer": []}],
            "parameters": [YEAR_PARAM, SUBMISSION_ID_PARAM],
            "responses": {
                "200": {
                    "description": "The submission",
                    "content": _json(
                        {
                            "type": "object",
                            "properties": {
                                **_DEADLINE_PROPS,
                                "submission": {"$ref": "#/components/schemas/BlindedSubmission"},
                                "own_review": {
                                    "allOf": [{"$ref": "#/components/schemas/Review"}],
                                    "nullable": True,
                                },
                                "other_reviews_visible": {"type": "boolean"},
                                "other_reviews": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/OtherReview"},
                                },
                                "discussion_visible": {"type": "boolean"},
                                "may_discuss": {"type": "boolean"},
                                "discussion": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/DiscussionComment"},
                                },
                            },
                        }
                    ),
                },
                **error_responses(401, 403, 404),
            },
        }
    },
    "/editions/{year}/review/submissions/{submission_id}/discussion": {
        "post": {
            "summary": "Comment in the discussion of a submission (discussion phase)",
            "description": "Reviewers assigned to the submission whose own review is "
            "submitted, and the chairs; the other participants are notified by mail. 403 in "
            "other phases and for everyone else (speakers never see the discussion).",
            "tags": ["review"],
            "security": [{"bearer": []}],
            "parameters": [YEAR_PARAM, SUBMISSION_ID_PARAM],
            "requestBody": {
                "required": True,
                "content": _json(
                    {
                        "type": "object",
                        "required": ["body"],
                        "properties": {
                            "body": {"type": "string", "maxLength": services.MAX_DISCUSSION_COMMENT}
                        },
                        "additionalProperties": False,
                    }
                ),
            },
            "responses": {
                "201": {
                    "description": "The comment",
                    "content": _json(
                        {
                            "type": "object",
                            "properties": {
                                **_DEADLINE_PROPS,
                                "comment": {"$ref": "#/components/schemas/DiscussionComment"},
                            },
                        }
                    ),
                },
                **error_responses(400, 401, 403, 404, 409, 415),
            },
        }
    },
    "/editions/{year}/review/submissions/{submission_id}/review": {
        "get": {
            "summary": "The caller's review of the submission (null if not started)",
            "tags": ["review"],
            "security": [{"bearer": []}],
            "parameters": [YEAR_PARAM, SUBMISSION_ID_PARAM],
            "responses": {
                "200": {
                    "description": "The review",
                    "content": _json(
                        {
                            "type": "object",
                            "properties": {
                                **_DEADLINE_PROPS,
                                "review": {
                                    "allOf": [{"$ref": "#/components/schemas/Review"}],
                                    "nullable": True,
                                },
                            },
                        }
                    ),
                },
                **error_responses(401, 403, 404),
            },
        },
        "put": {
            "summary": "Save the caller's review as a draft, or submit it",
            "description": "Only assigned, non-conflicted reviewers; refused with 409 after "
            "the review deadline.",
            "tags": ["review"],
            "security": [{"bearer": []}],
            "parameters": [YEAR_PARAM, SUBMISSION_ID_PARAM],
            "requestBody": {
                "required": True,
                "content": _json({"$ref": "#/components/schemas/ReviewInput"}),
            },
            "responses": {
                "200": {
                    "description": "The saved review",
                    "content": _json(
                        {
                            "type": "object",
                            "properties": {
                                **_DEADLINE_PROPS,
                                "review": {"$ref": "#/components/schemas/Review"},
                            },
                        }
                    ),
                },
                **error_responses(400, 401, 403, 404, 409, 415),
            },
        },
    },
}
