"""Cloning an edition: the set-up of 2025 carries into 2027 (and 2029) in minutes.

Copied: the edition's settings (the call's, the review form's and the badge layout's among
them) and mail templates, here; then, by each area's handler of ``edition_cloned``,
accreditation categories, rooms, tracks, session types, submission types and, optionally, the
programme skeleton (sessions without speakers, invitations or bookings), with every date
shifted. Never copied: registrations, submissions, reviews, badges, keys, scans. Role
assignments are only *offered* (``role_offers``) and granted after confirmation.
The whole clone is one transaction: on any error nothing is left half-made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from conference import audit
from conference.accounts.models import RoleAssignment, User
from conference.accounts.services import grant_role
from conference.db import copy_row
from conference.editions.models import Edition, EditionState, MailTemplate, ReminderSetting
from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.signals import edition_cloned, roles_carried

EDITION_SETTINGS = (
    "title",
    "acronym",
    "venue",
    "address",
    "timezone",
    "capacity",
    "cfp_guidance",
    "reviewers_per_submission",
    "review_guidance",
    "badge_footer",
    "badge_show_country",
    "badge_show_organisation",
    "withdrawn_talks",
    "conflict_free_domains",
    "languages",
    "title_translations",
    "description",
    "waitlist_mode",
    "waitlist_offer_days",
    "tlp_default",
)
EDITION_TIMES = (
    "registration_opens_at",
    "registration_closes_at",
    "cfp_opens_at",
    "cfp_closes_at",
    "review_deadline",
)


@dataclass
class CloneResult:
    edition: Edition
    counts: dict[str, int]


def _retitle(title: str, old_year: int, new_year: int) -> str:
    return title.replace(str(old_year), str(new_year))


def clone_edition(
    source: Edition,
    new_year: int,
    *,
    shift_days: int | None = None,
    with_programme: bool = False,
    actor=None,
) -> CloneResult:
    """Create edition ``new_year`` as a draft copy of ``source`` (see module docstring).

    ``shift_days`` defaults to the whole number of weeks closest to the year difference,
    so that weekdays are kept (a Wednesday conference stays on a Wednesday).
    """
    if not isinstance(new_year, int) or not 2000 <= new_year <= 2200:
        raise DomainError(_("The new edition's year must be between 2000 and 2200."))
    if db.session.scalar(sa.select(Edition.id).where(Edition.year == new_year)) is not None:
        raise Conflict(_("An edition %(year)s already exists.", year=new_year))
    if shift_days is None:
        shift_days = round((new_year - source.year) * 365.2425 / 7) * 7
    if abs(shift_days) > 365 * 50:
        raise DomainError(_("The date shift is too large."))
    delta = dt.timedelta(days=shift_days)

    try:
        counts: dict[str, int] = {}
        edition = Edition(
            year=new_year,
            state=EditionState.DRAFT,
            start_date=source.start_date + delta,
            end_date=source.end_date + delta,
            cloned_from_id=source.id,
            **{key: getattr(source, key) for key in EDITION_SETTINGS},
        )
        edition.title = _retitle(source.title, source.year, new_year)
        edition.acronym = _retitle(source.acronym, source.year, new_year)
        for key in EDITION_TIMES:
            value = getattr(source, key)
            setattr(edition, key, value + delta if value is not None else None)
        db.session.add(edition)
        db.session.flush()

        templates = db.session.scalars(
            sa.select(MailTemplate).where(MailTemplate.edition_id == source.id)
        ).all()
        for template in templates:
            db.session.add(copy_row(template, edition_id=edition.id))
        counts["mail_templates"] = len(templates)
        # The organisers' reminder choices carry over (editions.reminders).
        for setting in db.session.scalars(
            sa.select(ReminderSetting).where(ReminderSetting.edition_id == source.id)
        ):
            db.session.add(copy_row(setting, edition_id=edition.id))

        # The set-up of the other areas (categories, rooms, tracks, types, the programme
        # skeleton) is copied by their handlers, in this transaction; each returns its counts.
        parts = {"setup", "programme"} if with_programme else {"setup"}
        replies = edition_cloned.send(
            edition, source=source, parts=frozenset(parts), mapping={}, actor=actor
        )
        # Handlers run in no guaranteed order: their counts are listed by area, the same each time.
        for _handler, part_counts in sorted(replies, key=lambda reply: reply[0].__module__):
            counts.update(part_counts or {})

        audit.record(
            actor,
            "edition.clone",
            edition,
            edition=edition,
            source_year=source.year,
            shift_days=shift_days,
            with_programme=with_programme,
            **counts,
        )
        db.session.flush()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return CloneResult(edition=edition, counts=counts)


@dataclass(frozen=True)
class RoleOffer:
    user: User
    role: str

    @property
    def key(self) -> str:
        return f"{self.user.id}:{self.role}"


def role_offers(edition: Edition) -> list[RoleOffer]:
    """Roles held in the source edition that the cloned edition does not have yet."""
    if edition.cloned_from_id is None:
        return []
    held = set(
        db.session.execute(
            sa.select(RoleAssignment.user_id, RoleAssignment.role).where(
                RoleAssignment.edition_id == edition.id
            )
        ).all()
    )
    source_roles = db.session.scalars(
        sa.select(RoleAssignment)
        .where(RoleAssignment.edition_id == edition.cloned_from_id)
        .order_by(RoleAssignment.role, RoleAssignment.user_id)
    )
    return [
        RoleOffer(a.user, a.role)
        for a in source_roles
        if (a.user_id, a.role) not in held and a.user.is_active
    ]


def confirm_roles(edition: Edition, keys: set[str], *, actor=None) -> list[RoleOffer]:
    """Grant the offered roles whose ``key`` is in ``keys``; reviewers keep their expertise
    (review's handler of ``roles_carried``)."""
    granted = []
    source = db.session.get(Edition, edition.cloned_from_id) if edition.cloned_from_id else None
    for offer in role_offers(edition):
        if offer.key not in keys:
            continue
        grant_role(offer.user, edition, offer.role, actor=actor, notify=True)
        granted.append(offer)
    if granted and source is not None:
        roles_carried.send(
            edition, source=source, granted=[(o.user, o.role) for o in granted], actor=actor
        )
    db.session.commit()
    return granted
