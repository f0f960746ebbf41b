"""Check-in: decide at a door whether a badge admits its holder, and log every scan.

A checkpoint is the venue entrance (``"venue"``) or the door of one programme session. The
venue admits accredited holders of a valid badge; a session door asks the holder's own
``Clearance`` (category or invitation list, as for booking), so the door and the website
always agree. The same decisions, minus names, are exported in the scanner bundle so that a
scanner without a connection decides exactly as the server would.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.exc import IntegrityError

from conference import audit
from conference.accounts.models import Role, RoleAssignment
from conference.accreditation.models import Registration, RegistrationState
from conference.badges import signing
from conference.badges.models import Badge, BadgeState
from conference.checkin.models import (
    InvalidScanCount,
    ManualReason,
    Scan,
    ScanDirection,
    ScanResult,
)
from conference.db import utcnow
from conference.errors import DomainError, NotAllowed
from conference.extensions import db
from conference.permissions import Clearance

REASONS = {
    "invalid_code": "Not a valid badge code (damaged, forged or not one of ours).",
    "wrong_edition": "This badge is for another edition of the conference.",
    "revoked": "This badge has been revoked (replaced or withdrawn).",
    "not_accredited": "The holder is not accredited.",
    "not_cleared": "The holder is not cleared for this session.",
}
RESULT_WORDS = {
    ScanResult.ADMITTED: "Admitted",
    ScanResult.ADMITTED_AGAIN: "Admitted again",
    ScanResult.DENIED: "Denied",
}
MAX_FUTURE_SKEW = dt.timedelta(minutes=5)
MAX_OFFLINE_AGE = dt.timedelta(days=30)
OFFLINE_THRESHOLD = dt.timedelta(minutes=2)


class BadRequest(DomainError):
    status_code = 400
    code = "bad_request"


@dataclass(frozen=True)
class Checkpoint:
    key: str  # "venue" or "session:<id>"
    label: str
    session: object | None = None

    @property
    def api_id(self) -> str | int:
        return "venue" if self.session is None else self.session.id


def _sessions(edition):
    from conference.programme.models import ProgrammeSession, SessionState

    return list(
        db.session.scalars(
            sa.select(ProgrammeSession)
            .where(
                ProgrammeSession.edition_id == edition.id,
                ProgrammeSession.state != SessionState.CANCELLED,
            )
            .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
        )
    )


def session_label(session, edition) -> str:
    start = session.starts_at.astimezone(edition.tz)
    restricted = " (restricted)" if session.is_restricted else ""
    return f"{start:%a %d %b %H:%M} · {session.title}{restricted}"


def checkpoints(edition) -> list[Checkpoint]:
    """The venue entrance, then every scheduled session of ``edition`` in time order."""
    out = [Checkpoint("venue", "Venue entrance")]
    for session in _sessions(edition):
        out.append(Checkpoint(f"session:{session.id}", session_label(session, edition), session))
    return out


def door_checkpoints(edition) -> dict[str, list[Checkpoint]]:
    """The scanner's checkpoint list: the venue, then per day the sessions that need a door
    (restricted or capacity-limited), then the other sessions; never breaks."""
    groups: dict[str, list[Checkpoint]] = {"Venue": [Checkpoint("venue", "Venue entrance")]}
    others: list[Checkpoint] = []
    for point in checkpoints(edition)[1:]:
        session = point.session
        if session.type is not None and session.type.is_break:
            continue
        if session.is_restricted or _room_capacity(session):
            day = session.starts_at.astimezone(edition.tz).strftime("%A %d %B")
            groups.setdefault(f"{day} · doors", []).append(point)
        else:
            others.append(point)
    if others:
        groups["Other sessions"] = others
    return groups


def resolve_checkpoint(edition, value) -> Checkpoint:
    """``"venue"``, a session id (number or digits) or ``"session:<id>"`` → Checkpoint."""
    from conference.programme.models import ProgrammeSession, SessionState

    if isinstance(value, bool) or value is None:
        raise BadRequest('Give the checkpoint: "venue" or a session id.', code="bad_checkpoint")
    if isinstance(value, str):
        text = value.strip()
        if text == "venue":
            return Checkpoint("venue", "Venue entrance")
        text = text.removeprefix("session:")
        if not text.isdigit() or len(text) > 12:
            raise BadRequest(
                'The checkpoint must be "venue" or a session id.', code="bad_checkpoint"
            )
        value = int(text)
    if not isinstance(value, int) or value <= 0 or value >= 2**31:
        raise BadRequest('The checkpoint must be "venue" or a session id.', code="bad_checkpoint")
    session = db.session.get(ProgrammeSession, value)
    if (
        session is None
        or session.edition_id != edition.id
        or session.state == SessionState.CANCELLED
    ):
        raise BadRequest(
            "There is no such session in this edition to check in to.", code="unknown_checkpoint"
        )
    return Checkpoint(f"session:{session.id}", session_label(session, edition), session)


def parse_scan_id(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest("scan_id must be a UUID string.", code="bad_scan_id")
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise BadRequest("scan_id must be a UUID.", code="bad_scan_id")


def parse_scanned_at(value, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise BadRequest("scanned_at must be an ISO 8601 time.", code="bad_scanned_at")
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest("scanned_at must be an ISO 8601 time.", code="bad_scanned_at")
    if moment.tzinfo is None:
        raise BadRequest("scanned_at needs a time zone (e.g. …Z).", code="bad_scanned_at")
    moment = moment.astimezone(dt.UTC)
    if moment > now + MAX_FUTURE_SKEW:
        raise BadRequest("scanned_at is in the future.", code="bad_scanned_at")
    if moment < now - MAX_OFFLINE_AGE:
        raise BadRequest("scanned_at is too far in the past.", code="bad_scanned_at")
    return moment


# --- the decision ------------------------------------------------------------------------


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
    decision = _decide_holder(edition, checkpoint, badge, registration)
    decision.first_admitted_at = first
    return decision


def _decide_holder(edition, checkpoint, badge, registration) -> Decision:
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
    from flask import current_app

    limit = current_app.config["INVALID_SCANS_LOGGED_PER_MINUTE"]
    minute = now.replace(second=0, microsecond=0)
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
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


def _outcome_of(edition, scan: Scan, replayed: bool) -> ScanOutcome:
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


def _existing_scan(edition, scan_id: str | None) -> Scan | None:
    if scan_id is None:
        return None
    return db.session.scalar(
        sa.select(Scan).where(Scan.edition_id == edition.id, Scan.scan_id == scan_id)
    )


def parse_direction(value) -> str:
    if value is None:
        return ScanDirection.IN
    if value not in (ScanDirection.IN, ScanDirection.OUT):
        raise BadRequest('direction must be "in" or "out".', code="bad_direction")
    return ScanDirection(value)


def _commit_keeping_objects() -> None:
    """Commit without expiring the loaded objects: the answer is built from them, and
    reloading them only to say what we already know cost five statements per scan."""
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous


def _record(edition, scan: Scan, decision: Decision) -> Scan | ScanOutcome:
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
    existing = _existing_scan(edition, scan.scan_id)
    if existing is not None:
        return _outcome_of(edition, existing, True)
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
        raise BadRequest("offline must be true or false.", code="bad_offline")
    if code is not None and not isinstance(code, str):
        raise BadRequest("code must be a string (the text of the QR code).", code="bad_code")
    scanned = moment or now
    is_offline = bool(offline) or (moment is not None and now - moment > OFFLINE_THRESHOLD)

    decision = decide(edition, point, code or "", scan_id)
    if decision.replay is not None:
        return _outcome_of(edition, decision.replay, True)
    result, reason = decision.result, decision.reason
    if reason == "invalid_code":
        existing = _existing_scan(edition, scan_id)
        if existing is not None:
            return _outcome_of(edition, existing, True)
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
    recorded = _record(edition, scan, decision)
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
    _commit_keeping_objects()
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


# --- the scanner bundle ------------------------------------------------------------------


def _individually_cleared(edition, session_ids: list[int]) -> dict[int, set[int]]:
    """Per restricted session: user ids on its invitation list, its speakers and its chair."""
    from conference.programme.models import ProgrammeSession, SessionInvitation, SessionSpeaker

    people: dict[int, set[int]] = {sid: set() for sid in session_ids}
    if not session_ids:
        return people
    rows = db.session.execute(
        sa.union_all(
            sa.select(SessionInvitation.session_id, SessionInvitation.user_id).where(
                SessionInvitation.session_id.in_(session_ids)
            ),
            sa.select(SessionSpeaker.session_id, SessionSpeaker.user_id).where(
                SessionSpeaker.session_id.in_(session_ids), SessionSpeaker.user_id.is_not(None)
            ),
            sa.select(ProgrammeSession.id, ProgrammeSession.chair_id).where(
                ProgrammeSession.id.in_(session_ids), ProgrammeSession.chair_id.is_not(None)
            ),
        )
    ).all()
    for session_id, user_id in rows:
        people[session_id].add(user_id)
    return people


def scanner_bundle(edition) -> dict:
    """What a scanner needs to decide offline: keys, revocations and each door's rules."""
    from conference.programme.models import AccessPolicy

    keys = signing.public_keys(edition.year)
    revoked = db.session.execute(
        sa.select(Badge.id, Badge.version, Badge.registration_id).where(
            Badge.edition_id == edition.id, Badge.state == BadgeState.REVOKED
        )
    ).all()
    not_accredited = sorted(
        db.session.scalars(
            sa.select(Badge.id)
            .join(Registration, Badge.registration_id == Registration.id)
            .where(
                Badge.edition_id == edition.id,
                Badge.state == BadgeState.VALID,
                Registration.state != RegistrationState.ACCREDITED,
            )
        )
    )
    privileged = set(
        db.session.scalars(
            sa.select(RoleAssignment.user_id).where(
                RoleAssignment.edition_id == edition.id,
                RoleAssignment.role.in_([Role.ORGANISER, Role.STAFF]),
            )
        )
    )
    from conference.accounts.models import User

    privileged |= set(db.session.scalars(sa.select(User.id).where(User.is_admin.is_(True))))
    points = [
        {
            "id": "venue",
            "label": "Venue entrance",
            "access": "venue",
            "categories": None,
            "badge_ids": [],
        }
    ]
    valid_badge_of_user = dict(
        db.session.execute(
            sa.select(Registration.user_id, Badge.id)
            .join(Registration, Badge.registration_id == Registration.id)
            .where(
                Badge.edition_id == edition.id,
                Badge.state == BadgeState.VALID,
                Registration.state == RegistrationState.ACCREDITED,
                Registration.user_id.is_not(None),
            )
        ).all()
    )
    sessions = checkpoints(edition)[1:]
    cleared = _individually_cleared(
        edition, [p.session.id for p in sessions if p.session.access != AccessPolicy.OPEN]
    )
    for point in sessions:
        session = point.session
        entry = {
            "id": session.id,
            "label": point.label,
            "access": session.access,
            "categories": None,
            "badge_ids": [],
        }
        if session.access != AccessPolicy.OPEN:
            entry["categories"] = (
                sorted(c.code for c in session.categories)
                if session.access == AccessPolicy.CATEGORIES
                else []
            )
            people = cleared[session.id] | privileged
            entry["badge_ids"] = sorted(
                valid_badge_of_user[uid] for uid in people if uid in valid_badge_of_user
            )
        points.append(entry)
    return {
        "edition": edition.year,
        "title": edition.title,
        "generated_at": utcnow().isoformat().replace("+00:00", "Z"),
        "code_format": "EF1",
        "public_keys": [
            {
                "alg": "Ed25519",
                "raw": signing.b64url(signing.raw_public(key)),
                "jwk": signing.jwk(key),
                "current": current,
            }
            for key, current in keys
        ],
        "revoked": [
            {"badge_id": row.id, "version": row.version, "registration_id": row.registration_id}
            for row in revoked
        ],
        "revoked_badge_ids": sorted({row.id for row in revoked}),
        "not_accredited_badge_ids": not_accredited,
        "checkpoints": points,
    }


# --- organisers: counts and the scan log -------------------------------------------------


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
                "label": f"{key} (no longer scheduled)",
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
    from conference.accounts.models import User

    return db.session.execute(
        sa.select(InvalidScanCount, User.email.label("staff_email"))
        .outerjoin(User, InvalidScanCount.staff_id == User.id)
        .where(InvalidScanCount.edition_id == edition.id)
        .order_by(InvalidScanCount.minute.desc(), InvalidScanCount.id.desc())
        .limit(limit)
    ).all()


def scan_log_query(edition, *, checkpoint=None, result=None, since=None, until=None):
    from conference.accounts.models import User

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


# --- when the code cannot be read: lookup ------------------------------------------------

LOOKUP_LIMIT = 20


def find_attendees(edition, query: str, *, limit: int = LOOKUP_LIMIT) -> list[dict]:
    """Registrations of ``edition`` whose name, organisation or printed badge number matches
    ``query``: only what the door needs (no e-mail, no photo, nothing of other editions)."""
    from conference.accreditation.models import AccreditationCategory

    text = (query or "").strip()
    if len(text) > 100:
        raise BadRequest("The search text is too long (at most 100 characters).", code="bad_q")
    if not text or (len(text) < 2 and not text.isdigit()):
        raise BadRequest(
            "Give at least two letters of the name or organisation, or the badge number.",
            code="bad_q",
        )

    def like(value: str) -> str:
        return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    # lower() on both sides (Unicode-aware on PostgreSQL), and the text as typed (SQLite's
    # lower() and LIKE fold ASCII only, so "Ørsted" still finds "Ørsted").
    matches = [
        sa.func.lower(column).like(like(text.lower()), escape="\\")
        for column in (Registration.full_name, Registration.organisation)
    ] + [
        column.like(like(text), escape="\\")
        for column in (Registration.full_name, Registration.organisation)
    ]
    if text.isdigit() and len(text) <= 9:
        matches.append(Badge.number == int(text))
    category = so.aliased(AccreditationCategory)
    rows = db.session.execute(
        sa.select(Registration, Badge.number, category.name)
        .outerjoin(
            Badge,
            sa.and_(Badge.registration_id == Registration.id, Badge.state == BadgeState.VALID),
        )
        .outerjoin(
            category,
            category.id
            == sa.func.coalesce(Registration.category_id, Registration.requested_category_id),
        )
        .where(Registration.edition_id == edition.id, sa.or_(*matches))
        .order_by(Registration.full_name, Registration.id)
        .limit(limit)
    ).all()
    return [
        {
            "name": registration.full_name,
            "organisation": registration.organisation,
            "category": category_name,
            "state": registration.state,
            "badge_number": number,
        }
        for registration, number, category_name in rows
    ]


# --- when the code cannot be read: manual admission --------------------------------------

MANUAL_REASONS = {
    ManualReason.FORGOTTEN_BADGE: "Forgotten badge",
    ManualReason.UNREADABLE_PRINT: "Unreadable print",
    ManualReason.ORGANISER_OVERRIDE: "Organiser override",
}


def admit_manually(
    edition, *, badge_number, checkpoint, reason, staff, may_override: bool = False
) -> ScanOutcome:
    """Admit (or refuse) the holder of the badge with the printed ``badge_number`` without
    reading its code, for ``reason`` (a ManualReason). The door's usual decision applies;
    only ``organiser_override`` turns a denial into an admission, and only when
    ``may_override`` (an organiser). Recorded as a scan with ``manual_reason`` and audited
    with the staff member."""
    if reason not in MANUAL_REASONS:
        raise BadRequest(
            "Give the reason: forgotten_badge, unreadable_print or organiser_override.",
            code="bad_manual_reason",
        )
    reason = ManualReason(reason)
    if reason == ManualReason.ORGANISER_OVERRIDE and not may_override:
        raise NotAllowed("Only an organiser can admit someone the door denies.")
    if isinstance(badge_number, bool) or not isinstance(badge_number, int | str):
        raise BadRequest("Give the badge number printed on the badge.", code="bad_badge_number")
    text = str(badge_number).strip()
    if not text.isdigit() or len(text) > 9:
        raise BadRequest("The badge number is a whole number.", code="bad_badge_number")
    point = resolve_checkpoint(edition, checkpoint)
    badge = db.session.scalar(
        sa.select(Badge)
        .where(
            Badge.edition_id == edition.id,
            Badge.number == int(text),
            Badge.state == BadgeState.VALID,
        )
        .options(so.joinedload(Badge.registration))
    )
    if badge is None:
        raise BadRequest(
            "There is no valid badge with this number in this edition.", code="unknown_badge"
        )
    registration = badge.registration
    decision = _decide_holder(edition, point, badge, registration)
    overridden = decision.reason
    if decision.result == ScanResult.DENIED and reason == ManualReason.ORGANISER_OVERRIDE:
        decision = Decision(ScanResult.ADMITTED, None, badge, registration)
    result = decision.result
    now = utcnow()
    first = None
    if result == ScanResult.ADMITTED:
        first = first_admitted_at(edition, point.key, registration.id)
        if first is not None:
            result = ScanResult.ADMITTED_AGAIN
        else:
            first = now
    decision.first_admitted_at = first
    scan = Scan(
        edition_id=edition.id,
        checkpoint=point.key,
        session_id=point.session.id if point.session is not None else None,
        badge_id=badge.id,
        registration_id=registration.id,
        result=result,
        reason=decision.reason,
        staff_id=staff.id,
        scanned_at=now,
        received_at=now,
        direction=ScanDirection.IN,
        manual_reason=reason,
    )
    recorded = _record(edition, scan, decision)
    if isinstance(recorded, ScanOutcome):  # pragma: no cover - manual scans have no scan_id
        return recorded
    audit.record(
        staff,
        "checkin.manual",
        recorded,
        edition=edition.id,
        registration=registration.id,
        checkpoint=point.key,
        reason=reason,
        result=recorded.result,
        overrides=overridden if reason == ManualReason.ORGANISER_OVERRIDE else None,
    )
    outcome = ScanOutcome(
        recorded.result,
        recorded.reason,
        attendee_json(registration),
        decision.first_admitted_at if recorded.result != ScanResult.DENIED else None,
        manual_reason=reason,
        scan_id=recorded.id,
    )
    _commit_keeping_objects()
    return outcome


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
        capacity = _room_capacity(point.session)
    return Presence(
        checkpoint_key,
        len(today),
        sum(1 for direction in last.values() if direction == ScanDirection.IN),
        capacity,
        sorted(quarters.items()),
    )


def _room_capacity(session) -> int | None:
    for name in ("capacity", "seats"):
        value = getattr(session, name, None)
        if isinstance(value, int) and value > 0:
            return value
    room = getattr(session, "room", None)
    value = getattr(room, "capacity", None) if room is not None else None
    return value if isinstance(value, int) and value > 0 else None
