"""Removing administrator rights and revoking roles ask first (site and edition admin)."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accounts.models import RoleAssignment
from tests.confirming import confirm_post
from tests.factories import grant, make_edition, make_user


def _roles(db, user) -> set[str]:
    db.session.expire_all()
    return set(
        db.session.scalars(sa.select(RoleAssignment.role).where(RoleAssignment.user_id == user.id))
    )


def test_removing_admin_rights_needs_confirmation(login, db):
    admin = make_user(admin=True)
    target = make_user(admin=True, full_name="Ada Admin")
    client = login(admin)
    url = f"/admin/users/{target.id}/admin"
    response = client.post(url, data={"value": "0"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{url}?value=0")
    db.session.refresh(target)
    assert target.is_admin
    page = client.get(url, query_string={"value": "0"}).get_data(as_text=True)
    assert "Remove the administrator rights of Ada Admin?" in page
    user_page = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert f'<form method="get" action="{url}"' in user_page
    assert confirm_post(client, url, {"value": "0"}).status_code == 302
    db.session.refresh(target)
    assert not target.is_admin


def test_making_an_admin_needs_no_confirmation_and_get_changes_nothing(login, db):
    admin = make_user(admin=True)
    target = make_user()
    client = login(admin)
    assert client.get(f"/admin/users/{target.id}/admin?value=1").status_code == 302
    db.session.refresh(target)
    assert not target.is_admin
    assert client.post(f"/admin/users/{target.id}/admin", data={"value": "1"}).status_code == 302
    db.session.refresh(target)
    assert target.is_admin


def test_site_admin_role_revocation_needs_confirmation(login, db):
    make_edition()
    admin = make_user(admin=True)
    target = grant(make_user(full_name="Carl Chair"), "chair")
    client = login(admin)
    url = f"/admin/users/{target.id}/roles/revoke"
    data = {"edition": "2027", "role": "chair"}
    assert client.post(url, data=data).status_code == 303
    assert _roles(db, target) == {"chair"}
    page = client.get(url, query_string=data).get_data(as_text=True)
    assert "Revoke Carl Chair’s role chair in 2027?" in page
    assert "publishing decisions" in page  # what a chair loses
    assert confirm_post(client, url, data).status_code == 302
    assert _roles(db, target) == set()


def test_edition_role_revocation_needs_confirmation(login, db):
    edition = make_edition()
    organiser = make_user(role="organiser", edition=edition)
    target = grant(make_user(full_name="Rene Reviewer"), "reviewer", edition)
    assignment = db.session.scalar(
        sa.select(RoleAssignment).where(RoleAssignment.user_id == target.id)
    )
    client = login(organiser)
    url = f"/2027/admin/roles/{assignment.id}/revoke"
    response = client.post(url)
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    assert _roles(db, target) == {"reviewer"}
    page = client.get(url).get_data(as_text=True)
    assert "Revoke Rene Reviewer’s role reviewer in 2027?" in page
    assert "review assignments" in page
    listing = client.get("/2027/admin/roles").get_data(as_text=True)
    assert f'<form method="get" action="{url}"' in listing
    assert confirm_post(client, url).status_code == 302
    assert _roles(db, target) == set()


def test_organiser_is_not_offered_to_revoke_their_own_organiser_role(login, db):
    edition = make_edition()
    organiser = make_user(role="organiser", edition=edition)
    own = db.session.scalar(sa.select(RoleAssignment).where(RoleAssignment.user_id == organiser.id))
    client = login(organiser)
    listing = client.get("/2027/admin/roles").get_data(as_text=True)
    assert f"/2027/admin/roles/{own.id}/revoke" not in listing
    assert client.get(f"/2027/admin/roles/{own.id}/revoke").status_code == 403
    assert _roles(db, organiser) == {"organiser"}
