"""Every page linked from the layout renders, for anonymous users, members and admins."""

from tests.factories import make_edition, make_user


def test_layout_pages_render_for_anonymous(client, db):
    make_edition()
    for path in ["/", "/2027/", "/login", "/signup", "/forgot-password", "/privacy"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"Privacy notice" in response.data


def test_layout_pages_render_for_admin(login, db):
    edition = make_edition()
    admin = make_user(admin=True)
    client = login(admin)
    for path in [
        "/",
        "/2027/",
        "/account",
        "/account/password",
        "/account/tokens",
        "/admin/users",
        f"/admin/users/{admin.id}",
        "/admin/editions/new",
        f"/{edition.year}/admin/settings",
        f"/{edition.year}/admin/roles",
        f"/{edition.year}/admin/audit",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"Site admin" in response.data
