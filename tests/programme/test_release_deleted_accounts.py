"""A person who deletes their account disappears from released versions of the programme as
from the live rows: the public programme, the API, schedule.json and the changelog never show
their name, organisation or account id afterwards."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.programme import services
from conference.programme.models import (
    Contribution,
    ContributionKind,
    ProgrammeSession,
    ScheduleRelease,
    SessionSpeaker,
)
from tests.factories import PASSWORD, grant, make_edition, make_user
from tests.programme.factories import make_room, make_session

DELETED = "Speaker (account deleted)"


@pytest.fixture
def released(app):
    """A session chaired by Chris Chair with Sam Speaker (own line) and a talk by Tess Talker
    (a contribution), released as 1.0, then moved and released as 1.1 (so the changelog holds
    the session before and after)."""
    edition = make_edition(2027, timezone="Europe/Brussels")
    organiser = grant(make_user(), "organiser", edition)
    people = {
        "sam": make_user(
            email="sam@example.org", full_name="Sam Speaker", organisation="Zyxwv Institute"
        ),
        "tess": make_user(
            email="tess@example.org", full_name="Tess Talker", organisation="Qrstu Lab"
        ),
        "chris": make_user(
            email="chris@example.org", full_name="Chris Chair", organisation="Chair Agency"
        ),
    }
    hall = make_room(edition, "Main hall")
    session = make_session(
        edition, title="Opening plenary", hour=9, minutes=60, room=hall, chair=people["chris"]
    )
    session.speakers.append(
        SessionSpeaker(user_id=people["sam"].id, name="Sam Speaker", organisation="Zyxwv Institute")
    )
    talk = Contribution(
        position=0, kind=ContributionKind.ITEM, title="Keynote talk", duration_minutes=30
    )
    session.contributions.append(talk)
    db.session.flush()
    talk.speakers.append(
        SessionSpeaker(
            session_id=session.id,
            user_id=people["tess"].id,
            name="Tess Talker",
            organisation="Qrstu Lab",
        )
    )
    db.session.commit()
    services.release(organiser, edition, "1.0", "First programme")
    db.session.commit()
    session.starts_at += dt.timedelta(hours=1)
    session.ends_at += dt.timedelta(hours=1)
    db.session.commit()
    services.release(organiser, edition, "1.1", "Moved")
    db.session.commit()
    return dict(edition=edition, session=session, organiser=organiser, **people)


def _public(client, session_id) -> dict[str, str]:
    urls = [
        "/2027/programme?day=all",
        "/2027/changelog",
        "/2027/schedule.json",
        "/2027/schedule.xml",
        f"/2027/sessions/{session_id}",
        "/api/v1/editions/2027/sessions",
        f"/api/v1/editions/2027/sessions/{session_id}",
    ]
    return {url: client.get(url).get_data(as_text=True) for url in urls}


def _person_guids(client) -> set[str]:
    schedule = json.loads(client.get("/2027/schedule.json").get_data(as_text=True))
    guids = set()
    for rooms in (day["rooms"] for day in schedule["schedule"]["conference"]["days"]):
        for events in rooms.values():
            for event in events:
                guids |= {p["guid"] for p in event["persons"]}
    return guids


def _delete_account(login, user):
    response = login(user).post("/me/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302


def _release_texts() -> str:
    db.session.expire_all()
    return json.dumps(
        [[r.snapshot, r.changes] for r in db.session.scalars(sa.select(ScheduleRelease))]
    )


def test_deleted_people_vanish_from_every_released_channel(released, client, login):
    session_id = released["session"].id
    before = _public(client, session_id)
    assert "Sam Speaker" in before["/2027/programme?day=all"]
    assert "Tess Talker" in before["/2027/schedule.json"]
    assert "Chris Chair" in before[f"/2027/sessions/{session_id}"]
    guids = _person_guids(client)
    for key in ("sam", "tess", "chris"):
        _delete_account(login, released[key])
    after = _public(client, session_id)
    for url, text in after.items():
        for needle in (
            "Sam Speaker",
            "Zyxwv",
            "Tess Talker",
            "Qrstu",
            "Chris Chair",
            "Chair Agency",
        ):
            assert needle not in text, (needle, url)
        assert "deleted-" not in text, url
        assert "Opening plenary" in text, url
    assert DELETED in after[f"/2027/sessions/{session_id}"]
    assert not guids & _person_guids(client)  # no guid made from their account ids
    api = json.loads(after[f"/api/v1/editions/2027/sessions/{session_id}"])
    speakers = api["speakers"] + [s for c in api["contributions"] for s in c["speakers"]]
    assert speakers and all(s.get("user_id") is None for s in speakers)
    stored = _release_texts()
    for key in ("sam", "tess", "chris"):
        assert f"[{released[key].id}, " not in stored
        assert f'"chair_id": {released[key].id}' not in stored


def test_after_the_deletion_the_draft_differs_from_the_release_in_nothing(released, login):
    _delete_account(login, released["sam"])
    _delete_account(login, released["chris"])
    db.session.expire_all()
    assert services.pending_changes(released["edition"]) == []
    session = db.session.get(ProgrammeSession, released["session"].id)
    assert session.chair_id is None


def test_other_peoples_entries_are_kept(released, login):
    _delete_account(login, released["sam"])
    stored = _release_texts()
    assert "Tess Talker" in stored and "Qrstu Lab" in stored
    assert f'"chair_id": {released["chris"].id}' in stored
