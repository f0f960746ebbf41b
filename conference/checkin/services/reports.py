"""For organisers: counts per checkpoint, the scan log, and who is inside now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from conference.accounts.models import User
from conference.accreditation.models import Registration
from conference.checkin.models import InvalidScanCount, Scan, ScanDirection, ScanResult
from conference.checkin.services.checkpoint import checkpoints, resolve_checkpoint, room_capacity
from conference.db import utcnow
from conference.extensions import db


def counts(edition) -> list[dict]:
    """Per checkpoint: people admitted (unique), scans in total, denied scans, last scan."""
    admitted_results = [ScanResult.ADMITTED, ScanResult.ADMITTED_AGAIN]
    rows = db.session.execute(
        sa.select(
            Scan.checkpoint,
            sa.func.count(sa.distinct(Scan.registration_id))
            .filter(Scan.result.in_(admitted_results))
            .label("people"),
            sa.func.count(Scan.id).label("total"),
            sa.func.count(Scan.id).filter(Scan.result == ScanResult.DENIED).label("denied"),
            sa.func.max(Scan.scanned_at).label("last"),
        )
        .where(Scan.edition_id == edition.id)
        .group_by(Scan.checkpoint)
    ).all()
    # Invalid codes that were counted without a scan row of their own.
    unlogged = {
        row.checkpoint: row
        for row in db.session.execute(
            sa.select(
                InvalidScanCount.checkpoint,
                sa.func.sum(InvalidScanCount.count - InvalidScanCount.logged).label("extra"),
                sa.func.max(InvalidScanCount.last_at).label("last"),
            )
            .where(
                InvalidScanCount.edition_id == edition.id,
                InvalidScanCount.count > InvalidScanCount.logged,
            )
            .group_by(InvalidScanCount.checkpoint)
        ).all()
    }
    by_key = {
        row.checkpoint: _with_unlogged(row, unlogged.pop(row.checkpoint, None)) for row in rows
    }
    for key, extra in unlogged.items():
        by_key[key] = _with_unlogged(None, extra)
    out = []
    for point in checkpoints(edition):
        row = by_key.pop(point.key, None)
        if row is None and point.session is not None and not point.session.is_restricted:
            continue  # open sessions with no scans would only add noise
        out.append(
            {
                "checkpoint": point.key,
                "label": point.label,
                "people": row.people if row else 0,
                "total": row.total if row else 0,
                "denied": row.denied if row else 0,
                "last": row.last if row else None,
            }
        )
    for key, row in by_key.items():  # checkpoints of sessions cancelled since
        out.append(
            {
                "checkpoint": key,
                "label": _("%(checkpoint)s (no longer scheduled)", checkpoint=key),
                "people": row.people,
                "total": row.total,
                "denied": row.denied,
                "last": row.last,
            }
        )
    return out


@dataclass
class _CountRow:
    people: int
    total: int
    denied: int
    last: dt.datetime | None


def _with_unlogged(row, extra) -> _CountRow:
    """A checkpoint's counts plus the invalid codes counted without a scan row each."""
    if row is None:
        people, total, denied, last = 0, 0, 0, None
    else:
        people, total, denied, last = row.people, row.total, row.denied, row.last
    if extra is not None and extra.extra:
        total += int(extra.extra)
        denied += int(extra.extra)
        last = max(last, extra.last) if last is not None else extra.last
    return _CountRow(people, total, denied, last)


def invalid_code_counts(edition, *, limit: int = 50) -> list:
    """The newest per-minute counts of invalid codes (device, checkpoint, staff e-mail)."""
    return db.session.execute(
        sa.select(InvalidScanCount, User.email.label("staff_email"))
        .outerjoin(User, InvalidScanCount.staff_id == User.id)
        .where(InvalidScanCount.edition_id == edition.id)
        .order_by(InvalidScanCount.minute.desc(), InvalidScanCount.id.desc())
        .limit(limit)
    ).all()


def scan_log_query(edition, *, checkpoint=None, result=None, since=None, until=None):
    stmt = (
        sa.select(Scan, Registration, User.email.label("staff_email"))
        .outerjoin(Registration, Scan.registration_id == Registration.id)
        .outerjoin(User, Scan.staff_id == User.id)
        .where(Scan.edition_id == edition.id)
        .order_by(Scan.scanned_at.desc(), Scan.id.desc())
    )
    if checkpoint:
        stmt = stmt.where(Scan.checkpoint == checkpoint)
    if result in (ScanResult.ADMITTED, ScanResult.ADMITTED_AGAIN, ScanResult.DENIED):
        stmt = stmt.where(Scan.result == result)
    if since is not None:
        stmt = stmt.where(Scan.scanned_at >= since)
    if until is not None:
        stmt = stmt.where(Scan.scanned_at < until)
    return stmt


def scan_log(edition, *, limit: int = 200, offset: int = 0, **filters):
    return db.session.execute(scan_log_query(edition, **filters).limit(limit).offset(offset)).all()


def count_scans(edition, **filters) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(scan_log_query(edition, **filters).subquery())
    )


# --- who is inside -----------------------------------------------------------------------


@dataclass
class Presence:
    checkpoint: str
    admitted_today: int  # people let in today (edition's time zone)
    inside: int  # people whose last accepted scan here was an entry
    capacity: int | None  # a session room's capacity, when known
    quarters: list[tuple[str, int]]  # entries per quarter hour today: ("09:15", n)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.inside >= self.capacity


def presence(edition, checkpoint_key: str = "venue", *, now: dt.datetime | None = None) -> Presence:
    """Admitted today, inside now and entries per quarter hour at one checkpoint.

    "Inside" counts people whose latest accepted scan (admitted or admitted again, in or out)
    is an entry; without exit scans at a door it is everyone admitted there."""
    now = now or utcnow()
    local = now.astimezone(edition.tz)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    accepted = [ScanResult.ADMITTED, ScanResult.ADMITTED_AGAIN]
    rows = db.session.execute(
        sa.select(Scan.registration_id, Scan.direction, Scan.scanned_at)
        .where(
            Scan.edition_id == edition.id,
            Scan.checkpoint == checkpoint_key,
            Scan.result.in_(accepted),
            Scan.registration_id.is_not(None),
        )
        .order_by(Scan.scanned_at, Scan.id)
    ).all()
    last: dict[int, str] = {}
    today: set[int] = set()
    quarters: dict[str, int] = {}
    for registration_id, direction, scanned_at in rows:
        last[registration_id] = direction
        if direction == ScanDirection.IN and scanned_at >= day_start:
            today.add(registration_id)
            at = scanned_at.astimezone(edition.tz)
            key = f"{at.hour:02d}:{at.minute // 15 * 15:02d}"
            quarters[key] = quarters.get(key, 0) + 1
    capacity = None
    if checkpoint_key.startswith("session:"):
        point = resolve_checkpoint(edition, checkpoint_key)
        capacity = room_capacity(point.session)
    return Presence(
        checkpoint_key,
        len(today),
        sum(1 for direction in last.values() if direction == ScanDirection.IN),
        capacity,
        sorted(quarters.items()),
    )
