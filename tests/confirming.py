"""Going through an action's confirmation step in tests (see conference/confirm.py)."""

from __future__ import annotations

import re

_TOKEN = re.compile(r'name="confirm_token" value="([0-9a-f]+)"')


def confirmation_page(client, url: str, data: dict | None = None):
    """The confirmation page of the action at ``url`` for these fields (GET)."""
    return client.get(url, query_string=data or {})


def confirm_token(client, url: str, data: dict | None = None) -> str:
    """The token the confirmation page of ``url`` hands out for these fields."""
    response = confirmation_page(client, url, data)
    assert response.status_code in (200, 409), response.status_code
    found = _TOKEN.search(response.get_data(as_text=True))
    assert found, "the page has no confirmation form"
    return found.group(1)


def confirm_post(client, url: str, data: dict | None = None, **kwargs):
    """POST the action at ``url`` as its confirmation page would, confirmed."""
    data = dict(data or {})
    token = confirm_token(client, url, data)
    return client.post(url, data={**data, "confirm": "yes", "confirm_token": token}, **kwargs)
