"""Edition administration: creating editions, settings in local time, archive read-only,
per-edition roles and the audit log; and the visibility of drafts and archives."""

import datetime as dt

import sqlalchemy as sa

from conference.accounts.models import RoleAssignment
from conference.audit import AuditEntry
from conference.editions.models import Edition
from tests.confirming import confirm_post
from tests.factories import make_edition, make_user

NEW = {
    "year": "2029",
    "title": "Research Security Conference 2029",
    "acronym": "RSC 2029",
    "venue": "Europa Building",
    "address": "Rue de la Loi 155, Brussels",
    "timezone": "Europe/Brussels",
    "start_date": "2029-06-12",
    "end_date": "2029-06-13",
    "state": "draft",
}


def _settings(edition, **overrides):
    data = {
        "title": edition.title,
        "acronym": edition.acronym or "",
        "venue": edition.venue,
        "address": edition.address,
        "timezone": edition.timezone,
        "start_date": edition.start_date.isoformat(),
        "end_date": edition.end_date.isoformat(),
        "state": edition.state,
        "capacity": "",
        "registration_opens_at": "2027-01-10T09:00",
        "registration_closes_at": "2027-05-01T23:59",
        "cfp_opens_at": "2026-11-01T00:00",
        "cfp_closes_at": "2027-01-31T17:00",
        "review_deadline": "2027-03-01T12:00",
        "badge_footer": "",
        "badge_show_country": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _editions(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Edition))


# --- creating editions -----------------------------------------------------------------------


def test_admin_creates_an_edition(login, db):
    admin = make_user(admin=True)
    client = login(admin)
    response = client.post("/admin/editions/new", data=NEW)
    assert response.status_code == 302
    assert response.headers["Location"] == "/2029/admin/settings"
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == 2029))
    assert edition.title == NEW["title"]
    assert edition.state == "draft"
    assert edition.timezone == "Europe/Brussels"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "edition.create"))
    assert entry.edition_id == edition.id and entry.actor_id == admin.id
    # A draft: the public does not see it, the admin does.
    assert client.get("/2029/").status_code == 200
    assert client.application.test_client().get("/2029/").status_code == 404


def test_new_edition_validation(login, db):
    make_edition(2027)
    client = login(make_user(admin=True))
    before = _editions(db)
    cases = [
        {**NEW, "timezone": "Mars/Olympus"},
        {**NEW, "timezone": "../../etc/passwd"},
        {**NEW, "timezone": ""},
        {**NEW, "year": "1999"},
        {**NEW, "year": "next"},
        {**NEW, "end_date": "2029-06-01"},
        {**NEW, "start_date": "not a date"},
        {**NEW, "state": "published"},
        {**NEW, "title": ""},
        {**NEW, "title": "t" * 300},
    ]
    for data in cases:
        assert client.post("/admin/editions/new", data=data).status_code == 400, data
    duplicate = client.post("/admin/editions/new", data={**NEW, "year": "2027"})
    assert duplicate.status_code == 409
    assert "already exists" in duplicate.get_data(as_text=True)
    assert _editions(db) == before


# --- settings --------------------------------------------------------------------------------


def test_settings_are_entered_in_local_time_and_stored_utc(login, db):
    edition = make_edition(2027)
    organiser = make_user(role="organiser", edition=edition)
    client = login(organiser)
    response = client.post(
        "/2027/admin/settings", data=_settings(edition, capacity="250", badge_footer="Welcome")
    )
    assert response.status_code == 302
    db.session.refresh(edition)
    # Brussels is UTC+1 in January, UTC+2 in May (summer time).
    assert edition.registration_opens_at == dt.datetime(2027, 1, 10, 8, 0, tzinfo=dt.UTC)
    assert edition.registration_closes_at == dt.datetime(2027, 5, 1, 21, 59, tzinfo=dt.UTC)
    assert edition.capacity == 250
    assert edition.badge_footer == "Welcome"
    assert edition.badge_show_country is True
    assert edition.badge_show_organisation is False
    # The form shows them back in local time.
    page = client.get("/2027/admin/settings").get_data(as_text=True)
    assert 'value="2027-01-10T09:00"' in page
    assert 'value="2027-05-01T23:59"' in page
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "edition.update"))
    assert entry.details["changes"]["capacity"] == [None, 250]


def test_settings_in_another_time_zone(login, db):
    edition = make_edition(2027)
    client = login(make_user(admin=True))
    response = client.post(
        "/2027/admin/settings",
        data=_settings(
            edition, timezone="America/New_York", registration_opens_at="2027-01-10T09:00"
        ),
    )
    assert response.status_code == 302
    db.session.refresh(edition)
    assert edition.timezone == "America/New_York"
    assert edition.registration_opens_at == dt.datetime(2027, 1, 10, 14, 0, tzinfo=dt.UTC)


def test_settings_validation_changes_nothing(login, db):
    edition = make_edition(2027)
    before = (edition.registration_opens_at, edition.title, edition.timezone)
    client = login(make_user(role="organiser", edition=edition))
    cases = [
        {"timezone": "Nowhere/City"},
        {"registration_closes_at": "2027-01-01T00:00"},  # closes before it opens
        {"cfp_closes_at": ""},  # only one end of the window
        {"registration_opens_at": "2027-03-28T02:30"},  # skipped by the clock change
        {"registration_opens_at": "yesterday"},
        {"capacity": "-5"},
        {"capacity": "lots"},
        {"end_date": "2027-06-01"},
        {"title": ""},
        {"state": "secret"},
    ]
    for override in cases:
        response = client.post("/2027/admin/settings", data=_settings(edition, **override))
        assert response.status_code == 400, override
    db.session.refresh(edition)
    assert (edition.registration_opens_at, edition.title, edition.timezone) == before
    assert not db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "edition.update"))


def test_settings_refused_to_non_organisers(client, login, db):
    edition = make_edition(2027)
    other = make_edition(2025)
    title = edition.title
    for user in (
        make_user(),
        make_user(role="reviewer", edition=edition),
        make_user(role="chair", edition=edition),
        make_user(role="staff", edition=edition),
        make_user(role="organiser", edition=other),
    ):
        who = login(user)
        assert who.get("/2027/admin/settings").status_code == 403
        assert (
            who.post("/2027/admin/settings", data=_settings(edition, title="Hacked")).status_code
            == 403
        )
    assert client.get("/2027/admin/settings").status_code == 302
    response = client.post(
        "/2027/admin/settings",
        data=_settings(edition, title="Hacked"),
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 401
    db.session.refresh(edition)
    assert edition.title == title


def test_archived_edition_is_read_only_except_for_admins(login, db):
    edition = make_edition(2025, state="archived")
    organiser = make_user(role="organiser", edition=edition)
    client = login(organiser)
    page = client.get("/2025/admin/settings")
    assert page.status_code == 200
    assert "read-only" in page.get_data(as_text=True)
    assert "disabled" in page.get_data(as_text=True)
    response = client.post("/2025/admin/settings", data=_settings(edition, title="Changed"))
    assert response.status_code == 403
    db.session.refresh(edition)
    assert edition.title != "Changed"
    # Roles too.
    target = make_user("someone@example.org")
    assert (
        client.post("/2025/admin/roles", data={"email": target.email, "role": "staff"}).status_code
        == 403
    )
    assignment = db.session.scalar(
        sa.select(RoleAssignment).where(RoleAssignment.user_id == organiser.id)
    )
    assert client.post(f"/2025/admin/roles/{assignment.id}/revoke").status_code == 403
    assert (
        db.session.scalar(sa.select(RoleAssignment).where(RoleAssignment.user_id == target.id))
        is None
    )

    admin = login(make_user(admin=True))
    response = admin.post(
        "/2025/admin/settings",
        data=_settings(
            edition,
            title="Changed by the admin",
            registration_opens_at="2025-01-10T09:00",
            registration_closes_at="2025-05-01T23:59",
            cfp_opens_at="2024-11-01T00:00",
            cfp_closes_at="2025-01-31T17:00",
            review_deadline="2025-03-01T12:00",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(edition)
    assert edition.title == "Changed by the admin"


def test_archived_edition_page_says_read_only(client, db):
    make_edition(2025, state="archived")
    page = client.get("/2025/")
    assert page.status_code == 200
    assert "archived" in page.get_data(as_text=True)


def test_drafts_are_hidden_from_the_public_but_not_from_organisers(client, login, db):
    edition = make_edition(2029, state="draft")
    assert client.get("/2029/").status_code == 404
    assert "2029" not in client.get("/").get_data(as_text=True)
    assert client.get("/api/v1/editions/2029").status_code == 404
    assert login(make_user()).get("/2029/").status_code == 404
    assert login(make_user(role="reviewer", edition=edition)).get("/2029/").status_code == 404
    organiser = login(make_user(role="organiser", edition=edition))
    assert organiser.get("/2029/").status_code == 200
    assert "Research Security Conference 2029" in organiser.get("/").get_data(as_text=True)
    assert login(make_user(admin=True)).get("/2029/").status_code == 200


def test_unknown_edition_is_404(client, db):
    assert client.get("/2031/").status_code == 404
    assert client.get("/2031/admin/settings").status_code == 404


# --- roles of an edition ---------------------------------------------------------------------


def test_organiser_grants_and_revokes_roles_in_their_edition(login, db):
    edition = make_edition(2027)
    organiser = make_user(role="organiser", edition=edition)
    target = make_user("Reviewer@Example.org")
    client = login(organiser)
    response = client.post(
        "/2027/admin/roles", data={"email": "reviewer@EXAMPLE.org", "role": "reviewer"}
    )
    assert response.status_code == 302
    assignment = db.session.scalar(
        sa.select(RoleAssignment).where(RoleAssignment.user_id == target.id)
    )
    assert assignment.role == "reviewer" and assignment.edition_id == edition.id
    assert assignment.granted_by_id == organiser.id
    assert "reviewer@example.org" in client.get("/2027/admin/roles").get_data(as_text=True)
    assert confirm_post(client, f"/2027/admin/roles/{assignment.id}/revoke").status_code == 302
    assert db.session.get(RoleAssignment, assignment.id) is None
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.edition_id == edition.id)
    ).all()
    assert "role.grant" in actions and "role.revoke" in actions


def test_roles_page_denials_and_bad_input(login, db):
    edition = make_edition(2027)
    other = make_edition(2025)
    organiser = make_user(role="organiser", edition=edition)
    foreign = make_user(role="reviewer", edition=other)
    foreign_assignment = db.session.scalar(
        sa.select(RoleAssignment).where(RoleAssignment.user_id == foreign.id)
    )
    client = login(organiser)
    assert (
        client.post(
            "/2027/admin/roles", data={"email": "nobody@example.org", "role": "staff"}
        ).status_code
        == 400
    )
    assert (
        client.post("/2027/admin/roles", data={"email": foreign.email, "role": "king"}).status_code
        == 400
    )
    assert client.post("/2027/admin/roles", data={}).status_code == 400
    # An assignment of another edition cannot be revoked through this one.
    assert client.post(f"/2027/admin/roles/{foreign_assignment.id}/revoke").status_code == 404
    assert client.post("/2027/admin/roles/999999/revoke").status_code == 404
    assert db.session.get(RoleAssignment, foreign_assignment.id) is not None
    # An organiser does not remove themself by mistake.
    own = db.session.scalar(sa.select(RoleAssignment).where(RoleAssignment.user_id == organiser.id))
    assert client.post(f"/2027/admin/roles/{own.id}/revoke").status_code == 403
    assert db.session.get(RoleAssignment, own.id) is not None
    # Reviewers and organisers of another edition may not manage roles here.
    for user in (
        make_user(role="chair", edition=edition),
        make_user(role="organiser", edition=other),
    ):
        who = login(user)
        assert who.get("/2027/admin/roles").status_code == 403
        assert (
            who.post(
                "/2027/admin/roles", data={"email": foreign.email, "role": "organiser"}
            ).status_code
            == 403
        )
        assert who.post(f"/2027/admin/roles/{own.id}/revoke").status_code == 403
    assert not db.session.scalar(
        sa.select(RoleAssignment).where(
            RoleAssignment.user_id == foreign.id, RoleAssignment.edition_id == edition.id
        )
    )


# --- audit log -------------------------------------------------------------------------------


def _fill_audit(edition, admin, count):
    from conference import audit
    from conference.extensions import db as _db

    for n in range(count):
        audit.record(admin, "test.event", ("Thing", n), edition=edition, n=n)
    audit.record(None, "system.event", None, edition=edition)
    _db.session.commit()


def test_audit_log_filters_and_pagination(login, db):
    edition = make_edition(2027)
    other = make_edition(2025)
    organiser = make_user("org@example.org", role="organiser", edition=edition)
    admin = make_user("root@example.org", admin=True)
    _fill_audit(edition, admin, 60)
    _fill_audit(other, admin, 1)
    client = login(organiser)
    page = client.get("/2027/admin/audit").get_data(as_text=True)
    assert "62 entries" in page  # 60 + the system event + the organiser's role grant
    assert "Page 1 of 2" in page
    page2 = client.get("/2027/admin/audit", query_string={"page": 2}).get_data(as_text=True)
    assert "Page 2 of 2" in page2
    only_system = client.get("/2027/admin/audit", query_string={"action": "system.event"})
    assert "1 entry." in only_system.get_data(as_text=True)
    by_actor = client.get("/2027/admin/audit", query_string={"actor": "ROOT@"}).get_data(
        as_text=True
    )
    assert "60 entries" in by_actor
    # Unknown filters and nonsense pages are a 400 with a message; a page past the end is empty.
    for query in ({"action": "drop table"}, {"page": "x"}, {"page": 2**31}):
        response = client.get("/2027/admin/audit", query_string=query)
        assert response.status_code == 400
        assert "argument" in response.get_data(as_text=True)
    assert client.get("/2027/admin/audit", query_string={"page": 99}).status_code == 200


def test_audit_log_is_for_organisers_of_the_edition(client, login, db):
    edition = make_edition(2027)
    other = make_edition(2025)
    for user in (
        make_user(),
        make_user(role="staff", edition=edition),
        make_user(role="organiser", edition=other),
    ):
        assert login(user).get("/2027/admin/audit").status_code == 403
    assert client.get("/2027/admin/audit").status_code == 302
    assert login(make_user(admin=True)).get("/2027/admin/audit").status_code == 200


def test_edition_page_links_to_administration_for_organisers_only(client, login, db):
    edition = make_edition(2027)
    assert "/2027/admin/audit" not in client.get("/2027/").get_data(as_text=True)
    assert "/2027/admin/audit" not in login(make_user()).get("/2027/").get_data(as_text=True)
    organiser = login(make_user(role="organiser", edition=edition))
    page = organiser.get("/2027/").get_data(as_text=True)
    assert "/2027/admin/settings" in page and "/2027/admin/roles" in page


def test_saving_the_settings_unchanged_changes_nothing(login, db):
    import re

    edition = make_edition(2027)
    client = login(make_user(role="organiser", edition=edition))
    page = client.get("/2027/admin/settings").get_data(as_text=True)
    data = dict(re.findall(r'<input[^>]*?name="(\w+)"[^>]*?value="([^"]*)"', page))
    data = {k: v for k, v in data.items() if not k.startswith("badge_show")}
    data["badge_show_country"] = data["badge_show_organisation"] = "y"
    data["state"] = edition.state
    response = client.post("/2027/admin/settings", data=data, follow_redirects=True)
    assert "Nothing changed." in response.get_data(as_text=True)
    assert not db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "edition.update"))
