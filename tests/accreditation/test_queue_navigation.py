"""Moving through the queue: previous/next on a registration (within the filters), and bulk
decisions on the ticked rows, the whole page or everything the filters match."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from conference.accreditation.models import Registration
from conference.db import utcnow
from conference.extensions import db
from tests.accreditation.conftest import make_category, make_registration
from tests.confirming import confirm_post
from tests.factories import make_user


def _states() -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(sa.select(Registration.id, Registration.state)).all())


def test_previous_and_next_follow_the_queue_and_its_filters(login, edition, category):
    other = make_category(edition, "IND", "Industry")
    first, second, third = (make_registration(category=category) for _ in range(3))
    outside = make_registration(category=other)
    now = utcnow()
    for hours, registration in enumerate([outside, third, second, first]):
        registration.created_at = now - dt.timedelta(hours=hours)
    db.session.commit()
    client = login(make_user(role="organiser", edition=edition))
    # The queue's links carry the filters.
    queue = client.get("/2027/admin/registrations", query_string={"category": category.id})
    assert f"/2027/admin/registrations/{second.id}?category={category.id}" in queue.get_data(
        as_text=True
    )
    # Newest first: third, second, first.
    page = client.get(f"/2027/admin/registrations/{second.id}?category={category.id}")
    html = page.get_data(as_text=True)
    assert f'href="/2027/admin/registrations/{third.id}?category={category.id}" rel="prev"' in html
    assert f'href="/2027/admin/registrations/{first.id}?category={category.id}" rel="next"' in html
    assert "2 of 3" in html
    assert f"/2027/admin/registrations/{outside.id}" not in html
    last = client.get(f"/2027/admin/registrations/{first.id}?category={category.id}")
    assert 'rel="next"' not in last.get_data(as_text=True)
    # Without filters, the whole queue.
    html = client.get(f"/2027/admin/registrations/{third.id}").get_data(as_text=True)
    assert f'href="/2027/admin/registrations/{outside.id}" rel="prev"' in html
    assert "2 of 4" in html


def test_deciding_keeps_the_filters_for_the_next_one(login, edition, category):
    registration = make_registration(category=category)
    client = login(make_user(role="organiser", edition=edition))
    response = client.post(
        f"/2027/admin/registrations/{registration.id}/decide?state=submitted",
        data={"action": "waitlist", "reason": "full"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/2027/admin/registrations/{registration.id}?state=submitted"
    )


def test_bulk_decision_on_all_matching_registrations(login, edition, category, monkeypatch):
    from conference.accreditation import views

    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 2)
    other = make_category(edition, "IND", "Industry")
    mine = [make_registration(category=category) for _ in range(3)]
    outside = make_registration(category=other)
    client = login(make_user(role="organiser", edition=edition))
    html = client.get("/2027/admin/registrations", query_string={"category": category.id}).get_data(
        as_text=True
    )
    assert "all 3 registrations matching the filters" in html
    assert "all 2 registrations on this page" in html
    assert f'name="match_category" value="{category.id}"' in html
    page_ids = re.findall(r'name="page_ids" value="(\d+)"', html)
    assert len(page_ids) == 2
    response = confirm_post(
        client,
        "/2027/admin/registrations/bulk",
        {
            "action": "waitlist",
            "reason": "full",
            "scope": "matching",
            "match_category": str(category.id),
        },
    )
    assert response.status_code == 302
    states = _states()
    assert all(states[r.id] == "waitlisted" for r in mine)
    assert states[outside.id] == "submitted"


def test_bulk_decision_on_the_page_and_on_the_ticked_rows(login, edition, category):
    a, b, c = (make_registration(category=category) for _ in range(3))
    client = login(make_user(role="organiser", edition=edition))
    confirm_post(
        client,
        "/2027/admin/registrations/bulk",
        {"action": "waitlist", "scope": "page", "page_ids": [a.id, b.id], "ids": [c.id]},
    )
    states = _states()
    assert (states[a.id], states[b.id], states[c.id]) == ("waitlisted", "waitlisted", "submitted")
    confirm_post(
        client,
        "/2027/admin/registrations/bulk",
        {"action": "waitlist", "page_ids": [a.id], "ids": [c.id]},
    )
    assert _states()[c.id] == "waitlisted"


def test_all_matching_is_refused_to_non_organisers(login, edition, category):
    registration = make_registration(category=category)
    client = login(make_user(role="staff", edition=edition))
    response = client.post(
        "/2027/admin/registrations/bulk",
        data={"action": "accredit", "scope": "matching"},
    )
    assert response.status_code == 403
    assert _states()[registration.id] == "submitted"
