"""The attendee's page, editing while submitted, and the nominating authority's answer."""

from __future__ import annotations

import re

import sqlalchemy as sa

from conference.accreditation import services
from conference.accreditation.models import Registration
from conference.editions.models import EditionState
from conference.extensions import db
from conference.mail import OutboxMessage
from tests.accreditation.conftest import form_data, make_category, make_registration
from tests.factories import make_edition, make_user


def reload(registration) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration.id)


def test_me_without_registration_offers_to_register(login, category):
    html = login(make_user()).get("/2027/me").get_data(as_text=True)
    assert "You have not registered" in html
    assert 'href="/2027/register"' in html


def test_me_requires_login(client, category):
    response = client.get("/2027/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_me_shows_state_history_next_steps_and_actions(login, category):
    registration = make_registration(category=category)
    client = login(registration.user)
    response = client.get("/2027/me")
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "tag-submitted" in html
    assert "will review your registration" in html
    assert 'href="/2027/me/edit"' in html and 'href="/2027/me/cancel"' in html
    assert 'href="/me/data.json"' in html


def test_me_for_accredited_and_rejected(login, category):
    accredited = make_registration(category=category, state="accredited")
    html = login(accredited.user).get("/2027/me").get_data(as_text=True)
    assert "You are accredited" in html and 'href="/2027/me/edit"' not in html
    rejected = make_registration(category=category, state="rejected")
    html = login(rejected.user).get("/2027/me").get_data(as_text=True)
    assert "not accepted" in html and "because" in html
    assert 'href="/2027/me/cancel"' not in html


def test_edit_while_submitted(login, category, edition):
    press = make_category(edition, "PRS", "Press")
    registration = make_registration(category=category)
    client = login(registration.user)
    page = client.get("/2027/me/edit")
    assert page.status_code == 200 and 'value="Maria Weber"' in page.get_data(as_text=True)
    response = client.post(
        "/2027/me/edit", data=form_data(press, position="Head of Unit", full_name="Maria W.")
    )
    assert response.status_code == 302
    registration = reload(registration)
    assert registration.position == "Head of Unit"
    assert registration.requested_category_id == press.id
    assert registration.state == "submitted"
    assert registration.events[-1].reason == "Details updated."


def test_edit_bad_input_and_after_decision(login, category):
    registration = make_registration(category=category)
    client = login(registration.user)
    assert client.post("/2027/me/edit", data=form_data(category, country="XX")).status_code == 400
    assert reload(registration).country == "AT"
    accredited = make_registration(category=category, state="waitlisted")
    other = login(accredited.user)
    assert other.get("/2027/me/edit").status_code == 409
    assert other.post("/2027/me/edit", data=form_data(category, position="x")).status_code == 409
    assert reload(accredited).position == "Policy Officer"


def test_switching_to_a_nomination_category_asks_the_authority(login, category, mse):
    registration = make_registration(category=category)
    client = login(registration.user)
    response = client.post("/2027/me/edit", data=form_data(mse))
    assert response.status_code == 302
    registration = reload(registration)
    assert registration.endorsement == "pending"
    assert db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.template == "accreditation_nomination")
    )


def test_archived_edition_me_page_is_read_only(login, app):
    archived = make_edition(2025, state=EditionState.ARCHIVED)
    category = make_category(archived)
    user = make_user()
    registration = Registration(
        edition_id=archived.id, user_id=user.id, requested_category_id=category.id,
        state="accredited", category_id=category.id, full_name="Old Timer",
    )  # fmt: skip
    db.session.add(registration)
    db.session.commit()
    client = login(user)
    html = client.get("/2025/me").get_data(as_text=True)
    assert "Old Timer" in html and 'href="/2025/me/cancel"' not in html
    assert client.post("/2025/me/cancel", data={"confirm": "y"}).status_code == 403
    assert reload(registration).state == "accredited"


# --- nominations --------------------------------------------------------------------------


def nomination_link(registration) -> str:
    mail = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.to == registration.nominator_email)
    )
    return re.search(r"http://conference\.test(/2027/nomination/\S+)", mail.text_body).group(1)


def test_nominator_endorses_through_the_signed_link(client, mse, login, organiser):
    registration = make_registration(category=mse)
    link = nomination_link(registration)
    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert registration.full_name in html and 'value="endorse"' in html
    assert reload(registration).endorsement == "pending"  # GET changes nothing
    response = client.post(link, data={"decision": "endorse", "note": "Our delegate."})
    assert response.status_code == 302
    registration = reload(registration)
    assert registration.endorsement == "endorsed"
    assert registration.endorsement_note == "Our delegate."
    assert registration.endorsement_at is not None
    # The queue shows it, and accrediting needs no note now.
    html = login(organiser).get("/2027/admin/registrations").get_data(as_text=True)
    assert ">endorsed<" in html
    response = login(organiser).post(
        f"/2027/admin/registrations/{registration.id}/decide", data={"action": "accredit"}
    )
    assert response.status_code == 302
    # A second answer is refused.
    assert client.post(link, data={"decision": "decline"}).status_code == 409
    assert reload(registration).endorsement == "endorsed"


def test_nominator_declines(client, mse):
    registration = make_registration(category=mse)
    link = nomination_link(registration)
    assert client.post(link, data={"decision": "decline"}).status_code == 302
    assert reload(registration).endorsement == "declined"
    assert "declined" in client.get(link).get_data(as_text=True)


def test_nomination_bad_links_and_bad_decisions(client, mse):
    registration = make_registration(category=mse)
    link = nomination_link(registration)
    assert client.get(link + "x").status_code == 400
    assert client.get("/2027/nomination/garbage").status_code == 400
    assert client.get("/2027/nomination/" + "a" * 600).status_code == 400
    assert client.post(link, data={"decision": "maybe"}).status_code == 400
    assert client.post(link, data={}).status_code == 400
    assert reload(registration).endorsement == "pending"
    # A link signed for another address (the attendee changed the contact) no longer works.
    registration.nominator_email = "someone.else@ministry.example.at"
    db.session.commit()
    assert client.get(link).status_code == 400


def test_nomination_link_of_another_edition_is_refused(client, mse, app):
    registration = make_registration(category=mse)
    make_edition(2029)
    with app.test_request_context():
        token = services.nomination_token(registration)
    assert client.get(f"/2029/nomination/{token}").status_code == 400


def test_nomination_for_a_closed_registration(client, mse):
    registration = make_registration(category=mse)
    link = nomination_link(registration)
    registration_user = registration.user
    login_client = client
    from tests.factories import login_client as _login

    _login(login_client, registration_user).post("/2027/me/cancel", data={"confirm": "y"})
    assert client.post(link, data={"decision": "endorse"}).status_code == 409
    assert reload(registration).endorsement == "pending"
