"""The check-in API is rate-limited per token (per staff member on the scanner page)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.checkin.models import Scan
from tests.factories import bearer

URL = "/api/v1/editions/2027/checkins"


def scan(client, headers, code, checkpoint="venue"):
    return client.post(URL, json={"code": code, "checkpoint": checkpoint}, headers=headers)


def rows(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "CHECKIN_RATE_LIMIT": "3 per minute"}


def test_checkins_are_rate_limited_per_token(client, db, staff, attendee):
    _registration, _badge, code = attendee
    headers = bearer(staff, scope="checkin")
    for _ in range(3):
        assert scan(client, headers, code).status_code == 200
    response = scan(client, headers, code)
    assert response.status_code == 429
    assert response.json["error"]["code"] == "rate_limited"
    assert "Retry-After" in response.headers or "X-RateLimit-Reset" in response.headers
    assert rows(db, Scan) == 3  # the refused scan is not recorded
    # Another scanner (another token) has its own budget.
    assert scan(client, bearer(staff, scope="checkin"), code).status_code == 200
    # The scanner bundle is not limited by the check-in budget.
    bundle = client.get("/api/v1/editions/2027/scanner-bundle", headers=headers)
    assert bundle.status_code == 200


def test_scanner_page_is_limited_per_staff_member(login, db, staff, attendee, app):
    app.config["WTF_CSRF_ENABLED"] = True
    _registration, _badge, code = attendee
    client = login(staff)
    page = client.get("/2027/scan")
    token = page.get_data(as_text=True).split('data-csrf="')[1].split('"')[0]
    headers = {"X-CSRFToken": token}
    statuses = [scan(client, headers, code).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert rows(db, Scan) == 3
