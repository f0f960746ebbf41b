"""Invitations to register: the organisers' page, the signed link used once, expired and
revoked links refused, the category fixed, and both quota rules."""

from __future__ import annotations

import datetime as dt
import io
import re

import sqlalchemy as sa

from conference.accreditation import privacy
from conference.accreditation.models import Registration, RegistrationInvitation, WaitlistEntry
from conference.accreditation.services import invitations as service
from conference.audit import AuditEntry
from conference.db import utcnow
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.permissions import can
from tests.accreditation.conftest import form_data, make_category, make_registration
from tests.confirming import confirm_post
from tests.factories import PASSWORD, make_edition, make_user

_LINK = re.compile(r"(/2027/invitation/[A-Za-z0-9_.\-]+)")


def _expiry(days=10) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def invite(client, category, addresses="ana.silva@example.pt, Ana Silva", **overrides):
    if "data_category" in overrides:  # a raw value for the category field
        overrides["category"] = overrides.pop("data_category")
    data = {
        "addresses": addresses,
        "category": str(category.id),
        "note": "We would be honoured.",
        "expires_on": _expiry(),
        "decision": "accredit",
        "quota": "on_use",
        **overrides,
    }
    return client.post("/2027/admin/invitations", data=data)


def link_for(address: str) -> str:
    body = db.session.scalar(
        sa.select(OutboxMessage.text_body)
        .where(OutboxMessage.to == address, OutboxMessage.template == "accreditation_invitation")
        .order_by(OutboxMessage.id.desc())
    )
    return _LINK.search(body).group(1)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_organiser_invites_one_address_and_the_mail_carries_the_link(login, organiser, category):
    client = login(organiser)
    response = invite(client, category)
    assert response.status_code == 302
    invitation = db.session.scalar(sa.select(RegistrationInvitation))
    assert invitation.email == "ana.silva@example.pt" and invitation.full_name == "Ana Silva"
    assert invitation.accredit_at_once and not invitation.reserves_place
    assert invitation.send_count == 1
    assert link_for("ana.silva@example.pt").startswith("/2027/invitation/")
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "invitation.create"))
    html = client.get("/2027/admin/invitations").get_data(as_text=True)
    assert "ana.silva@example.pt" in html and "tag-invitation-sent" in html


def test_csv_upload_invites_every_line(login, organiser, category):
    csv_file = (io.BytesIO(b"email;name\na@example.org;Anna A\nb@example.org;Ben B\n"), "x.csv")
    response = login(organiser).post(
        "/2027/admin/invitations",
        data={"addresses": "", "csv_file": csv_file, "category": str(category.id),
              "expires_on": _expiry(), "decision": "moderate", "quota": "on_use"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 302
    names = dict(db.session.execute(sa.select(RegistrationInvitation.email,
                                              RegistrationInvitation.full_name)).all())  # fmt: skip
    assert names == {"a@example.org": "Anna A", "b@example.org": "Ben B"}


def test_bad_lines_refuse_the_whole_batch(login, organiser, category):
    response = invite(login(organiser), category, addresses="good@example.org\nnot-an-address")
    assert response.status_code == 400
    assert "not-an-address" in response.get_data(as_text=True)
    assert count(RegistrationInvitation) == 0


def test_an_address_is_not_invited_twice(login, organiser, category):
    client = login(organiser)
    invite(client, category)
    response = invite(client, category)
    assert response.status_code == 409
    assert count(RegistrationInvitation) == 1


def test_attendee_may_not_invite(login, category):
    response = invite(login(make_user()), category)
    assert response.status_code == 403
    assert login(make_user()).get("/2027/admin/invitations").status_code == 403
    assert count(RegistrationInvitation) == 0


def _invitee_registers(login, address="ana.silva@example.pt", **overrides):
    invitee = make_user(address)
    client = login(invitee)
    link = link_for(address)
    assert client.get(link).status_code == 200
    data = form_data(_category_of_link(), **overrides)
    return invitee, client, link, client.post(link, data=data)


def _category_of_link():
    return db.session.scalar(sa.select(RegistrationInvitation)).category


def test_invitee_registers_accredited_at_once_and_the_link_is_used_once(login, organiser, category):
    invite(login(organiser), category)
    invitee, client, link, response = _invitee_registers(login)
    assert response.status_code == 302
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.user_id == invitee.id)
    )
    assert registration.state == "accredited" and registration.category_id == category.id
    invitation = db.session.scalar(sa.select(RegistrationInvitation))
    assert invitation.used_at is not None and invitation.registration_id == registration.id
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert count(Registration) == 1


def test_moderated_invitation_leaves_the_registration_submitted(login, organiser, category):
    invite(login(organiser), category, decision="moderate")
    _invitee, _client, _link, response = _invitee_registers(login)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Registration.state)) == "submitted"


def test_category_is_fixed_whatever_is_posted(login, organiser, category, edition):
    other = make_category(edition, "OTH", "Other")
    invite(login(organiser), category)
    _invitee, _client, _link, response = _invitee_registers(login, requested_category=str(other.id))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Registration.requested_category_id)) == category.id


def test_link_is_refused_to_another_account(login, organiser, category):
    invite(login(organiser), category)
    stranger = login(make_user("someone.else@example.org"))
    link = link_for("ana.silva@example.pt")
    assert "was sent to ana.silva@example.pt" in stranger.get(link).get_data(as_text=True)
    response = stranger.post(link, data=form_data(category))
    assert response.status_code == 403
    assert count(Registration) == 0


def test_expired_link_is_refused(login, organiser, category):
    invite(login(organiser), category)
    invitation = db.session.scalar(sa.select(RegistrationInvitation))
    invitation.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    client = login(make_user("ana.silva@example.pt"))
    link = link_for("ana.silva@example.pt")
    response = client.get(link)
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert client.post(link, data=form_data(category)).status_code == 410
    assert count(Registration) == 0


def test_revoked_link_is_refused_and_revocation_is_audited(login, organiser, category):
    admin = login(organiser)
    invite(admin, category)
    invitation = db.session.scalar(sa.select(RegistrationInvitation))
    response = confirm_post(admin, f"/2027/admin/invitations/{invitation.id}/revoke")
    assert response.status_code == 302
    client = login(make_user("ana.silva@example.pt"))
    link = link_for("ana.silva@example.pt")
    assert client.get(link).status_code == 410
    assert client.post(link, data=form_data(category)).status_code == 410
    assert count(Registration) == 0
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "invitation.revoke"))


def test_tampered_link_is_refused(login, organiser, category):
    invite(login(organiser), category)
    link = link_for("ana.silva@example.pt")
    client = login(make_user("ana.silva@example.pt"))
    assert client.get(link[:-3] + "abc").status_code == 404
    assert client.get("/2027/invitation/" + "x" * 600).status_code == 404


def test_opening_and_resending_change_the_state(login, organiser, category):
    admin = login(organiser)
    invite(admin, category)
    login(make_user()).get(link_for("ana.silva@example.pt"))
    invitation = db.session.scalar(sa.select(RegistrationInvitation))
    assert invitation.opened_at is not None
    assert admin.post(f"/2027/admin/invitations/{invitation.id}/resend").status_code == 302
    db.session.expire_all()
    assert db.session.get(RegistrationInvitation, invitation.id).send_count == 2


def test_used_invitation_cannot_be_resent_or_revoked(login, organiser, category):
    admin = login(organiser)
    invite(admin, category)
    _invitee_registers(login)
    invitation = db.session.scalar(sa.select(RegistrationInvitation))
    assert admin.post(f"/2027/admin/invitations/{invitation.id}/resend").status_code == 409
    page = admin.get(f"/2027/admin/invitations/{invitation.id}/revoke")
    assert "cannot be revoked" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RegistrationInvitation, invitation.id).revoked_at is None


def test_invitation_counting_when_used_waitlists_when_the_category_is_full(
    login, organiser, edition
):
    press = make_category(edition, "PRS", "Press", quota=1)
    make_registration(category=press, state="accredited")
    invite(login(organiser), press)
    _invitee, _client, _link, response = _invitee_registers(login)
    assert response.status_code == 302
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.email == "ana.silva@example.pt")
    )
    assert registration.state == "waitlisted"
    assert db.session.scalar(sa.select(WaitlistEntry.registration_id)) == registration.id


def test_reserving_invitation_holds_a_place_against_other_accreditations(login, organiser, edition):
    press = make_category(edition, "PRS", "Press", quota=1)
    waiting = make_registration(category=press)
    admin = login(organiser)
    assert invite(admin, press, quota="reserve").status_code == 302
    response = admin.post(
        f"/2027/admin/registrations/{waiting.id}/decide", data={"action": "accredit"}
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Registration, waiting.id).state == "submitted"
    # The invitee takes the reserved place although the quota is otherwise full.
    _invitee, _client, _link, response = _invitee_registers(login)
    assert response.status_code == 302
    assert (
        db.session.scalar(
            sa.select(Registration.state).where(Registration.email == "ana.silva@example.pt")
        )
        == "accredited"
    )


def test_reserving_more_places_than_free_is_refused(login, organiser, edition):
    press = make_category(edition, "PRS", "Press", quota=1)
    response = invite(login(organiser), press, addresses="a@example.org\nb@example.org",
                      quota="reserve")  # fmt: skip
    assert response.status_code == 409
    assert count(RegistrationInvitation) == 0


def test_revoking_a_reserving_invitation_gives_the_place_to_the_waiting_list(
    login, organiser, edition
):
    press = make_category(edition, "PRS", "Press", quota=1)
    admin = login(organiser)
    invite(admin, press, quota="reserve")
    waiting = make_registration(category=press, state="waitlisted")
    invitation = db.session.scalar(sa.select(RegistrationInvitation))
    confirm_post(admin, f"/2027/admin/invitations/{invitation.id}/revoke")
    db.session.expire_all()
    assert db.session.get(Registration, waiting.id).state == "accredited"


def test_invitations_are_in_the_data_download_and_erased_with_the_account(
    login, organiser, category
):
    invite(login(organiser), category)
    invitee = make_user("ana.silva@example.pt")
    client = login(invitee)
    data = client.get("/me/data.json").get_json()
    assert data["registration_invitations"][0]["email"] == "ana.silva@example.pt"
    assert data["registration_invitations"][0]["note"] == "We would be honoured."
    response = client.post("/me/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    invitation = db.session.scalar(sa.select(RegistrationInvitation))
    assert invitation.email == f"erased-{invitation.id}@invalid"
    assert invitation.full_name == "" and invitation.note == ""
    assert invitation.revoked_at is not None


def test_retention_purge_erases_the_editions_invitations(app, organiser, category, edition):
    with app.test_request_context():
        service.create_invitations(
            edition, organiser, [service.Recipient("x@example.org", "X")], category,
            expires_at=utcnow() + dt.timedelta(days=3),
        )  # fmt: skip
        edition.state = "closed"
        db.session.commit()
        privacy.purge_edition(edition, 0, now=utcnow() + dt.timedelta(days=3000))
        db.session.commit()
    assert db.session.scalar(sa.select(RegistrationInvitation.email)).startswith("erased-")


def test_invitation_permissions_allow_organisers_and_deny_others(app, organiser, edition):

    attendee = make_user()
    with app.test_request_context():
        assert can(organiser, "invitation.view", edition=edition)
        assert can(organiser, "invitation.manage", edition=edition)
        assert can(organiser, "waitlist.manage", edition=edition)
        assert not can(attendee, "invitation.view", edition=edition)
        assert not can(attendee, "invitation.manage", edition=edition)
        assert not can(attendee, "waitlist.view", edition=edition)
        edition.state = "archived"
        assert can(organiser, "invitation.view", edition=edition)
        assert not can(organiser, "invitation.manage", edition=edition)
        assert not can(organiser, "waitlist.manage", edition=edition)


def test_organiser_of_another_edition_cannot_touch_these_invitations(login, organiser, category):

    invite(login(organiser), category)
    invitation = db.session.scalar(sa.select(RegistrationInvitation))
    other = make_user(role="organiser", edition=make_edition(2029))
    client = login(other)
    assert client.get("/2027/admin/invitations").status_code == 403
    assert client.post(f"/2027/admin/invitations/{invitation.id}/resend").status_code == 403
    assert client.post(f"/2029/admin/invitations/{invitation.id}/resend").status_code == 404
    db.session.expire_all()
    assert db.session.get(RegistrationInvitation, invitation.id).send_count == 1


def test_deleting_an_unused_category_drops_its_open_invitations(login, organiser, edition):
    spare = make_category(edition, "SPR", "Spare")
    admin = login(organiser)
    invite(admin, spare)
    response = confirm_post(admin, f"/2027/admin/categories/{spare.id}/delete")
    assert response.status_code == 302
    assert count(RegistrationInvitation) == 0
    client = login(make_user("ana.silva@example.pt"))
    assert client.get(link_for("ana.silva@example.pt")).status_code == 404


def test_organisers_see_the_invitation_and_waiting_place_on_the_registration(
    login, organiser, edition
):
    press = make_category(edition, "PRS", "Press", quota=1)
    make_registration(category=press, state="accredited")
    admin = login(organiser)
    invite(admin, press)
    _invitee_registers(login)
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.email == "ana.silva@example.pt")
    )
    html = admin.get(f"/2027/admin/registrations/{registration.id}").get_data(as_text=True)
    assert "Registered through an" in html
    assert "Number 1 on the" in html


def test_malformed_invitation_input_gets_a_4xx_and_changes_nothing(login, organiser, category):
    client = login(organiser)
    bad = [
        {"category_id": "abc"},
        {"category_id": "99999999999"},
        {"category_id": ""},
        {"expires_on": "not-a-date"},
        {"expires_on": "2001-01-01"},
        {"expires_on": (dt.date.today() + dt.timedelta(days=800)).isoformat()},
        {"decision": "sometimes"},
        {"quota": "all"},
        {"addresses": ""},
        {"addresses": "x" * 300 + "@example.org"},
        {"note": "n" * 3000},
    ]
    for overrides in bad:
        if "category_id" in overrides:
            overrides = {"data_category": overrides["category_id"]}
        response = invite(client, category, **overrides)
        assert 400 <= response.status_code < 500, (overrides, response.status_code)
    assert count(RegistrationInvitation) == 0
    for path in ("/2027/admin/invitations/abc/resend", "/2027/admin/invitations/99999/resend"):
        assert client.post(path).status_code == 404
    assert client.get("/2027/admin/invitations?state=bogus").status_code == 400


def test_invitee_form_errors_are_shown_all_at_once(login, organiser, category):
    invite(login(organiser), category)
    client = login(make_user("ana.silva@example.pt"))
    response = client.post(
        link_for("ana.silva@example.pt"), data={"full_name": "", "organisation": ""}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.count('class="error"') >= 3
    assert count(Registration) == 0
    assert db.session.scalar(sa.select(RegistrationInvitation.used_at)) is None


def test_the_invitation_form_asks_the_editions_questions_too(login, organiser, category):
    """An invitee answers the organisers' questions like anyone registering (issue 20)."""
    from conference.accreditation.question_models import RegistrationAnswer, RegistrationQuestion

    question = RegistrationQuestion(
        edition_id=category.edition_id,
        key="id_document",
        kind="short_text",
        label="ID document type",
        required=True,
    )
    db.session.add(question)
    db.session.commit()
    invite(login(organiser), category)
    invitee = make_user("ana.silva@example.pt")
    client = login(invitee)
    link = link_for("ana.silva@example.pt")
    assert "ID document type" in client.get(link).get_data(as_text=True)
    missing = client.post(link, data=form_data(category))
    assert missing.status_code == 400
    assert count(Registration) == 0
    done = client.post(link, data={**form_data(category), f"q_{question.id}": "passport"})
    assert done.status_code == 302
    [answer] = db.session.scalars(sa.select(RegistrationAnswer)).all()
    assert (answer.question_key, answer.value) == ("id_document", "passport")
