"""Cloning an edition: the set-up of 2025 carries into 2027 (and 2029) in minutes.

Copied: accreditation categories, rooms, tracks, session types, submission types, the call's
and the review form's settings, mail templates, badge layout settings and, optionally, the
programme skeleton (sessions without speakers, invitations or bookings), with every date
shifted. Never copied: registrations, submissions, reviews, badges, keys, scans. Role
assignments are only *offered* (``role_offers``) and granted after confirmation.
The whole clone is one transaction: on any error nothing is left half-made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import RoleAssignment, User
from conference.accounts.services import grant_role
from conference.accreditation.models import AccreditationCategory
from conference.editions.models import Edition, EditionState, MailTemplate
from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.programme.models import ProgrammeSession, Room, SessionState, SessionType, Track
from conference.review.models import ReviewerExpertise
from conference.submissions.models import SubmissionType

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


def _copy(source, model, **overrides):
    """A new ``model`` row with the source's column values, minus id, plus ``overrides``."""
    values = {
        column.key: getattr(source, column.key)
        for column in model.__table__.columns
        if column.key not in ("id",)
    }
    values.update(overrides)
    return model(**values)


def _rows(model, edition: Edition):
    return list(db.session.scalars(sa.select(model).where(model.edition_id == edition.id)))


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
        raise DomainError("The new edition's year must be between 2000 and 2200.")
    if db.session.scalar(sa.select(Edition.id).where(Edition.year == new_year)) is not None:
        raise Conflict(f"An edition {new_year} already exists.")
    if shift_days is None:
        shift_days = round((new_year - source.year) * 365.2425 / 7) * 7
    if abs(shift_days) > 365 * 50:
        raise DomainError("The date shift is too large.")
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

        category_map: dict[int, AccreditationCategory] = {}
        for category in _rows(AccreditationCategory, source):
            copy = _copy(category, AccreditationCategory, edition_id=edition.id)
            db.session.add(copy)
            category_map[category.id] = copy
        counts["categories"] = len(category_map)

        maps: dict[type, dict[int, object]] = {}
        for model in (Room, Track, SessionType, SubmissionType):
            maps[model] = {}
            for row in _rows(model, source):
                copy = _copy(row, model, edition_id=edition.id)
                db.session.add(copy)
                maps[model][row.id] = copy
            counts[model.__tablename__] = len(maps[model])

        templates = _rows(MailTemplate, source)
        for template in templates:
            db.session.add(_copy(template, MailTemplate, edition_id=edition.id))
        counts["mail_templates"] = len(templates)
        db.session.flush()

        counts["sessions"] = 0
        if with_programme:
            sessions = db.session.scalars(
                sa.select(ProgrammeSession).where(ProgrammeSession.edition_id == source.id)
            )
            for session in sessions:
                if session.state == SessionState.CANCELLED:
                    continue
                copy = ProgrammeSession(
                    edition_id=edition.id,
                    title=session.title,
                    description=session.description,
                    type_id=_mapped(maps[SessionType], session.type_id),
                    track_id=_mapped(maps[Track], session.track_id),
                    room_id=_mapped(maps[Room], session.room_id),
                    starts_at=session.starts_at + delta,
                    ends_at=session.ends_at + delta,
                    capacity=session.capacity,
                    booking_required=session.booking_required,
                    chatham_house=session.chatham_house,
                    access=session.access,
                    categories=[category_map[c.id] for c in session.categories],
                )
                db.session.add(copy)
                counts["sessions"] += 1

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


def _mapped(mapping: dict[int, object], old_id: int | None) -> int | None:
    if old_id is None or old_id not in mapping:
        return None
    return mapping[old_id].id


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
    """Grant the offered roles whose ``key`` is in ``keys``; reviewers keep their expertise."""
    granted = []
    source = db.session.get(Edition, edition.cloned_from_id) if edition.cloned_from_id else None
    track_by_name = {
        t.name: t
        for t in db.session.scalars(sa.select(Track).where(Track.edition_id == edition.id))
    }
    for offer in role_offers(edition):
        if offer.key not in keys:
            continue
        grant_role(offer.user, edition, offer.role, actor=actor)
        granted.append(offer)
        if offer.role == "reviewer" and source is not None:
            _carry_expertise(offer.user, source, edition, track_by_name)
    db.session.commit()
    return granted


def _carry_expertise(user: User, source: Edition, edition: Edition, track_by_name) -> None:
    rows = db.session.execute(
        sa.select(Track.name)
        .join(ReviewerExpertise, ReviewerExpertise.track_id == Track.id)
        .where(ReviewerExpertise.user_id == user.id, ReviewerExpertise.edition_id == source.id)
    ).scalars()
    existing = set(
        db.session.scalars(
            sa.select(ReviewerExpertise.track_id).where(
                ReviewerExpertise.user_id == user.id, ReviewerExpertise.edition_id == edition.id
            )
        )
    )
    for name in rows:
        track = track_by_name.get(name)
        if track is not None and track.id not in existing:
            db.session.add(
                ReviewerExpertise(edition_id=edition.id, user_id=user.id, track_id=track.id)
            )
