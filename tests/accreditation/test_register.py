"""Registering through HTTP: the form, pre-filling, consent, windows and duplicates."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conference.accreditation.models import Registration, RegistrationEvent
from conference.audit import AuditEntry
from conference.db import utcnow
from conference.editions.models import EditionState
from conference.extensions import db
from conference.mail import OutboxMessage
from tests.accreditation.conftest import form_data, make_category, make_registration
from tests.factories import make_edition, make_user


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_register_page_lists_categories_and_grouped_countries(login, category, mse):
    client = login(make_user())
    response = client.get("/2027/register")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Research organisation" in html and "Member State expert" in html
    assert '<optgroup label="EU Member States">' in html
    assert 'href="/privacy"' in html or "privacy" in html
    assert '<label for="privacy_consent"' in html
    assert '<label for="special_data_consent"' in html


def test_anonymous_is_sent_to_login(client, category):
    response = client.get("/2027/register")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_register_creates_submitted_registration_mail_event_and_profile(login, category):
    user = make_user(full_name="Old Name")
    response = login(user).post("/2027/register", data=form_data(category))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/2027/me")
    registration = db.session.scalar(sa.select(Registration))
    assert registration.state == "submitted"
    assert registration.user_id == user.id
    assert registration.requested_category_id == category.id
    assert registration.privacy_consent_at is not None
    assert registration.special_data_consent_at is None
    assert registration.endorsement == "not_needed"
    events = registration.events
    assert [(e.from_state, e.to_state) for e in events] == [(None, "submitted")]
    db.session.refresh(user)
    assert user.full_name == "Maria Weber"
    assert user.organisation == "Ministry of Research"
    assert user.country == "AT" and user.organisation_type == "government"
    mails = db.session.scalars(sa.select(OutboxMessage)).all()
    assert [m.to for m in mails] == [user.email]
    assert "/2027/me" in mails[0].text_body and "http://conference.test" in mails[0].text_body
    assert count(AuditEntry, AuditEntry.action == "registration.submit") == 1


def test_nomination_category_requires_authority_and_contact(login, mse):
    client = login(make_user())
    response = client.post(
        "/2027/register", data=form_data(mse, nominating_authority="", nominator_email="")
    )
    assert response.status_code == 400
    assert "needs a nominating authority" in response.get_data(as_text=True)
    response = client.post("/2027/register", data=form_data(mse, nominator_email="not-an-email"))
    assert response.status_code == 400
    assert count(Registration) == 0


def test_nomination_mail_goes_to_the_contact_with_a_signed_link(login, mse):
    login(make_user()).post("/2027/register", data=form_data(mse))
    registration = db.session.scalar(sa.select(Registration))
    assert registration.endorsement == "pending"
    to_nominator = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.to == "nominations@ministry.example.at")
    )
    assert to_nominator is not None
    assert "http://conference.test/2027/nomination/" in to_nominator.text_body


def test_special_data_refused_without_separate_consent(login, category):
    client = login(make_user())
    response = client.post(
        "/2027/register", data=form_data(category, dietary_needs="Coeliac: gluten-free")
    )
    assert response.status_code == 400
    assert "explicit consent" in response.get_data(as_text=True)
    assert count(Registration) == 0
    response = client.post(
        "/2027/register",
        data=form_data(category, dietary_needs="Coeliac", special_data_consent="y"),
    )
    assert response.status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    assert registration.dietary_needs == "Coeliac"
    assert registration.special_data_consent_at is not None


def test_privacy_consent_is_required(login, category):
    data = form_data(category)
    del data["privacy_consent"]
    response = login(make_user()).post("/2027/register", data=data)
    assert response.status_code == 400
    assert "privacy notice" in response.get_data(as_text=True)
    assert count(Registration) == 0


def test_bad_input_is_refused_with_400(login, category, edition):
    other = make_edition(2029)
    foreign = make_category(other, "X")
    staff = make_category(edition, "STF", is_staff_category=True)
    client = login(make_user())
    cases = [
        form_data(category, country="ZZ"),
        form_data(category, country=""),
        form_data(category, organisation_type="spy-agency"),
        form_data(category, requested_category="abc"),
        form_data(category, requested_category=str(foreign.id)),
        form_data(category, requested_category=str(staff.id)),
        form_data(category, full_name=""),
        form_data(category, organisation="x" * 5000),
        form_data(category, dietary_needs="x" * 5000, special_data_consent="y"),
    ]
    for data in cases:
        response = client.post("/2027/register", data=data)
        assert response.status_code == 400, data
    assert count(Registration) == 0


def test_unicode_is_kept(login, category):
    login(make_user()).post(
        "/2027/register",
        data=form_data(category, full_name="Zoë Łukasiewicz-Ørsted", organisation="Ústav 科学"),
    )
    registration = db.session.scalar(sa.select(Registration))
    assert registration.full_name == "Zoë Łukasiewicz-Ørsted"
    assert registration.organisation == "Ústav 科学"


def test_double_submit_gives_one_registration_and_409(login, category):
    client = login(make_user())
    assert client.post("/2027/register", data=form_data(category)).status_code == 302
    response = client.post("/2027/register", data=form_data(category))
    assert response.status_code == 409
    assert "already registered" in response.get_data(as_text=True)
    assert count(Registration) == 1
    # The page itself sends a registered person to their page.
    response = client.get("/2027/register")
    assert response.status_code == 302 and response.headers["Location"].endswith("/2027/me")


def test_prefill_from_profile_and_earlier_edition(login, app):
    earlier = make_edition(2025, state=EditionState.OPEN)
    old_category = make_category(earlier, "MSE", "Member State expert", requires_nomination=True)
    current = make_edition(2027)
    make_category(current, "RES")
    mse_2027 = make_category(current, "MSE", "Member State expert", requires_nomination=True)
    user = make_user(full_name="Pieter de Vries")
    make_registration(
        user,
        old_category,
        full_name="Pieter de Vries",
        organisation="Ministry of Education",
        position="Adviser",
        nominating_authority="Dutch Ministry",
        nominator_email="contact@ministry.example.nl",
    )
    user.organisation = ""
    user.position = ""
    db.session.commit()
    html = login(user).get("/2027/register").get_data(as_text=True)
    assert 'value="Pieter de Vries"' in html
    assert 'value="Dutch Ministry"' in html
    assert 'value="contact@ministry.example.nl"' in html
    assert f'<option selected value="{mse_2027.id}">' in html or (
        f'value="{mse_2027.id}" selected' in html
    )


def test_closed_window_explains_and_accepts_nothing(login, app):
    now = utcnow()
    edition = make_edition(
        2027,
        registration_opens_at=now + dt.timedelta(days=3),
        registration_closes_at=now + dt.timedelta(days=10),
    )
    category = make_category(edition)
    client = login(make_user())
    response = client.get("/2027/register")
    assert response.status_code == 200
    assert "Registration opens on" in response.get_data(as_text=True)
    assert '<form method="post" class="form"' not in response.get_data(as_text=True)
    response = client.post("/2027/register", data=form_data(category))
    assert response.status_code == 403
    assert count(Registration) == 0


def test_after_the_window_and_for_archived_or_closed_editions(login, app):
    now = utcnow()
    past = make_edition(
        2026,
        registration_opens_at=now - dt.timedelta(days=30),
        registration_closes_at=now - dt.timedelta(days=1),
    )
    archived = make_edition(2025, state=EditionState.ARCHIVED)
    closed = make_edition(2024, state=EditionState.CLOSED)
    client = login(make_user())
    for edition, text in [
        (past, "Registration closed on"),
        (archived, "archived"),
        (closed, "is closed"),
    ]:
        category = make_category(edition)
        response = client.get(f"/{edition.year}/register")
        assert response.status_code == 200
        assert text in response.get_data(as_text=True)
        response = client.post(f"/{edition.year}/register", data=form_data(category))
        assert response.status_code == 403
    assert count(Registration) == 0


def test_unverified_account_cannot_register(login, category):
    user = make_user(verified=False)
    response = login(user).post("/2027/register", data=form_data(category))
    assert response.status_code == 403
    assert "confirm your e-mail" in response.get_data(as_text=True)
    assert count(Registration) == 0


def test_registration_event_recorded_once(login, category):
    login(make_user()).post("/2027/register", data=form_data(category))
    assert count(RegistrationEvent) == 1
