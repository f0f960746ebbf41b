"""Check-in tokens at the door: scope and edition, the per-token rate limit, and invalid codes
counted per device and minute instead of one row each."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.checkin.models import InvalidScanCount, Scan
from conference.db import freeze
from tests.factories import bearer, make_edition, make_user

URL = "/api/v1/editions/2027/checkins"


def scan(client, headers, code, checkpoint="venue"):
    return client.post(URL, json={"code": code, "checkpoint": checkpoint}, headers=headers)


def rows(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_checkin_token_scans_and_reads_the_bundle(client, db, staff, attendee):
    _registration, _badge, code = attendee
    headers = bearer(staff, scope="checkin")
    assert scan(client, headers, code).json["result"] == "admitted"
    bundle = client.get("/api/v1/editions/2027/scanner-bundle", headers=headers)
    assert bundle.status_code == 200
    assert bundle.json["edition"] == 2027


def test_checkin_token_works_for_its_own_edition_only(client, db, edition, staff):
    other = make_edition(2029)
    from tests.factories import grant

    grant(staff, "staff", other)
    headers = bearer(staff, scope="checkin", edition=edition)
    other_url = "/api/v1/editions/2029/checkins"
    response = client.post(other_url, json={"code": "x", "checkpoint": "venue"}, headers=headers)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "insufficient_scope"
    assert client.get("/api/v1/editions/2029/scanner-bundle", headers=headers).status_code == 403
    assert rows(db, Scan) == 0 and rows(db, InvalidScanCount) == 0


def test_read_token_cannot_scan(client, db, staff, attendee):
    _registration, _badge, code = attendee
    response = scan(client, bearer(staff, scope="read"), code)
    assert response.status_code == 403
    assert rows(db, Scan) == 0


# --- invalid codes: counted, not stored one by one ----------------------------------------------


def test_a_sweep_of_garbage_codes_creates_only_a_few_rows(client, db, app, login, staff):
    freeze(dt.datetime(2027, 6, 9, 8, 30, 5, tzinfo=dt.UTC))
    headers = bearer(staff, scope="checkin")
    for i in range(500):
        response = scan(client, headers, f"EF1.GARBAGE{i:05d}")
        assert response.status_code == 200
        assert response.json["reason"] == "invalid_code"
    logged = app.config["INVALID_SCANS_LOGGED_PER_MINUTE"]
    assert rows(db, Scan) == logged
    [counted] = db.session.scalars(sa.select(InvalidScanCount)).all()
    assert (counted.count, counted.logged, counted.checkpoint) == (500, logged, "venue")
    assert counted.device.startswith("token:")
    # The organisers still see all 500 refusals.
    organiser = login(make_user(role="organiser", edition=staff.roles[0].edition))
    venue = organiser.get("/2027/organise/checkin/counts.json").json["checkpoints"][0]
    assert (venue["total"], venue["denied"], venue["people"]) == (500, 500, 0)
    page = organiser.get("/2027/organise/checkin/scans").get_data(as_text=True)
    assert "Invalid codes per scanner and minute" in page
    assert '<td class="num">500</td>' in page


def test_invalid_codes_are_counted_per_device_checkpoint_and_minute(client, db, staff, login):
    freeze(dt.datetime(2027, 6, 9, 8, 30, 5, tzinfo=dt.UTC))
    first, second = bearer(staff, scope="checkin"), bearer(staff, scope="checkin")
    for headers in (first, first, second):
        scan(client, headers, "garbage")
    login(staff).post("/2027/scan", data={"checkpoint": "venue", "code": "garbage"})
    freeze(dt.datetime(2027, 6, 9, 8, 31, 0, tzinfo=dt.UTC))
    scan(client, first, "garbage")
    counts = db.session.scalars(
        sa.select(InvalidScanCount).order_by(InvalidScanCount.minute, InvalidScanCount.id)
    ).all()
    assert [(c.device.split(":")[0], c.count, c.minute.minute) for c in counts] == [
        ("token", 2, 30),
        ("token", 1, 30),
        ("user", 1, 30),
        ("token", 1, 31),
    ]
    assert all(c.staff_id == staff.id for c in counts)


def test_genuine_and_denied_badges_are_still_logged_one_by_one(client, db, staff, attendee):
    _registration, _badge, code = attendee
    headers = bearer(staff, scope="checkin")
    for _ in range(8):
        assert scan(client, headers, code).status_code == 200
    assert rows(db, Scan) == 8
    assert rows(db, InvalidScanCount) == 0


@pytest.mark.demo
def test_demo_has_a_scanner_token_and_invalid_code_counts(db, login):
    from conference.accounts.models import ApiToken
    from conference.demo import seed_demo

    seed_demo()  # idempotent: seeding the seeded demo again changes nothing
    [token] = db.session.scalars(sa.select(ApiToken)).all()
    assert (token.scope, token.user.email) == ("checkin", "staff@demo.test")
    assert rows(db, InvalidScanCount) == 1
    page = login(token.user).get("/account/tokens").get_data(as_text=True)
    assert "Door scanner 1 (demo)" in page and "<td>checkin (2027)</td>" in page
