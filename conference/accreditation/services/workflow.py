"""The decision workflow: every state change goes through ``transition``.

It checks the workflow, locks what a limit depends on (quotas, capacity), records a
``RegistrationEvent`` and an audit entry, queues a mail to the attendee and sends
``conference.signals.registration_changed`` (badges, bookings… react to it). The caller
commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit
from conference.accreditation.models import AccreditationCategory, EndorsementState, Registration
from conference.accreditation.models import RegistrationState as S
from conference.accreditation.services.common import (
    DECISIONS,
    MAX_TEXT,
    OPEN_STATES,
    REASON_REQUIRED,
    TRANSITIONS,
    _event,
    _mail_attendee,
    state_label,
)
from conference.accreditation.services.holds import held_places
from conference.db import utcnow
from conference.editions.models import Edition
from conference.editions.services import ensure_writable
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.query_args import DB_INT_MAX
from conference.signals import registration_changed


def _lock_edition(edition: Edition) -> Edition:
    return db.session.scalars(
        sa.select(Edition)
        .where(Edition.id == edition.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _lock_registration(registration: Registration) -> Registration:
    return db.session.scalars(
        sa.select(Registration)
        .where(Registration.id == registration.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _lock_category(category: AccreditationCategory) -> AccreditationCategory:
    return db.session.scalars(
        sa.select(AccreditationCategory)
        .where(AccreditationCategory.id == category.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def accredited_count(edition_id: int, category_id: int | None = None) -> int:
    stmt = sa.select(sa.func.count(Registration.id)).where(
        Registration.edition_id == edition_id, Registration.state == S.ACCREDITED
    )
    if category_id is not None:
        stmt = stmt.where(Registration.category_id == category_id)
    return db.session.scalar(stmt) or 0


def _check_limits(
    edition: Edition, category: AccreditationCategory, registration: Registration | None = None
) -> None:
    """Refuse an accreditation past the category's quota or the edition's capacity.

    Called with the edition and category rows locked (PostgreSQL), so that two parallel
    accreditations count one after the other. Places held for others (offers from the waiting
    list, reserving invitations: ``holds``) count as taken; ``registration``'s own hold not.
    """
    own = registration.id if registration is not None else None
    if (
        category.quota is not None
        and accredited_count(edition.id, category.id)
        + held_places(edition.id, category.id, exclude_registration_id=own)
        >= category.quota
    ):
        raise Conflict(
            _(
                "The quota of the category %(name)s (%(quota)d) is reached.",
                name=category.name,
                quota=category.quota,
            ),
            code="quota_reached",
        )
    if (
        edition.capacity is not None
        and accredited_count(edition.id) + held_places(edition.id, exclude_registration_id=own)
        >= edition.capacity
    ):
        raise Conflict(
            _(
                "The edition's capacity (%(capacity)d accredited attendees) is reached.",
                capacity=edition.capacity,
            ),
            code="capacity_reached",
        )


def needs_decision_note(registration: Registration, category: AccreditationCategory) -> bool:
    """Accrediting without an endorsement where a nomination is required needs a reason."""
    required = registration.requested_category.requires_nomination or category.requires_nomination
    return required and registration.endorsement != EndorsementState.ENDORSED


def transition(
    registration: Registration,
    to_state: str,
    actor,
    *,
    reason: str = "",
    category: AccreditationCategory | None = None,
    notify: bool = True,
) -> Registration:
    """Move ``registration`` to ``to_state`` if the workflow and the limits allow it."""
    reason = (reason or "").strip()
    if len(reason) > MAX_TEXT:
        raise DomainError(_("The reason is too long (at most %(max)d characters).", max=MAX_TEXT))
    edition = registration.edition
    ensure_writable(actor, edition)
    # Lock order everywhere: edition, then category, then registration (no deadlocks).
    edition = _lock_edition(edition)
    if to_state == S.ACCREDITED:
        category = category or registration.category or registration.requested_category
        if category.edition_id != edition.id:
            raise NotFound(_("There is no such category in this edition."))
        category = _lock_category(category)
    registration = _lock_registration(registration)
    from_state = registration.state
    if to_state not in TRANSITIONS.get(from_state, frozenset()):
        raise Conflict(
            _(
                "A registration that is %(state)s cannot be %(target)s.",
                state=state_label(from_state).lower(),
                target=state_label(to_state).lower(),
            ),
            code="invalid_transition",
        )
    if to_state in REASON_REQUIRED and not reason:
        raise DomainError(
            _("Please give a reason: it is sent to the attendee."), code="reason_needed"
        )
    now = utcnow()
    if to_state == S.ACCREDITED:
        if needs_decision_note(registration, category) and not reason:
            raise DomainError(
                _(
                    "This category needs a nomination and the nominating authority has not "
                    "endorsed this registration: record why you accredit it anyway."
                ),
                code="note_needed",
            )
        _check_limits(edition, category, registration)
        registration.category_id = category.id
        registration.category = category
    registration.state = to_state
    if to_state != S.CANCELLED:
        registration.decided_at = now
        registration.decision_reason = reason
    db.session.flush()
    _event(registration, from_state, to_state, actor, reason)
    audit.record(
        actor,
        f"registration.{to_state}",
        registration,
        edition=edition,
        from_state=from_state,
        category=registration.category.code if registration.category else None,
        reason=reason,
    )
    if notify:
        _mail_attendee(
            registration,
            f"accreditation_{to_state}",
            _subject(to_state, edition.acronym or edition.title),
            reason=reason,
        )
    registration_changed.send(
        registration,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
    )
    return registration


def _subject(to_state: str, edition: str):
    """The subject of the attendee's mail about ``to_state``: lazy, so that it comes out in
    the recipient's language."""
    subjects = {
        S.ACCREDITED: _l("You are accredited: %(edition)s", edition=edition),
        S.REJECTED: _l("Your registration was not accepted: %(edition)s", edition=edition),
        S.WAITLISTED: _l("Your registration is on the waiting list: %(edition)s", edition=edition),
        S.REVOKED: _l("Your accreditation was withdrawn: %(edition)s", edition=edition),
        S.CANCELLED: _l("Your registration is cancelled: %(edition)s", edition=edition),
    }
    return subjects[to_state]


def decide(
    registration: Registration,
    action: str,
    actor,
    *,
    reason: str = "",
    category: AccreditationCategory | None = None,
) -> Registration:
    """An organiser's decision: accredit (as ``category``), reject, waitlist or revoke."""
    to_state = DECISIONS.get(action)
    if to_state is None:
        raise DomainError(_("Choose accredit, reject, waitlist or revoke."), code="bad_action")
    return transition(registration, to_state, actor, reason=reason, category=category)


def cancel(registration: Registration, user) -> Registration:
    """The attendee cancels their own open registration."""
    if registration.user_id != getattr(user, "id", None):
        raise NotAllowed(_("This is not your registration."))
    if registration.state not in OPEN_STATES:
        raise Conflict(
            _(
                "Your registration is already %(state)s.",
                state=state_label(registration.state).lower(),
            ),
            code="invalid_transition",
        )
    return transition(registration, S.CANCELLED, user)


@dataclass
class BulkResult:
    done: list[Registration]
    failed: list[tuple[int, str, str]]  # (registration id, name, why)


def bulk_decide(
    edition: Edition,
    registration_ids: Iterable,
    action: str,
    actor,
    *,
    reason: str = "",
    category: AccreditationCategory | None = None,
) -> BulkResult:
    """Decide several registrations; each succeeds or is reported with the reason it failed."""
    if action not in ("accredit", "reject", "waitlist"):
        raise DomainError(_("Bulk decisions are accredit, reject or waitlist."), code="bad_action")
    ids: list[int] = []
    for raw in registration_ids:
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise DomainError(_("The selection contains an invalid registration.")) from None
        if not 0 < value <= DB_INT_MAX:
            raise DomainError(_("The selection contains an invalid registration."))
        if value not in ids:
            ids.append(value)
    if not ids:
        raise DomainError(_("Select at least one registration."), code="empty_selection")
    if len(ids) > 1000:
        raise DomainError(_("Select at most 1000 registrations at a time."))
    result = BulkResult(done=[], failed=[])
    for registration_id in sorted(ids):
        registration = db.session.get(Registration, registration_id)
        if registration is None or registration.edition_id != edition.id:
            result.failed.append((registration_id, "", _("not a registration of this edition")))
            continue
        name = registration.full_name or f"#{registration.id}"
        try:
            with db.session.begin_nested():
                decide(registration, action, actor, reason=reason, category=category)
        except DomainError as exc:
            db.session.refresh(registration)
            result.failed.append((registration_id, name, exc.message))
        else:
            result.done.append(registration)
    audit.record(
        actor,
        "registration.bulk",
        ("Edition", edition.id),
        edition=edition,
        decision=action,
        category=category.code if category else None,
        done=[r.id for r in result.done],
        failed=[f[0] for f in result.failed],
    )
    return result


@dataclass
class BulkPlanRow:
    """One registration of a bulk decision as its confirmation shows it."""

    registration: Registration
    category: AccreditationCategory | None  # the category it would be accredited as
    problem: str  # why it would fail ("" when it would go through)


def bulk_plan(
    edition: Edition,
    registration_ids: Iterable[int],
    action: str,
    *,
    reason: str = "",
    category: AccreditationCategory | None = None,
) -> list[BulkPlanRow]:
    """What ``bulk_decide`` would do to each registration (nothing is changed).

    Registrations of other editions are left out; the rows say who would be decided, as which
    category, and who would be skipped and why (the workflow, a missing reason or note).
    """
    to_state = DECISIONS.get(action)
    rows: list[BulkPlanRow] = []
    taken: dict[int, int] = {}  # accreditations this plan adds, per category
    capacity_left = (
        edition.capacity - accredited_count(edition.id) if edition.capacity is not None else None
    )
    for registration_id in sorted(set(registration_ids)):
        registration = db.session.get(Registration, registration_id)
        if registration is None or registration.edition_id != edition.id:
            continue
        target = None
        if to_state == S.ACCREDITED:
            target = category or registration.category or registration.requested_category
        problem = ""
        if to_state not in TRANSITIONS.get(registration.state, frozenset()):
            problem = _("skipped: it is %(state)s", state=state_label(registration.state).lower())
        elif to_state in REASON_REQUIRED and not reason.strip():
            problem = _("skipped: a reason is needed")
        elif (
            target is not None and needs_decision_note(registration, target) and not reason.strip()
        ):
            problem = _("skipped: not endorsed by the nominating authority and no note given")
        elif target is not None:
            used = accredited_count(edition.id, target.id) + taken.get(target.id, 0)
            if target.quota is not None and used >= target.quota:
                problem = _(
                    "skipped: the quota of %(name)s (%(quota)d) is reached",
                    name=target.name,
                    quota=target.quota,
                )
            elif capacity_left is not None and capacity_left <= 0:
                problem = _(
                    "skipped: the edition's capacity (%(capacity)d) is reached",
                    capacity=edition.capacity,
                )
            else:
                taken[target.id] = taken.get(target.id, 0) + 1
                if capacity_left is not None:
                    capacity_left -= 1
        rows.append(BulkPlanRow(registration, target, problem))
    return rows
