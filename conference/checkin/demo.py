"""Demo check-in (after the badges step): door staff's scanner token and a few invalid codes.

Gives ``staff@demo.test`` a ``checkin`` token for 2027 (listed on its token page with its scope
and expiry; the value itself is never shown again: create a new one to use a scanner), and
counts a handful of unreadable codes at the venue door so that the scan log shows the
per-minute counts. Idempotent.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conference.accounts import services as accounts
from conference.accounts.models import ApiToken, TokenScope
from conference.checkin.models import InvalidScanCount
from conference.db import utcnow
from conference.extensions import db

SCANNER_NAME = "Door scanner 1 (demo)"


def seed(demo) -> None:
    edition = demo.editions[2027]
    staff = accounts.find_user("staff@demo.test")
    if staff is None:
        return
    has_token = db.session.scalar(
        sa.select(ApiToken.id).where(ApiToken.user_id == staff.id, ApiToken.name == SCANNER_NAME)
    )
    if has_token is None and accounts.default_expiry(edition) > utcnow():
        accounts.create_api_token(staff, SCANNER_NAME, TokenScope.CHECKIN, edition=edition)
    has_counts = db.session.scalar(
        sa.select(InvalidScanCount.id).where(InvalidScanCount.edition_id == edition.id)
    )
    if has_counts is None:
        opening = dt.datetime.combine(edition.start_date, dt.time(8, 30), edition.tz)
        db.session.add(
            InvalidScanCount(
                edition_id=edition.id,
                device=f"user:{staff.id}",
                staff_id=staff.id,
                checkpoint="venue",
                minute=opening.astimezone(dt.UTC),
                count=3,
                logged=0,
                last_at=opening.astimezone(dt.UTC) + dt.timedelta(seconds=40),
            )
        )
