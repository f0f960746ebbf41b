"""Demo check-in (after the badges step): door staff's scanner token and a few invalid codes.

Gives ``staff@demo.test`` a ``checkin`` token for 2027 (listed on its token page with its scope
and expiry; the value itself is never shown again: create a new one to use a scanner), and
counts a handful of unreadable codes at the venue door so that the scan log shows the
per-minute counts; the first morning's venue door has a few entries, one exit and one manual
admission (forgotten badge) so that the monitor shows who is inside and the log shows
entry/exit and manual scans. Idempotent.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conference.accounts import services as accounts
from conference.accounts.models import ApiToken, TokenScope
from conference.badges.models import Badge, BadgeState
from conference.checkin.models import (
    CheckpointSettings,
    DoorSettings,
    InvalidScanCount,
    ManualReason,
    Scan,
    ScanDirection,
)
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
    _door_scans(edition, staff)
    _door_settings(edition)


def _door_settings(edition) -> None:
    """2027: the venue counts exits, and scanners may look the accredited up offline."""
    if db.session.get(DoorSettings, edition.id) is None:
        db.session.add(DoorSettings(edition_id=edition.id, names_offline=True))
    if not db.session.scalar(
        sa.select(CheckpointSettings.id).where(
            CheckpointSettings.edition_id == edition.id, CheckpointSettings.checkpoint == "venue"
        )
    ):
        db.session.add(
            CheckpointSettings(edition_id=edition.id, checkpoint="venue", exit_scans=True)
        )


def _door_scans(edition, staff) -> None:
    if db.session.scalar(sa.select(Scan.id).where(Scan.edition_id == edition.id).limit(1)):
        return
    badges = db.session.scalars(
        sa.select(Badge)
        .where(Badge.edition_id == edition.id, Badge.state == BadgeState.VALID)
        .order_by(Badge.id.desc())
        .limit(4)
    ).all()[::-1]  # the newest few: the first badges stay unscanned for trying the door
    opening = dt.datetime.combine(edition.start_date, dt.time(8, 35), edition.tz)
    for index, badge in enumerate(badges):
        at = (opening + dt.timedelta(minutes=7 * index)).astimezone(dt.UTC)
        manual = ManualReason.FORGOTTEN_BADGE if index == len(badges) - 1 else None
        db.session.add(
            Scan(
                edition_id=edition.id,
                checkpoint="venue",
                badge_id=badge.id,
                registration_id=badge.registration_id,
                result="admitted",
                staff_id=staff.id,
                scanned_at=at,
                received_at=at,
                direction=ScanDirection.IN,
                manual_reason=manual,
            )
        )
    if badges:
        at = (opening + dt.timedelta(hours=3)).astimezone(dt.UTC)
        db.session.add(
            Scan(
                edition_id=edition.id,
                checkpoint="venue",
                badge_id=badges[0].id,
                registration_id=badges[0].registration_id,
                result="admitted",
                staff_id=staff.id,
                scanned_at=at,
                received_at=at,
                direction=ScanDirection.OUT,
            )
        )
