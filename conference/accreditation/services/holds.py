"""Places held but not yet taken: what the quota and capacity checks count besides the
accredited registrations.

A place is held by an offer from the waiting list (until it is taken, passed on or lapses) and
by an invitation that reserves a place (until it is used, revoked or expires, and while the
registration made with it still waits for the organisers' decision). The registration a hold
belongs to is left out (``exclude_registration_id``) when it takes its own place.
"""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation.models import Registration, RegistrationInvitation, WaitlistEntry
from conference.accreditation.models import RegistrationState as S
from conference.db import utcnow
from conference.extensions import db


def held_places(
    edition_id: int,
    category_id: int | None = None,
    *,
    exclude_registration_id: int | None = None,
    now=None,
) -> int:
    """Places of the edition (of one category when ``category_id`` is given) held for someone."""
    now = now or utcnow()
    offers = sa.select(sa.func.count(WaitlistEntry.id)).where(
        WaitlistEntry.edition_id == edition_id, WaitlistEntry.state == "offered"
    )
    unused = sa.select(sa.func.count(RegistrationInvitation.id)).where(
        RegistrationInvitation.edition_id == edition_id,
        RegistrationInvitation.reserves_place.is_(True),
        RegistrationInvitation.revoked_at.is_(None),
        RegistrationInvitation.used_at.is_(None),
        RegistrationInvitation.expires_at > now,
    )
    undecided = (
        sa.select(sa.func.count(RegistrationInvitation.id))
        .join(Registration, Registration.id == RegistrationInvitation.registration_id)
        .where(
            RegistrationInvitation.edition_id == edition_id,
            RegistrationInvitation.reserves_place.is_(True),
            RegistrationInvitation.revoked_at.is_(None),
            Registration.state == S.SUBMITTED,
        )
    )
    if category_id is not None:
        offers = offers.where(WaitlistEntry.category_id == category_id)
        unused = unused.where(RegistrationInvitation.category_id == category_id)
        undecided = undecided.where(RegistrationInvitation.category_id == category_id)
    if exclude_registration_id is not None:
        offers = offers.where(WaitlistEntry.registration_id != exclude_registration_id)
        undecided = undecided.where(Registration.id != exclude_registration_id)
    return sum(db.session.scalar(stmt) or 0 for stmt in (offers, unused, undecided))
