"""The door's decision on a scanned code, and recording the scan (once per scan_id)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from conference.accreditation.models import Registration, RegistrationState
from conference.badges import signing
from conference.badges.models import Badge, BadgeState
from conference.checkin.models import InvalidScanCount, Scan, ScanDirection, ScanResult
from conference.checkin.services.checkpoint import BadRequest, Checkpoint, resolve_checkpoint
from conference.checkin.services.settings import refuse_exit_unless_allowed
from conference.db import utcnow
from conference.extensions import db
from conference.permissions import Clearance

# Shown on the scanner and the scan log; the keys are the codes stored and sent by the API.
REASONS = {
    "invalid_code": _l("Not a valid badge code (damaged, forged or not one of ours)."),
    "wrong_edition": _l("This badge is for another edition of the conference."),
    "revoked": _l("This badge has been revoked (replaced or withdrawn)."),
    "not_accredited": _l("The holder is not accredited."),
    "not_cleared": _l("The holder is not cleared for this session."),
}
RESULT_WORDS = {
    ScanResult.ADMITTED: _l("Admitted"),
    ScanResult.ADMITTED_AGAIN: _l("Admitted again"),
    ScanResult.DENIED: _l("Denied"),
}
MAX_FUTURE_SKEW = dt.timedelta(minutes=5)
MAX_OFFLINE_AGE = dt.timedelta(days=30)
OFFLINE_THRESHOLD = dt.timedelta(minutes=2)


def parse_scan_id(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(_("scan_id must be a UUID string."), code="bad_scan_id")
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise BadRequest(_("scan_id must be a UUID."), code="bad_scan_id")


def parse_scanned_at(value, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise BadRequest(_("scanned_at must be an ISO 8601 time."), code="bad_scanned_at")
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(_("scanned_at must be an ISO 8601 time."), code="bad_scanned_at")
    if moment.tzinfo is None:
        raise BadRequest(_("scanned_at needs a time zone (e.g. …Z)."), code="bad_scanned_at")
    moment = moment.astimezone(dt.UTC)
    if moment > now + MAX_FUTURE_SKEW:
        raise BadRequest(_("scanned_at is in the future."), code="bad_scanned_at")
    if moment < now - MAX_OFFLINE_AGE:
        raise BadRequest(_("scanned_at is too far in the past."), code="bad_scanned_at")
    return moment


@dataclass
class Decision:
    result: str
    reason: str | None
    badge: Badge | None = None
    registration: Registration | None = None
    first_admitted_at: dt.datetime | None = None  # the holder's first admission here
    replay: Scan | None = None  # the scan recorded before under the same scan_id


def _deny(reason: str, badge=None, registration=None) -> Decision:
    return Decision(ScanResult.DENIED, reason, badge, registration)


def _first_admission_subquery(edition_id: int, checkpoint_key: str):
    return (
        sa.select(sa.func.min(Scan.scanned_at))
        .where(
            Scan.edition_id == edition_id,
            Scan.checkpoint == checkpoint_key,
            Scan.registration_id == Badge.registration_id,
            Scan.direction == ScanDirection.IN,
            Scan.result.in_([ScanResult.ADMITTED, ScanResult.ADMITTED_AGAIN]),
        )
        .correlate(Badge)
        .scalar_subquery()
    )


def _load_badge(edition, checkpoint_key: str, badge_id: int, scan_id: str | None):
    """The badge with its registration and categories, the holder's first admission at the
    checkpoint and an earlier scan with the same ``scan_id``: one statement for the door."""
    replay = (
        sa.select(Scan.id).where(Scan.edition_id == edition.id, Scan.scan_id == scan_id)
        if scan_id is not None
        else sa.select(sa.null())
    ).scalar_subquery()
    stmt = (
        sa.select(Badge, _first_admission_subquery(edition.id, checkpoint_key), replay)
        .where(Badge.id == badge_id)
        .options(
            so.joinedload(Badge.registration).joinedload(Registration.category),
            so.joinedload(Badge.registration).joinedload(Registration.requested_category),
        )
    )
    return db.session.execute(stmt).first()


def decide(edition, checkpoint: Checkpoint, code, scan_id: str | None = None) -> Decision:
    """Does ``code`` admit its holder at ``checkpoint``? (Before duplicate detection.)"""
    parsed = signing.parse_code(code)
    if parsed is None:
        return _deny("invalid_code")
    claims = parsed.claims
    if claims.year != edition.year:
        keys = (
            [k for k, _ in signing.public_keys(claims.year)] if 2000 <= claims.year <= 2200 else []
        )
        return _deny("wrong_edition" if keys and signing.verify(parsed, keys) else "invalid_code")
    keys = [k for k, _ in signing.public_keys(edition.year)]
    if not keys or not signing.verify(parsed, keys):
        return _deny("invalid_code")
    row = _load_badge(edition, checkpoint.key, claims.badge_id, scan_id)
    if row is not None and row[2] is not None:
        decision = _deny("replay")
        decision.replay = db.session.get(Scan, row[2])
        return decision
    badge, first = (row[0], row[1]) if row is not None else (None, None)
    if (
        badge is None
        or badge.edition_id != edition.id
        or badge.version != claims.version
        or badge.category_code != claims.category_code
    ):
        return _deny("invalid_code")
    registration = badge.registration
    decision = decide_holder(edition, checkpoint, badge, registration)
    decision.first_admitted_at = first
    return decision


def decide_holder(edition, checkpoint, badge, registration) -> Decision:
    if badge.state != BadgeState.VALID:
        return _deny("revoked", badge, registration)
    if registration.state != RegistrationState.ACCREDITED or registration.user_id is None:
        return _deny("not_accredited", badge, registration)
    if checkpoint.session is not None:
        holder = Clearance(registration.user, edition)
        if not holder.may_attend(checkpoint.session):
            return _deny("not_cleared", badge, registration)
    return Decision(ScanResult.ADMITTED, None, badge, registration)


def first_admitted_at(edition, checkpoint_key: str, registration_id: int) -> dt.datetime | None:
    return db.session.scalar(
        sa.select(sa.func.min(Scan.scanned_at)).where(
            Scan.edition_id == edition.id,
            Scan.checkpoint == checkpoint_key,
            Scan.registration_id == registration_id,
            Scan.direction == ScanDirection.IN,
            Scan.result.in_([ScanResult.ADMITTED, ScanResult.ADMITTED_AGAIN]),
        )
    )


@dataclass
class ScanOutcome:
    """The door's answer, built before the commit so that nothing is reloaded after it."""

    result: str
    reason: str | None
    attendee: dict | None
    first_admitted_at: dt.datetime | None
    replayed: bool = False  # the same scan_id was recorded before
    direction: str = ScanDirection.IN
    manual_reason: str | None = None
    scan_id: int | None = None  # None: an invalid code only counted in InvalidScanCount


def _count_invalid(edition, device: str, checkpoint: str, staff, now: dt.datetime) -> bool:
    """Count an invalid code for ``device`` at ``checkpoint`` in this minute (one upserted
    row); True when it should also be logged as a scan of its own (the first few)."""
    limit = current_app.config["INVALID_SCANS_LOGGED_PER_MINUTE"]
    minute = now.replace(second=0, microsecond=0)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = InvalidScanCount.__table__
    stmt = insert(table).values(
        edition_id=edition.id,
        device=device[:40],
        staff_id=getattr(staff, "id", None),
        checkpoint=checkpoint,
        minute=minute,
        count=1,
        logged=0,
        last_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["edition_id", "device", "checkpoint", "minute"],
        set_={"count": table.c.count + 1, "last_at": now},
    ).returning(table.c.id, table.c.count)
    row = db.session.execute(stmt).one()
    if row.count > limit:
        return False
    db.session.execute(
        sa.update(table).where(table.c.id == row.id).values(logged=table.c.logged + 1)
    )
    return True


def outcome_of(edition, scan: Scan, replayed: bool) -> ScanOutcome:
    registration = (
        db.session.get(Registration, scan.registration_id) if scan.registration_id else None
    )
    first = None
    if registration is not None and scan.result != ScanResult.DENIED:
        first = first_admitted_at(edition, scan.checkpoint, registration.id)
    return ScanOutcome(
        scan.result,
        scan.reason,
        attendee_json(registration),
        first,
        replayed,
        scan.direction,
        scan.manual_reason,
        scan.id,
    )


def existing_scan(edition, scan_id: str | None) -> Scan | None:
    if scan_id is None:
        return None
    return db.session.scalar(
        sa.select(Scan).where(Scan.edition_id == edition.id, Scan.scan_id == scan_id)
    )


def parse_direction(value) -> str:
    if value is None:
        return ScanDirection.IN
    if value not in (ScanDirection.IN, ScanDirection.OUT):
        raise BadRequest(_('direction must be "in" or "out".'), code="bad_direction")
    return ScanDirection(value)


def commit_keeping_objects() -> None:
    """Commit without expiring the loaded objects: the answer is built from them, and
    reloading them only to say what we already know cost five statements per scan."""
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous


def record_scan(edition, scan: Scan, decision: Decision) -> Scan | ScanOutcome:
    """Insert ``scan``. The database decides a race: a second first admission of the same
    person at the same checkpoint (partial unique index) becomes "admitted again", a second
    scan with the same scan_id is the replay of the first. No savepoint: on a conflict the
    transaction is rolled back and the scan re-decided."""
    db.session.add(scan)
    try:
        db.session.flush()
        return scan
    except IntegrityError as exc:
        db.session.rollback()
        conflict = exc
    existing = existing_scan(edition, scan.scan_id)
    if existing is not None:
        return outcome_of(edition, existing, True)
    if scan.result != ScanResult.ADMITTED or scan.direction != ScanDirection.IN:
        raise conflict
    first = first_admitted_at(edition, scan.checkpoint, scan.registration_id)
    again = Scan(
        **{
            c.key: getattr(scan, c.key)
            for c in Scan.__table__.columns
            if c.key != "id" and getattr(scan, c.key) is not None
        }
    )
    again.result = ScanResult.ADMITTED_AGAIN
    decision.first_admitted_at = min(first, again.scanned_at) if first else again.scanned_at
    db.session.add(again)
    db.session.flush()
    return again


def check_in(
    edition,
    *,
    code,
    checkpoint,
    staff=None,
    scan_id=None,
    scanned_at=None,
    offline: bool | None = None,
    device: str | None = None,
    direction=None,
) -> ScanOutcome:
    """Decide, record the scan, and commit. The same ``scan_id`` is recorded once.

    A code that is not a badge of ours (``invalid_code``) is counted per ``device`` (who
    scans: ``token:<id>`` or ``user:<id>``), checkpoint and minute; only the first few of a
    minute get a scan row each, so a sweep of garbage codes cannot fill the scan table.

    A genuine scan at the venue costs two statements here (the badge with its registration,
    categories, first admission and scan_id replay in one select; the insert).
    """
    now = utcnow()
    point = resolve_checkpoint(edition, checkpoint)
    scan_id = parse_scan_id(scan_id)
    moment = parse_scanned_at(scanned_at, now)
    direction = parse_direction(direction)
    if offline is not None and not isinstance(offline, bool):
        raise BadRequest(_("offline must be true or false."), code="bad_offline")
    if code is not None and not isinstance(code, str):
        raise BadRequest(_("code must be a string (the text of the QR code)."), code="bad_code")
    scanned = moment or now
    is_offline = bool(offline) or (moment is not None and now - moment > OFFLINE_THRESHOLD)

    if direction == ScanDirection.OUT:
        refuse_exit_unless_allowed(edition, point.key)
    decision = decide(edition, point, code or "", scan_id)
    if decision.replay is not None:
        return outcome_of(edition, decision.replay, True)
    result, reason = decision.result, decision.reason
    if reason == "invalid_code":
        existing = existing_scan(edition, scan_id)
        if existing is not None:
            return outcome_of(edition, existing, True)
        device = device or (f"user:{staff.id}" if staff is not None else "anonymous")
        if not _count_invalid(edition, device, point.key, staff, now):
            db.session.commit()
            return ScanOutcome(ScanResult.DENIED, "invalid_code", None, None, direction=direction)
    if result == ScanResult.ADMITTED and direction == ScanDirection.IN:
        first = decision.first_admitted_at
        if first is not None:
            result = ScanResult.ADMITTED_AGAIN
            if scanned < first:  # an offline scan arriving late was in fact the first
                decision.first_admitted_at = scanned
        else:
            decision.first_admitted_at = scanned
    scan = Scan(
        edition_id=edition.id,
        scan_id=scan_id,
        checkpoint=point.key,
        session_id=point.session.id if point.session is not None else None,
        badge_id=decision.badge.id if decision.badge is not None else None,
        registration_id=decision.registration.id if decision.registration is not None else None,
        result=result,
        reason=reason,
        staff_id=getattr(staff, "id", None),
        scanned_at=scanned,
        received_at=now,
        offline=is_offline,
        direction=direction,
    )
    recorded = record_scan(edition, scan, decision)
    if isinstance(recorded, ScanOutcome):
        return recorded
    outcome = ScanOutcome(
        recorded.result,
        recorded.reason,
        attendee_json(decision.registration),
        decision.first_admitted_at if recorded.result != ScanResult.DENIED else None,
        direction=direction,
        scan_id=recorded.id,
    )
    commit_keeping_objects()
    return outcome


def attendee_json(registration: Registration | None) -> dict | None:
    if registration is None:
        return None
    category = registration.category or registration.requested_category
    return {
        "name": registration.full_name,
        "organisation": registration.organisation,
        "category": category.name if category is not None else None,
    }
