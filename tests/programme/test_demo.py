"""The demo programme: complete, restricted where it should be, and idempotent."""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from flask import current_app

from conference.demo import Demo, seed_base
from conference.extensions import db
from conference.programme.models import Booking, ProgrammeSession, Room


def _seed():
    demo = Demo(password=current_app.config["DEMO_PASSWORD"])
    seed_base(demo)
    for path in ("conference.accreditation.demo", "conference.programme.demo"):
        importlib.import_module(path).seed(demo)
        db.session.commit()
    return demo


def _sessions(year):
    return list(
        db.session.scalars(
            sa.select(ProgrammeSession)
            .join(ProgrammeSession.room, isouter=True)
            .where(ProgrammeSession.edition_id == _edition_id(year))
        )
    )


def _edition_id(year):
    return db.session.scalar(sa.text("SELECT id FROM editions WHERE year = :y"), {"y": year})


def test_demo_programme(app, client):
    _seed()
    sessions = _sessions(2027)
    assert 28 <= len(sessions) <= 35
    assert {s.type.code for s in sessions} >= {
        "plenary",
        "keynote",
        "panel",
        "workshop",
        "closed-door",
        "break",
    }
    days = {s.starts_at.astimezone(s.starts_at.tzinfo).date().isoformat() for s in sessions}
    assert days == {"2027-06-09", "2027-06-10"}
    rooms = db.session.scalars(sa.select(Room).where(Room.edition_id == _edition_id(2027))).all()
    assert len(rooms) == 4
    restricted = [s for s in sessions if s.is_restricted]
    assert len(restricted) >= 3
    assert any(s.access == "categories" and "MSE" in {c.code for c in s.categories}
               for s in restricted)  # fmt: skip
    assert any(s.access == "invitation" and s.invitations for s in restricted)
    assert any(s.type.code == "closed-door" for s in restricted)
    assert any(s.booking_required and s.capacity and s.capacity <= 20 for s in sessions)
    assert sum(1 for s in sessions if s.is_cancelled) == 1
    assert db.session.scalar(sa.select(sa.func.count(Booking.id))) >= 1
    assert 10 <= len(_sessions(2025)) <= 14
    text = client.get("/2027/programme").get_data(as_text=True)
    assert "Restricted session" in text and "threat assessment" not in text
    assert client.get("/2025/programme").status_code == 200


def test_demo_is_idempotent(app):
    _seed()
    counts = (len(_sessions(2027)), len(_sessions(2025)), db.session.scalar(
        sa.select(sa.func.count(Booking.id))))  # fmt: skip
    _seed()
    assert (len(_sessions(2027)), len(_sessions(2025)), db.session.scalar(
        sa.select(sa.func.count(Booking.id)))) == counts  # fmt: skip


def test_demo_without_categories_creates_nothing_restricted_by_category(app, caplog):
    demo = Demo(password=current_app.config["DEMO_PASSWORD"])
    seed_base(demo)
    importlib.import_module("conference.programme.demo").seed(demo)
    db.session.commit()
    sessions = _sessions(2027)
    assert sessions and not any(s.access == "categories" for s in sessions)
    assert any(s.access == "invitation" for s in sessions)
    assert "is not created" in caplog.text


def test_demo_invitee_with_a_pending_registration_sees_the_placeholder(app, login):
    from conference.accounts.services import find_user

    _seed()
    ivan = find_user("ivan.petrov@mon.example.bg")  # invited, registration still pending
    lukas = find_user("lukas.gruber@bmbwf.example.at")  # invited and accredited
    briefing = "Ministerial briefing"
    assert briefing not in login(ivan).get("/2027/me/agenda").get_data(as_text=True)
    assert "Restricted session" in login(ivan).get("/2027/me/agenda").get_data(as_text=True)
    assert briefing in login(lukas).get("/2027/me/agenda").get_data(as_text=True)
