"""Speakers state their availability and confirm their slot; organisers see unconfirmed talks
and a warning when a talk is planned outside a speaker's stated times."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.programme import services
from conference.programme.models import SlotConfirmation, SpeakerAvailability
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import make_session


@pytest.fixture
def edition(app):
    return make_edition(2027, timezone="Europe/Brussels")


@pytest.fixture
def organiser(edition):
    return grant(make_user(), "organiser", edition)


@pytest.fixture
def talk(edition, organiser):
    """A 60-minute session at 10:00 with a 10-minute opening and a talk by Sam."""
    speaker = make_user(email="sam@example.org", full_name="Sam Speaker")
    session = make_session(edition, title="Chaired session", minutes=60)
    services.add_contribution(organiser, session, edition, services.ContributionSpec("Opening", 10))
    contribution = services.add_contribution(
        organiser,
        session,
        edition,
        services.ContributionSpec(
            "Labs under pressure", 30, speakers=((speaker.id, "Sam Speaker", "Uni"),)
        ),
    )
    db.session.commit()
    return speaker, session, contribution


def _count(model):
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_speaker_confirms_the_slot_and_a_move_unconfirms_it(edition, organiser, talk, login):
    speaker, session, contribution = talk
    client = login(speaker)
    page = client.get("/2027/me/speaking").get_data(as_text=True)
    assert "Labs under pressure" in page and "10:10" in page and "Confirm this slot" in page
    assert services.unconfirmed(session) == {contribution.id: ["Sam Speaker"]}
    admin = login(organiser).get(f"/2027/admin/programme/sessions/{session.id}")
    assert "slot not confirmed by Sam Speaker" in admin.get_data(as_text=True)
    client = login(speaker)
    response = client.post(f"/2027/me/speaking/talks/{contribution.id}/confirm")
    assert response.status_code == 303
    assert services.unconfirmed(session) == {}
    assert "Slot confirmed" in client.get("/2027/me/speaking").get_data(as_text=True)
    # The opening gets longer: the talk moves, the confirmation no longer holds.
    services.update_contribution(
        organiser, session, edition, session.contributions[0], title="Opening", minutes=15
    )
    db.session.commit()
    assert services.unconfirmed(session) == {contribution.id: ["Sam Speaker"]}


def test_only_the_talks_speakers_confirm_it(edition, talk, login):
    _speaker, _session, contribution = talk
    stranger = login(make_user())
    url = f"/2027/me/speaking/talks/{contribution.id}/confirm"
    assert stranger.post(url).status_code == 403
    assert stranger.get("/2027/me/speaking").status_code == 403
    assert stranger.post("/2027/me/speaking/talks/999999/confirm").status_code == 404
    assert _count(SlotConfirmation) == 0


def test_availability_is_saved_and_planning_outside_it_warns(edition, organiser, talk, login):
    speaker, session, _contribution = talk
    client = login(speaker)
    response = client.post(
        "/2027/me/speaking",
        data={
            "mode-2027-06-09": "times",
            "from-2027-06-09": "14:00",
            "until-2027-06-09": "18:00",
            "mode-2027-06-10": "none",
        },
    )
    assert response.status_code == 303
    stated = services.availability_of(speaker, edition)
    assert stated[dt.date(2027, 6, 9)].from_time == dt.time(14, 0)
    assert not stated[dt.date(2027, 6, 10)].available
    warnings = services.clash_warnings(session, edition)
    assert any("Sam Speaker stated they cannot present" in w for w in warnings)
    # Moved into the afternoon, the warning goes.
    later = session.starts_at + dt.timedelta(hours=5)
    services.save_session(
        organiser,
        edition,
        services.SessionData(
            title=session.title, starts_at=later, ends_at=later + dt.timedelta(hours=1)
        ),
        session,
    )
    db.session.commit()
    assert not any("cannot present" in w for w in services.clash_warnings(session, edition))


@pytest.mark.parametrize(
    "data",
    [
        {"mode-2027-06-09": "times", "from-2027-06-09": "18:00", "until-2027-06-09": "09:00"},
        {"mode-2027-06-09": "times", "from-2027-06-09": "", "until-2027-06-09": "09:00"},
        {"mode-2027-06-09": "times", "from-2027-06-09": "25:99", "until-2027-06-09": "09:00"},
        {"mode-2027-06-09": "sometimes"},
    ],
)
def test_bad_availability_is_refused_and_changes_nothing(edition, talk, login, data):
    speaker, _session, _contribution = talk
    response = login(speaker).post("/2027/me/speaking", data=data)
    assert response.status_code == 400
    assert _count(SpeakerAvailability) == 0


def test_people_without_an_accepted_talk_cannot_state_availability(edition, login):
    client = login(make_user())
    assert client.post("/2027/me/speaking", data={"mode-2027-06-09": "none"}).status_code == 403
    assert _count(SpeakerAvailability) == 0
