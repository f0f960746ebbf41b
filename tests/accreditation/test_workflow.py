"""The decision workflow through HTTP: every transition, reasons, mail, audit, signal, quotas."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accreditation.models import Registration, RegistrationEvent
from conference.audit import AuditEntry
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.signals import registration_changed
from tests.accreditation.conftest import make_category, make_registration
from tests.factories import make_user

ORGANISER_MOVES = [
    ("submitted", "accredit", "accredited", ""),
    ("submitted", "reject", "rejected", "No places left for this country."),
    ("submitted", "waitlist", "waitlisted", ""),
    ("waitlisted", "accredit", "accredited", ""),
    ("waitlisted", "reject", "rejected", "Sorry."),
    ("accredited", "revoke", "revoked", "Nomination withdrawn."),
]


def decide(client, registration, action, reason="", category=None):
    data = {"action": action, "reason": reason}
    if category is not None:
        data["category"] = str(category.id)
    return client.post(f"/2027/admin/registrations/{registration.id}/decide", data=data)


def reload(registration) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration.id)


@pytest.mark.parametrize("start,action,end,reason", ORGANISER_MOVES)
def test_organiser_transitions(login, organiser, category, start, action, end, reason):
    registration = make_registration(category=category, state=start)
    events_before = len(registration.events)
    mails_before = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    seen = []

    def listener(sender, **kwargs):
        seen.append((sender.id, kwargs["from_state"], kwargs["to_state"], kwargs["actor"].id))

    registration_changed.connect(listener)
    try:
        response = decide(login(organiser), registration, action, reason)
    finally:
        registration_changed.disconnect(listener)
    assert response.status_code == 302
    registration = reload(registration)
    assert registration.state == end
    event = registration.events[-1]
    assert len(registration.events) == events_before + 1
    assert (event.from_state, event.to_state, event.actor_id) == (start, end, organiser.id)
    assert event.reason == reason
    assert seen == [(registration.id, start, end, organiser.id)]
    mails = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(mails) == mails_before + 1
    assert mails[-1].to == registration.user.email
    if reason:
        assert reason in mails[-1].text_body
    audit = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == f"registration.{end}")
        .order_by(AuditEntry.id.desc())
    )  # fmt: skip
    assert audit.actor_id == organiser.id and audit.target_id == str(registration.id)


@pytest.mark.parametrize(
    "start,action",
    [
        ("rejected", "accredit"),
        ("rejected", "waitlist"),
        ("cancelled", "accredit"),
        ("revoked", "accredit"),
        ("accredited", "waitlist"),
        ("accredited", "accredit"),
        ("submitted", "revoke"),
        ("waitlisted", "waitlist"),
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(
    login, organiser, category, start, action
):
    registration = make_registration(category=category, state=start)
    events = len(registration.events)
    response = decide(login(organiser), registration, action, "a reason")
    assert response.status_code in (400, 409)
    registration = reload(registration)
    assert registration.state == start
    assert len(registration.events) == events


@pytest.mark.parametrize("action", ["reject"])
def test_reject_needs_a_reason(login, organiser, category, action):
    registration = make_registration(category=category)
    response = decide(login(organiser), registration, action, "   ")
    assert response.status_code == 400
    assert "reason" in response.get_data(as_text=True)
    assert reload(registration).state == "submitted"


def test_revoke_needs_a_reason(login, organiser, category):
    registration = make_registration(category=category, state="accredited")
    response = decide(login(organiser), registration, "revoke", "")
    assert response.status_code == 400
    assert reload(registration).state == "accredited"


def test_accredit_as_another_category(login, organiser, category, edition):
    press = make_category(edition, "PRS", "Press")
    registration = make_registration(category=category)
    response = decide(login(organiser), registration, "accredit", category=press)
    assert response.status_code == 302
    registration = reload(registration)
    assert registration.category_id == press.id
    assert registration.requested_category_id == category.id


def test_accredit_with_category_of_another_edition_is_404(login, organiser, category):
    from tests.factories import make_edition

    foreign = make_category(make_edition(2029), "X")
    registration = make_registration(category=category)
    response = decide(login(organiser), registration, "accredit", category=foreign)
    assert response.status_code == 404
    assert reload(registration).state == "submitted"


def test_unknown_action_is_400(login, organiser, category):
    registration = make_registration(category=category)
    response = decide(login(organiser), registration, "promote", "x")
    assert response.status_code == 400
    assert reload(registration).state == "submitted"


def test_quota_is_enforced(login, organiser, edition):
    small = make_category(edition, "PRS", "Press", quota=1)
    first = make_registration(category=small)
    second = make_registration(category=small)
    client = login(organiser)
    assert decide(client, first, "accredit").status_code == 302
    response = decide(client, second, "accredit")
    assert response.status_code == 409
    assert "quota of the category Press (1) is reached" in response.get_data(as_text=True)
    assert reload(second).state == "submitted"
    # Cancelling frees the place.
    with login(first.user) as attendee:
        attendee.post("/2027/me/cancel", data={"confirm": "y"})
    assert decide(client, second, "accredit").status_code == 302


def test_edition_capacity_is_enforced(login, organiser, edition, category):
    edition.capacity = 1
    db.session.commit()
    other = make_category(edition, "EUI")
    first = make_registration(category=category)
    second = make_registration(category=other)
    client = login(organiser)
    assert decide(client, first, "accredit").status_code == 302
    response = decide(client, second, "accredit")
    assert response.status_code == 409
    assert "capacity" in response.get_data(as_text=True)
    assert reload(second).state == "submitted"


def test_cancel_by_attendee_from_each_open_state(login, category):
    for state in ("submitted", "waitlisted", "accredited"):
        registration = make_registration(category=category, state=state)
        client = login(registration.user)
        page = client.get("/2027/me/cancel")
        assert page.status_code == 200 and "cannot be undone" in page.get_data(as_text=True)
        # Without the confirmation box nothing happens.
        assert client.post("/2027/me/cancel", data={}).status_code == 400
        assert reload(registration).state == state
        response = client.post("/2027/me/cancel", data={"confirm": "y"})
        assert response.status_code == 302
        registration = reload(registration)
        assert registration.state == "cancelled"
        assert registration.events[-1].actor_id == registration.user_id
        # A second cancel is refused.
        assert client.post("/2027/me/cancel", data={"confirm": "y"}).status_code == 409


def test_cancel_is_post_only_and_get_changes_nothing(login, category):
    registration = make_registration(category=category)
    client = login(registration.user)
    client.get("/2027/me/cancel")
    assert reload(registration).state == "submitted"


def test_attendee_cannot_cancel_a_closed_registration(login, category):
    registration = make_registration(category=category, state="rejected")
    response = login(registration.user).post("/2027/me/cancel", data={"confirm": "y"})
    assert response.status_code == 409
    assert reload(registration).state == "rejected"


def test_events_reason_and_history_shown_on_detail(login, organiser, category):
    registration = make_registration(category=category)
    client = login(organiser)
    decide(client, registration, "waitlist", "Nearly full")
    html = client.get(f"/2027/admin/registrations/{registration.id}").get_data(as_text=True)
    assert "submitted → waitlisted" in html and "Nearly full" in html


def test_nomination_required_accreditation_without_endorsement_needs_a_note(login, organiser, mse):
    registration = make_registration(category=mse)
    assert registration.endorsement == "pending"
    client = login(organiser)
    response = decide(client, registration, "accredit", "")
    assert response.status_code == 400
    assert "record why" in response.get_data(as_text=True)
    assert reload(registration).state == "submitted"
    response = decide(client, registration, "accredit", "Ministry confirmed by phone.")
    assert response.status_code == 302
    registration = reload(registration)
    assert registration.state == "accredited"
    assert registration.decision_reason == "Ministry confirmed by phone."


def test_accrediting_into_a_nomination_category_also_needs_a_note(login, organiser, category, mse):
    registration = make_registration(category=category)
    response = decide(login(organiser), registration, "accredit", "", category=mse)
    assert response.status_code == 400
    assert reload(registration).state == "submitted"


def test_total_events_only_grow(login, organiser, category):
    registration = make_registration(category=category)
    client = login(organiser)
    decide(client, registration, "waitlist")
    decide(client, registration, "accredit")
    decide(client, registration, "revoke", "Misconduct")
    states = [
        (e.from_state, e.to_state)
        for e in db.session.scalars(sa.select(RegistrationEvent).order_by(RegistrationEvent.id))
    ]
    assert states == [
        (None, "submitted"),
        ("submitted", "waitlisted"),
        ("waitlisted", "accredited"),
        ("accredited", "revoked"),
    ]


def test_make_user_helper_not_an_organiser(login, category):
    """Guard for the fixtures: a plain user has no organiser rights."""
    registration = make_registration(category=category)
    response = decide(login(make_user()), registration, "accredit")
    assert response.status_code == 403
