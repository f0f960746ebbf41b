"""Where review meets the programme and accreditation, nothing changes silently (issue 13):
placement keeps registrations as asked, clashes need an explicit choice, withdrawal is
confirmed and told, automatic conflicts can be overridden and explained."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role
from conference.accreditation.models import AccreditationCategory, EndorsementState, Registration
from conference.audit import AuditEntry
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.programme.models import ProgrammeSession, Room, SessionSpeaker, SessionType
from conference.review import services
from conference.review.models import Conflict, ConflictOverride, ConflictSource, ReviewAssignment
from conference.submissions.models import Decision, Submission
from tests.accreditation.conftest import make_registration
from tests.factories import make_user
from tests.review.factories import make_reviewer, make_submission


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _audit(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def _mails(template):
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == template)
    ).all()


@pytest.fixture
def stage(world):
    """Rooms, a session type, a speaker category and an accepted submission."""
    edition = world.edition
    room = Room(edition_id=edition.id, name="Room A")
    talk = SessionType(edition_id=edition.id, code="talk", name="Talk")
    speaker_cat = AccreditationCategory(
        edition_id=edition.id, name="Speaker", code="SPK", is_speaker_category=True
    )
    db.session.add_all([room, talk, speaker_cat])
    world.submission.decision = Decision.ACCEPTED
    db.session.commit()
    return room, talk, speaker_cat


def _form(room, talk, **overrides):
    data = {
        "day": "2027-06-09",
        "start": "10:30",
        "duration_minutes": "25",
        "room_id": room.id,
        "type_id": talk.id,
        "submit": "1",
    }
    data.update(overrides)
    return data


def _place_url(submission):
    return f"/2027/review/chair/submissions/{submission.id}/programme"


# --- 1. speaking never changes a registration --------------------------------------------


def test_placement_keeps_a_pending_member_state_expert_registration(world, stage, login):
    room, talk, _ = stage
    mse = AccreditationCategory(
        edition_id=world.edition.id,
        name="Member State expert",
        code="MSE",
        requires_nomination=True,
    )
    db.session.add(mse)
    db.session.commit()
    registration = make_registration(world.co_user, mse)
    assert registration.endorsement == EndorsementState.PENDING
    chair = login(world.chair)
    assert chair.post(_place_url(world.submission), data=_form(room, talk)).status_code == 302
    db.session.expire_all()
    registration = db.session.get(Registration, registration.id)
    assert registration.requested_category_id == mse.id
    assert registration.endorsement == EndorsementState.PENDING
    assert registration.state == "submitted"
    # Being a speaker is shown next to the registration: queue, detail and own page.
    organiser = make_user(role=Role.ORGANISER, edition=world.edition)
    org = login(organiser)
    queue = org.get("/2027/admin/registrations").get_data(as_text=True)
    assert "Speaker</span>" in queue
    detail = org.get(f"/2027/admin/registrations/{registration.id}").get_data(as_text=True)
    assert "Speaks at “Securing open laboratories”" in detail
    me = login(world.co_user).get("/2027/me").get_data(as_text=True)
    assert "You speak at “Securing open laboratories”" in me
    assert "stays in the category you asked for" in me
    # The mail says so too.
    offer = [m for m in _mails("accreditation_speaker_offer") if m.to == world.co_user.email]
    assert offer and "stays exactly as you asked" in offer[0].text_body


def test_speaker_without_registration_gets_the_way_to_register(world, login):
    # No speaker category: nobody is registered automatically; each speaker is mailed the link.
    edition = world.edition
    room = Room(edition_id=edition.id, name="Room A")
    talk = SessionType(edition_id=edition.id, code="talk", name="Talk")
    db.session.add_all([room, talk])
    world.submission.decision = Decision.ACCEPTED
    world.submission.decision_published_at = dt.datetime.now(dt.UTC)
    db.session.commit()
    chair = login(world.chair)
    assert chair.post(_place_url(world.submission), data=_form(room, talk)).status_code == 302
    assert _count(Registration) == 0
    mails = _mails("review_speaker_register")
    assert {m.to for m in mails} == {world.author.email, world.co_user.email}
    assert "/2027/register" in mails[0].text_body
    # The speaker's submission page shows the path too.
    page = login(world.author).get(f"/2027/me/submissions/{world.submission.id}")
    text = page.get_data(as_text=True)
    assert "You have no registration for 2027 yet" in text
    assert 'href="/2027/register"' in text


# --- 3. clashes ---------------------------------------------------------------------------


def _occupy(world, room, *, speaker=None, title="Opening plenary"):
    session = ProgrammeSession(
        edition_id=world.edition.id,
        title=title,
        room_id=room.id,
        starts_at=dt.datetime(2027, 6, 9, 8, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 6, 9, 9, 0, tzinfo=dt.UTC),
    )
    if speaker is not None:
        session.speakers.append(SessionSpeaker(user_id=speaker.id, name=speaker.display_name))
    db.session.add(session)
    db.session.commit()
    return session


def test_placement_over_a_clash_is_refused_without_the_explicit_choice(world, stage, login):
    room, talk, _ = stage
    other_room = Room(edition_id=world.edition.id, name="Room B")
    db.session.add(other_room)
    db.session.commit()
    _occupy(world, room)
    _occupy(world, other_room, speaker=world.co_user, title="Panel on export control")
    chair = login(world.chair)
    url = _place_url(world.submission)
    # 10:30 Brussels = 08:30 UTC: Room A is taken and the co-speaker is on a panel.
    response = chair.post(url, data=_form(room, talk))
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Room A is also used by “Opening plenary”" in text
    assert "Marek Cospeakovich is also in “Panel on export control”" in text
    assert "Place despite the clashes" in text
    assert _count(ProgrammeSession) == 2  # nothing saved
    assert _audit("review.placed_in_programme") == []
    # "Check for clashes" shows them and that day in that room, and saves nothing.
    check = chair.post(url, data={**_form(room, talk), "check": "1", "submit": ""})
    assert check.status_code == 200
    text = check.get_data(as_text=True)
    assert "Clashes (2)" in text and "Room A on Wednesday 09 June 2027" in text
    assert "10:00–11:00 Opening plenary" in text
    assert _count(ProgrammeSession) == 2
    # The explicit choice saves it, and the audit log keeps the clashes.
    response = chair.post(url, data={**_form(room, talk), "allow_clashes": "y"})
    assert response.status_code == 302
    assert _count(ProgrammeSession) == 3
    (entry,) = _audit("review.placed_in_programme")
    assert entry.details["placed_despite_clashes"] is True
    assert len(entry.details["clashes"]) == 2


def test_placement_without_clash_needs_no_choice(world, stage, login):
    room, talk, _ = stage
    _occupy(world, room)
    chair = login(world.chair)
    response = chair.post(_place_url(world.submission), data=_form(room, talk, start="14:00"))
    assert response.status_code == 302
    (entry,) = _audit("review.placed_in_programme")
    assert entry.details["clashes"] == [] and entry.details["placed_despite_clashes"] is False


# --- 2. withdrawal seen from the chairs' side -----------------------------------------------


def _placed(world, stage, login):
    room, talk, _ = stage
    assert (
        login(world.chair).post(_place_url(world.submission), data=_form(room, talk)).status_code
        == 302
    )
    return db.session.scalar(sa.select(ProgrammeSession))


def test_withdrawal_without_confirmation_changes_nothing(world, stage, login):
    session = _placed(world, stage, login)
    author = login(world.author)
    url = f"/2027/me/submissions/{world.submission.id}/withdraw"
    page = author.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Withdrawing is final" in text
    assert "stays in the programme, marked cancelled" in text
    mails_before = _count(OutboxMessage)
    response = author.post(url, data={})
    assert response.status_code == 400
    assert "Tick this box to withdraw" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Submission, world.submission.id).state == "submitted"
    assert db.session.get(ProgrammeSession, session.id).state == "scheduled"
    assert _count(OutboxMessage) == mails_before
    assert _audit("submission.withdrawn") == []


def test_withdrawal_cancels_the_session_tells_chairs_and_stays_visible(world, stage, login):
    organiser = make_user("olga@organisers.example.net", role=Role.ORGANISER, edition=world.edition)
    session = _placed(world, stage, login)
    booker = make_user()
    from conference.programme.models import Booking

    db.session.add(Booking(edition_id=world.edition.id, session_id=session.id, user_id=booker.id))
    db.session.commit()
    author = login(world.author)
    response = author.post(
        f"/2027/me/submissions/{world.submission.id}/withdraw", data={"confirm": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Submission, world.submission.id).state == "withdrawn"
    session = db.session.get(ProgrammeSession, session.id)
    assert session.state == "cancelled" and "withdrew" in session.cancel_reason
    told = {m.to for m in _mails("submissions_withdrawn")}
    assert told == {world.chair.email, organiser.email}
    assert "marked cancelled" in _mails("submissions_withdrawn")[0].text_body
    assert {m.to for m in _mails("programme_session_cancelled")} == {booker.email}
    # Public feed and the speaker's own feed say CANCELLED.
    feed = login(world.author).get("/2027/programme.ics").get_data(as_text=True)
    assert "STATUS:CANCELLED" in feed
    from conference.calendar.services import regenerate_token

    token = regenerate_token(world.co_user)
    db.session.commit()
    personal = login(world.co_user).get(f"/calendar/{token}.ics").get_data(as_text=True)
    assert "Securing open laboratories" in personal and "STATUS:CANCELLED" in personal
    # The chairs still see it, as withdrawn.
    dashboard = login(world.chair).get("/2027/review/chair").get_data(as_text=True)
    assert "Withdrawn by their speakers (1)" in dashboard
    assert "Securing open laboratories" in dashboard
    detail = login(world.chair).get(f"/2027/review/chair/submissions/{world.submission.id}")
    assert detail.status_code == 200 and "withdrawn" in detail.get_data(as_text=True)


def test_withdrawal_removes_the_session_when_the_organisers_chose_so(world, stage, login):
    world.edition.withdrawn_talks = "remove"
    db.session.commit()
    session = _placed(world, stage, login)
    uid = session.uid
    author = login(world.author)
    page = author.get(f"/2027/me/submissions/{world.submission.id}/withdraw")
    assert "taken out of the programme" in page.get_data(as_text=True)
    response = author.post(
        f"/2027/me/submissions/{world.submission.id}/withdraw", data={"confirm": "y"}
    )
    assert response.status_code == 302
    assert _count(ProgrammeSession) == 0
    feed = login(world.author).get("/2027/programme.ics").get_data(as_text=True)
    assert uid not in feed and "Securing open laboratories" not in feed
    assert _audit("session.remove_withdrawn")


# --- 4. automatic conflicts ----------------------------------------------------------------


@pytest.fixture
def commission(world):
    """A committee all at ec.europa.eu, and a submission by a colleague there."""
    people = [
        make_reviewer(
            world.edition,
            email=f"reviewer{i}@ec.europa.eu",
            full_name=f"Commission Reviewer {i}",
            organisation=f"DG {i}",
        )
        for i in range(3)
    ]
    author = make_user("author@ec.europa.eu", full_name="Colleague", organisation="DG RTD")
    submission = make_submission(world.edition, author=author, track=world.tracks[1])
    return people, submission


def test_preview_says_why_a_submission_cannot_get_reviewers(world, commission, login):
    people, submission = commission
    # Remove the world's other reviewers' chances: ask for more than there are.
    chair = login(world.chair)
    preview = chair.post("/2027/review/assign", data={"reviewers_per_submission": 5})
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "3 of 5 reviewers conflicted (3 by e-mail domain ec.europa.eu)" in text


def test_all_reviewers_conflicted_is_explained(app, world, commission):
    people, submission = commission
    for reviewer in (world.reviewer, world.other_reviewer):
        db.session.add(
            Conflict(
                edition_id=world.edition.id,
                reviewer_id=reviewer.id,
                submission_id=submission.id,
                source=ConflictSource.DECLARED,
            )
        )
    db.session.commit()
    with app.test_request_context():
        proposal = services.propose_assignments(world.chair, world.edition, 2)
        reasons = services.shortage_reasons(world.edition, proposal, 2)
    assert reasons[submission.id] == (
        "all 5 reviewers conflicted (3 by e-mail domain ec.europa.eu, 2 declared)"
    )


def test_shared_domains_create_no_conflict(world, commission, login):
    people, submission = commission
    organiser = make_user(role=Role.ORGANISER, edition=world.edition)
    services.refresh_automatic_conflicts(world.edition)
    db.session.commit()
    assert _count(Conflict) >= 3
    org = login(organiser)
    page = org.get("/2027/admin/conflict-rules")
    assert page.status_code == 200
    bad = org.post(
        "/2027/admin/conflict-rules",
        data={"conflict_free_domains": "not a domain", "withdrawn_talks": "cancel"},
    )
    assert bad.status_code == 400 and "not e-mail domains" in bad.get_data(as_text=True)
    response = org.post(
        "/2027/admin/conflict-rules",
        data={"conflict_free_domains": "ec.europa.eu, cnrs.fr", "withdrawn_talks": "remove"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert services.shared_domains(world.edition) == ["cnrs.fr", "ec.europa.eu"]
    assert world.edition.withdrawn_talks == "remove"
    pairs = services.conflict_pairs(world.edition)
    assert not any((p.id, submission.id) in pairs for p in people)
    assert _audit("review.conflict_rules")
    # Chairs (not organisers) may not change them.
    denied = login(world.chair).post(
        "/2027/admin/conflict-rules",
        data={"conflict_free_domains": "", "withdrawn_talks": "cancel"},
    )
    assert denied.status_code == 403
    db.session.expire_all()
    assert services.shared_domains(world.edition) == ["cnrs.fr", "ec.europa.eu"]


def test_chair_overrides_an_automatic_conflict_with_a_reason(world, commission, login):
    people, submission = commission
    services.refresh_automatic_conflicts(world.edition)
    db.session.commit()
    target = people[0]
    chair = login(world.chair)
    url = f"/2027/review/chair/submissions/{submission.id}/conflicts/{target.id}/override"
    page = chair.get(f"/2027/review/chair/submissions/{submission.id}").get_data(as_text=True)
    assert url in page
    assert chair.post(url, data={"reason": ""}).status_code == 400
    assert _count(ConflictOverride) == 0
    response = chair.post(url, data={"reason": "Different directorate, never worked together"})
    assert response.status_code == 302
    assert (target.id, submission.id) not in services.conflict_pairs(world.edition)
    (entry,) = _audit("review.conflict_overridden")
    assert entry.actor_id == world.chair.id
    assert entry.details["reason"] == "Different directorate, never worked together"
    assert entry.details["source"] == ConflictSource.SAME_DOMAIN
    # The refresh before every assignment keeps the override; the reviewer can be assigned.
    services.refresh_automatic_conflicts(world.edition)
    db.session.commit()
    assert (target.id, submission.id) not in services.conflict_pairs(world.edition)
    assign = chair.post(
        f"/2027/review/chair/submissions/{submission.id}/assign",
        data={"reviewer_id": target.id},
    )
    assert assign.status_code == 302
    assert _count(ReviewAssignment) == 1


def test_a_declared_conflict_cannot_be_overridden(world, login):
    from tests.review.factories import assign as _assign  # noqa: F401

    submission = world.submission
    login(world.reviewer).post(
        f"/2027/review/conflicts/{submission.id}", data={"reason": "My former student"}
    )
    assert _count(Conflict) == 1
    chair = login(world.chair)
    url = f"/2027/review/chair/submissions/{submission.id}/conflicts/{world.reviewer.id}/override"
    response = chair.post(url, data={"reason": "I disagree"})
    assert response.status_code == 409
    assert _count(Conflict) == 1 and _count(ConflictOverride) == 0
    assert _audit("review.conflict_overridden") == []
    # Nor a reviewer who is a speaker of it.
    services.refresh_automatic_conflicts(world.edition)
    db.session.commit()
    speaker_reviewer = make_reviewer(world.edition, email="x@else.example.net")
    db.session.add(
        Conflict(
            edition_id=world.edition.id,
            reviewer_id=speaker_reviewer.id,
            submission_id=submission.id,
            source=ConflictSource.CO_SPEAKER,
        )
    )
    db.session.commit()
    url = f"/2027/review/chair/submissions/{submission.id}/conflicts/{speaker_reviewer.id}/override"
    assert chair.post(url, data={"reason": "why not"}).status_code == 409
    assert _count(ConflictOverride) == 0


def test_confirmation_page_after_the_deadline_says_no_and_offers_no_form(world, stage, login):
    world.edition.cfp_closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    world.edition.cfp_opens_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)
    db.session.commit()
    page = login(world.author).get(f"/2027/me/submissions/{world.submission.id}/withdraw")
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "closed on" in text and "Yes, withdraw this submission" not in text
    db.session.expire_all()
    assert db.session.get(Submission, world.submission.id).state == "submitted"


def test_a_talk_placed_under_a_red_default_is_not_named_in_the_register_mail(world, login):
    # Issue 23: the new session takes the edition's default label; RED never in a mail body.
    edition = world.edition
    edition.tlp_default = "RED"
    room = Room(edition_id=edition.id, name="Room A")
    talk = SessionType(edition_id=edition.id, code="talk", name="Talk")
    db.session.add_all([room, talk])
    world.submission.decision = Decision.ACCEPTED
    world.submission.decision_published_at = dt.datetime.now(dt.UTC)
    db.session.commit()
    chair = login(world.chair)
    assert chair.post(_place_url(world.submission), data=_form(room, talk)).status_code == 302
    session = db.session.scalar(sa.select(ProgrammeSession).where(ProgrammeSession.title != ""))
    assert session.tlp == "RED"
    mails = _mails("review_speaker_register")
    assert mails
    for message in mails:
        assert world.submission.title not in message.text_body
        assert "not sent by e-mail under its TLP label" in message.text_body
