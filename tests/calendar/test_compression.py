"""Issue 22: responses over 1 KB are compressed (gzip, brotli when asked), conditional GETs
keep working, and compression can be switched off behind a compressing proxy."""

from __future__ import annotations

import gzip

import brotli
import pytest

from conference.extensions import COMPRESS_DEFAULTS
from tests.factories import make_edition
from tests.programme.factories import make_session


@pytest.fixture
def programme(app):
    edition = make_edition()
    for hour in range(8, 18):
        make_session(edition, title=f"Session at {hour}", hour=hour, description="Words " * 40)
    return edition


def test_gzip_when_asked_and_body_over_1kb(app, client, programme):
    plain = client.get("/2027/schedule.json")
    assert len(plain.data) > 1024 and "Content-Encoding" not in plain.headers
    response = client.get("/2027/schedule.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(response.data) == plain.data
    assert len(response.data) < len(plain.data) / 3


def test_brotli_when_the_client_asks(app, client, programme):
    plain = client.get("/2027/programme.ics")
    response = client.get("/2027/programme.ics", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data) == plain.data


def test_html_page_is_compressed(app, client, programme):
    response = client.get("/2027/programme", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"Session at 9" in gzip.decompress(response.data)


def test_small_bodies_are_not_compressed(app, client):
    response = client.get("/healthz", headers={"Accept-Encoding": "gzip, br"})
    assert len(response.data) < 1024
    assert "Content-Encoding" not in response.headers


def test_conditional_get_still_answers_304(app, client, programme):
    first = client.get("/2027/schedule.xml", headers={"Accept-Encoding": "gzip"})
    etag = first.headers["ETag"]
    again = client.get(
        "/2027/schedule.xml", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.data == b""
    assert "Content-Encoding" not in again.headers


def test_already_compressed_types_are_left_alone():
    kinds = COMPRESS_DEFAULTS["COMPRESS_MIMETYPES"]
    assert "application/pdf" not in kinds and not any(k.startswith("image/p") for k in kinds)
    assert not any(k in kinds for k in ("application/zip", "image/jpeg", "image/png"))
