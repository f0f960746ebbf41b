"""Custom registration questions: the organisers' pages, every kind of answer on the form,
categories and conditions, file checks, pages, the queue filter, exports, the API, the data
download, the purge and cloning."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from conference.accreditation import privacy
from conference.accreditation.models import AccreditationCategory, Registration
from conference.accreditation.question_models import RegistrationAnswer, RegistrationQuestion
from conference.accreditation.services import questions as question_services
from conference.audit import AuditEntry
from conference.editions.cloning import clone_edition
from conference.editions.models import EditionState
from conference.extensions import db
from conference.permissions import can
from tests.accreditation.conftest import form_data, make_category, make_registration
from tests.confirming import confirm_post, confirmation_page
from tests.factories import PASSWORD, bearer, make_edition, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def make_question(edition, key, kind="short_text", **values) -> RegistrationQuestion:
    question = RegistrationQuestion(
        edition_id=edition.id, key=key, kind=kind, label=values.pop("label", f"Label {key}"),
        **values,
    )  # fmt: skip
    db.session.add(question)
    db.session.commit()
    return question


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def answers_of(registration_id) -> dict:
    return {
        a.question_key: a.value
        for a in db.session.scalars(
            sa.select(RegistrationAnswer).where(
                RegistrationAnswer.registration_id == registration_id
            )
        )
    }


@pytest.fixture
def every_kind(edition):
    """One question of each kind, none required."""
    return {
        "short": make_question(edition, "short", position=1),
        "long": make_question(edition, "long", "long_text", position=2),
        "single": make_question(edition, "single", "single_choice", choices=["A", "B"], position=3),
        "multi": make_question(
            edition, "multi", "multiple_choice", choices=["X", "Y", "Z"], position=4
        ),
        "yesno": make_question(edition, "yesno", "yes_no", position=5),
        "number": make_question(edition, "number", "number", position=6),
        "date": make_question(edition, "date", "date", position=7),
        "country": make_question(edition, "country", "country", position=8),
        "email": make_question(edition, "email", "email", position=9),
        "file": make_question(edition, "file", "file", position=10),
    }


# --- the organisers' pages ----------------------------------------------------------------


def test_organiser_adds_a_question_and_sees_it_listed(login, organiser, edition, category):
    client = login(organiser)
    assert client.get("/2027/admin/questions").status_code == 200
    response = client.post(
        "/2027/admin/questions/new",
        data={"label": "Security clearance level", "key": "clearance", "kind": "single_choice",
              "choices": "None\nConfidential\nSecret\n", "required": "y",
              "category_ids": [str(category.id)], "position": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    question = db.session.scalar(sa.select(RegistrationQuestion))
    assert question.choices == ["None", "Confidential", "Secret"]
    assert question.category_ids == [category.id] and question.required
    page = client.get("/2027/admin/questions").get_data(as_text=True)
    assert "Security clearance level" in page and "clearance" in page
    form = client.get(f"/2027/admin/questions/{question.id}").get_data(as_text=True)
    assert "Confidential\nSecret" in form


def test_attendees_cannot_see_or_change_questions(login, edition, category):
    question = make_question(edition, "diet")
    client = login(make_user())
    assert client.get("/2027/admin/questions").status_code == 403
    response = client.post(
        "/2027/admin/questions/new", data={"label": "X", "key": "x", "kind": "short_text"}
    )
    assert response.status_code == 403
    response = client.post(f"/2027/admin/questions/{question.id}", data={"label": "Hacked",
                           "key": "diet", "kind": "short_text"})  # fmt: skip
    assert response.status_code == 403
    db.session.expire_all()
    assert count(RegistrationQuestion) == 1
    assert db.session.get(RegistrationQuestion, question.id).label == "Label diet"


def test_question_permissions_allow_organisers_only(edition):
    organiser = make_user(role="organiser", edition=edition)
    attendee = make_user()
    assert can(organiser, "question.view", edition=edition)
    assert can(organiser, "question.manage", edition=edition)
    assert not can(attendee, "question.view", edition=edition)
    assert not can(attendee, "question.manage", edition=edition)
    edition.state = EditionState.ARCHIVED
    db.session.commit()
    assert can(organiser, "question.view", edition=edition)
    assert not can(organiser, "question.manage", edition=edition)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key": "Bad Key!"}, "The key must start with a letter"),
        ({"kind": "single_choice", "choices": "Only one"}, "at least two choices"),
        ({"kind": "teleport"}, "Please choose a kind of question"),
        ({"condition_question_id": "999999"}, "must name a question of this edition"),
    ],
)
def test_question_form_refuses_bad_input(login, organiser, edition, data, message):
    values = {"label": "Question", "key": "question", "kind": "short_text", **data}
    response = login(organiser).post("/2027/admin/questions/new", data=values)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(RegistrationQuestion) == 0


def test_duplicate_key_and_condition_cycles_are_refused(login, organiser, edition):
    first = make_question(edition, "first", "yes_no")
    second = make_question(edition, "second", condition_question_id=first.id)
    client = login(organiser)
    response = client.post(
        "/2027/admin/questions/new", data={"label": "Again", "key": "first", "kind": "short_text"}
    )
    assert response.status_code == 400 and "has this key" in response.get_data(as_text=True)
    response = client.post(
        f"/2027/admin/questions/{first.id}",
        data={"label": "First", "key": "first", "kind": "yes_no",
              "condition_question_id": str(second.id)},
    )  # fmt: skip
    assert response.status_code == 400
    assert "cannot depend on itself" in response.get_data(as_text=True)
    response = client.post(
        f"/2027/admin/questions/{second.id}",
        data={"label": "Second", "key": "second", "kind": "short_text",
              "condition_question_id": str(first.id), "condition_value": "maybe"},
    )  # fmt: skip
    assert response.status_code == 400 and "must be one of" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RegistrationQuestion, first.id).condition_question_id is None


def test_question_of_another_edition_is_not_found(login, organiser, edition):
    other = make_edition(2029)
    foreign = make_question(other, "foreign")
    client = login(organiser)
    assert client.get(f"/2027/admin/questions/{foreign.id}").status_code == 404
    assert client.post(f"/2027/admin/questions/{foreign.id}/delete").status_code == 404
    assert count(RegistrationQuestion) == 1


# --- answering on the registration form ---------------------------------------------------


def test_registration_form_asks_every_kind(login, every_kind, category):
    html = login(make_user()).get("/2027/register").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    for question in every_kind.values():
        assert f"Label {question.key}" in html
    assert f'<label for="q_{every_kind["short"].id}">' in html
    assert 'type="date"' in html and 'type="file"' in html and 'type="number"' in html


def test_every_kind_of_answer_is_stored(login, every_kind, category):
    q = every_kind
    data = form_data(category) | {
        f"q_{q['short'].id}": "Level 2",
        f"q_{q['long'].id}": "Line one\nLine two",
        f"q_{q['single'].id}": "B",
        f"q_{q['multi'].id}": ["X", "Z"],
        f"q_{q['yesno'].id}": "yes",
        f"q_{q['number'].id}": "2,5",
        f"q_{q['date'].id}": "2027-06-08",
        f"q_{q['country'].id}": "fr",
        f"q_{q['email'].id}": "Desk@Example.ORG",
        f"q_{q['file'].id}": (io.BytesIO(PDF), "passport.pdf"),
    }
    user = make_user()
    response = login(user).post("/2027/register", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    registration = db.session.scalar(sa.select(Registration))
    answers = answers_of(registration.id)
    assert answers["short"] == "Level 2"
    assert answers["long"] == "Line one\nLine two"
    assert answers["single"] == "B"
    assert answers["multi"] == ["X", "Z"]
    assert answers["yesno"] is True
    assert answers["number"] == 2.5
    assert answers["date"] == "2027-06-08"
    assert answers["country"] == "FR"
    assert answers["email"] == "desk@example.org"
    assert answers["file"] == {"file_name": "passport.pdf", "size": len(PDF),
                               "content_type": "application/pdf"}  # fmt: skip
    # The person's page shows them; the API carries them.
    page = login(user).get("/2027/me").get_data(as_text=True)
    assert "Level 2" in page and "France" in page and "passport.pdf" in page
    api = login(user).get("/api/v1/editions/2027/me/registration", headers=bearer(user))
    assert api.get_json()["registration"]["answers"]["multi"] == ["X", "Z"]


def test_invalid_answers_are_all_reported_at_once_and_nothing_is_kept(login, every_kind, category):
    q = every_kind
    data = form_data(category, full_name="") | {
        f"q_{q['single'].id}": "C",
        f"q_{q['multi'].id}": ["X", "Nope"],
        f"q_{q['yesno'].id}": "perhaps",
        f"q_{q['number'].id}": "three",
        f"q_{q['date'].id}": "31/02/2027",
        f"q_{q['country'].id}": "XX",
        f"q_{q['email'].id}": "not-an-address",
        f"q_{q['short'].id}": "x" * 301,
    }
    response = login(make_user()).post("/2027/register", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in (
        "Please choose one of the choices offered.",
        "Please choose among the choices offered.",
        "Please answer yes or no.",
        "Please give a number",
        "Please give a date as YYYY-MM-DD.",
        "Please choose a country from the list.",
        "Please give a valid e-mail address.",
        "Please write at most 300 characters.",
    ):
        assert message in html, message
    assert f'id="q_{q["number"].id}-error"' in html
    assert "This field is required." in html  # the fixed form's own error, at the same time
    assert count(Registration) == 0 and count(RegistrationAnswer) == 0


def test_required_only_in_the_categories_it_is_asked_in(login, edition, category, mse):
    question = make_question(
        edition, "security_desk", required=True, category_ids=[mse.id], label="ID document type"
    )
    response = login(make_user()).post("/2027/register", data=form_data(category))
    assert response.status_code == 302
    response = login(make_user()).post("/2027/register", data=form_data(mse))
    assert response.status_code == 400
    assert "Please answer this question." in response.get_data(as_text=True)
    assert count(Registration) == 1
    response = login(make_user()).post(
        "/2027/register", data=form_data(mse) | {f"q_{question.id}": "Passport"}
    )
    assert response.status_code == 302
    # An answer to a question not asked in the person's category is not kept.
    user = make_user()
    login(user).post("/2027/register", data=form_data(category) | {f"q_{question.id}": "ID card"})
    registration = db.session.scalar(sa.select(Registration).where(Registration.user_id == user.id))
    assert answers_of(registration.id) == {}


def test_conditional_question_is_asked_only_when_the_condition_holds(login, edition, category):
    side = make_question(edition, "side_event", "yes_no", label="Side event?", position=1)
    menu = make_question(
        edition, "side_menu", "single_choice", choices=["Fish", "Vegetarian"], required=True,
        condition_question_id=side.id, condition_value="yes", label="Menu", position=2,
    )  # fmt: skip
    html = login(make_user()).get("/2027/register").get_data(as_text=True)
    assert "Only if your answer to “Side event?” is “Yes”." in html
    assert f'data-condition="{side.id}"' in html
    # "no": the menu is not asked, and an answer sent anyway is dropped.
    user = make_user()
    response = login(user).post(
        "/2027/register", data=form_data(category) | {f"q_{side.id}": "no", f"q_{menu.id}": "Fish"}
    )
    assert response.status_code == 302
    registration = db.session.scalar(sa.select(Registration).where(Registration.user_id == user.id))
    assert answers_of(registration.id) == {"side_event": False}
    # "yes" without a menu: required.
    response = login(make_user()).post(
        "/2027/register", data=form_data(category) | {f"q_{side.id}": "yes"}
    )
    assert response.status_code == 400
    assert "Please answer this question." in response.get_data(as_text=True)
    user = make_user()
    response = login(user).post(
        "/2027/register",
        data=form_data(category) | {f"q_{side.id}": "yes", f"q_{menu.id}": "Vegetarian"},
    )
    assert response.status_code == 302
    registration = db.session.scalar(sa.select(Registration).where(Registration.user_id == user.id))
    assert answers_of(registration.id) == {"side_event": True, "side_menu": "Vegetarian"}


def test_condition_on_any_answer(edition):
    other = make_question(edition, "other", "multiple_choice", choices=["a", "b"])
    follow = make_question(edition, "follow", condition_question_id=other.id)
    assert not question_services.condition_met(follow, {other.id: None})
    assert not question_services.condition_met(follow, {other.id: []})
    assert question_services.condition_met(follow, {other.id: ["b"]})
    follow.condition_value = "a"
    assert not question_services.condition_met(follow, {other.id: ["b"]})
    assert question_services.condition_met(follow, {other.id: ["a", "b"]})


def test_editing_shows_and_changes_answers(login, edition, category):
    question = make_question(edition, "hotel", label="Hotel")
    registration = make_registration(category=category, **{f"q_{question.id}": "ignored"})
    user = registration.user
    client = login(user)
    client.post("/2027/me/edit", data=form_data(category) | {f"q_{question.id}": "Hotel Amigo"})
    assert answers_of(registration.id) == {"hotel": "Hotel Amigo"}
    html = client.get("/2027/me/edit").get_data(as_text=True)
    assert 'value="Hotel Amigo"' in html
    client.post("/2027/me/edit", data=form_data(category) | {f"q_{question.id}": ""})
    assert answers_of(registration.id) == {}


def test_changed_or_deleted_question_keeps_old_answers_readable(login, organiser, edition,
                                                                 category):  # fmt: skip
    question = make_question(edition, "menu", "single_choice", choices=["Fish", "Meat"],
                             label="Dinner menu")  # fmt: skip
    user = make_user()
    login(user).post("/2027/register", data=form_data(category) | {f"q_{question.id}": "Meat"})
    registration = db.session.scalar(sa.select(Registration))
    client = login(organiser)
    response = client.post(
        f"/2027/admin/questions/{question.id}",
        data={"label": "Dinner", "key": "menu", "kind": "single_choice", "choices": "Fish\nVegan"},
    )
    assert response.status_code == 302
    response = client.post(
        f"/2027/admin/questions/{question.id}",
        data={"label": "Dinner", "key": "menu", "kind": "short_text"},
    )
    assert response.status_code == 400 and "kind cannot change" in response.get_data(as_text=True)
    detail = client.get(f"/2027/admin/registrations/{registration.id}").get_data(as_text=True)
    assert "Dinner menu" in detail and "Meat" in detail
    page = confirmation_page(client, f"/2027/admin/questions/{question.id}/delete")
    assert "answer already given is kept" in page.get_data(as_text=True)
    response = confirm_post(client, f"/2027/admin/questions/{question.id}/delete")
    assert response.status_code == 302
    assert count(RegistrationQuestion) == 0
    detail = client.get(f"/2027/admin/registrations/{registration.id}").get_data(as_text=True)
    assert "Dinner menu" in detail and "Meat" in detail and "question since removed" in detail
    api = client.get("/api/v1/editions/2027/registrations", headers=bearer(organiser))
    assert api.get_json()["registrations"][0]["answers"] == {"menu": "Meat"}


# --- files ----------------------------------------------------------------------------------


@pytest.fixture
def file_question(edition):
    return make_question(edition, "cv", "file", label="CV")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "cv.pdf", "Only PDF, JPEG and PNG"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "cv.svg", "Only PDF, JPEG"),
        (b"%PDF-1.4" + b"x" * 5000, "big.pdf", "The file is too large"),
        (PDF, "../../etc/cv.pdf", "file name is not acceptable"),
        (PDF, "..\\cv.pdf", "file name is not acceptable"),
    ],
)
def test_unacceptable_files_are_refused(
    app, login, category, file_question, content, name, message
):
    # A small limit: the test client spools bodies over 500 KB to files it never closes.
    app.config["QUESTION_FILE_MAX_BYTES"] = 4096
    data = form_data(category) | {f"q_{file_question.id}": (io.BytesIO(content), name)}
    response = login(make_user()).post(
        "/2027/register", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Registration) == 0 and count(RegistrationAnswer) == 0


def test_renamed_path_from_werkzeug_is_still_refused():
    """Werkzeug keeps the name the browser sent; the check refuses any path in it."""
    from werkzeug.datastructures import FileStorage

    from conference.errors import DomainError

    storage = FileStorage(stream=io.BytesIO(PDF), filename="../cv.pdf")
    with pytest.raises(DomainError):
        question_services.check_file(storage)


def test_file_is_kept_outside_the_web_root_and_served_to_organisers_only(
    app, login, organiser, category, file_question
):
    user = make_user()
    data = form_data(category) | {f"q_{file_question.id}": (io.BytesIO(PNG), "photo.png")}
    response = login(user).post("/2027/register", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    answer = db.session.scalar(sa.select(RegistrationAnswer))
    stored = Path(app.config["UPLOAD_DIR"]) / "questions" / answer.stored_name
    assert stored.read_bytes() == PNG
    assert "photo" not in answer.stored_name
    assert not str(stored).startswith(str(Path(app.static_folder)))
    url = f"/2027/admin/registrations/{answer.registration_id}/answers/cv/file"
    response = login(organiser).get(url)
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "photo.png" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert login(user).get(url).status_code == 403
    assert login(make_user()).get(url).status_code == 403
    assert login(organiser).get(url.replace("/cv/", "/nope/")).status_code == 404
    detail = login(organiser).get(f"/2027/admin/registrations/{answer.registration_id}")
    assert url in detail.get_data(as_text=True)


def test_file_of_another_edition_is_not_served(login, category, file_question):
    other = make_edition(2029)
    other_organiser = make_user(role="organiser", edition=other)
    user = make_user()
    data = form_data(category) | {f"q_{file_question.id}": (io.BytesIO(PDF), "cv.pdf")}
    login(user).post("/2027/register", data=data, content_type="multipart/form-data")
    registration = db.session.scalar(sa.select(Registration))
    url = f"/2029/admin/registrations/{registration.id}/answers/cv/file"
    assert login(other_organiser).get(url).status_code == 404
    assert login(other_organiser).get(url.replace("2029", "2027")).status_code == 403


def test_required_file_is_kept_when_editing_without_sending_it_again(login, category, edition):
    question = make_question(edition, "cv", "file", required=True)
    user = make_user()
    client = login(user)
    response = client.post("/2027/register", data=form_data(category),
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 400
    assert "Please answer this question." in response.get_data(as_text=True)
    data = form_data(category) | {f"q_{question.id}": (io.BytesIO(PDF), "cv.pdf")}
    assert client.post("/2027/register", data=data,
                       content_type="multipart/form-data").status_code == 302  # fmt: skip
    response = client.post("/2027/me/edit", data=form_data(category, position="Director"),
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302
    assert answers_of(db.session.scalar(sa.select(Registration.id)))["cv"]["file_name"] == "cv.pdf"


# --- the queue, exports, the API ----------------------------------------------------------


@pytest.fixture
def answered(login, edition, category):
    """Two registrations answering a plain and a sensitive question."""
    clearance = make_question(edition, "clearance", "single_choice",
                              choices=["None", "Secret"], label="Clearance")  # fmt: skip
    health = make_question(edition, "health", "long_text", sensitive=True, label="Health")
    for name, level, note in (("Ana Silva", "Secret", "=HYPERLINK(\"http://x\")"),
                              ("Ben Okafor", "None", "")):  # fmt: skip
        login(make_user()).post(
            "/2027/register",
            data=form_data(category, full_name=name)
            | {f"q_{clearance.id}": level, f"q_{health.id}": note},
        )
    return clearance, health


def test_queue_filters_by_answer(login, organiser, answered):
    clearance, health = answered
    client = login(organiser)
    html = client.get(f"/2027/admin/registrations?question={clearance.id}&answer=Secret").get_data(
        as_text=True
    )
    assert "Ana Silva" in html and "Ben Okafor" not in html
    html = client.get(f"/2027/admin/registrations?question={health.id}").get_data(as_text=True)
    assert "Ana Silva" in html and "Ben Okafor" not in html
    assert client.get("/2027/admin/registrations?question=abc").status_code == 400
    foreign = make_question(make_edition(2029), "foreign")
    assert client.get(f"/2027/admin/registrations?question={foreign.id}").status_code == 400
    api = client.get(
        f"/api/v1/editions/2027/registrations?question={clearance.id}&answer=None",
        headers=bearer(organiser),
    )
    names = [r["full_name"] for r in api.get_json()["registrations"]]
    assert names == ["Ben Okafor"]


def test_csv_has_answers_and_sensitive_ones_only_when_asked(login, organiser, answered):
    client = login(organiser)
    rows = list(csv.reader(io.StringIO(client.get("/2027/admin/registrations.csv").get_data(
        as_text=True))))  # fmt: skip
    header = rows[0]
    assert "Clearance [clearance]" in header and "Health [health]" not in header
    by_name = {row[header.index("full name")]: row for row in rows[1:]}
    assert by_name["Ana Silva"][header.index("Clearance [clearance]")] == "Secret"
    rows = list(csv.reader(io.StringIO(client.get(
        "/2027/admin/registrations.csv?sensitive=1").get_data(as_text=True))))  # fmt: skip
    header = rows[0]
    by_name = {row[header.index("full name")]: row for row in rows[1:]}
    cell = by_name["Ana Silva"][header.index("Health [health]")]
    assert cell.startswith("'=") or not cell.startswith("=")
    assert "HYPERLINK" in cell
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEntry.id)).where(
                AuditEntry.action == "registration.export_sensitive"
            )
        )
        == 1
    )
    assert client.get("/2027/admin/registrations.csv?sensitive=yes").status_code == 400
    assert login(make_user()).get("/2027/admin/registrations.csv?sensitive=1").status_code == 403


def test_api_carries_answers_for_organisers_and_openapi_documents_them(
    client, login, organiser, answered
):
    api = login(organiser).get("/api/v1/editions/2027/registrations", headers=bearer(organiser))
    answers = {r["full_name"]: r["answers"] for r in api.get_json()["registrations"]}
    assert answers["Ben Okafor"] == {"clearance": "None"}
    assert answers["Ana Silva"]["clearance"] == "Secret"
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "answers" in spec["components"]["schemas"]["Registration"]["properties"]


# --- personal data, erasure, purge, cloning -----------------------------------------------


def test_data_export_lists_own_answers(login, answered):
    user = db.session.scalar(
        sa.select(Registration).where(Registration.full_name == "Ana Silva")
    ).user
    data = json.loads(login(user).get("/me/data.json").get_data(as_text=True))
    keys = {entry["key"]: entry for entry in data["registration_answers"]}
    assert keys["clearance"]["value"] == "Secret" and keys["health"]["sensitive"] is True
    assert list(data).index("registration_answers") == list(data).index("registrations") + 1


def test_anonymising_erases_answers_and_files(app, login, category, file_question):
    user = make_user()
    data = form_data(category) | {f"q_{file_question.id}": (io.BytesIO(PDF), "cv.pdf")}
    login(user).post("/2027/register", data=data, content_type="multipart/form-data")
    answer = db.session.scalar(sa.select(RegistrationAnswer))
    stored = Path(app.config["UPLOAD_DIR"]) / "questions" / answer.stored_name
    assert stored.exists()
    registration = db.session.scalar(sa.select(Registration))
    privacy.anonymise_registration(registration)
    db.session.commit()
    assert count(RegistrationAnswer) == 0 and not stored.exists()


def test_purge_erases_sensitive_answers_first(app):
    past = make_edition(2025, state=EditionState.CLOSED,
                        start_date=dt.date(2025, 6, 11), end_date=dt.date(2025, 6, 12))  # fmt: skip
    category = make_category(past, "RES")
    plain = make_question(past, "plain")
    secret = make_question(past, "secret", sensitive=True)
    registration = Registration(edition_id=past.id, user_id=make_user().id,
                                requested_category_id=category.id, state="submitted",
                                full_name="Old",
                                anonymised_at=dt.datetime(2025, 7, 1, tzinfo=dt.UTC))  # fmt: skip
    db.session.add(registration)
    db.session.flush()
    for question, value in ((plain, "kept?"), (secret, "private")):
        db.session.add(RegistrationAnswer(
            registration_id=registration.id, question_id=question.id, question_key=question.key,
            question_label=question.label, kind=question.kind, sensitive=question.sensitive,
            value=value, value_text=value,
        ))  # fmt: skip
    db.session.commit()
    # Already anonymised (so the plain answer is left alone), yet the sensitive one goes.
    assert privacy.purge_edition(past, 0) == 0
    db.session.commit()
    assert answers_of(registration.id) == {"plain": "kept?"}


def test_cloning_copies_questions_with_categories_and_conditions(edition, category):
    organiser = make_user(admin=True)
    first = make_question(edition, "first", "yes_no", category_ids=[category.id])
    make_question(edition, "second", condition_question_id=first.id, condition_value="yes",
                  sensitive=True)  # fmt: skip
    result = clone_edition(edition, 2029, actor=organiser)
    db.session.commit()
    assert result.counts["registration_questions"] == 2
    copies = {q.key: q for q in question_services.questions(result.edition)}
    new_category = db.session.scalar(
        sa.select(AccreditationCategory).where(
            AccreditationCategory.edition_id == result.edition.id,
            AccreditationCategory.code == "RES",
        )
    )
    assert copies["first"].category_ids == [new_category.id]
    assert copies["second"].condition_question_id == copies["first"].id
    assert copies["second"].sensitive and copies["second"].condition_value == "yes"
    # The source keeps its own.
    assert {q.key for q in question_services.questions(edition)} == {"first", "second"}


@pytest.mark.demo
def test_demo_has_conditional_and_sensitive_questions_with_answers(app, runner, client):
    edition = make_edition(2027)
    asked = {q.key: q for q in question_services.questions(edition)}
    assert any(q.condition_question_id for q in asked.values())
    assert any(q.sensitive for q in asked.values())
    answers = count(RegistrationAnswer)
    assert answers >= 40
    assert count(RegistrationAnswer, RegistrationAnswer.question_key == "id_document") >= 5
    assert "Research Security" in client.get("/2027/").get_data(as_text=True)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert count(RegistrationAnswer) == answers
    assert len(question_services.questions(edition)) == len(asked)


def test_deleting_the_account_erases_answers_and_files(app, login, category, file_question):
    user = make_user()
    client = login(user)
    data = form_data(category) | {f"q_{file_question.id}": (io.BytesIO(PDF), "cv.pdf")}
    client.post("/2027/register", data=data, content_type="multipart/form-data")
    answer = db.session.scalar(sa.select(RegistrationAnswer))
    stored = Path(app.config["UPLOAD_DIR"]) / "questions" / answer.stored_name
    assert stored.exists()
    response = client.post("/me/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert count(RegistrationAnswer) == 0 and not stored.exists()
