"""The chair's "place in the programme" puts an accepted talk into an existing session; a
talk withdrawn from a session holding other contributions leaves only its own place."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import Contribution, ProgrammeSession, Room, SessionSpeaker
from conference.submissions.models import Decision
from tests.factories import make_user
from tests.review.factories import make_submission


@pytest.fixture
def panel(world):
    """An accepted submission and a 60-minute chaired session at 10:00 with a 10-minute opening."""
    world.submission.decision = Decision.ACCEPTED
    room = Room(edition_id=world.edition.id, name="Room A")
    db.session.add(room)
    db.session.flush()
    session = ProgrammeSession(
        edition_id=world.edition.id,
        title="Chaired session on laboratories",
        room_id=room.id,
        starts_at=dt.datetime(2027, 6, 9, 8, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 6, 9, 9, 0, tzinfo=dt.UTC),
    )
    session.contributions.append(
        Contribution(position=0, kind="item", title="Opening", duration_minutes=10)
    )
    db.session.add(session)
    db.session.commit()
    return session


def _url(submission):
    return f"/2027/review/chair/submissions/{submission.id}/programme/session"


def _count(model):
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_chair_adds_an_accepted_talk_to_an_existing_session(world, panel, login):
    chair = login(world.chair)
    page = chair.get(f"/2027/review/chair/submissions/{world.submission.id}/programme")
    text = page.get_data(as_text=True)
    assert "Or add it to an existing session" in text and "Chaired session on laboratories" in text
    response = chair.post(
        _url(world.submission), data={"session_id": panel.id, "talk_minutes": "25"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, panel.id)
    assert [(c.kind, c.title, c.duration_minutes) for c in session.contributions] == [
        ("item", "Opening", 10),
        ("talk", "Securing open laboratories", 25),
    ]
    talk = session.contributions[1]
    assert talk.submission_id == world.submission.id
    assert [s.user_id for s in talk.speakers] == [world.author.id, world.co_user.id]
    assert {s.user_id for s in session.speakers} == {world.author.id, world.co_user.id}
    assert _count(ProgrammeSession) == 1
    # Placed once only.
    again = chair.post(_url(world.submission), data={"session_id": panel.id, "talk_minutes": "5"})
    assert again.status_code == 409 and _count(Contribution) == 2


def test_a_talk_that_does_not_fit_is_refused_and_nothing_changes(world, panel, login):
    chair = login(world.chair)
    response = chair.post(
        _url(world.submission), data={"session_id": panel.id, "talk_minutes": "51"}
    )
    assert response.status_code == 409
    assert "does not fit" in response.get_data(as_text=True)
    assert _count(Contribution) == 1 and _count(SessionSpeaker) == 0


def test_a_speaker_busy_elsewhere_is_a_clash_unless_the_chair_insists(world, panel, login):
    elsewhere = ProgrammeSession(
        edition_id=world.edition.id,
        title="Another session",
        starts_at=dt.datetime(2027, 6, 9, 8, 30, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 6, 9, 9, 30, tzinfo=dt.UTC),
    )
    elsewhere.speakers.append(SessionSpeaker(user_id=world.author.id, name="Author"))
    db.session.add(elsewhere)
    db.session.commit()
    chair = login(world.chair)
    data = {"session_id": panel.id, "talk_minutes": "20"}
    refused = chair.post(_url(world.submission), data=data)
    assert refused.status_code == 409 and "Another session" in refused.get_data(as_text=True)
    assert _count(Contribution) == 1
    data["join_allow_clashes"] = "y"
    assert chair.post(_url(world.submission), data=data).status_code == 302
    assert _count(Contribution) == 2


def test_refusals_for_wrong_people_sessions_and_submissions(world, panel, login):
    data = {"session_id": panel.id, "talk_minutes": "20"}
    assert login(make_user()).post(_url(world.submission), data=data).status_code == 403
    chair = login(world.chair)
    assert chair.post(_url(world.submission), data={**data, "session_id": "999"}).status_code == 400
    assert chair.post(_url(world.submission), data={**data, "talk_minutes": "x"}).status_code == 400
    undecided = make_submission(world.edition, title="Undecided")
    assert chair.post(_url(undecided), data=data).status_code == 409
    assert _count(Contribution) == 1


def test_withdrawing_a_talk_from_a_shared_session_keeps_the_session(world, panel, login):
    chair = login(world.chair)
    chair.post(_url(world.submission), data={"session_id": panel.id, "talk_minutes": "25"})
    sequence = db.session.get(ProgrammeSession, panel.id).sequence
    author = login(world.author)
    response = author.post(
        f"/2027/me/submissions/{world.submission.id}/withdraw", data={"confirm": "1"}
    )
    assert response.status_code in (302, 303)
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, panel.id)
    assert session is not None and not session.is_cancelled
    assert [c.title for c in session.contributions] == ["Opening"]
    assert session.speakers == []
    assert session.sequence == sequence + 1


@pytest.mark.parametrize(
    ("access", "label"), [("invitation", "CLEAR"), ("open", "AMBER"), ("open", "RED")]
)
def test_a_session_the_chair_is_not_cleared_for_is_neither_listed_nor_accepted(
    world, panel, login, access, label
):
    """The join list names only sessions the chair may see in detail (access rule, TLP label);
    a crafted post for another one is refused and changes nothing."""
    panel.access, panel.tlp = access, label
    db.session.commit()
    chair = login(world.chair)
    text = chair.get(f"/2027/review/chair/submissions/{world.submission.id}/programme").get_data(
        as_text=True
    )
    assert "Chaired session on laboratories" not in text
    response = chair.post(
        _url(world.submission), data={"session_id": panel.id, "talk_minutes": "25"}
    )
    assert response.status_code == 400
    assert _count(Contribution) == 1
    # An organiser of the edition is cleared for every session: it is listed for them.
    organiser = make_user(role="organiser", edition=world.edition)
    page = login(organiser).get(f"/2027/review/chair/submissions/{world.submission.id}/programme")
    assert "Chaired session on laboratories" in page.get_data(as_text=True)
