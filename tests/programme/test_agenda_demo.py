"""The demo attendee's agenda: stars including a cleared restricted session, and an overlap."""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from flask import current_app

from conference.demo import Demo, seed_base
from conference.extensions import db
from conference.programme import services
from conference.programme.models import AgendaStar

STEPS = (
    "conference.accreditation.demo",
    "conference.programme.demo",
    "conference.programme.agenda_demo",
)


def _seed():
    demo = Demo(password=current_app.config["DEMO_PASSWORD"])
    seed_base(demo)
    for path in STEPS:
        importlib.import_module(path).seed(demo)
        db.session.commit()
    return demo


def test_demo_attendee_has_stars_a_restricted_one_and_an_overlap(app, login):
    demo = _seed()
    attendee = demo.users["attendee@demo.test"]
    edition = demo.editions[2027]
    entries = services.agenda_entries(attendee, edition, channel="page")
    starred = [e for e in entries if "starred" in e.roles]
    assert len(starred) == 3
    assert any(e.view.restricted and e.view.cleared for e in starred)
    assert any(e.overlaps for e in starred)
    page = login(attendee).get("/2027/me/agenda").get_data(as_text=True)
    assert "Member State experts" in page and "Overlap:" in page


def test_demo_stars_are_idempotent(app):
    _seed()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AgendaStar))
    _seed()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaStar)) == count == 3
