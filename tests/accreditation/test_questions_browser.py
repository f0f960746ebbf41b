"""Registration questions in headless Chromium: an organiser adds a conditional question, a
registrant sees it appear when the condition is met and registers with the answers; the pages
have no serious axe-core violation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from conference.accreditation.models import Registration
from conference.accreditation.question_models import RegistrationAnswer, RegistrationQuestion
from conference.extensions import db
from tests.accreditation.conftest import make_category
from tests.browser.conftest import CHROMIUM, assert_accessible
from tests.factories import make_edition, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not shutil.which("chromium"),
        reason="Chromium not found (run `make system-deps`)",
    ),
]


@pytest.fixture
def data(app):
    edition = make_edition()
    return {
        "res": make_category(edition, "RES", "Research organisation"),
        "organiser": make_user(role="organiser", edition=edition),
        "registrant": make_user(),
    }


def _add_question(page, live_server, **fields):
    page.goto(live_server.url("/2027/admin/questions/new"))
    page.get_by_label("Question", exact=True).fill(fields["label"])
    page.get_by_label("Key", exact=True).fill(fields["key"])
    page.get_by_label("Kind of answer").select_option(fields["kind"])
    if "choices" in fields:
        page.get_by_label("Choices, one per line").fill(fields["choices"])
    if fields.get("required"):
        page.get_by_label("An answer is required").check()
    if "condition" in fields:
        page.get_by_label("Only ask when this question is answered").select_option(
            label=fields["condition"]
        )
        page.get_by_label("…with this answer").fill(fields["value"])
    with page.expect_navigation():
        page.get_by_role("button", name="Save question").click()
    assert page.url.endswith("/2027/admin/questions"), page.content()


def test_organiser_adds_a_conditional_question_and_a_registrant_sees_it_appear(
    live_server, browser, browser_login, data
):
    organiser_page = browser.new_context(locale="en-GB").new_page()
    browser_login(organiser_page, data["organiser"])
    _add_question(organiser_page, live_server, label="Will you attend the dinner?",
                  key="dinner", kind="yes_no")  # fmt: skip
    _add_question(
        organiser_page, live_server, label="Your menu", key="menu", kind="single_choice",
        choices="Fish\nVegetarian", required=True, condition="Will you attend the dinner?",
        value="yes",
    )  # fmt: skip
    listing = organiser_page.content()
    assert "Your menu" in listing and "when “Will you attend the dinner?” is “Yes”" in listing
    menu = db.session.scalar(
        sa.select(RegistrationQuestion).where(RegistrationQuestion.key == "menu")
    )
    assert menu.condition_question.key == "dinner" and menu.required

    page = browser.new_context(locale="en-GB").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, data["registrant"])
    page.goto(live_server.url("/2027/register"))
    menu_block = page.locator(f'.question[data-question="{menu.id}"]')
    assert menu_block.is_hidden()
    page.get_by_label("Yes").check()
    assert menu_block.is_visible()
    page.get_by_label("No", exact=True).check()
    assert menu_block.is_hidden()
    page.get_by_label("Yes").check()
    page.get_by_label("Vegetarian").check()
    page.get_by_label("Category you are registering in").select_option(str(data["res"].id))
    page.get_by_label("Full name (as on your identity document)").fill("Katarzyna Nowak")
    page.get_by_label("Organisation", exact=True).fill("Jagiellonian University")
    page.get_by_label("Type of organisation").select_option("university")
    page.get_by_label("Country").select_option("PL")
    page.get_by_label("Position / job title").fill("Research Security Officer")
    page.get_by_label("I have read the privacy notice").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Register").click()
    assert page.url.endswith("/2027/me"), page.content()
    assert "Vegetarian" in page.content()
    assert not errors
    db.session.expire_all()
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.user_id == data["registrant"].id)
    )
    answers = {
        a.question_key: a.value
        for a in db.session.scalars(
            sa.select(RegistrationAnswer).where(
                RegistrationAnswer.registration_id == registration.id
            )
        )
    }
    assert answers == {"dinner": True, "menu": "Vegetarian"}


@pytest.mark.parametrize(
    "path", ["/2027/register", "/2027/admin/questions", "/2027/admin/questions/new"]
)
def test_question_pages_are_accessible(live_server, axe_context, browser_login, data, path):
    edition = make_edition()
    yes_no = RegistrationQuestion(edition_id=edition.id, key="dinner", kind="yes_no",
                                  label="Will you attend the dinner?")  # fmt: skip
    db.session.add(yes_no)
    db.session.flush()
    db.session.add_all([
        RegistrationQuestion(edition_id=edition.id, key="menu", kind="multiple_choice",
                             label="Menu", choices=["Fish", "Vegetarian"], required=True,
                             condition_question_id=yes_no.id, condition_value="yes"),
        RegistrationQuestion(edition_id=edition.id, key="cv", kind="file", label="CV",
                             sensitive=True, position=5),
        RegistrationQuestion(edition_id=edition.id, key="arrival", kind="date", label="Arrival",
                             help_text="The day you arrive."),
    ])  # fmt: skip
    db.session.commit()
    page = axe_context.new_page()
    who = "registrant" if path == "/2027/register" else "organiser"
    browser_login(page, data[who])
    response = page.goto(live_server.url(path))
    assert response.status < 400
    assert_accessible(page)
