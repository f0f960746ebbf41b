"""The demo programme has sessions of every TLP label and a Chatham House session in both
editions (a contract checks outside the suite use), a contribution stricter than its session,
the labels in the 2027 released version, and seeding twice changes nothing (issue 23)."""

from __future__ import annotations

import sqlalchemy as sa

from conference import tlp
from conference.editions.models import Edition
from conference.extensions import db
from conference.programme import services
from conference.programme.models import Contribution, ProgrammeSession


def _labels():
    db.session.expire_all()
    return sorted(
        (s.edition_id, s.title, s.tlp, s.chatham_house)
        for s in db.session.scalars(sa.select(ProgrammeSession))
    )


def test_demo_has_every_label_and_chatham_house(runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    editions = {e.year: e for e in db.session.scalars(sa.select(Edition))}
    for year in (2027, 2025):
        sessions = db.session.scalars(
            sa.select(ProgrammeSession).where(ProgrammeSession.edition_id == editions[year].id)
        ).all()
        assert {s.tlp for s in sessions} == set(tlp.VALUES), year
        assert any(s.chatham_house for s in sessions), year
    stricter = [
        c
        for c in db.session.scalars(sa.select(Contribution).where(Contribution.tlp.is_not(None)))
        if tlp.rank(c.tlp) > tlp.rank(c.session.tlp)
    ]
    assert stricter
    # The released 2027 version carries the labels.
    release = services.latest_release(editions[2027])
    released = {entry["title"]: entry for entry in release.snapshot.values()}
    assert {entry["tlp"] for entry in released.values()} == set(tlp.VALUES)
    assert any(
        c.get("tlp") == "AMBER" for entry in released.values() for c in entry["contributions"]
    )
    # The public API contract: "tlp" and "chatham_house" on every session.
    data = client.get("/api/v1/editions/2027/sessions").get_json()
    items = data["sessions"]
    assert items and all(item["tlp"] in tlp.VALUES for item in items)
    assert all(isinstance(item["chatham_house"], bool) for item in items)
    before = _labels()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert _labels() == before
