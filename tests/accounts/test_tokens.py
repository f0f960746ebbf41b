"""Personal API tokens: create (shown once), list, revoke; Bearer authentication; CLI."""

import sqlalchemy as sa

from conference.accounts.models import ApiToken
from conference.accounts.services import hash_token
from tests.accounts.helpers import audit_actions
from tests.factories import api_token, make_user


def test_create_token_shows_the_value_once_and_stores_only_a_hash(login, db):
    user = make_user()
    client = login(user)
    response = client.post("/account/tokens", data={"name": "door scanner 1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    plain = page.split('<code class="token-value">', 1)[1].split("</code>", 1)[0]
    assert plain.startswith("cft_")
    assert token.token_hash == hash_token(plain)
    assert plain not in token.token_hash
    assert token.name == "door scanner 1"
    # The list shows it, but never the value again.
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "door scanner 1" in listing
    assert plain not in listing
    assert "token.create" in audit_actions()


def test_token_authenticates_api_calls(client, db):
    user = make_user("api@example.org")
    plain = api_token(user)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    assert response.json["email"] == "api@example.org"
    assert response.headers["Cache-Control"] == "no-store"
    token = db.session.scalar(sa.select(ApiToken))
    assert token.last_used_at is not None


def test_api_without_token_is_401_json(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_revoked_or_unknown_token_is_401_json(login, db):
    user = make_user()
    plain = api_token(user)
    token = db.session.scalar(sa.select(ApiToken))
    client = login(user)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None
    anonymous = client.application.test_client()
    for value in (plain, "cft_unknown", "x" * 500):
        response = anonymous.get("/api/v1/editions", headers={"Authorization": f"Bearer {value}"})
        assert response.status_code == 401
        assert response.json["error"]["code"] == "invalid_token"
    assert "token.revoke" in audit_actions()


def test_cannot_revoke_someone_elses_token(login, db):
    owner = make_user()
    plain = api_token(owner)
    token = db.session.scalar(sa.select(ApiToken))
    intruder = login(make_user())
    assert intruder.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert intruder.post("/account/tokens/999999/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None
    assert anonymous_ok(intruder, plain)


def anonymous_ok(client, plain) -> bool:
    other = client.application.test_client()
    return other.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 200


def test_token_form_rejects_bad_names(login, db):
    user = make_user()
    client = login(user)
    assert client.post("/account/tokens", data={"name": ""}).status_code == 400
    assert client.post("/account/tokens", data={"name": "n" * 101}).status_code == 400
    assert client.post("/account/tokens", data={"name": "   "}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_revoke_needs_post_and_login(client, db):
    user = make_user()
    api_token(user)
    token = db.session.scalar(sa.select(ApiToken))
    assert client.get(f"/account/tokens/{token.id}/revoke").status_code == 405
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is None


def test_tokens_of_a_deleted_account_stop_working(client, db):
    from conference.db import utcnow

    user = make_user()
    plain = api_token(user)
    user.deleted_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_cli_tokens_create(runner, client, db):
    make_user("cli@example.org")
    result = runner.invoke(args=["tokens", "create", "CLI@example.org", "--name", "scanner"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip().splitlines()[-1]  # the token is the last line
    assert plain.startswith("cft_")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert response.json["email"] == "cli@example.org"


def test_cli_tokens_create_refuses_unknown_accounts_and_missing_names(runner, db):
    result = runner.invoke(args=["tokens", "create", "nobody@example.org", "--name", "x"])
    assert result.exit_code != 0
    assert "no account" in result.output
    make_user("cli@example.org")
    result = runner.invoke(args=["tokens", "create", "cli@example.org"])
    assert result.exit_code != 0
    result = runner.invoke(args=["tokens", "create", "cli@example.org", "--name", " "])
    assert result.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_openapi_lists_me(client, db):
    spec = client.get("/api/v1/openapi.json").json
    assert "/me" in spec["paths"]
    assert "Me" in spec["components"]["schemas"]
