"""GET /api/v1/editions: visibility of drafts, JSON errors."""

from conference.editions.models import EditionState
from tests.factories import make_edition, make_user


def test_lists_visible_editions_only(client):
    make_edition(2025, state=EditionState.ARCHIVED)
    make_edition(2027)
    make_edition(2029, state=EditionState.DRAFT)
    response = client.get("/api/v1/editions")
    assert response.status_code == 200
    assert [e["year"] for e in response.json["editions"]] == [2027, 2025]


def test_draft_edition_is_404_for_public_and_visible_to_organiser(client, login):
    draft = make_edition(2029, state=EditionState.DRAFT)
    response = client.get("/api/v1/editions/2029")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    organiser = make_user(role="organiser", edition=draft)
    response = login(organiser).get("/api/v1/editions/2029")
    assert response.status_code == 200
    assert response.json["state"] == "draft"


def test_unknown_edition_gives_json_error(client):
    response = client.get("/api/v1/editions/2100")
    assert response.status_code == 404
    assert set(response.json["error"]) == {"code", "message"}
