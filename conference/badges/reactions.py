"""Badges follow accreditation: connected to ``registration_changed`` by the package.

The handler runs inside accreditation's transaction, so a badge is issued or revoked
together with the state change that caused it (or not at all).
"""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation import privacy
from conference.badges import services
from conference.badges.models import Badge
from conference.extensions import db
from conference.signals import personal_data_requested, registration_changed


@registration_changed.connect
def on_registration_changed(registration, *, from_state=None, to_state=None, actor=None, **_):
    """Accreditation issues a badge; revocation, cancellation (any other state) revokes it."""
    services.follow_registration(registration, to_state or registration.state, actor=actor)


@personal_data_requested.connect
def personal_data_badges(user, **_) -> tuple[str, list]:
    """The badges issued on the person's registrations, for the data download."""
    registration_ids = privacy.registration_ids(user)
    if not registration_ids:
        return "badges", []
    return "badges", [
        privacy.row(
            b,
            "registration_id",
            "version",
            "category_code",
            "state",
            "issued_at",
            "revoked_at",
            "revoke_reason",
            "printed_at",
        )  # fmt: skip
        for b in db.session.scalars(
            sa.select(Badge).where(Badge.registration_id.in_(registration_ids))
        )
    ]
