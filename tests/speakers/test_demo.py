"""The demo shows speakers' profiles with photos and materials on an open and a restricted
session, and can run twice."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference import tlp
from conference.editions.models import Edition
from conference.extensions import db
from conference.programme.models import ProgrammeSession
from conference.programme.speaker_models import MaterialDownload, SessionMaterial, SpeakerProfile
from conference.submissions import services


@pytest.mark.demo
def test_seed_demo_adds_profiles_and_materials_once(runner, client):
    profiles = db.session.scalars(sa.select(SpeakerProfile)).all()
    assert profiles and all(p.photo_key for p in profiles)
    rows = db.session.scalars(sa.select(SessionMaterial)).all()
    session_of = {m.id: db.session.get(ProgrammeSession, m.session_id) for m in rows}
    restricted = [m for m in rows if session_of[m.id].is_restricted]
    public = [
        m
        for m in rows
        if not session_of[m.id].is_restricted and m.is_file and not m.tlp  # issue 23: labelled
    ]
    assert restricted and public and any(m.kind == "recording" for m in rows)
    year_of = {e.id: e.year for e in db.session.scalars(sa.select(Edition))}
    for material in restricted:
        year = year_of[material.edition_id]
        assert client.get(f"/{year}/materials/{material.id}").status_code in (302, 401)
    for material in public:
        year = year_of[material.edition_id]
        assert client.get(f"/{year}/materials/{material.id}").status_code == 200
    edition_2025 = db.session.scalar(sa.select(Edition).where(Edition.year == 2025))
    assert len(services.unconfirmed_speakers(edition_2025)) == 2
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionMaterial)) == len(rows)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpeakerProfile)) == len(
        profiles
    )


def test_seed_demo_has_labelled_materials_and_download_log_once(runner, login):
    """Issue 23: a PDF on an AMBER+STRICT and on a RED session, a not-shared one, log rows."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    rows = db.session.scalars(sa.select(SessionMaterial)).all()
    labels = {
        m.title: tlp.strictest(db.session.get(ProgrammeSession, m.session_id).tlp, m.tlp)
        for m in rows
    }
    assert "AMBER+STRICT" in labels.values() and "RED" in labels.values()
    assert labels["Annex: partner screening worksheet"] == "AMBER"
    assert any(not m.shared for m in rows)
    log = db.session.scalar(sa.select(sa.func.count()).select_from(MaterialDownload))
    assert log >= 3
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionMaterial)) == len(rows)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MaterialDownload)) == log
