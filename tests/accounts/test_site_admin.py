"""Site administration: search users, make/unmake administrators, grant/revoke roles."""

import sqlalchemy as sa

from conference.accounts.models import RoleAssignment, User
from conference.audit import AuditEntry
from tests.accounts.helpers import audit_actions
from tests.confirming import confirm_post
from tests.factories import make_edition, make_user


def _roles(db, user):
    return set(
        db.session.execute(
            sa.select(RoleAssignment.edition_id, RoleAssignment.role).where(
                RoleAssignment.user_id == user.id
            )
        ).all()
    )


def test_admin_pages_are_refused_to_others(client, login, db):
    edition = make_edition()
    target = make_user()
    organiser = make_user(role="organiser", edition=edition)
    urls_get = ["/admin/users", f"/admin/users/{target.id}", "/admin/editions/new"]
    urls_post = [
        (f"/admin/users/{target.id}/admin", {"value": "1"}),
        (f"/admin/users/{target.id}/roles", {"edition": "2027", "role": "chair"}),
        (f"/admin/users/{organiser.id}/roles/revoke", {"edition": "2027", "role": "organiser"}),
    ]
    for who in (login(make_user()), login(organiser)):
        for url in urls_get:
            assert who.get(url).status_code == 403, url
        for url, data in urls_post:
            assert who.post(url, data=data).status_code == 403, url
    for url in urls_get:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    response = client.get("/admin/users", headers={"Accept": "application/json"})
    assert response.status_code == 401
    db.session.refresh(target)
    assert not target.is_admin
    assert _roles(db, target) == set()
    assert (edition.id, "organiser") in _roles(db, organiser)


def test_search_users_by_name_or_email(login, db):
    admin = make_user("root@example.org", admin=True, full_name="Root")
    make_user("alice@example.org", full_name="Alice Müller")
    make_user("bob@example.org", full_name="Bob Percent%")
    client = login(admin)
    page = client.get("/admin/users", query_string={"q": "müller"}).get_data(as_text=True)
    assert "alice@example.org" in page and "bob@example.org" not in page
    page = client.get("/admin/users", query_string={"q": "BOB@"}).get_data(as_text=True)
    assert "bob@example.org" in page and "alice@example.org" not in page
    # LIKE wildcards are taken literally.
    page = client.get("/admin/users", query_string={"q": "%"}).get_data(as_text=True)
    assert "bob@example.org" in page and "alice@example.org" not in page
    page = client.get("/admin/users", query_string={"q": "x" * 200}).get_data(as_text=True)
    assert "0 accounts" in page
    # Unusable arguments answer 400 with a message naming them.
    for query in ({"q": "x" * 201}, {"page": "abc"}, {"page": "-4"}, {"page": 2**40}):
        response = client.get("/admin/users", query_string=query)
        assert response.status_code == 400
        assert next(iter(query)) in response.get_data(as_text=True)


def test_make_and_unmake_admin(login, db):
    admin = make_user(admin=True)
    target = make_user()
    client = login(admin)
    assert client.post(f"/admin/users/{target.id}/admin", data={"value": "1"}).status_code == 302
    db.session.refresh(target)
    assert target.is_admin
    response = confirm_post(client, f"/admin/users/{target.id}/admin", {"value": "0"})
    assert response.status_code == 302
    db.session.refresh(target)
    assert not target.is_admin
    assert audit_actions()[-2:] == ["admin.grant", "admin.revoke"]


def test_admin_flag_needs_an_explicit_value(login, db):
    admin = make_user(admin=True)
    target = make_user(admin=True)
    client = login(admin)
    for data in ({}, {"value": "yes"}, {"value": ""}):
        assert client.post(f"/admin/users/{target.id}/admin", data=data).status_code == 400
    db.session.refresh(target)
    assert target.is_admin


def test_admin_cannot_remove_their_own_rights(login, db):
    admin = make_user(admin=True)
    client = login(admin)
    response = client.post(f"/admin/users/{admin.id}/admin", data={"value": "0"})
    assert response.status_code == 400
    db.session.refresh(admin)
    assert admin.is_admin


def test_grant_and_revoke_roles_per_edition(login, db):
    edition = make_edition()
    make_edition(2025)
    admin = make_user(admin=True)
    target = make_user()
    client = login(admin)
    for role in ("organiser", "reviewer", "chair", "staff"):
        response = client.post(
            f"/admin/users/{target.id}/roles", data={"edition": "2027", "role": role}
        )
        assert response.status_code == 302
    assert {r for _e, r in _roles(db, target)} == {"organiser", "reviewer", "chair", "staff"}
    page = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert "chair" in page
    response = confirm_post(
        client, f"/admin/users/{target.id}/roles/revoke", {"edition": "2027", "role": "chair"}
    )
    assert response.status_code == 302
    assert (edition.id, "chair") not in _roles(db, target)
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.in_(["role.grant", "role.revoke"]))
    ).all()
    assert len(entries) == 5
    assert all(e.edition_id == edition.id and e.actor_id == admin.id for e in entries)


def test_granting_twice_keeps_one_assignment(login, db):
    make_edition()
    admin = make_user(admin=True)
    target = make_user()
    client = login(admin)
    for _ in range(2):
        client.post(f"/admin/users/{target.id}/roles", data={"edition": "2027", "role": "staff"})
    assert len(_roles(db, target)) == 1


def test_role_forms_reject_bad_input(login, db):
    make_edition()
    admin = make_user(admin=True)
    target = make_user()
    client = login(admin)
    for data in [
        {"edition": "2027", "role": "emperor"},
        {"edition": "1999", "role": "chair"},
        {"edition": "abc", "role": "chair"},
        {"role": "chair"},
        {"edition": "2027"},
    ]:
        response = client.post(f"/admin/users/{target.id}/roles", data=data)
        assert response.status_code == 400, data
    assert client.post("/admin/users/999999/roles", data={"edition": "2027"}).status_code == 404
    assert client.get("/admin/users/999999").status_code == 404
    assert _roles(db, target) == set()


def test_revoking_a_role_that_is_not_there(login, db):
    make_edition()
    admin = make_user(admin=True)
    target = make_user()
    response = login(admin).post(
        f"/admin/users/{target.id}/roles/revoke",
        data={"edition": "2027", "role": "chair"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "did not have that role" in response.get_data(as_text=True)
    assert "role.revoke" not in audit_actions()


def test_new_admin_sees_site_admin_link(login, db):
    admin = make_user(admin=True)
    assert "/admin/users" in login(admin).get("/").get_data(as_text=True)
    assert "/admin/users" not in login(make_user()).get("/").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_user_list_is_paginated(login, db):
    from conference.accounts.services import create_user

    admin = make_user("aaa-admin@example.org", admin=True)
    for n in range(55):
        create_user(f"person{n:02d}@example.org", None, full_name=f"Person {n:02d}")
    db.session.commit()
    client = login(admin)
    first = client.get("/admin/users").get_data(as_text=True)
    assert "56 accounts" in first and "Page 1 of 2" in first
    assert "person48@example.org" in first and "person49@example.org" not in first
    second = client.get("/admin/users", query_string={"page": 2}).get_data(as_text=True)
    assert "person49@example.org" in second and "Page 2 of 2" in second
    filtered = client.get("/admin/users", query_string={"q": "person5"}).get_data(as_text=True)
    assert "5 accounts" in filtered and "Page 1 of" not in filtered
