"""``COMPRESS_ENABLED=0``: a compressing proxy in front does the work, the app sends plain."""

from __future__ import annotations

import pytest

from tests.factories import make_edition
from tests.programme.factories import make_session


@pytest.fixture
def app_config(app_config):
    app_config["COMPRESS_ENABLED"] = False
    return app_config


def test_compression_can_be_switched_off(app, client):
    edition = make_edition()
    for hour in range(8, 18):
        make_session(edition, hour=hour, description="Words " * 40)
    response = client.get("/2027/schedule.json", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and len(response.data) > 1024
    assert "Content-Encoding" not in response.headers
