"""The organisers' queue: permissions, filters, search, counts, bulk decisions and CSV."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from conference.accreditation.models import Registration, RegistrationEvent
from conference.editions.models import EditionState
from conference.extensions import db
from tests.accreditation.conftest import make_category, make_registration
from tests.confirming import confirm_post
from tests.factories import make_edition, make_user


def snapshot():
    db.session.expire_all()
    return (
        sorted((r.id, r.state, r.category_id) for r in db.session.scalars(sa.select(Registration))),
        db.session.scalar(sa.select(sa.func.count(RegistrationEvent.id))),
    )


@pytest.fixture
def outsiders(edition):
    return {
        "reviewer": make_user(role="reviewer", edition=edition),
        "chair": make_user(role="chair", edition=edition),
        "staff": make_user(role="staff", edition=edition),
        "attendee": make_user(),
        "organiser of another edition": make_user(role="organiser", edition=make_edition(2029)),
    }


def test_non_organisers_get_403_everywhere_and_nothing_changes(login, outsiders, category, client):
    registration = make_registration(category=category)
    other = make_registration(category=category)
    before = snapshot()
    for who, user in outsiders.items():
        c = login(user)
        for url in [
            "/2027/admin/registrations",
            f"/2027/admin/registrations/{registration.id}",
            "/2027/admin/registrations.csv",
            "/2027/admin/categories",
            "/2027/admin/categories/new",
            f"/2027/admin/categories/{category.id}",
        ]:
            assert c.get(url).status_code == 403, (who, url)
        posts = [
            (f"/2027/admin/registrations/{registration.id}/decide",
             {"action": "accredit", "reason": "x"}),
            ("/2027/admin/registrations/bulk",
             {"action": "accredit", "ids": [str(registration.id), str(other.id)]}),
            (f"/2027/admin/categories/{category.id}/delete", {}),
            ("/2027/admin/categories/new", {"name": "Hack", "code": "HCK"}),
        ]  # fmt: skip
        for url, data in posts:
            assert c.post(url, data=data).status_code == 403, (who, url)
    assert snapshot() == before
    assert db.session.get(type(category), category.id) is not None
    # Anonymous visitors are sent to the login page.
    response = client.get("/2027/admin/registrations")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert (
        client.post(
            f"/2027/admin/registrations/{registration.id}/decide", data={"action": "accredit"}
        ).status_code
        == 302
    )
    assert snapshot() == before


def test_attendee_cannot_see_another_registration(login, category):
    mine = make_registration(category=category, full_name="Me Myself")
    theirs = make_registration(category=category, full_name="Someone Else")
    client = login(mine.user)
    html = client.get("/2027/me").get_data(as_text=True)
    assert "Me Myself" in html and "Someone Else" not in html
    assert client.get(f"/2027/admin/registrations/{theirs.id}").status_code == 403
    # Someone without a registration cannot reach another's through the personal pages.
    stranger = login(make_user())
    assert stranger.post("/2027/me/cancel", data={"confirm": "y"}).status_code == 302
    assert stranger.post("/2027/me/edit", data={"position": "Hacked"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, theirs.id).state == "submitted"
    assert db.session.get(Registration, mine.id).position == "Policy Officer"
    assert "Someone Else" not in stranger.get("/2027/me").get_data(as_text=True)


def test_api_style_json_denial(login, outsiders, category):
    response = login(outsiders["staff"]).get(
        "/2027/admin/registrations", headers={"Accept": "application/json"}
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_organiser_of_archived_edition_sees_but_cannot_decide(login, app):
    archived = make_edition(2025, state=EditionState.ARCHIVED)
    category = make_category(archived)
    organiser = make_user(role="organiser", edition=archived)
    registration = Registration(
        edition_id=archived.id, user_id=make_user().id, requested_category_id=category.id,
        full_name="Past Person",
    )  # fmt: skip
    db.session.add(registration)
    db.session.commit()
    client = login(organiser)
    assert client.get("/2025/admin/registrations").status_code == 200
    response = client.post(
        f"/2025/admin/registrations/{registration.id}/decide", data={"action": "accredit"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).state == "submitted"


def test_queue_filters_search_sort_and_counts(login, organiser, edition, category):
    press = make_category(edition, "PRS", "Press")
    a = make_registration(category=category, full_name="Anna Alpha", country="AT",
                          organisation="Vienna Institute")  # fmt: skip
    b = make_registration(category=press, full_name="Bruno Beta", country="BE",
                          organisation_type="press", organisation="Le Soir")  # fmt: skip
    c = make_registration(category=category, full_name="Carla Gamma", country="AT",
                          state="waitlisted")  # fmt: skip
    client = login(organiser)

    def names(query=""):
        html = client.get("/2027/admin/registrations" + query).get_data(as_text=True)
        return [n for n in ("Anna Alpha", "Bruno Beta", "Carla Gamma") if n in html]

    assert names() == ["Anna Alpha", "Bruno Beta", "Carla Gamma"]
    assert names("?state=waitlisted") == ["Carla Gamma"]
    assert names(f"?category={press.id}") == ["Bruno Beta"]
    assert names("?country=AT") == ["Anna Alpha", "Carla Gamma"]
    assert names("?organisation_type=press") == ["Bruno Beta"]
    assert names("?q=vienna") == ["Anna Alpha"]
    assert names(f"?q={b.user.email}") == ["Bruno Beta"]
    assert names("?q=%25") == []  # a literal percent sign matches nothing here
    # Nonsense filters answer 400 with a message naming the argument, never a 500.
    for query in ("state=bogus", "category=x", "country=ZZ", "page=-3", "category=2147483648"):
        response = client.get(f"/2027/admin/registrations?{query}")
        assert response.status_code == 400, query
        assert query.split("=")[0] in response.get_data(as_text=True)
    html = client.get("/2027/admin/registrations?sort=oldest").get_data(as_text=True)
    assert html.index("Anna Alpha") < html.index("Carla Gamma")
    html = client.get("/2027/admin/registrations").get_data(as_text=True)
    assert html.index("Carla Gamma") < html.index("Anna Alpha")
    assert "Submitted</a>: <strong>2</strong>" in html
    assert "Waitlisted</a>: <strong>1</strong>" in html
    assert a.id and c.id


def test_detail_of_another_editions_registration_is_404(login, organiser, category):
    other_edition = make_edition(2029)
    foreign = make_registration(category=make_category(other_edition, "X"))
    response = login(organiser).get(f"/2027/admin/registrations/{foreign.id}")
    assert response.status_code == 404
    assert login(organiser).get("/2027/admin/registrations/999999").status_code == 404


def test_bulk_accredit_reports_failures(login, organiser, edition):
    press = make_category(edition, "PRS", "Press", quota=2)
    regs = [make_registration(category=press) for _ in range(3)]
    rejected = make_registration(category=press, state="rejected")
    client = login(organiser)
    response = client.post(
        "/2027/admin/registrations/bulk",
        data={"action": "accredit", "ids": [str(r.id) for r in [*regs, rejected]] + ["abc"]},
    )
    assert response.status_code == 400  # an invalid id spoils the request: nothing happens
    assert all(s == "submitted" for _, s, _ in snapshot()[0][:3])
    response = confirm_post(
        client,
        "/2027/admin/registrations/bulk",
        {"action": "accredit", "ids": [str(r.id) for r in [*regs, rejected]]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 registrations accredited" in html
    assert "2 could not be accredited" in html
    assert "quota" in html and "rejected cannot be accredited" in html
    db.session.expire_all()
    states = [db.session.get(Registration, r.id).state for r in regs]
    assert states == ["accredited", "accredited", "submitted"]
    # The failed one has no stray event.
    assert len(db.session.get(Registration, regs[2].id).events) == 1


def test_bulk_reject_with_one_reason_and_waitlist(login, organiser, category):
    regs = [make_registration(category=category) for _ in range(2)]
    client = login(organiser)
    response = confirm_post(
        client,
        "/2027/admin/registrations/bulk",
        {"action": "reject", "ids": [str(r.id) for r in regs]},
        follow_redirects=True,
    )
    # Without a reason nobody can be rejected: the confirmation says so and nothing happens.
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "None of the selected registrations can be rejected" in html
    assert "a reason is needed" in html
    confirm_post(
        client,
        "/2027/admin/registrations/bulk",
        {"action": "reject", "ids": [str(r.id) for r in regs], "reason": "Full."},
    )
    db.session.expire_all()
    for r in regs:
        registration = db.session.get(Registration, r.id)
        assert registration.state == "rejected"
        assert registration.events[-1].reason == "Full."
    third = make_registration(category=category)
    confirm_post(
        client, "/2027/admin/registrations/bulk", {"action": "waitlist", "ids": [third.id]}
    )
    db.session.expire_all()
    assert db.session.get(Registration, third.id).state == "waitlisted"


def test_bulk_accredit_as_category_and_bad_requests(login, organiser, edition, category):
    staff_cat = make_category(edition, "STF", "Staff", is_staff_category=True)
    reg = make_registration(category=category)
    client = login(organiser)
    assert client.post("/2027/admin/registrations/bulk", data={"action": "accredit"}
                       ).status_code == 400  # fmt: skip
    assert client.post("/2027/admin/registrations/bulk",
                       data={"action": "revoke", "ids": [reg.id]}).status_code == 400  # fmt: skip
    assert client.post("/2027/admin/registrations/bulk",
                       data={"action": "accredit", "ids": [reg.id], "category": "999"}
                       ).status_code == 404  # fmt: skip
    foreign = make_registration(category=make_category(make_edition(2029), "X"))
    response = confirm_post(
        client,
        "/2027/admin/registrations/bulk",
        {"action": "accredit", "ids": [reg.id, foreign.id], "category": staff_cat.id},
        follow_redirects=True,
    )
    assert "not a registration of this edition" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).category_id == staff_cat.id
    assert db.session.get(Registration, foreign.id).state == "submitted"


def test_csv_export_is_formula_safe(login, organiser, category):
    make_registration(category=category, full_name="=HYPERLINK(\"http://evil\")",
                      organisation="+cmd", position="@SUM(A1)")  # fmt: skip
    response = login(organiser).get("/2027/admin/registrations.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "id"
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["full name"].startswith("'=")
    assert row["organisation"] == "'+cmd"
    assert row["position"] == "'@SUM(A1)"


def test_csv_export_respects_filters(login, organiser, category):
    make_registration(category=category, full_name="Kept Person")
    make_registration(category=category, full_name="Other Person", state="rejected")
    body = (
        login(organiser).get("/2027/admin/registrations.csv?state=rejected").get_data(as_text=True)
    )
    assert "Other Person" in body and "Kept Person" not in body
