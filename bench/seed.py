"""Seed a bench database through the areas' own services (so the rows are what the app makes)."""

from __future__ import annotations

import datetime as dt

from conference.db import utcnow
from conference.extensions import db

YEAR = 2027
PASSWORD = "bench-password-2027"

REGISTRATION = {
    "organisation": "Bench University",
    "organisation_type": "university",
    "country": "BE",
    "position": "Researcher",
    "privacy_consent": True,
}


def edition(year: int = YEAR):
    """An open edition whose registration is open and whose event is today."""
    from conference.editions.models import Edition, EditionState

    now = utcnow()
    today = now.date()
    found = db.session.scalar(db.select(Edition).where(Edition.year == year))
    if found is not None:
        return found
    found = Edition(
        year=year,
        title=f"Research Security Conference {year}",
        venue="Bench venue",
        address="Rue de la Loi 1, Brussels",
        start_date=today,
        end_date=today + dt.timedelta(days=1),
        state=EditionState.OPEN,
        registration_opens_at=now - dt.timedelta(days=30),
        registration_closes_at=now + dt.timedelta(days=30),
        cfp_opens_at=now - dt.timedelta(days=30),
        cfp_closes_at=now + dt.timedelta(days=30),
        review_deadline=now + dt.timedelta(days=60),
    )
    db.session.add(found)
    db.session.commit()
    return found


def user(email: str, full_name: str, **kwargs):
    from conference.accounts import services

    found = services.find_user(email)
    if found is None:
        found = services.create_user(email, PASSWORD, full_name=full_name, verified=True, **kwargs)
    return found


def organiser(ed):
    from conference.accounts import services

    person = user("bench-organiser@example.org", "Bench Organiser")
    services.grant_role(person, ed, "organiser")
    db.session.commit()
    return person


def category(ed, organiser_user, code: str = "PART"):
    from conference.accreditation import services

    for existing in services.categories(ed):
        if existing.code == code:
            return existing
    made = services.save_category(
        ed, organiser_user, {"name": "Participant", "code": code, "colour": "#1f4e79"}
    )
    db.session.commit()
    return made


def users(n: int, prefix: str = "attendee") -> list:
    """``n`` verified accounts (committed in batches)."""
    made = []
    for i in range(n):
        made.append(user(f"{prefix}{i}@bench.example.org", f"{prefix.title()} Number {i}"))
        if i % 200 == 199:
            db.session.commit()
    db.session.commit()
    return made


def accredited_registrations(ed, n: int) -> list:
    """``n`` people registered and accredited (their badges are issued on accreditation)."""
    from conference.accreditation import services as accreditation
    from conference.badges import services as badges

    boss = organiser(ed)
    cat = category(ed, boss)
    registrations = []
    for i, person in enumerate(users(n)):
        registration = accreditation.registration_for(person, ed)
        if registration is None:
            registration = accreditation.register(
                person,
                ed,
                {**REGISTRATION, "requested_category": cat.id, "full_name": person.full_name},
            )
        if registration.state != "accredited":
            accreditation.decide(registration, "accredit", boss, category=cat)
        badges.issue_badge(registration, actor=boss)
        registrations.append(registration)
        if i % 100 == 99:
            db.session.commit()
    db.session.commit()
    return registrations


def staff_token(ed) -> str:
    from conference.accounts import services

    person = user("bench-staff@example.org", "Bench Staff")
    services.grant_role(person, ed, "staff")
    _token, plain = services.create_api_token(person, "bench scanner")
    db.session.commit()
    return plain
