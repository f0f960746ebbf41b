"""When the code cannot be read: looking the holder up, admitting by printed badge number."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit
from conference.accreditation.models import AccreditationCategory, Registration
from conference.badges.models import Badge, BadgeState
from conference.checkin.models import ManualReason, Scan, ScanDirection, ScanResult
from conference.checkin.services.checkpoint import BadRequest, resolve_checkpoint
from conference.checkin.services.scanning import (
    OFFLINE_THRESHOLD,
    Decision,
    ScanOutcome,
    attendee_json,
    commit_keeping_objects,
    decide_holder,
    existing_scan,
    first_admitted_at,
    outcome_of,
    parse_scan_id,
    parse_scanned_at,
    record_scan,
)
from conference.db import utcnow
from conference.errors import NotAllowed
from conference.extensions import db

LOOKUP_LIMIT = 20


def find_attendees(edition, query: str, *, limit: int = LOOKUP_LIMIT) -> list[dict]:
    """Registrations of ``edition`` whose name, organisation or printed badge number matches
    ``query``: only what the door needs (no e-mail, no photo, nothing of other editions)."""
    text = (query or "").strip()
    if len(text) > 100:
        raise BadRequest(_("The search text is too long (at most 100 characters)."), code="bad_q")
    if not text or (len(text) < 2 and not text.isdigit()):
        raise BadRequest(
            _("Give at least two letters of the name or organisation, or the badge number."),
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
        sa.select(Registration, Badge.id, Badge.number, category.name)
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
            "badge_id": badge_id,
        }
        for registration, badge_id, number, category_name in rows
    ]


# --- when the code cannot be read: manual admission --------------------------------------

MANUAL_REASONS = {
    ManualReason.FORGOTTEN_BADGE: _l("Forgotten badge"),
    ManualReason.UNREADABLE_PRINT: _l("Unreadable print"),
    ManualReason.ORGANISER_OVERRIDE: _l("Organiser override"),
}


def admit_manually(
    edition,
    *,
    badge_number,
    checkpoint,
    reason,
    staff,
    may_override: bool = False,
    scan_id=None,
    scanned_at=None,
    offline: bool | None = None,
) -> ScanOutcome:
    """Admit (or refuse) the holder of the badge with the printed ``badge_number`` without
    reading its code, for ``reason`` (a ManualReason). The door's usual decision applies;
    only ``organiser_override`` turns a denial into an admission, and only when
    ``may_override`` (an organiser). Recorded as a scan with ``manual_reason`` and audited
    with the staff member. A scanner that admitted someone offline sends its ``scan_id`` and
    ``scanned_at``: the same scan_id is recorded once."""
    if reason not in MANUAL_REASONS:
        raise BadRequest(
            _("Give the reason: forgotten_badge, unreadable_print or organiser_override."),
            code="bad_manual_reason",
        )
    reason = ManualReason(reason)
    if reason == ManualReason.ORGANISER_OVERRIDE and not may_override:
        raise NotAllowed(_("Only an organiser can admit someone the door denies."))
    if isinstance(badge_number, bool) or not isinstance(badge_number, int | str):
        raise BadRequest(_("Give the badge number printed on the badge."), code="bad_badge_number")
    text = str(badge_number).strip()
    if not text.isdigit() or len(text) > 9:
        raise BadRequest(_("The badge number is a whole number."), code="bad_badge_number")
    point = resolve_checkpoint(edition, checkpoint)
    now = utcnow()
    scan_id = parse_scan_id(scan_id)
    moment = parse_scanned_at(scanned_at, now)
    if offline is not None and not isinstance(offline, bool):
        raise BadRequest(_("offline must be true or false."), code="bad_offline")
    replay = existing_scan(edition, scan_id)
    if replay is not None:
        return outcome_of(edition, replay, True)
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
            _("There is no valid badge with this number in this edition."), code="unknown_badge"
        )
    registration = badge.registration
    decision = decide_holder(edition, point, badge, registration)
    overridden = decision.reason
    if decision.result == ScanResult.DENIED and reason == ManualReason.ORGANISER_OVERRIDE:
        decision = Decision(ScanResult.ADMITTED, None, badge, registration)
    result = decision.result
    scanned = moment or now
    first = None
    if result == ScanResult.ADMITTED:
        first = first_admitted_at(edition, point.key, registration.id)
        if first is not None:
            result = ScanResult.ADMITTED_AGAIN
        else:
            first = scanned
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
        scan_id=scan_id,
        scanned_at=scanned,
        received_at=now,
        offline=bool(offline) or (moment is not None and now - moment > OFFLINE_THRESHOLD),
        direction=ScanDirection.IN,
        manual_reason=reason,
    )
    recorded = record_scan(edition, scan, decision)
    if isinstance(recorded, ScanOutcome):  # the same scan_id arrived twice at once
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
    commit_keeping_objects()
    return outcome
