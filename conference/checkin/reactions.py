"""How check-in answers other areas' signals (connected by the package ``__init__``)."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation import privacy
from conference.checkin.models import Scan
from conference.extensions import db
from conference.signals import personal_data_requested


@personal_data_requested.connect
def personal_data_scans(user, **_) -> tuple[str, list]:
    """Every scan of the person's badges at the doors, for the data download."""
    registration_ids = privacy.registration_ids(user)
    if not registration_ids:
        return "scans", []
    years = privacy.edition_years()
    return "scans", [
        {
            "edition": years.get(s.edition_id),
            **privacy.row(s, "checkpoint", "result", "reason", "scanned_at"),
        }  # fmt: skip
        for s in db.session.scalars(
            sa.select(Scan)
            .where(Scan.registration_id.in_(registration_ids))
            .order_by(Scan.scanned_at)
        )
    ]
