"""The scanner bundle: what a scanner needs to decide offline exactly as the server would."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from conference.accounts.models import Role, RoleAssignment, User
from conference.accreditation.models import AccreditationCategory, Registration, RegistrationState
from conference.badges import signing
from conference.badges.models import Badge, BadgeState
from conference.checkin.services.checkpoint import checkpoint_labels, checkpoints
from conference.checkin.services.settings import exit_scan_checkpoints, names_offline
from conference.db import utcnow
from conference.extensions import db
from conference.permissions import Channel
from conference.programme.models import (
    AccessPolicy,
    ProgrammeSession,
    SessionInvitation,
    SessionSpeaker,
)


def _individually_cleared(edition, session_ids: list[int]) -> dict[int, set[int]]:
    """Per restricted session: user ids on its invitation list, its speakers and its chair."""
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


def _offline_attendees(edition, with_names: bool) -> list[dict]:
    """The accredited holders of valid badges, with only what a door lookup shows: the
    printed number and category always (admission by number offline), the name,
    organisation and category name only when the organisers allow names offline."""
    rows = db.session.execute(
        sa.select(
            Badge.id,
            Badge.number,
            Registration.full_name,
            Registration.organisation,
            AccreditationCategory.name,
            AccreditationCategory.code,
        )
        .join(Registration, Badge.registration_id == Registration.id)
        .outerjoin(AccreditationCategory, AccreditationCategory.id == Registration.category_id)
        .where(
            Badge.edition_id == edition.id,
            Badge.state == BadgeState.VALID,
            Registration.state == RegistrationState.ACCREDITED,
        )
        .order_by(Registration.full_name, Badge.id)
    ).all()
    return [
        {
            "badge_id": badge_id,
            "badge_number": number,
            "name": name if with_names else None,
            "organisation": organisation if with_names else None,
            "category": category if with_names else None,
            "category_code": code,
        }
        for badge_id, number, name, organisation, category, code in rows
    ]


def scanner_bundle(edition, user=None) -> dict:
    """What a scanner needs to decide offline: keys, revocations and each door's rules, as an
    API answer to ``user`` (the door staff asking: a RED session's title stays out)."""
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
    privileged |= set(db.session.scalars(sa.select(User.id).where(User.is_admin.is_(True))))
    exits = exit_scan_checkpoints(edition)
    with_names = names_offline(edition)
    points = [
        {
            "id": "venue",
            "label": _("Venue entrance"),
            "access": "venue",
            "categories": None,
            "badge_ids": [],
            "exit_scans": "venue" in exits,
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
    # The bundle is an API answer to ``user`` (door staff): a session's TLP label may keep
    # its title out of it (RED), leaving its time and the placeholder.
    labels = checkpoint_labels(edition, user, channel=Channel.API)
    for point in sessions:
        session = point.session
        entry = {
            "id": session.id,
            "label": labels[point.key],
            "access": session.access,
            "categories": None,
            "badge_ids": [],
            "exit_scans": point.key in exits,
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
        # Badge numbers always; names only when the organisers allow it (offline lookup).
        "names_offline": with_names,
        "attendees": _offline_attendees(edition, with_names),
    }
