"""How badges answer other areas' signals (connected by the package ``__init__``)."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation import privacy
from conference.badges.models import Badge
from conference.extensions import db
from conference.signals import personal_data_requested


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
