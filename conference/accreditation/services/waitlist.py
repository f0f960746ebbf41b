"""The waiting list for accreditation, which moves by itself.

A waitlisted registration has a ``WaitlistEntry`` for its category; entries wait in order
(``created_at``, then ``id``). When a place frees (a cancellation, a revocation, a raised
quota, a lapsed or declined offer, a revoked or expired reserving invitation), ``fill_places``
gives that many places of that category (never more) to the first people waiting, while the
category has room: accredited at once (edition setting "automatic") or offered the place for
``Edition.waitlist_offer_days`` days ("offer"); "manual" leaves the list to the organisers.
Only categories with a quota move by themselves: without one a category is never full, and
its waitlisted registrations are the organisers' own pile.

Correctness under parallel changes: every path that frees or takes a place runs with the
edition row locked (``transition`` locks it first; ``fill_places`` locks it again, a no-op in
the same transaction), so two parallel cancellations promote one person each, one after the
other, and nobody is told twice. An offer is mailed once, when it is made; an offer not taken
by its deadline lapses (``expire_offers``, run by ``flask waitlist run`` from cron
or the worker job ``conference.accreditation.services.waitlist.run_waitlist``) and the
place passes to the next person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit
from conference.accreditation.models import (
    AccreditationCategory,
    Registration,
    RegistrationInvitation,
    WaitlistEntry,
)
from conference.accreditation.models import RegistrationState as S
from conference.accreditation.services.common import _mail_attendee
from conference.accreditation.services.holds import held_places
from conference.accreditation.services.workflow import (
    _lock_edition,
    accredited_count,
    transition,
)
from conference.db import utcnow
from conference.editions.models import Edition, EditionState
from conference.editions.services import ensure_writable
from conference.errors import Conflict, DomainError, NotAllowed
from conference.extensions import db

WAITLIST_MODES = {
    "automatic": _l("Accredit the first person waiting at once"),
    "offer": _l("Offer the place to the first person waiting for a number of days"),
    "manual": _l("Do nothing: the organisers decide"),
}
MAX_OFFER_DAYS = 60


# --- joining and leaving (called by the reaction to every state change) -------------------


def entry_for(registration: Registration) -> WaitlistEntry | None:
    return db.session.scalar(
        sa.select(WaitlistEntry).where(WaitlistEntry.registration_id == registration.id)
    )


def join(registration: Registration) -> WaitlistEntry:
    """Put a registration that has just been waitlisted at the end of its category's list."""
    entry = entry_for(registration)
    if entry is None:
        category_id = registration.category_id or registration.requested_category_id
        entry = WaitlistEntry(
            edition_id=registration.edition_id,
            registration_id=registration.id,
            category_id=category_id,
            state="waiting",
        )
        db.session.add(entry)
        db.session.flush()
    return entry


def leave(registration: Registration) -> None:
    """A registration that is no longer waitlisted leaves the list (and frees any offer)."""
    entry = entry_for(registration)
    if entry is not None:
        db.session.delete(entry)
        db.session.flush()


# --- places -------------------------------------------------------------------------------


def free_places(edition: Edition, category: AccreditationCategory, now=None) -> int | None:
    """How many places ``category`` can still give (None: it has no quota, so it is never
    full and its waiting list is left to the organisers). The edition's capacity caps it."""
    if category.quota is None:
        return None
    limits = [
        category.quota
        - accredited_count(edition.id, category.id)
        - held_places(edition.id, category.id, now=now)
    ]
    if edition.capacity is not None:
        limits.append(
            edition.capacity - accredited_count(edition.id) - held_places(edition.id, now=now)
        )
    return min(limits)


def _waiting(edition: Edition, category: AccreditationCategory | None) -> list[WaitlistEntry]:
    stmt = sa.select(WaitlistEntry).where(
        WaitlistEntry.edition_id == edition.id, WaitlistEntry.state == "waiting"
    )
    if category is not None:
        stmt = stmt.where(WaitlistEntry.category_id == category.id)
    return list(db.session.scalars(stmt.order_by(WaitlistEntry.created_at, WaitlistEntry.id)))


@dataclass
class Promotion:
    registration: Registration
    outcome: str  # "accredited" or "offered"


def fill_places(
    edition: Edition,
    category: AccreditationCategory | None = None,
    *,
    places: int | None = None,
    now=None,
) -> list[Promotion]:
    """Give freed places to the first people waiting; the caller commits.

    ``places`` is how many places the event freed (a cancellation frees one, a raised quota
    the difference): never more people than that are promoted, and only while the category
    has room, so a list the organisers keep beside free places is not emptied by an unrelated
    cancellation. ``category`` limits it to one category's list.
    """
    if edition.waitlist_mode not in ("automatic", "offer") or edition.state in (
        EditionState.ARCHIVED,
        EditionState.DRAFT,
    ):
        return []
    if places is not None and places <= 0:
        return []
    now = now or utcnow()
    edition = _lock_edition(edition)
    done: list[Promotion] = []
    skipped: set[int] = set()
    while places is None or len(done) < places:
        entry = None
        for candidate in _waiting(edition, category):
            if candidate.id in skipped:
                continue
            free = free_places(edition, candidate.category, now)
            if free is not None and free > 0:
                entry = candidate
                break
        if entry is None:
            break
        promotion = _promote(edition, entry, now)
        if promotion is None:
            skipped.add(entry.id)
        else:
            done.append(promotion)
    return done


def _promote(edition: Edition, entry: WaitlistEntry, now) -> Promotion | None:
    registration = entry.registration
    if edition.waitlist_mode == "offer":
        entry.state = "offered"
        entry.offered_at = now
        entry.offer_expires_at = now + dt.timedelta(days=edition.waitlist_offer_days)
        db.session.flush()
        audit.record(
            None,
            "waitlist.offer",
            registration,
            edition=edition,
            category=entry.category.code,
            expires_at=entry.offer_expires_at.isoformat(),
        )
        _mail_attendee(
            registration,
            "accreditation_waitlist_offer",
            _l(
                "A place is free for you: %(edition)s",
                edition=edition.acronym or edition.title,
            ),
            category=entry.category,
            expires_at=entry.offer_expires_at,
        )
        return Promotion(registration, "offered")
    try:
        with db.session.begin_nested():
            transition(
                registration,
                S.ACCREDITED,
                None,
                reason=_("A place became free and you were the next on the waiting list."),
                category=entry.category,
            )
    except DomainError:
        return None
    audit.record(None, "waitlist.accredit", registration, edition=edition,
                 category=registration.category.code)  # fmt: skip
    return Promotion(registration, "accredited")


# --- the person's side --------------------------------------------------------------------


@dataclass
class WaitlistStatus:
    state: str  # waiting, offered, lapsed
    category: AccreditationCategory
    position: int  # 1 = next in line (while waiting)
    expires_at: dt.datetime | None


def status(registration: Registration | None) -> WaitlistStatus | None:
    """Where a waitlisted registration stands: its position, or the place offered to it."""
    if registration is None or registration.state != S.WAITLISTED:
        return None
    entry = entry_for(registration)
    if entry is None:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count(WaitlistEntry.id)).where(
            WaitlistEntry.edition_id == entry.edition_id,
            WaitlistEntry.category_id == entry.category_id,
            WaitlistEntry.state == "waiting",
            sa.or_(
                WaitlistEntry.created_at < entry.created_at,
                sa.and_(WaitlistEntry.created_at == entry.created_at, WaitlistEntry.id < entry.id),
            ),
        )
    )
    return WaitlistStatus(entry.state, entry.category, (ahead or 0) + 1, entry.offer_expires_at)


def accept_offer(registration: Registration, user, *, now=None) -> Registration:
    """The person takes the place offered to them (before the offer's deadline)."""
    now = now or utcnow()
    if registration.user_id != getattr(user, "id", None):
        raise NotAllowed(_("This is not your registration."))
    _lock_edition(registration.edition)
    entry = entry_for(registration)
    if registration.state != S.WAITLISTED or entry is None or entry.state != "offered":
        raise Conflict(_("No place is offered to you at the moment."), code="no_offer")
    if entry.offer_expires_at is not None and entry.offer_expires_at <= now:
        raise Conflict(
            _("The offer has expired: the place has passed to the next person waiting."),
            code="offer_expired",
        )
    return transition(
        registration,
        S.ACCREDITED,
        user,
        reason=_("You took the place offered to you from the waiting list."),
        category=entry.category,
    )


# --- lapsed offers: the CLI command and the worker job -------------------------------------


def expire_offers(now=None) -> tuple[int, int]:
    """Offers past their deadline lapse (the person is told once); their places pass on.
    Returns how many lapsed and how many people were promoted."""
    now = now or utcnow()
    overdue = list(
        db.session.scalars(
            sa.select(WaitlistEntry)
            .where(WaitlistEntry.state == "offered", WaitlistEntry.offer_expires_at <= now)
            .order_by(WaitlistEntry.edition_id, WaitlistEntry.id)
        )
    )
    count = promoted = 0
    for entry in overdue:
        edition = _lock_edition(db.session.get(Edition, entry.edition_id))
        entry = db.session.scalars(
            sa.select(WaitlistEntry)
            .where(WaitlistEntry.id == entry.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if entry is None or entry.state != "offered":
            continue  # taken or passed on in parallel
        entry.state = "lapsed"
        entry.lapsed_at = now
        db.session.flush()
        audit.record(None, "waitlist.lapsed", entry.registration, edition=edition,
                     category=entry.category.code)  # fmt: skip
        _mail_attendee(
            entry.registration,
            "accreditation_waitlist_lapsed",
            _l(
                "The place offered to you has passed on: %(edition)s",
                edition=edition.acronym or edition.title,
            ),
            category=entry.category,
        )
        count += 1
        promoted += len(fill_places(edition, entry.category, places=1, now=now))
    return count, promoted


def release_expired_reservations(now=None) -> tuple[int, int]:
    """Places held by reserving invitations that expired unused pass to the waiting list.
    Returns how many were released and how many people were promoted."""
    now = now or utcnow()
    expired = list(
        db.session.scalars(
            sa.select(RegistrationInvitation)
            .where(
                RegistrationInvitation.reserves_place.is_(True),
                RegistrationInvitation.used_at.is_(None),
                RegistrationInvitation.revoked_at.is_(None),
                RegistrationInvitation.hold_released_at.is_(None),
                RegistrationInvitation.expires_at <= now,
            )
            .order_by(RegistrationInvitation.edition_id, RegistrationInvitation.id)
        )
    )
    promoted = 0
    for invitation in expired:
        edition = _lock_edition(db.session.get(Edition, invitation.edition_id))
        invitation.hold_released_at = now
        db.session.flush()
        promoted += len(fill_places(edition, invitation.category, places=1, now=now))
    return len(expired), promoted


def run_waitlist(now=None) -> dict[str, int]:
    """Lapse overdue offers and release the places of expired reserving invitations, each
    freed place going to the next person waiting; commits.

    The worker job and ``flask waitlist run`` (from cron) both run this."""
    now = now or utcnow()
    lapsed, promoted_after_lapse = expire_offers(now)
    released, promoted_after_release = release_expired_reservations(now)
    db.session.commit()
    return {
        "lapsed": lapsed,
        "released": released,
        "promoted": promoted_after_lapse + promoted_after_release,
    }


# --- the organisers' side -----------------------------------------------------------------


def waiting_list(edition: Edition) -> list[WaitlistEntry]:
    """The edition's list in order: by category, then offered, waiting and lapsed."""
    order = sa.case({"offered": 0, "waiting": 1}, value=WaitlistEntry.state, else_=2)
    return list(
        db.session.scalars(
            sa.select(WaitlistEntry)
            .join(AccreditationCategory, AccreditationCategory.id == WaitlistEntry.category_id)
            .where(WaitlistEntry.edition_id == edition.id)
            .order_by(
                AccreditationCategory.position,
                AccreditationCategory.name,
                order,
                WaitlistEntry.created_at,
                WaitlistEntry.id,
            )
        )
    )


def save_settings(edition: Edition, actor, mode: str, offer_days) -> None:
    """Change what happens when a place frees (from the next freed place on)."""
    ensure_writable(actor, edition)
    if mode not in WAITLIST_MODES:
        raise DomainError(_("Choose what happens when a place becomes free."), code="bad_mode")
    try:
        days = int(offer_days)
    except (TypeError, ValueError):
        raise DomainError(_("The offer period must be a number of days.")) from None
    if not 1 <= days <= MAX_OFFER_DAYS:
        raise DomainError(
            _("The offer period must be between 1 and %(max)d days.", max=MAX_OFFER_DAYS)
        )
    before = {
        "waitlist_mode": edition.waitlist_mode,
        "waitlist_offer_days": edition.waitlist_offer_days,
    }
    edition.waitlist_mode = mode
    edition.waitlist_offer_days = days
    audit.record(actor, "waitlist.settings", edition, edition=edition, before=before,
                 after={"waitlist_mode": mode, "waitlist_offer_days": days})  # fmt: skip
