"""Restricted sessions never leak: every channel, every kind of viewer.

Channels: the HTML programme, the session page, the search box, the JSON API (list and
detail). Viewers: anonymous, logged in but not accredited, accredited in the wrong category,
accredited but not invited, cleared by category, invited, organiser.
"""

from __future__ import annotations

import pytest

from tests.factories import bearer, grant, make_edition, make_user
from tests.programme.factories import (
    accredit,
    make_category,
    make_room,
    make_session,
    make_track,
    make_type,
)

CATEGORY_SECRETS = ["Alphasecret", "Zetaclassified", "Speakerina", "Hiddenroom", "Covertrack"]
INVITE_SECRETS = ["Bravodinner", "Omegaminutes", "Guestovich", "Cellarroom", "Quiettrack"]
VIEWERS = [
    "anonymous",
    "not_accredited",
    "wrong_category",
    "not_invited",
    "cleared_category",
    "invited",
    "organiser",
]
# viewer → (sees the category-restricted session, sees the invitation-only session)
EXPECTED = {
    "anonymous": (False, False),
    "not_accredited": (False, False),
    "wrong_category": (False, False),
    "not_invited": (True, False),
    "cleared_category": (True, False),
    "invited": (False, True),
    "organiser": (True, True),
}


@pytest.fixture
def world(app):
    edition = make_edition()
    mse = make_category(edition, code="MSE", name="Member State experts")
    general = make_category(edition, code="GEN", name="General public")
    invited = make_user(full_name="Ivy Invited")
    accredit(invited, general, edition)
    by_category = make_session(
        edition,
        hour=10,
        title="Alphasecret briefing",
        description="Notes: Zetaclassified material.",
        restricted_to=[mse],
        room=make_room(edition, name="Hiddenroom"),
        track=make_track(edition, name="Covertrack"),
        type=make_type(edition, code="closed", name="Closed-door meeting"),
        speakers=["Dr Speakerina"],
    )
    by_invitation = make_session(
        edition,
        hour=14,
        title="Bravodinner",
        description="Omegaminutes will be taken.",
        invited=[invited],
        room=make_room(edition, name="Cellarroom"),
        track=make_track(edition, name="Quiettrack"),
        speakers=["Mr Guestovich"],
    )
    make_session(edition, hour=9, title="Open plenary")
    viewers = {"anonymous": None, "invited": invited}
    viewers["not_accredited"] = make_user()
    viewers["wrong_category"] = make_user()
    accredit(viewers["wrong_category"], general, edition)
    # accredited in the right category for the first session, but not on the invitation list
    viewers["not_invited"] = make_user()
    accredit(viewers["not_invited"], mse, edition)
    viewers["cleared_category"] = make_user()
    accredit(viewers["cleared_category"], mse, edition)
    viewers["organiser"] = grant(make_user(), "organiser", edition)
    return {
        "edition": edition,
        "viewers": viewers,
        "sessions": (by_category, by_invitation),
    }


def _client(app, login, user):
    return app.test_client() if user is None else login(user)


def _check(text: str, sees: tuple[bool, bool]):
    for secrets, visible in zip((CATEGORY_SECRETS, INVITE_SECRETS), sees, strict=True):
        for secret in secrets:
            assert (secret.casefold() in text.casefold()) is visible, (secret, visible)
    if not all(sees):
        assert "Restricted session" in text


@pytest.mark.parametrize("viewer", VIEWERS)
def test_html_programme(app, login, world, viewer):
    client = _client(app, login, world["viewers"][viewer])
    response = client.get("/2027/programme")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    _check(text, EXPECTED[viewer])
    assert "Open plenary" in text
    if any(EXPECTED[viewer]):
        assert "Restricted</span>" in text  # the cleared viewer's mark


@pytest.mark.parametrize("viewer", VIEWERS)
def test_session_page(app, login, world, viewer):
    client = _client(app, login, world["viewers"][viewer])
    for session, sees in zip(world["sessions"], EXPECTED[viewer], strict=True):
        response = client.get(f"/2027/sessions/{session.id}")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        other_secrets = CATEGORY_SECRETS if session is world["sessions"][0] else INVITE_SECRETS
        for secret in other_secrets:
            assert (secret.casefold() in text.casefold()) is sees, secret
        if sees:
            assert "tag-restricted" in text
        else:
            assert "<h1>Restricted session</h1>" in text


@pytest.mark.parametrize("viewer", VIEWERS)
def test_search(app, login, world, viewer):
    client = _client(app, login, world["viewers"][viewer])
    sees = EXPECTED[viewer]
    for secrets, visible in zip((CATEGORY_SECRETS, INVITE_SECRETS), sees, strict=True):
        for word in secrets:
            text = client.get("/2027/programme", query_string={"q": word}).get_data(as_text=True)
            if visible:
                assert "1 session match" in text, word
            else:
                assert "No session matches" in text, word
                for secret in CATEGORY_SECRETS + INVITE_SECRETS:
                    if secret not in (CATEGORY_SECRETS if sees[0] else []) + (
                        INVITE_SECRETS if sees[1] else []
                    ):
                        # the search words themselves are echoed in the box and day links
                        page = text.replace(f'value="{word}"', "").replace(f"q={word}", "")
                        page = page.casefold()
                        assert secret.casefold() not in page, secret
    # the placeholder itself can be found by what it shows
    text = client.get("/2027/programme", query_string={"q": "restricted"}).get_data(as_text=True)
    hidden = sum(1 for s in sees if not s)
    if hidden:
        assert f"{hidden} session" in text


@pytest.mark.parametrize("viewer", VIEWERS)
def test_json_api(app, world, viewer):
    user = world["viewers"][viewer]
    headers = bearer(user) if user is not None else {}
    client = app.test_client()
    response = client.get("/api/v1/editions/2027/sessions", headers=headers)
    assert response.status_code == 200
    _check(response.get_data(as_text=True), EXPECTED[viewer])
    by_id = {s["id"]: s for s in response.get_json()["sessions"]}
    for session, sees in zip(world["sessions"], EXPECTED[viewer], strict=True):
        listed = by_id[session.id]
        detail = client.get(f"/api/v1/editions/2027/sessions/{session.id}", headers=headers)
        assert detail.status_code == 200
        for item in (listed, detail.get_json()):
            assert item["restricted"] is True and item["cleared"] is sees
            if not sees:
                assert item["title"] == "Restricted session"
                assert item["description"] == "" and item["speakers"] == []
                assert item["room"] is None and item["track"] is None and item["type"] is None
                assert item["starts_at"].endswith("+02:00")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_json_api_search(app, world, viewer):
    user = world["viewers"][viewer]
    headers = bearer(user) if user is not None else {}
    client = app.test_client()
    sees = EXPECTED[viewer]
    for secrets, visible in zip((CATEGORY_SECRETS, INVITE_SECRETS), sees, strict=True):
        for word in secrets:
            response = client.get(
                "/api/v1/editions/2027/sessions", query_string={"q": word}, headers=headers
            )
            assert response.status_code == 200
            sessions = response.get_json()["sessions"]
            assert len(sessions) == (1 if visible else 0), word
            if not visible:
                assert word.casefold() not in response.get_data(as_text=True).casefold()
    found = client.get(
        "/api/v1/editions/2027/sessions", query_string={"q": "restricted session"}, headers=headers
    ).get_json()["sessions"]
    assert len(found) == sum(1 for s in sees if not s)
