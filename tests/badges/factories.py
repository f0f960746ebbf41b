"""Factories for badge and check-in tests: categories, registrations, sessions, keys."""

from __future__ import annotations

import datetime as dt
import itertools

from conference.accreditation.models import (
    AccreditationCategory,
    Registration,
    RegistrationState,
)
from conference.badges import signing
from conference.db import utcnow
from conference.extensions import db
from conference.programme.models import AccessPolicy, ProgrammeSession, SessionInvitation
from conference.signals import registration_changed
from tests.factories import make_edition, make_user

_seq = itertools.count(1)


def make_category(edition=None, code: str = "ATT", name: str = "Attendee", **values):
    edition = edition or make_edition()
    category = db.session.scalar(
        db.select(AccreditationCategory).where(
            AccreditationCategory.edition_id == edition.id, AccreditationCategory.code == code
        )
    )
    if category is None:
        category = AccreditationCategory(edition_id=edition.id, code=code, name=name, **values)
        db.session.add(category)
        db.session.commit()
    return category


def make_registration(
    user=None,
    edition=None,
    category=None,
    *,
    state: str = RegistrationState.SUBMITTED,
    **values,
) -> Registration:
    edition = edition or make_edition()
    user = user or make_user()
    category = category or make_category(edition)
    values.setdefault("full_name", user.full_name)
    values.setdefault("email", user.email)
    values.setdefault("organisation", "Test University")
    values.setdefault("country", "BE")
    registration = Registration(
        edition_id=edition.id,
        user_id=user.id,
        requested_category_id=category.id,
        category_id=category.id if state == RegistrationState.ACCREDITED else None,
        state=state,
        **values,
    )
    db.session.add(registration)
    db.session.commit()
    return registration


def set_state(registration: Registration, to_state: str, actor=None) -> Registration:
    """Change the state as the accreditation workflow does, sending the signal."""
    from_state = registration.state
    registration.state = to_state
    if to_state == RegistrationState.ACCREDITED and registration.category_id is None:
        registration.category_id = registration.requested_category_id
    db.session.flush()
    registration_changed.send(registration, from_state=from_state, to_state=to_state, actor=actor)
    db.session.commit()
    return registration


def accredited(user=None, edition=None, category=None, **values) -> Registration:
    """An accredited registration with its badge (issued through the signal)."""
    registration = make_registration(user, edition, category, **values)
    return set_state(registration, RegistrationState.ACCREDITED)


def make_session(
    edition=None,
    *,
    access: str = AccessPolicy.OPEN,
    categories=(),
    invited=(),
    title: str | None = None,
) -> ProgrammeSession:
    edition = edition or make_edition()
    start = utcnow() + dt.timedelta(days=1)
    session = ProgrammeSession(
        edition_id=edition.id,
        title=title or f"Session {next(_seq)}",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        access=access,
    )
    session.categories = list(categories)
    db.session.add(session)
    db.session.flush()
    for user in invited:
        db.session.add(SessionInvitation(session_id=session.id, user_id=user.id))
    db.session.commit()
    return session


def keys_for(year: int = 2027):
    """Create the edition's signing key in the test instance folder (once)."""
    return signing.ensure_key(year)
