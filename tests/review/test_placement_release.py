"""Placing an accepted talk after the edition's first schedule release is a draft change: the
speakers' mail says the talk is placed and that its time and room come with the next release,
never the draft slot; the release then mails them the slot. Before the first release the mail
gives the slot at once, as it always did."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.programme import services as programme
from conference.programme.models import ProgrammeSession, Room, SessionType
from conference.submissions.models import Decision
from tests.factories import make_user


@pytest.fixture
def stage(world):
    """A room, a session type and the world's submission accepted (no speaker category, so
    every speaker is mailed the way to register)."""
    edition = world.edition
    room = Room(edition_id=edition.id, name="Salle Rubens")
    talk = SessionType(edition_id=edition.id, code="talk", name="Talk")
    db.session.add_all([room, talk])
    world.submission.decision = Decision.ACCEPTED
    world.submission.decision_published_at = dt.datetime.now(dt.UTC)
    db.session.commit()
    organiser = make_user(role=Role.ORGANISER, edition=edition)
    return room, talk, organiser


def _place(world, login, room, talk):
    response = login(world.chair).post(
        f"/2027/review/chair/submissions/{world.submission.id}/programme",
        data={
            "day": "2027-06-09",
            "start": "10:30",
            "duration_minutes": "25",
            "room_id": room.id,
            "type_id": talk.id,
            "submit": "1",
        },
    )
    assert response.status_code == 302


def _mails(template):
    db.session.expire_all()
    return {
        m.to: m.text_body
        for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.template == template)
        )
    }


def _release(world, organiser, version):
    programme.release(organiser, world.edition, version, "")
    db.session.commit()


def test_after_a_release_the_placement_mail_gives_no_draft_slot(world, stage, login):
    room, talk, organiser = stage
    opening = ProgrammeSession(
        edition_id=world.edition.id,
        title="Opening",
        starts_at=dt.datetime(2027, 6, 9, 7, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 6, 9, 8, 0, tzinfo=dt.UTC),
    )
    db.session.add(opening)
    db.session.commit()
    _release(world, organiser, "1.0")
    _place(world, login, room, talk)
    mails = _mails("review_speaker_register")
    assert set(mails) == {world.author.email, world.co_user.email}
    body = mails[world.author.email]
    assert world.submission.title in body
    assert "published with the next release of the schedule" in body
    assert "10:30" not in body and "Salle Rubens" not in body
    assert "/2027/register" in body
    # The release that publishes the slot mails it to the speakers.
    _release(world, organiser, "1.1")
    released = _mails("programme_release")
    assert {world.author.email, world.co_user.email} <= set(released)
    assert "10:30" in released[world.author.email]


def test_before_the_first_release_the_placement_mail_gives_the_slot(world, stage, login):
    room, talk, _organiser = stage
    _place(world, login, room, talk)
    body = _mails("review_speaker_register")[world.author.email]
    assert "10:30" in body and "Salle Rubens" in body
    assert "next release of the schedule" not in body
