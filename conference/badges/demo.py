"""Demo badges (after the accreditation and programme steps): keys, badges, one revoked badge.

Creates the 2027 signing key in the key folder when neither it nor ``BADGE_SIGNING_KEY_2027``
exists, issues a badge to every accredited 2027 attendee, reissues one of them (so the demo
has a revoked badge that the scanner refuses), and makes sure there is a restricted session
whose door can be scanned. Idempotent.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conference.accreditation.models import (
    AccreditationCategory,
    Registration,
    RegistrationState,
)
from conference.badges import services, signing
from conference.badges.models import Badge, BadgeState
from conference.extensions import db
from conference.programme.models import AccessPolicy, ProgrammeSession

RESTRICTED_TITLE = "Closed-door meeting of national research security contact points"


def seed(demo) -> None:
    edition = demo.editions[2027]
    signing.ensure_key(edition.year)
    services.issue_missing(edition)
    db.session.flush()

    has_revoked = db.session.scalar(
        sa.select(sa.func.count(Badge.id)).where(
            Badge.edition_id == edition.id, Badge.state == BadgeState.REVOKED
        )
    )
    if not has_revoked:
        registration = db.session.scalar(
            sa.select(Registration)
            .where(
                Registration.edition_id == edition.id,
                Registration.state == RegistrationState.ACCREDITED,
            )
            .order_by(Registration.id)
        )
        if registration is not None:
            services.reissue_badge(registration, reason="lost badge (demo)")

    _restricted_session(edition)
    db.session.commit()


def _restricted_session(edition) -> None:
    """A session restricted to Member State experts, unless the programme has one already."""
    restricted = db.session.scalar(
        sa.select(ProgrammeSession.id).where(
            ProgrammeSession.edition_id == edition.id,
            ProgrammeSession.access != AccessPolicy.OPEN,
        )
    )
    if restricted is not None:
        return
    experts = db.session.scalar(
        sa.select(AccreditationCategory).where(
            AccreditationCategory.edition_id == edition.id, AccreditationCategory.code == "MSE"
        )
    )
    if experts is None:
        return
    start = dt.datetime.combine(edition.start_date, dt.time(14, 0), tzinfo=edition.tz)
    session = ProgrammeSession(
        edition_id=edition.id,
        title=RESTRICTED_TITLE,
        description="Exchange between the national contact points; Member State experts only.",
        starts_at=start.astimezone(dt.UTC),
        ends_at=(start + dt.timedelta(hours=1, minutes=30)).astimezone(dt.UTC),
        access=AccessPolicy.CATEGORIES,
        chatham_house=True,
    )
    session.categories = [experts]
    db.session.add(session)
