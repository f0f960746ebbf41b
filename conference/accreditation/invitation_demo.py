"""Demo data of the invitations and the waiting list (2027): invitations in every state, and
a full category whose waiting list holds an offered place and people waiting in order."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conference.accreditation.demo import _new_registration
from conference.accreditation.models import (
    AccreditationCategory,
    Registration,
    RegistrationInvitation,
    WaitlistEntry,
)
from conference.accreditation.models import RegistrationState as S
from conference.db import utcnow
from conference.extensions import db

SIDE_EVENT = ("SIDE", "Side event: ministerial round table", "#7a4b00", 3)

# e-mail, name, state on the side event's list (3 places: 2 taken, 1 offered, 2 waiting)
SIDE_PEOPLE = [
    ("lena.hoffmann@demo.test", "Lena Hoffmann", S.ACCREDITED),
    ("pierre.lambert@demo.test", "Pierre Lambert", S.ACCREDITED),
    ("sofia.romano@demo.test", "Sofia Romano", "offered"),
    ("jan.novak@demo.test", "Jan Novák", "waiting"),
    ("eva.lindqvist@demo.test", "Eva Lindqvist", "waiting"),
]

# e-mail, name, state, category code
INVITATIONS = [
    ("minister.office@demo.test", "Dr Teresa Moreau", "used", "EUI"),
    ("commissioner.cabinet@demo.test", "Henrik Dahl", "opened", "EUI"),
    ("keynote.guest@demo.test", "Prof. Amara Osei", "sent", "RES"),
    ("former.guest@demo.test", "Marco Bellini", "expired", "PRS"),
    ("withdrawn.guest@demo.test", "Ioana Popescu", "revoked", "RES"),
]


def seed(demo) -> None:
    edition = demo.editions[2027]
    edition.waitlist_mode = "offer"
    edition.waitlist_offer_days = 3
    categories = {
        c.code: c
        for c in db.session.scalars(
            sa.select(AccreditationCategory).where(AccreditationCategory.edition_id == edition.id)
        )
    }
    _side_event(demo, edition, categories)
    _invitations(demo, edition, categories)
    db.session.flush()


def _side_event(demo, edition, categories) -> None:
    if SIDE_EVENT[0] in categories:
        return
    code, name, colour, quota = SIDE_EVENT
    side = AccreditationCategory(
        edition_id=edition.id, code=code, name=name, colour=colour, quota=quota, position=35,
        description="A round table of ministers and agency heads; places are few.",
    )  # fmt: skip
    db.session.add(side)
    db.session.flush()
    now = utcnow()
    for number, (email, full_name, state) in enumerate(SIDE_PEOPLE):
        user = demo.user(
            email,
            full_name,
            organisation="Ministry of Foreign Affairs",
            organisation_type="government",
            position="Adviser",
            country="BE",
        )
        created = now - dt.timedelta(days=20 - number)
        registration = _new_registration(edition, user, side, created_at=created)
        if state == S.ACCREDITED:
            registration.state = S.ACCREDITED
            registration.category_id = side.id
            registration.decided_at = created
            continue
        registration.state = S.WAITLISTED
        registration.decided_at = created
        entry = WaitlistEntry(edition_id=edition.id, registration_id=registration.id,
                              category_id=side.id, state=state, created_at=created)  # fmt: skip
        if state == "offered":
            entry.offered_at = now - dt.timedelta(days=1)
            entry.offer_expires_at = entry.offered_at + dt.timedelta(days=3)
        db.session.add(entry)


def _invitations(demo, edition, categories) -> None:
    organiser = demo.users["organiser@demo.test"]
    existing = set(
        db.session.scalars(
            sa.select(RegistrationInvitation.email).where(
                RegistrationInvitation.edition_id == edition.id
            )
        )
    )
    now = utcnow()
    for email, full_name, state, code in INVITATIONS:
        if email in existing or code not in categories:
            continue
        category = categories[code]
        invitation = RegistrationInvitation(
            edition_id=edition.id, email=email, full_name=full_name, category_id=category.id,
            note="We would be honoured to welcome you at the conference.",
            expires_at=now + dt.timedelta(days=30), accredit_at_once=True,
            reserves_place=state in ("sent", "opened"), created_by_id=organiser.id,
            created_at=now - dt.timedelta(days=10), sent_at=now - dt.timedelta(days=10),
            send_count=1,
        )  # fmt: skip
        if state in ("opened", "used"):
            invitation.opened_at = now - dt.timedelta(days=8)
        if state == "expired":
            invitation.expires_at = now - dt.timedelta(days=2)
        if state == "revoked":
            invitation.revoked_at = now - dt.timedelta(days=5)
        if state == "used":
            user = demo.user(email, full_name, organisation="European Commission",
                             organisation_type="eu", position="Head of Cabinet",
                             country="BE")  # fmt: skip
            registration = db.session.scalar(
                sa.select(Registration).where(
                    Registration.edition_id == edition.id, Registration.user_id == user.id
                )
            ) or _new_registration(edition, user, category, created_at=now - dt.timedelta(days=7))
            registration.state = S.ACCREDITED
            registration.category_id = category.id
            registration.decided_at = now - dt.timedelta(days=7)
            db.session.flush()
            invitation.used_at = now - dt.timedelta(days=7)
            invitation.registration_id = registration.id
        db.session.add(invitation)
