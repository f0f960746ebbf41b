"""The audit log names people and records, with links, and lists details readably."""

from __future__ import annotations

from conference import audit
from conference.accounts.models import User
from conference.extensions import db
from tests.factories import make_edition, make_user


def test_audit_log_shows_names_links_and_a_readable_list(login):
    edition = make_edition(2027)
    actor = make_user("org@example.org", role="organiser", edition=edition, full_name="Olga Org")
    target = make_user("ann@example.org", full_name="Ann Attendee")
    audit.record(
        actor,
        "role.grant",
        target,
        edition=edition,
        role="chair",
        fields=["full_name", "country"],
        from_state="submitted",
    )
    db.session.commit()
    page = login(actor).get("/2027/admin/audit").get_data(as_text=True)
    assert f"User #{target.id}" not in page
    assert "Ann Attendee (ann@example.org)" in page
    assert "Olga Org (org@example.org)" in page
    assert "{&#34;" not in page and '{"' not in page  # no raw JSON
    assert "<li>Role: chair</li>" in page
    assert "<li>Fields: full_name, country</li>" in page
    assert "<li>From state: submitted</li>" in page
    # Administrators get links to the accounts.
    admin_page = login(make_user(admin=True)).get("/2027/admin/audit").get_data(as_text=True)
    assert f'<a href="/admin/users/{target.id}">Ann Attendee (ann@example.org)</a>' in admin_page


def test_audit_log_links_registrations_for_organisers(login):
    from tests.accreditation.conftest import make_registration

    edition = make_edition(2027)
    organiser = make_user(role="organiser", edition=edition)
    registration = make_registration(full_name="Maria Weber")
    page = login(organiser).get("/2027/admin/audit").get_data(as_text=True)
    url = f"/2027/admin/registrations/{registration.id}"
    assert f'<a href="{url}">Registration of Maria Weber</a>' in page
    assert f"Registration #{registration.id}" not in page


def test_erased_accounts_are_not_named(login):
    from conference.db import utcnow

    edition = make_edition(2027)
    organiser = make_user(role="organiser", edition=edition)
    gone = make_user("gone@example.org", full_name="Gone Person")
    audit.record(organiser, "role.grant", gone, edition=edition)
    db.session.get(User, gone.id).deleted_at = utcnow()
    db.session.commit()
    page = login(organiser).get("/2027/admin/audit").get_data(as_text=True)
    assert "Gone Person" not in page.split("<tbody>", 1)[1]
    assert "an erased account" in page
