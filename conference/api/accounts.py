"""GET /api/v1/me: who the caller is.

A request that sends ``Authorization: Bearer …`` with an unknown, revoked or expired token
gets 401 at once on every route (``conference.accounts.scopes``), instead of being served
silently as an anonymous visitor.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify
from flask_login import current_user

from conference.accounts.models import RoleAssignment
from conference.accounts.scopes import token_scopes
from conference.api import bp
from conference.api.common import error_responses
from conference.editions.models import Edition
from conference.extensions import db
from conference.permissions import login_required


@bp.get("/me")
@token_scopes("checkin", "read")
@login_required
def me():
    roles = db.session.execute(
        sa.select(Edition.year, RoleAssignment.role)
        .join(RoleAssignment.edition)
        .where(RoleAssignment.user_id == current_user.id)
        .order_by(Edition.year.desc(), RoleAssignment.role)
    ).all()
    return jsonify(
        {
            "id": current_user.id,
            "email": current_user.email,
            "email_verified": current_user.email_verified_at is not None,
            "full_name": current_user.full_name,
            "organisation": current_user.organisation,
            "organisation_type": current_user.organisation_type,
            "country": current_user.country or None,
            "position": current_user.position,
            "is_admin": bool(current_user.is_admin),
            "roles": [{"edition": year, "role": role} for year, role in roles],
        }
    )


ME_SCHEMA = {
    "type": "object",
    "required": ["id", "email", "email_verified", "full_name", "is_admin", "roles"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string", "format": "email"},
        "email_verified": {"type": "boolean"},
        "full_name": {"type": "string"},
        "organisation": {"type": "string"},
        "organisation_type": {"type": "string"},
        "country": {"type": "string", "nullable": True, "description": "ISO 3166-1 alpha-2"},
        "position": {"type": "string"},
        "is_admin": {"type": "boolean"},
        "roles": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "edition": {"type": "integer"},
                    "role": {
                        "type": "string",
                        "enum": ["organiser", "reviewer", "chair", "staff"],
                    },
                },
            },
        },
    },
}

OPENAPI_SCHEMAS = {"Me": ME_SCHEMA}
OPENAPI_PATHS = {
    "/me": {
        "get": {
            "summary": "The authenticated caller's account and roles",
            "tags": ["accounts"],
            "security": [{"bearer": []}],
            "responses": {
                "200": {
                    "description": "The account",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Me"}}
                    },
                },
                **error_responses(401),
            },
        }
    },
}
