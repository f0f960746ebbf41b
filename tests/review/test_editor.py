"""The grid editor: the server accepts or refuses every move with the right conflicts; the
page works with the mouse and the keyboard (browser tests) and without JavaScript (links)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import (
    Contribution,
    ProgrammeSession,
    Room,
    SessionSpeaker,
    SpeakerAvailability,
)
from conference.submissions.models import Decision
from tests.factories import grant, make_user

MOVE = "/2027/admin/programme/editor/move"
TALK = "/2027/admin/programme/editor/talk"


@pytest.fixture
def grid(world):
    """Two rooms; a session in Room A at 10:00 (Brussels) with a speaker, one in Room B at
    10:00, and an accepted talk not yet placed."""
    edition = world.edition
    world.submission.decision = Decision.ACCEPTED
    room_a = Room(edition_id=edition.id, name="Room A", position=0)
    room_b = Room(edition_id=edition.id, name="Room B", position=1)
    db.session.add_all([room_a, room_b])
    db.session.flush()
    speaker = make_user(email="busy@example.org", full_name="Busy Speaker")

    def session(title, room, hour, minutes=60):
        starts = dt.datetime(2027, 6, 9, hour - 2, 0, tzinfo=dt.UTC)
        s = ProgrammeSession(
            edition_id=edition.id,
            title=title,
            room_id=room.id,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=minutes),
        )
        db.session.add(s)
        return s

    first = session("Chaired session", room_a, 10)
    first.speakers.append(SessionSpeaker(user_id=speaker.id, name="Busy Speaker"))
    second = session("Parallel panel", room_b, 10)
    db.session.commit()
    organiser = grant(make_user(), "organiser", edition)
    return dict(
        edition=edition,
        a=room_a,
        b=room_b,
        first=first,
        second=second,
        speaker=speaker,
        organiser=organiser,
    )


def _local(hour, minute=0):
    return f"2027-06-09T{hour:02d}:{minute:02d}:00+02:00"


def _times(session_id):
    db.session.expire_all()
    s = db.session.get(ProgrammeSession, session_id)
    return s.room_id, s.starts_at, s.ends_at


def test_a_free_move_is_saved(grid, login):
    client = login(grid["organiser"])
    body = {
        "session_id": grid["first"].id,
        "room_id": grid["a"].id,
        "starts_at": _local(14),
        "ends_at": _local(15, 30),
    }
    response = client.post(MOVE, json=body)
    assert response.status_code == 200, response.json
    assert response.json["session"]["starts_at"] == "2027-06-09T14:00:00+02:00"
    room, starts, ends = _times(grid["first"].id)
    assert (room, starts, ends - starts) == (
        grid["a"].id,
        dt.datetime(2027, 6, 9, 12, 0, tzinfo=dt.UTC),
        dt.timedelta(minutes=90),
    )


def test_a_room_clash_is_refused_with_the_conflict_unless_forced(grid, login):
    client = login(grid["organiser"])
    before = _times(grid["first"].id)
    body = {
        "session_id": grid["first"].id,
        "room_id": grid["b"].id,
        "starts_at": _local(10, 30),
        "ends_at": _local(11, 30),
    }
    response = client.post(MOVE, json=body)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "clashes"
    assert any("Room B is also used by “Parallel panel”" in c for c in response.json["conflicts"])
    assert _times(grid["first"].id) == before
    forced = client.post(MOVE, json={**body, "force": True})
    assert forced.status_code == 200
    assert _times(grid["first"].id)[0] == grid["b"].id


def test_speaker_chair_unavailability_and_dates_are_conflicts(grid, login):
    edition, speaker = grid["edition"], grid["speaker"]
    grid["second"].speakers.append(SessionSpeaker(user_id=speaker.id, name="Busy Speaker"))
    db.session.add(
        SpeakerAvailability(
            edition_id=edition.id, user_id=speaker.id, day=dt.date(2027, 6, 10), available=False
        )
    )
    db.session.commit()
    client = login(grid["organiser"])
    # Speaker in two places (second session is in Room B at 10:00).
    clash = client.post(
        MOVE,
        json={
            "session_id": grid["first"].id,
            "room_id": grid["a"].id,
            "starts_at": _local(10, 30),
            "ends_at": _local(11),
        },
    )
    assert clash.status_code == 409
    assert any("Busy Speaker is also in" in c for c in clash.json["conflicts"])
    # A day the speaker said they cannot present.
    unavailable = client.post(
        MOVE,
        json={
            "session_id": grid["first"].id,
            "room_id": grid["a"].id,
            "starts_at": "2027-06-10T10:00:00+02:00",
            "ends_at": "2027-06-10T11:00:00+02:00",
        },
    )
    assert unavailable.status_code == 409
    assert any("cannot present" in c for c in unavailable.json["conflicts"])
    # Outside the edition's days.
    outside = client.post(
        MOVE,
        json={
            "session_id": grid["second"].id,
            "room_id": grid["b"].id,
            "starts_at": "2027-06-12T10:00:00+02:00",
            "ends_at": "2027-06-12T11:00:00+02:00",
        },
    )
    assert outside.status_code == 409
    assert any("outside the edition" in c for c in outside.json["conflicts"])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"session_id": "x", "room_id": 1, "starts_at": _local(9), "ends_at": _local(10)},
        {"session_id": 999999, "room_id": None, "starts_at": _local(9), "ends_at": _local(10)},
        {"session_id": 1, "room_id": 1, "starts_at": "tomorrow", "ends_at": _local(10)},
        {"session_id": 1, "room_id": 1, "starts_at": _local(11), "ends_at": _local(10)},
        {"session_id": 1, "room_id": 999999, "starts_at": _local(9), "ends_at": _local(10)},
    ],
)
def test_bad_moves_get_a_4xx_and_change_nothing(grid, login, body):
    client = login(grid["organiser"])
    before = _times(grid["first"].id)
    response = client.post(MOVE, json=body)
    assert 400 <= response.status_code < 500
    assert "error" in response.json
    assert _times(grid["first"].id) == before


def test_only_organisers_move_sessions(grid, login):
    body = {
        "session_id": grid["first"].id,
        "room_id": grid["a"].id,
        "starts_at": _local(14),
        "ends_at": _local(15),
    }
    before = _times(grid["first"].id)
    assert login(make_user()).post(MOVE, json=body).status_code == 403
    assert _times(grid["first"].id) == before


def test_a_talk_dropped_into_a_session_joins_its_running_order(grid, world, login):
    client = login(grid["organiser"])
    page = client.get("/2027/admin/programme/editor?day=2027-06-09").get_data(as_text=True)
    assert "Securing open laboratories" in page and "Chaired session" in page
    body = {"submission_id": world.submission.id, "session_id": grid["second"].id, "minutes": 20}
    response = client.post(TALK, json=body)
    assert response.status_code == 200, response.json
    db.session.expire_all()
    talk = db.session.scalar(sa.select(Contribution))
    assert (talk.session_id, talk.submission_id, talk.duration_minutes) == (
        grid["second"].id,
        world.submission.id,
        20,
    )
    too_long = client.post(
        TALK,
        json={"submission_id": world.submission.id, "session_id": grid["first"].id, "minutes": 61},
    )
    assert too_long.status_code == 409
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contribution)) == 1


def test_without_javascript_the_grid_links_to_the_forms(grid, world, login):
    page = login(grid["organiser"]).get("/2027/admin/programme/editor").get_data(as_text=True)
    assert f'href="/2027/admin/programme/sessions/{grid["first"].id}"' in page
    assert f'href="/2027/review/chair/submissions/{world.submission.id}/programme"' in page


def test_sessions_without_a_room_are_listed_under_the_grid(grid, login):
    grid["second"].room_id = None
    db.session.commit()
    page = login(grid["organiser"]).get("/2027/admin/programme/editor?day=2027-06-09")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Sessions without a room" in text
    assert f"/2027/admin/programme/sessions/{grid['second'].id}/edit" in text
