"""The waiting list: it moves by itself when a place frees (automatic or offered places),
tells the person once, shows their position, and lapses offers not taken in time."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import current_app

from conference.accreditation.models import (
    AccreditationCategory,
    Registration,
    RegistrationInvitation,
    WaitlistEntry,
)
from conference.accreditation.services import invitations, waitlist
from conference.db import utcnow
from conference.editions.models import Edition
from conference.extensions import db
from conference.mail import OutboxMessage
from tests.accreditation.conftest import make_category, make_registration
from tests.factories import make_user


def state(registration) -> str:
    db.session.expire_all()
    return db.session.get(Registration, registration.id).state


def mails(registration, template) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.to == registration.user.email, OutboxMessage.template == template
        )
    )


def full_press(edition, waiting=2):
    press = make_category(edition, "PRS", "Press", quota=1)
    holder = make_registration(category=press, state="accredited")
    queue = [make_registration(category=press, state="waitlisted") for _ in range(waiting)]
    return press, holder, queue


def test_cancellation_accredits_the_first_person_waiting_once(login, edition):
    _press, holder, (first, second) = full_press(edition)
    response = login(holder.user).post("/2027/me/cancel", data={"confirm": "y"})
    assert response.status_code == 302
    assert state(first) == "accredited" and state(second) == "waitlisted"
    assert mails(first, "accreditation_accredited") == 1
    assert db.session.scalar(sa.select(WaitlistEntry.registration_id)) == second.id


def test_the_person_sees_their_position(login, edition):
    _press, _holder, (first, second) = full_press(edition)
    html = login(second.user).get("/2027/me").get_data(as_text=True)
    assert "You are number 2 on the waiting list for Press" in html
    assert "You are number 1 on" in login(first.user).get("/2027/me").get_data(as_text=True)


def test_revocation_frees_a_place(login, organiser, edition):
    _press, holder, (first, _second) = full_press(edition)
    login(organiser).post(f"/2027/admin/registrations/{holder.id}/decide",
                          data={"action": "revoke", "reason": "left the ministry"})  # fmt: skip
    assert state(first) == "accredited"


def test_raised_quota_fills_the_new_places(login, organiser, edition):
    press, _holder, (first, second) = full_press(edition)
    response = login(organiser).post(
        f"/2027/admin/categories/{press.id}",
        data={"name": "Press", "code": "PRS", "colour": "#1f4e79", "quota": "3", "position": "0"},
    )
    assert response.status_code == 302
    assert state(first) == "accredited" and state(second) == "accredited"


def test_manual_mode_leaves_the_list_alone(login, edition):
    edition.waitlist_mode = "manual"
    db.session.commit()
    _press, holder, (first, _second) = full_press(edition)
    login(holder.user).post("/2027/me/cancel", data={"confirm": "y"})
    assert state(first) == "waitlisted"


def test_a_category_without_quota_never_moves_by_itself(login, category):
    holder = make_registration(category=category, state="accredited")
    waiting = make_registration(category=category, state="waitlisted")
    login(holder.user).post("/2027/me/cancel", data={"confirm": "y"})
    assert state(waiting) == "waitlisted"


def test_offer_mode_offers_the_place_and_the_person_takes_it(login, edition):
    edition.waitlist_mode = "offer"
    edition.waitlist_offer_days = 2
    db.session.commit()
    _press, holder, (first, second) = full_press(edition)
    login(holder.user).post("/2027/me/cancel", data={"confirm": "y"})
    assert state(first) == "waitlisted"
    entry = db.session.scalar(
        sa.select(WaitlistEntry).where(WaitlistEntry.registration_id == first.id)
    )
    assert entry.state == "offered"
    assert mails(first, "accreditation_waitlist_offer") == 1
    client = login(first.user)
    assert "A place has become free for you" in client.get("/2027/me").get_data(as_text=True)
    # The held place is not given to anyone else meanwhile.
    assert waitlist.fill_places(edition) == []
    assert client.post("/2027/me/take-place").status_code == 302
    assert state(first) == "accredited" and state(second) == "waitlisted"
    assert mails(first, "accreditation_waitlist_offer") == 1


def test_nobody_else_can_take_an_offer(login, edition):
    edition.waitlist_mode = "offer"
    db.session.commit()
    _press, holder, (first, second) = full_press(edition)
    login(holder.user).post("/2027/me/cancel", data={"confirm": "y"})
    assert login(second.user).post("/2027/me/take-place").status_code == 409
    assert login(make_user()).post("/2027/me/take-place").status_code == 403
    assert state(second) == "waitlisted"


def test_offer_expiry_job_passes_the_place_to_the_next(app, login, runner, edition):
    edition.waitlist_mode = "offer"
    db.session.commit()
    _press, holder, (first, second) = full_press(edition)
    login(holder.user).post("/2027/me/cancel", data={"confirm": "y"})
    entry = db.session.scalar(
        sa.select(WaitlistEntry).where(WaitlistEntry.registration_id == first.id)
    )
    entry.offer_expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["waitlist", "run"])
    assert result.exit_code == 0, result.output
    assert "1 offers lapsed, 0 reserved places released, 1 places given" in result.output
    db.session.expire_all()
    states = dict(
        db.session.execute(sa.select(WaitlistEntry.registration_id, WaitlistEntry.state)).all()
    )
    assert states == {first.id: "lapsed", second.id: "offered"}
    assert mails(first, "accreditation_waitlist_lapsed") == 1
    assert mails(second, "accreditation_waitlist_offer") == 1
    # Too late to take it; and running the job again changes nothing and mails nobody.
    assert login(first.user).post("/2027/me/take-place").status_code == 409
    runner.invoke(args=["waitlist", "run"])
    assert mails(first, "accreditation_waitlist_lapsed") == 1
    assert mails(second, "accreditation_waitlist_offer") == 1


def test_waiting_list_page_and_setting(login, organiser, edition):
    _press, _holder, (first, _second) = full_press(edition)
    client = login(organiser)
    html = client.get("/2027/admin/waiting-list").get_data(as_text=True)
    assert first.full_name in html
    response = client.post("/2027/admin/waiting-list", data={"mode": "offer", "offer_days": "5"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (edition.waitlist_mode, edition.waitlist_offer_days) == ("offer", 5)
    bad = client.post("/2027/admin/waiting-list", data={"mode": "sometimes", "offer_days": "500"})
    assert bad.status_code == 400
    db.session.expire_all()
    assert edition.waitlist_mode == "offer"


def test_attendee_may_not_see_or_change_the_waiting_list(login, edition):
    client = login(make_user())
    assert client.get("/2027/admin/waiting-list").status_code == 403
    response = client.post("/2027/admin/waiting-list", data={"mode": "manual", "offer_days": "3"})
    assert response.status_code == 403
    db.session.expire_all()
    assert edition.waitlist_mode == "automatic"


def test_leaving_the_waiting_list_removes_the_entry(login, edition):
    _press, _holder, (first, _second) = full_press(edition)
    login(first.user).post("/2027/me/cancel", data={"confirm": "y"})
    assert state(first) == "cancelled"
    assert (
        db.session.scalar(sa.select(WaitlistEntry).where(WaitlistEntry.registration_id == first.id))
        is None
    )


def test_a_cancellation_promotes_one_person_even_with_more_room(login, edition):
    roomy = make_category(edition, "RMY", "Roomy", quota=10)
    holder = make_registration(category=roomy, state="accredited")
    first, second = (make_registration(category=roomy, state="waitlisted") for _ in range(2))
    login(holder.user).post("/2027/me/cancel", data={"confirm": "y"})
    assert state(first) == "accredited" and state(second) == "waitlisted"


def test_a_declined_offer_passes_to_the_next(login, edition):
    edition.waitlist_mode = "offer"
    db.session.commit()
    _press, holder, (first, second) = full_press(edition)
    login(holder.user).post("/2027/me/cancel", data={"confirm": "y"})
    login(first.user).post("/2027/me/cancel", data={"confirm": "y"})
    assert state(first) == "cancelled"
    entry = db.session.scalar(
        sa.select(WaitlistEntry).where(WaitlistEntry.registration_id == second.id)
    )
    assert entry.state == "offered"
    assert mails(second, "accreditation_waitlist_offer") == 1


def test_expired_reserving_invitation_releases_its_place_through_the_job(runner, edition):
    press = make_category(edition, "PRS", "Press", quota=1)
    organiser = make_user(role="organiser", edition=edition)
    with current_app.test_request_context():
        invitations.create_invitations(
            edition, organiser, [invitations.Recipient("x@example.org", "X")], press,
            expires_at=utcnow() + dt.timedelta(days=2), reserves_place=True,
        )  # fmt: skip
        db.session.commit()
    waiting = make_registration(category=press, state="waitlisted")
    result = runner.invoke(args=["waitlist", "run"])
    assert "0 reserved places released" in result.output
    assert state(waiting) == "waitlisted"
    invitation = db.session.scalar(sa.select(RegistrationInvitation))
    invitation.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["waitlist", "run"])
    assert "1 reserved places released, 1 places given" in result.output, result.output
    assert state(waiting) == "accredited"
    again = runner.invoke(args=["waitlist", "run"])
    assert "0 reserved places released, 0 places given" in again.output


@pytest.mark.demo
def test_demo_has_invitations_in_every_state_and_a_full_category_with_a_waiting_list(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # idempotent
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == 2027))
    found = {invitations.invitation_state(i) for i in invitations.invitations(edition)}
    assert found == {"sent", "opened", "used", "expired", "revoked"}
    side = db.session.scalar(
        sa.select(AccreditationCategory).where(
            AccreditationCategory.edition_id == edition.id, AccreditationCategory.code == "SIDE"
        )
    )
    assert waitlist.free_places(edition, side) == 0
    states = [e.state for e in waitlist.waiting_list(edition) if e.category_id == side.id]
    assert states == ["offered", "waiting", "waiting"]


def test_waitlist_job_can_be_handed_to_the_worker(runner, edition):
    result = runner.invoke(args=["waitlist", "run", "--background"])
    assert result.exit_code == 0, result.output
    assert "Waiting-list job" in result.output
