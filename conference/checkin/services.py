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
from sqlalchemy.exc import IntegrityError

from conference.accounts.models import Role, RoleAssignment
from conference.accreditation.models import Registration, RegistrationState
from conference.badges import signing
from conference.badges.models import Badge, BadgeState
from conference.checkin.models import InvalidScanCount, Scan, ScanResult
from conference.db import utcnow
from conference.errors import DomainError
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


def _deny(reason: str, badge=None, registration=None) -> Decision:
    return Decision(ScanResult.DENIED, reason, badge, registration)


def decide(edition, checkpoint: Checkpoint, code) -> Decision:
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
    badge = db.session.scalar(sa.select(Badge).where(Badge.id == claims.badge_id).with_for_update())
    if (
        badge is None
        or badge.edition_id != edition.id
        or badge.version != claims.version
        or badge.category_code != claims.category_code
    ):
        return _deny("invalid_code")
    registration = badge.registration
    if badge.state != BadgeState.VALID:
        return _deny("revoked", badge, registration)
    if registration.state != RegistrationState.ACCREDITED or registration.user is None:
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
            Scan.result.in_([ScanResult.ADMITTED, ScanResult.ADMITTED_AGAIN]),
        )
    )


@dataclass
class ScanOutcome:
    scan: Scan | None  # None: an invalid code only counted in InvalidScanCount
    registration: Registration | None
    first_admitted_at: dt.datetime | None
    replayed: bool = False  # the same scan_id was recorded before

    @property
    def result(self) -> str:
        return self.scan.result if self.scan is not None else ScanResult.DENIED

    @property
    def reason(self) -> str | None:
        return self.scan.reason if self.scan is not None else "invalid_code"


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
    return ScanOutcome(scan, registration, first, replayed)


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
) -> ScanOutcome:
    """Decide, record the scan, and commit. The same ``scan_id`` is recorded once.

    A code that is not a badge of ours (``invalid_code``) is counted per ``device`` (who
    scans: ``token:<id>`` or ``user:<id>``), checkpoint and minute; only the first few of a
    minute get a scan row each, so a sweep of garbage codes cannot fill the scan table.
    """
    now = utcnow()
    point = resolve_checkpoint(edition, checkpoint)
    scan_id = parse_scan_id(scan_id)
    moment = parse_scanned_at(scanned_at, now)
    if offline is not None and not isinstance(offline, bool):
        raise BadRequest("offline must be true or false.", code="bad_offline")
    if code is not None and not isinstance(code, str):
        raise BadRequest("code must be a string (the text of the QR code).", code="bad_code")
    if scan_id is not None:
        existing = db.session.scalar(
            sa.select(Scan).where(Scan.edition_id == edition.id, Scan.scan_id == scan_id)
        )
        if existing is not None:
            return _outcome_of(edition, existing, True)
    scanned = moment or now
    is_offline = bool(offline) or (moment is not None and now - moment > OFFLINE_THRESHOLD)

    decision = decide(edition, point, code or "")
    result, reason = decision.result, decision.reason
    if reason == "invalid_code":
        device = device or (f"user:{staff.id}" if staff is not None else "anonymous")
        if not _count_invalid(edition, device, point.key, staff, now):
            db.session.commit()
            return ScanOutcome(None, None, None)
    first = None
    if result == ScanResult.ADMITTED:
        first = first_admitted_at(edition, point.key, decision.registration.id)
        if first is not None:
            result = ScanResult.ADMITTED_AGAIN
            if scanned < first:  # an offline scan arriving late was in fact the first
                first = scanned
        else:
            first = scanned
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
    )
    try:
        with db.session.begin_nested():
            db.session.add(scan)
    except IntegrityError:
        # The same scan_id arrived twice at once (an offline retry): keep the first.
        db.session.rollback()
        existing = db.session.scalar(
            sa.select(Scan).where(Scan.edition_id == edition.id, Scan.scan_id == scan_id)
        )
        if existing is None:
            raise
        return _outcome_of(edition, existing, True)
    db.session.commit()
    return ScanOutcome(scan, decision.registration, first)


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
