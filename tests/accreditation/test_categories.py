"""Categories admin for organisers: create, edit, delete-if-unused, validation."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation.models import AccreditationCategory
from conference.audit import AuditEntry
from conference.extensions import db
from tests.accreditation.conftest import make_category, make_registration
from tests.confirming import confirm_post


def category_form(**overrides):
    data = {
        "name": "Member State expert",
        "code": "mse",
        "colour": "#1f4e79",
        "description": "Nominated experts",
        "requires_nomination": "y",
        "quota": "150",
        "position": "1",
    }
    data.update(overrides)
    return data


def test_create_and_list_category(login, organiser, edition):
    client = login(organiser)
    assert client.get("/2027/admin/categories/new").status_code == 200
    response = client.post("/2027/admin/categories/new", data=category_form())
    assert response.status_code == 302
    category = db.session.scalar(sa.select(AccreditationCategory))
    assert category.code == "MSE" and category.quota == 150 and category.requires_nomination
    assert category.edition_id == edition.id
    html = client.get("/2027/admin/categories").get_data(as_text=True)
    assert "Member State expert" in html and "0 / 150" in html
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "category.create"))
    # The colour shows through the edition's theme stylesheet.
    css = client.get("/2027/theme.css").get_data(as_text=True)
    assert f".cat-{category.id}{{--cat-colour:#1f4e79;}}" in css


def test_edit_category(login, organiser, category):
    client = login(organiser)
    response = client.post(
        f"/2027/admin/categories/{category.id}",
        data=category_form(
            name="Speakers", code="SPK", quota="", requires_nomination="", is_speaker_category="y"
        ),  # fmt: skip
    )
    assert response.status_code == 302
    db.session.expire_all()
    category = db.session.get(AccreditationCategory, category.id)
    assert (category.name, category.code, category.quota) == ("Speakers", "SPK", None)
    assert category.is_speaker_category and not category.requires_nomination


def test_category_bad_input(login, organiser, category):
    client = login(organiser)
    for data in [
        category_form(name=""),
        category_form(code="has space"),
        category_form(code="X" * 30),
        category_form(colour="red"),
        category_form(quota="-1"),
        category_form(quota="lots"),
        category_form(code=category.code.lower()),  # duplicate, any letter case
        category_form(name="n" * 500),
    ]:
        response = client.post("/2027/admin/categories/new", data=data)
        assert response.status_code in (400, 409), data
    assert db.session.scalar(sa.select(sa.func.count(AccreditationCategory.id))) == 1
    assert client.get("/2027/admin/categories/99999").status_code == 404


def test_delete_unused_category_only(login, organiser, edition, category):
    unused = make_category(edition, "TMP", "Temporary")
    make_registration(category=category)
    client = login(organiser)
    response = confirm_post(client, f"/2027/admin/categories/{category.id}/delete")
    assert response.status_code == 409
    assert "in use" in response.get_data(as_text=True)
    response = confirm_post(client, f"/2027/admin/categories/{unused.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(AccreditationCategory, unused.id) is None
    assert db.session.get(AccreditationCategory, category.id) is not None
    # GET only shows the confirmation step; deleting is POST only.
    page = client.get(f"/2027/admin/categories/{category.id}/delete")
    assert page.status_code == 200 and "in use" in page.get_data(as_text=True)
    assert db.session.get(AccreditationCategory, category.id) is not None


def test_category_of_another_edition_is_404(login, organiser):
    from tests.factories import make_edition

    foreign = make_category(make_edition(2029), "X")
    client = login(organiser)
    assert client.get(f"/2027/admin/categories/{foreign.id}").status_code == 404
    assert client.post(f"/2027/admin/categories/{foreign.id}/delete").status_code == 404
    assert db.session.get(AccreditationCategory, foreign.id) is not None


def test_speaker_and_staff_categories_are_not_requestable(login, edition, category):
    from tests.factories import make_user

    make_category(edition, "SPK", "Speaker", is_speaker_category=True)
    make_category(edition, "STF", "Staff", is_staff_category=True)
    html = login(make_user()).get("/2027/register").get_data(as_text=True)
    assert "Research organisation" in html
    assert ">Speaker<" not in html and ">Staff<" not in html


def test_no_category_means_no_registration(login, edition):
    from tests.factories import make_user

    html = login(make_user()).get("/2027/register").get_data(as_text=True)
    assert "not opened any category" in html
