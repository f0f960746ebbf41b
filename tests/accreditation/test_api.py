"""The accreditation JSON API: own registration, the organisers' queue and decisions."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation.models import Registration
from conference.extensions import db
from tests.accreditation.conftest import make_category, make_registration
from tests.factories import bearer, make_user


def test_own_registration(client, category):
    registration = make_registration(category=category)
    response = client.get(
        "/api/v1/editions/2027/me/registration", headers=bearer(registration.user)
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["registration"]["id"] == registration.id
    assert body["registration"]["state"] == "submitted"
    assert body["registration"]["history"][0]["to_state"] == "submitted"
    assert "review your registration" in body["next_steps"]
    response = client.get("/api/v1/editions/2027/me/registration", headers=bearer(make_user()))
    assert response.status_code == 404
    assert client.get("/api/v1/editions/2027/me/registration").status_code == 401


def test_queue_for_organisers_only(client, organiser, category, edition):
    make_registration(category=category, full_name="Listed Person")
    response = client.get("/api/v1/editions/2027/registrations?q=listed", headers=bearer(organiser))
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1 and body["registrations"][0]["full_name"] == "Listed Person"
    assert body["counts"]["states"]["submitted"] == 1
    for role in ("reviewer", "staff", "chair"):
        user = make_user(role=role, edition=edition)
        response = client.get("/api/v1/editions/2027/registrations", headers=bearer(user))
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/editions/2027/registrations").status_code == 401


def test_decisions_over_the_api(client, organiser, category, edition):
    press = make_category(edition, "PRS", "Press", quota=1)
    first = make_registration(category=category)
    second = make_registration(category=category)
    url = f"/api/v1/editions/2027/registrations/{first.id}/decision"
    headers = bearer(organiser)
    response = client.post(url, json={"action": "accredit", "category": "prs"}, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["registration"]["category"]["code"] == "PRS"
    response = client.post(
        f"/api/v1/editions/2027/registrations/{second.id}/decision",
        json={"action": "accredit", "category": "PRS"},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "quota_reached"
    bad = [
        ({"action": "promote"}, 400),
        ({"action": "reject"}, 400),
        ({"action": "reject", "reason": 5}, 400),
        ({"action": "accredit", "category": ["x"]}, 400),
        ({"action": "accredit", "extra": 1}, 400),
        ({"action": "accredit", "category": "NOPE"}, 404),
    ]
    second_url = f"/api/v1/editions/2027/registrations/{second.id}/decision"
    for body, status in bad:
        response = client.post(second_url, json=body, headers=headers)
        assert response.status_code == status, (body, response.get_json())
    assert client.post(url, json={"action": "waitlist"}, headers=headers).status_code == 409
    assert client.post(url, data="x", headers=headers).status_code == 415
    assert (
        client.post(
            "/api/v1/editions/2027/registrations/999999/decision",
            json={"action": "accredit"},
            headers=headers,
        ).status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(Registration, second.id).state == "submitted"
    assert press.id


def test_non_organisers_cannot_decide_over_the_api(client, category, edition):
    registration = make_registration(category=category)
    url = f"/api/v1/editions/2027/registrations/{registration.id}/decision"
    for user in (make_user(role="staff", edition=edition), registration.user):
        response = client.post(url, json={"action": "accredit"}, headers=bearer(user))
        assert response.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(sa.select(Registration.state)) == "submitted"


def test_queue_api_refuses_overlong_filters(login):
    from tests.factories import make_edition, make_user

    edition = make_edition()
    client = login(make_user(role="organiser", edition=edition))
    for query in ("q=" + "x" * 201, "country=BEL"):
        response = client.get(f"/api/v1/editions/2027/registrations?{query}")
        assert response.status_code == 400
        assert "at most" in response.json["error"]["message"]
    assert client.get("/api/v1/editions/2027/registrations?q=" + "x" * 200).status_code == 200
