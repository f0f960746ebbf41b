"""Malformed and oversized bodies get a clear 4xx, never a 500."""

from __future__ import annotations

import io
import json

import pytest

from conference.checkin.models import Scan
from tests.badges.factories import accredited, keys_for, make_category
from tests.factories import bearer, make_edition, make_user

URL = "/api/v1/editions/2027/checkins"


@pytest.fixture
def staff_headers(app, db):
    edition = make_edition()
    keys_for(edition.year)
    accredited(make_user(), edition, make_category(edition))
    return bearer(make_user(role="staff", edition=edition))


def _scans(db) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Scan))


def _raw(client, headers, body: str | bytes):
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return client.post(URL, data=data, headers={**headers, "Content-Type": "application/json"})


def test_deeply_nested_json_is_a_400(client, db, staff_headers):
    body = "[" * 100_000 + "]" * 100_000
    response = _raw(client, staff_headers, body)
    assert response.status_code == 400
    assert response.json["error"]["message"]
    nested_object = '{"code": ' + "[" * 50_000 + "]" * 50_000 + ', "checkpoint": "venue"}'
    assert _raw(client, staff_headers, nested_object).status_code == 400
    assert _scans(db) == 0


def test_moderately_nested_json_over_the_depth_limit_is_a_400(client, db, staff_headers):
    body = '{"code": ' + "[" * 500 + "]" * 500 + ', "checkpoint": "venue"}'
    response = _raw(client, staff_headers, body)
    assert response.status_code == 400
    assert "nested" in response.json["error"]["message"]


@pytest.mark.parametrize("checkpoint", [2147483648, 2147483647 + 10, "2147483648", 10**30])
def test_checkpoint_beyond_a_database_integer_is_a_400(client, db, staff_headers, checkpoint):
    response = client.post(URL, json={"code": "x", "checkpoint": checkpoint}, headers=staff_headers)
    assert response.status_code == 400
    assert _scans(db) == 0


@pytest.mark.parametrize(
    "body",
    [
        '{"code": "\\ud800", "checkpoint": "venue"}',
        '{"code": "abc", "checkpoint": "venue", "scan_id": "\\udfff"}',
        '{"code": "abc", "checkpoint": "\\ud83d"}',
        '{"\\ud800": 1, "code": "abc", "checkpoint": "venue"}',
        '{"code": "\ud800", "checkpoint": "venue"}',  # raw, encoded with surrogatepass
    ],
)
def test_lone_surrogate_in_json_is_a_400(client, db, staff_headers, body):
    response = _raw(client, staff_headers, body)
    assert response.status_code == 400
    assert "text" in response.json["error"]["message"].lower()
    assert _scans(db) == 0


def test_paired_surrogates_are_fine(client, db, staff_headers):
    body = json.dumps({"code": "\U0001f600", "checkpoint": "venue"})  # escaped as a pair
    response = _raw(client, staff_headers, body)
    assert response.status_code == 200
    assert response.json["result"] != "admitted"


def _chunked(client, path, data: bytes, **headers):
    return client.post(
        path,
        input_stream=io.BytesIO(data),
        headers={"Transfer-Encoding": "chunked", **headers},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_chunked_body_over_the_limit_is_a_413(app, client, db, staff_headers):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    big = json.dumps({"code": "x" * 20_000, "checkpoint": "venue"}).encode()
    response = _chunked(client, URL, big, **staff_headers, **{"Content-Type": "application/json"})
    assert response.status_code == 413
    app.config["WTF_CSRF_ENABLED"] = True  # the CSRF check used to see a truncated form
    form = b"email=a%40example.org&password=" + b"x" * 20_000
    response = _chunked(
        client, "/login", form, **{"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    assert _scans(db) == 0


def test_chunked_body_under_the_limit_is_read(app, client, db, staff_headers):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    body = json.dumps({"code": "not-a-badge", "checkpoint": "venue"}).encode()
    response = _chunked(client, URL, body, **staff_headers, **{"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json["result"] != "admitted"
    assert _scans(db) == 1
