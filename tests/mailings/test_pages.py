"""The mailing pages through HTTP: composing, the recipients, preview, test mail, sending,
stop and resume, and every refusal (role, edition, bad input) leaving nothing changed."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role
from conference.audit import AuditEntry
from conference.editions.models import EditionState
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.mailings.models import Mailing, MailingState
from tests.calendar.factories import accredit, make_category
from tests.factories import make_edition, make_user
from tests.mailings.factories import crowd, make_mailing, make_submission, messages_of


@pytest.fixture
def edition(app):
    return make_edition()


@pytest.fixture
def organiser(edition):
    return make_user("olga@example.org", role=Role.ORGANISER, edition=edition)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _compose(**overrides) -> dict:
    data = {
        "kind": "registrations",
        "states": ["accredited"],
        "countries": "",
        "session_id": "",
        "session_mode": "booked",
        "subject": "Practical information for {{ edition_title }}",
        "body": "Dear {{ name }},\n\nyour sessions:\n{{ sessions }}\n",
    }
    data.update(overrides)
    return data


def test_contract_routes_answer_for_organisers(edition, organiser, login):
    client = login(organiser)
    assert client.get("/2027/admin/mailings").status_code == 200
    page = client.get("/2027/admin/mailings/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="subject"' in html and "{{ sessions }}" in html
    assert '<label for="subject"' in html


def test_organiser_composes_a_draft_and_sees_the_recipients(edition, organiser, login):
    category = make_category(edition, "RES")
    people = crowd(edition, 3, category, country="FR")
    crowd(edition, 2, category, country="DE")
    crowd(edition, 2, category, state="submitted", country="FR")
    client = login(organiser)
    response = client.post(
        "/2027/admin/mailings/new", data=_compose(countries="fr", category_ids=[str(category.id)])
    )
    assert response.status_code == 303
    mailing = db.session.scalar(sa.select(Mailing))
    assert mailing.state == MailingState.DRAFT
    assert mailing.audience["countries"] == ["FR"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 recipients" in page
    listing = client.get(f"/2027/admin/mailings/{mailing.id}/recipients").get_data(as_text=True)
    for person in people:
        assert person.email in listing
    assert listing.count("@example.org") == 3
    assert (
        db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "mailing.save"))
        is not None
    )
    log = client.get("/2027/admin/audit").get_data(as_text=True)
    assert "mailing.save" in log
    assert f'href="/2027/admin/mailings/{mailing.id}"' in log


def test_preview_renders_the_chosen_recipients_message(edition, organiser, login):
    category = make_category(edition)
    first, second = crowd(edition, 2, category)
    mailing = make_mailing(edition, {"kind": "registrations", "states": ["accredited"]})
    page = login(organiser).get(
        f"/2027/admin/mailings/{mailing.id}", query_string={"recipient": second.email}
    )
    html = page.get_data(as_text=True)
    assert f"Dear {second.full_name}," in html
    assert f"Dear {first.full_name}," not in html


def test_test_mail_goes_to_the_sender_only(edition, organiser, login):
    category = make_category(edition)
    [person] = crowd(edition, 1, category)
    mailing = make_mailing(edition, {"kind": "registrations", "states": ["accredited"]})
    response = login(organiser).post(
        f"/2027/admin/mailings/{mailing.id}/test", data={"recipient": person.email}
    )
    assert response.status_code == 303
    [message] = db.session.scalars(sa.select(OutboxMessage))
    assert message.to == organiser.email
    assert message.subject.startswith("[Test] Hello " + person.full_name)
    assert f"Dear {person.full_name}" in message.text_body
    db.session.refresh(mailing)
    assert mailing.state == MailingState.DRAFT


def test_sending_asks_for_confirmation_then_queues_one_message_each(
    edition, organiser, login, smtp_server
):
    category = make_category(edition)
    people = crowd(edition, 4, category)
    mailing = make_mailing(edition, {"kind": "registrations", "states": ["accredited"]})
    client = login(organiser)
    step = client.post(f"/2027/admin/mailings/{mailing.id}/send")
    assert step.status_code == 303  # to the confirmation page, nothing sent
    assert _count(OutboxMessage) == 0
    page = client.get(step.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "4 people" in html
    token = html.split('name="confirm_token" value="')[1].split('"')[0]
    done = client.post(
        f"/2027/admin/mailings/{mailing.id}/send", data={"confirm": "yes", "confirm_token": token}
    )
    assert done.status_code == 303
    from conference.jobs import wait_for_background

    assert wait_for_background(20)
    messages = messages_of(mailing)
    assert sorted(m.to for m in messages) == sorted(p.email for p in people)
    assert {m.status for m in messages} == {"sent"}
    db.session.refresh(mailing)
    assert mailing.state == MailingState.SENT and mailing.recipient_count == 4
    progress = client.get(f"/2027/admin/mailings/{mailing.id}/progress.json").json
    assert progress == {
        "state": "sent",
        "total": 4,
        "sent": 4,
        "waiting": 0,
        "retrying": 0,
        "failed": 0,
        "percent": 100,
    }
    detail = client.get(f"/2027/admin/mailings/{mailing.id}").get_data(as_text=True)
    assert "<progress" in detail and 'value="4"' in detail
    # Sending again is refused, nothing more queued.
    again = client.post(
        f"/2027/admin/mailings/{mailing.id}/send", data={"confirm": "yes", "confirm_token": token}
    )
    assert again.status_code == 409
    assert _count(OutboxMessage) == 4


def test_a_sent_mailing_cannot_be_edited_or_deleted(edition, organiser, login):
    mailing = make_mailing(edition, {"kind": "role", "role": "organiser"})
    mailing.state = MailingState.SENT
    db.session.commit()
    client = login(organiser)
    response = client.post(f"/2027/admin/mailings/{mailing.id}/edit", data=_compose())
    assert response.status_code == 303
    db.session.refresh(mailing)
    assert mailing.subject == "Hello {{ name }}"
    assert (
        client.post(
            f"/2027/admin/mailings/{mailing.id}/delete", data={"confirm": "yes"}
        ).status_code
        == 409
    )
    assert _count(Mailing) == 1


def test_draft_is_deleted_after_confirmation(edition, organiser, login):
    mailing = make_mailing(edition, {"kind": "role", "role": "organiser"})
    client = login(organiser)
    page = client.get(f"/2027/admin/mailings/{mailing.id}/delete").get_data(as_text=True)
    token = page.split('name="confirm_token" value="')[1].split('"')[0]
    response = client.post(
        f"/2027/admin/mailings/{mailing.id}/delete",
        data={"confirm": "yes", "confirm_token": token},
    )
    assert response.status_code == 303
    assert _count(Mailing) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject": ""}, "This field is required"),
        ({"body": "Dear {{ name "}, "The template has an error"),
        ({"body": "{{ ''.__class__ }}"}, "not allowed"),
        ({"subject": "x" * 201}, "200"),
        ({"kind": "nonsense"}, "Not a valid choice"),
        ({"kind": "csv"}, "Choose the CSV file"),
    ],
)
def test_bad_input_is_refused_with_a_message(edition, organiser, login, overrides, message):
    response = login(organiser).post("/2027/admin/mailings/new", data=_compose(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(Mailing) == 0


def test_csv_exported_from_the_registrations_page_selects_those_registrations(
    edition, organiser, login
):
    category = make_category(edition)
    people = crowd(edition, 5, category, country="FR")
    crowd(edition, 3, category, country="DE")
    client = login(organiser)
    exported = client.get("/2027/admin/registrations.csv", query_string={"country": "FR"})
    assert exported.status_code == 200
    data = _compose(kind="csv")
    data["csv_file"] = (io.BytesIO(exported.data), "registrations.csv")
    response = client.post(
        "/2027/admin/mailings/new", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    mailing = db.session.scalar(sa.select(Mailing))
    listing = client.get(f"/2027/admin/mailings/{mailing.id}/recipients").get_data(as_text=True)
    assert sorted(p.email for p in people if p.email in listing) == sorted(p.email for p in people)
    assert listing.count("@example.org") == 5


def test_a_file_without_an_id_column_is_refused(edition, organiser, login):
    data = _compose(kind="csv")
    data["csv_file"] = (io.BytesIO(b"name,email\nA,a@example.org\n"), "list.csv")
    response = login(organiser).post(
        "/2027/admin/mailings/new", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "no “id” column" in response.get_data(as_text=True)
    assert _count(Mailing) == 0


def test_attendees_and_anonymous_visitors_are_refused(edition, login, client):
    mailing = make_mailing(edition, {"kind": "role", "role": "organiser"})
    attendee = make_user()
    accredit(attendee, edition)
    visitor = login(attendee)
    for url in (
        "/2027/admin/mailings",
        "/2027/admin/mailings/new",
        f"/2027/admin/mailings/{mailing.id}",
        f"/2027/admin/mailings/{mailing.id}/recipients",
        f"/2027/admin/mailings/{mailing.id}/progress.json",
    ):
        assert visitor.get(url).status_code == 403, url
        assert client.get(url).status_code == 302, url
    for url in ("new", f"{mailing.id}/send", f"{mailing.id}/test", f"{mailing.id}/stop"):
        response = visitor.post(f"/2027/admin/mailings/{url}", data=_compose(confirm="yes"))
        assert response.status_code == 403
    assert _count(Mailing) == 1 and _count(OutboxMessage) == 0


def test_chairs_write_to_speakers_and_reviewers_only(edition, login):
    chair = make_user(role=Role.CHAIR, edition=edition)
    author = make_user()
    make_submission(edition, author)
    to_registrations = make_mailing(edition, {"kind": "registrations", "states": []})
    client = login(chair)
    refused = client.post("/2027/admin/mailings/new", data=_compose())
    assert refused.status_code in (400, 403)
    assert _count(Mailing) == 1
    assert client.get(f"/2027/admin/mailings/{to_registrations.id}").status_code == 403
    listing = client.get("/2027/admin/mailings").get_data(as_text=True)
    assert "Hello {{ name }}" not in listing
    accepted = client.post(
        "/2027/admin/mailings/new",
        data=_compose(kind="speakers", speaker_states=["undecided"]),
    )
    assert accepted.status_code == 303
    mailing = db.session.scalar(sa.select(Mailing).order_by(Mailing.id.desc()))
    page = client.get(f"/2027/admin/mailings/{mailing.id}").get_data(as_text=True)
    assert "1 recipient" in page


def test_another_editions_mailing_is_not_found(edition, organiser, login):
    other = make_edition(2028)
    mailing = make_mailing(other, {"kind": "role", "role": "organiser"})
    client = login(organiser)
    assert client.get(f"/2027/admin/mailings/{mailing.id}").status_code == 404
    assert client.post(f"/2027/admin/mailings/{mailing.id}/stop").status_code == 404
    assert client.get("/2027/admin/mailings/99999999999999").status_code == 404


def test_archived_edition_mailings_are_read_only(organiser, login):
    edition = make_edition()
    mailing = make_mailing(edition, {"kind": "role", "role": "organiser"})
    edition.state = EditionState.ARCHIVED
    db.session.commit()
    client = login(organiser)
    assert client.get("/2027/admin/mailings").status_code == 200
    assert client.get("/2027/admin/mailings/new").status_code == 403
    assert client.post(f"/2027/admin/mailings/{mailing.id}/test").status_code == 403
    assert _count(OutboxMessage) == 0
