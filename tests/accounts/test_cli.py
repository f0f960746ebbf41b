"""flask create-admin, flask roles grant/revoke/list."""

import sqlalchemy as sa

from conference.accounts.models import RoleAssignment, User
from conference.accounts.services import find_user
from tests.accounts.helpers import audit_actions
from tests.factories import make_edition, make_user, pass_second_factor


def _roles(db, user):
    return set(
        db.session.execute(
            sa.select(RoleAssignment.edition_id, RoleAssignment.role).where(
                RoleAssignment.user_id == user.id
            )
        ).all()
    )


def test_create_admin_promotes_an_existing_account(runner, db):
    user = make_user("boss@example.org")
    result = runner.invoke(args=["create-admin", "BOSS@example.org"])
    assert result.exit_code == 0, result.output
    assert "boss@example.org is a site administrator" in result.output
    db.session.refresh(user)
    assert user.is_admin
    assert "admin.grant" in audit_actions()


def test_create_admin_creates_a_verified_account(runner, client, db):
    result = runner.invoke(
        args=["create-admin", "new-admin@example.org", "--password", "a long admin password"]
    )
    assert result.exit_code == 0, result.output
    user = find_user("new-admin@example.org")
    assert user.is_admin and user.email_verified_at is not None
    response = client.post(
        "/login", data={"email": "new-admin@example.org", "password": "a long admin password"}
    )
    assert response.status_code == 302
    # A site administrator needs a second factor before any admin page.
    assert client.get("/admin/users").status_code == 302
    assert pass_second_factor(client, user).status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_create_admin_prompts_for_the_password(runner, db):
    result = runner.invoke(
        args=["create-admin", "prompted@example.org"],
        input="prompted password 1\nprompted password 1\n",
    )
    assert result.exit_code == 0, result.output
    assert find_user("prompted@example.org").is_admin


def test_create_admin_refuses_bad_input(runner, db):
    result = runner.invoke(args=["create-admin", "not-an-address", "--password", "long password!"])
    assert result.exit_code != 0
    result = runner.invoke(args=["create-admin", "weak@example.org", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_roles_grant_revoke_and_list(runner, db):
    edition = make_edition(2027)
    user = make_user("member@example.org")
    result = runner.invoke(
        args=["roles", "grant", "member@example.org", "reviewer", "--edition", "2027"]
    )
    assert result.exit_code == 0, result.output
    assert "Granted reviewer to member@example.org for 2027." in result.output
    assert _roles(db, user) == {(edition.id, "reviewer")}

    result = runner.invoke(args=["roles", "list", "--edition", "2027"])
    assert "member@example.org\treviewer\t2027" in result.output

    result = runner.invoke(
        args=["roles", "revoke", "member@example.org", "reviewer", "--edition", "2027"]
    )
    assert result.exit_code == 0, result.output
    assert _roles(db, user) == set()
    assert audit_actions()[-2:] == ["role.grant", "role.revoke"]

    result = runner.invoke(
        args=["roles", "revoke", "member@example.org", "reviewer", "--edition", "2027"]
    )
    assert result.exit_code == 0
    assert "did not have the role" in result.output
    assert audit_actions()[-1] == "role.revoke" and audit_actions().count("role.revoke") == 1


def test_roles_grant_admin(runner, db):
    user = make_user("root@example.org")
    assert runner.invoke(args=["roles", "grant", "root@example.org", "admin"]).exit_code == 0
    db.session.refresh(user)
    assert user.is_admin
    assert "root@example.org\tadmin\t-" in runner.invoke(args=["roles", "list"]).output
    assert runner.invoke(args=["roles", "revoke", "root@example.org", "admin"]).exit_code == 0
    db.session.refresh(user)
    assert not user.is_admin


def test_roles_grant_refuses_bad_input(runner, db):
    make_edition(2027)
    user = make_user("member@example.org")
    cases = [
        (["roles", "grant", "member@example.org", "emperor", "--edition", "2027"], "Unknown role"),
        (["roles", "grant", "member@example.org", "chair"], "--edition"),
        (["roles", "grant", "member@example.org", "chair", "--edition", "2031"], "no edition 2031"),
        (["roles", "grant", "ghost@example.org", "chair", "--edition", "2027"], "no account"),
        (["roles", "grant", "member@example.org", "chair", "--edition", "soon"], "soon"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    assert _roles(db, user) == set()
