"""Confirmation steps in accreditation: deleting a category, bulk decisions in the queue; and
the decision control on the registration page, which no longer starts at "revoke"."""

from __future__ import annotations

import re

import sqlalchemy as sa

from conference.accreditation.models import AccreditationCategory, Registration
from conference.audit import AuditEntry
from conference.extensions import db
from conference.mail import OutboxMessage
from tests.accreditation.conftest import make_category, make_registration
from tests.confirming import confirm_post, confirm_token

BULK = "/2027/admin/registrations/bulk"


def _states(*registrations) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Registration, r.id).state for r in registrations]


def _mails() -> int:
    return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))


def _audit() -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))


def test_deleting_a_category_without_confirmation_changes_nothing(login, organiser, edition):
    unused = make_category(edition, "TMP", "Temporary")
    client = login(organiser)
    url = f"/2027/admin/categories/{unused.id}/delete"
    response = client.post(url)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url)
    assert db.session.get(AccreditationCategory, unused.id) is not None
    page = client.get(url).get_data(as_text=True)
    assert "Delete the category Temporary (TMP)?" in page
    assert "deleted for good" in page
    # A made-up token is refused too.
    response = client.post(url, data={"confirm": "yes", "confirm_token": "0" * 32})
    assert response.status_code == 409
    assert db.session.get(AccreditationCategory, unused.id) is not None
    assert confirm_post(client, url).status_code == 302
    assert db.session.get(AccreditationCategory, unused.id) is None


def test_queue_buttons_lead_to_the_confirmation(login, organiser, edition, category):
    registration = make_registration(category=category)
    html = login(organiser).get("/2027/admin/registrations").get_data(as_text=True)
    assert f'action="{BULK}"' in html and f'value="{registration.id}"' in html


def test_bulk_accreditation_lists_people_and_categories_then_acts(
    login, organiser, edition, category, mse
):
    ann = make_registration(category=category, full_name="Ann Example")
    ben = make_registration(category=category, full_name="Ben Example")
    rejected = make_registration(category=category, full_name="Rita Rejected", state="rejected")
    client = login(organiser)
    data = {"action": "accredit", "ids": [ann.id, ben.id, rejected.id]}
    mails, audit = _mails(), _audit()
    response = client.post(BULK, data=data)
    assert response.status_code == 303
    assert "/admin/registrations/bulk?" in response.headers["Location"]
    assert _states(ann, ben, rejected) == ["submitted", "submitted", "rejected"]
    assert (_mails(), _audit()) == (mails, audit)

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Accredited: 2 registrations?" in page
    assert "Ann Example" in page and ann.email in page and "Ben Example" in page
    assert "Research organisation (RES)" in page
    assert "Rita Rejected" in page and "skipped: it is rejected" in page
    assert "Accredit 2" in page

    response = confirm_post(client, BULK, data)
    assert response.status_code == 302
    assert _states(ann, ben, rejected) == ["accredited", "accredited", "rejected"]


def test_bulk_accreditation_as_another_category_names_it(login, organiser, edition, category):
    press = make_category(edition, "PRS", "Press")
    ann = make_registration(category=category, full_name="Ann Example")
    page = login(organiser).get(
        BULK, query_string={"action": "accredit", "ids": [ann.id], "category": press.id}
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "They are accredited as Press (PRS)." in text
    assert "→ Press (PRS)" in text
    assert _states(ann) == ["submitted"]


def test_bulk_rejection_lists_people_and_the_reason(login, organiser, category):
    regs = [make_registration(category=category, full_name=f"Person {i}") for i in range(2)]
    client = login(organiser)
    data = {"action": "reject", "ids": [r.id for r in regs], "reason": "The room is full."}
    assert client.post(BULK, data=data).status_code == 303
    assert _states(*regs) == ["submitted", "submitted"]
    page = client.get(BULK, query_string=data).get_data(as_text=True)
    assert "Rejected: 2 registrations?" in page
    assert "Person 0" in page and "Person 1" in page
    assert "The room is full." in page
    assert confirm_post(client, BULK, data).status_code == 302
    assert _states(*regs) == ["rejected", "rejected"]


def test_a_confirmation_is_only_good_for_the_set_it_showed(login, organiser, category):
    ann = make_registration(category=category, full_name="Ann Example")
    ben = make_registration(category=category, full_name="Ben Example")
    client = login(organiser)
    token = confirm_token(client, BULK, {"action": "accredit", "ids": [ann.id]})
    # The same token for a larger selection is refused, and shows the current set.
    response = client.post(
        BULK,
        data={"action": "accredit", "ids": [ann.id, ben.id], "confirm": "yes",
              "confirm_token": token},
    )  # fmt: skip
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "has changed since the confirmation was shown" in text and "Ben Example" in text
    assert _states(ann, ben) == ["submitted", "submitted"]
    # …and for another decision on the same set.
    response = client.post(
        BULK,
        data={"action": "reject", "ids": [ann.id], "reason": "x", "confirm": "yes",
              "confirm_token": token},
    )  # fmt: skip
    assert response.status_code == 409
    # When the set itself changed meanwhile (Ann was waitlisted elsewhere), it is refused too.
    client.post(
        f"/2027/admin/registrations/{ann.id}/decide", data={"action": "waitlist", "reason": ""}
    )
    assert _states(ann) == ["waitlisted"]
    response = client.post(
        BULK,
        data={"action": "accredit", "ids": [ann.id], "confirm": "yes", "confirm_token": token},
    )
    assert response.status_code == 409
    assert _states(ann) == ["waitlisted"]


def test_another_organisers_token_is_refused(login, organiser, edition, category):
    from tests.factories import make_user

    ann = make_registration(category=category)
    other = make_user(role="organiser", edition=edition)
    token = confirm_token(login(other), BULK, {"action": "accredit", "ids": [ann.id]})
    response = login(organiser).post(
        BULK,
        data={"action": "accredit", "ids": [ann.id], "confirm": "yes", "confirm_token": token},
    )
    assert response.status_code == 409
    assert _states(ann) == ["submitted"]


def test_outsiders_do_not_see_the_bulk_confirmation(login, category):
    from tests.factories import make_user

    ann = make_registration(category=category, full_name="Ann Example")
    response = login(make_user()).get(BULK, query_string={"action": "accredit", "ids": [ann.id]})
    assert response.status_code == 403
    assert "Ann Example" not in response.get_data(as_text=True)


def test_bad_bulk_requests_are_refused_before_the_confirmation(login, organiser, category):
    ann = make_registration(category=category)
    client = login(organiser)
    for query in (
        {"action": "revoke", "ids": [ann.id]},
        {"action": "accredit"},
        {"action": "accredit", "ids": ["abc"]},
    ):
        assert client.get(BULK, query_string=query).status_code == 400, query
    assert _states(ann) == ["submitted"]


def _decision_select(html: str) -> str:
    return re.search(r'<select[^>]*name="action"[^>]*>(.*?)</select>', html, re.S).group(1)


def test_decision_control_does_not_default_to_revoke(login, organiser, category):
    registration = make_registration(category=category, state="accredited")
    client = login(organiser)
    html = client.get(f"/2027/admin/registrations/{registration.id}").get_data(as_text=True)
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", _decision_select(html))
    assert options[0][1] == "Choose…"
    assert 'value=""' in options[0][0]
    assert not any("selected" in attrs for attrs, _label in options[1:])
    assert [label for _a, label in options[1:]] == ["Revoke the accreditation"]
    # Sending the form as it comes changes nothing.
    response = client.post(
        f"/2027/admin/registrations/{registration.id}/decide", data={"action": "", "reason": ""}
    )
    assert response.status_code == 400
    assert _states(registration) == ["accredited"]


def test_decision_control_starts_neutral_for_a_new_registration(login, organiser, category):
    registration = make_registration(category=category)
    html = (
        login(organiser).get(f"/2027/admin/registrations/{registration.id}").get_data(as_text=True)
    )
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", _decision_select(html))
    assert options[0][1] == "Choose…"
    assert not any("selected" in attrs for attrs, _label in options)
