"""Badge pages through HTTP: own download, the organisers' list, revoke, reissue, print."""

import sqlalchemy as sa

from conference.audit import AuditEntry
from conference.badges import services
from conference.badges.models import Badge, BadgePrintJob
from tests.badges.factories import accredited, keys_for, make_category, make_registration
from tests.factories import make_edition, make_user


def setup_edition():
    edition = make_edition()
    keys_for(2027)
    return edition


def test_attendee_downloads_their_own_badge(login, db):
    setup_edition()
    registration = accredited(make_user(full_name="Ελένη Παπαδοπούλου"))
    response = login(registration.user).get("/2027/me/badge.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    badge = services.valid_badge(registration)
    assert badge.printed_at is None  # own downloads do not count as the organisers' print


def test_no_badge_means_404_and_anonymous_must_log_in(client, login, db):
    setup_edition()
    registration = make_registration()
    assert login(registration.user).get("/2027/me/badge.pdf").status_code == 404
    response = client.get("/2027/me/badge.pdf")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_my_badge_partial_renders_for_the_me_page(app, login, db):
    from flask import render_template_string

    setup_edition()
    registration = accredited()
    with app.test_request_context("/2027/me"):
        from flask import g
        from flask_login import login_user

        from conference.editions.models import Edition

        g.edition = db.session.scalar(sa.select(Edition))
        login_user(registration.user)
        html = render_template_string('{% include "badges/_me.html" %}')
    assert "Download your badge" in html
    assert "/2027/me/badge.pdf" in html


def test_organiser_lists_badges_and_others_may_not(login, db):
    edition = setup_edition()
    accredited(make_user(full_name="Kadri Tamm"), edition)
    organiser = make_user(role="organiser", edition=edition)
    page = login(organiser).get("/2027/organise/badges")
    assert page.status_code == 200
    assert "Kadri Tamm" in page.get_data(as_text=True)
    filtered = login(organiser).get("/2027/organise/badges?q=nobody&state=revoked&printed=no")
    assert "Kadri Tamm" not in filtered.get_data(as_text=True)
    for role in ("staff", "reviewer", None):
        user = make_user(role=role, edition=edition) if role else make_user()
        assert login(user).get("/2027/organise/badges").status_code == 403


def test_organiser_revokes_with_audit_and_staff_cannot(login, db):
    edition = setup_edition()
    registration = accredited(edition=edition)
    badge = services.valid_badge(registration)
    staff = make_user(role="staff", edition=edition)
    response = login(staff).post(f"/2027/organise/badges/{badge.id}/revoke", data={})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Badge, badge.id).state == "valid"

    organiser = make_user(role="organiser", edition=edition)
    response = login(organiser).post(
        f"/2027/organise/badges/{badge.id}/revoke", data={"revoke-reason": "left the venue"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    revoked = db.session.get(Badge, badge.id)
    assert (revoked.state, revoked.revoke_reason) == ("revoked", "left the venue")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "badge.revoke"))
    assert entry.actor_id == organiser.id


def test_organiser_reissues_a_lost_badge(login, db):
    edition = setup_edition()
    registration = accredited(edition=edition)
    badge = services.valid_badge(registration)
    organiser = make_user(role="organiser", edition=edition)
    client = login(organiser)
    response = client.post(
        f"/2027/organise/badges/{badge.id}/reissue", data={"reissue-reason": "lost"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    new = services.valid_badge(registration)
    assert new.version == 2 and new.id != badge.id
    assert db.session.get(Badge, badge.id).state == "revoked"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "version 2" in page.get_data(as_text=True)
    too_long = client.post(
        f"/2027/organise/badges/{new.id}/reissue", data={"reissue-reason": "x" * 401}
    )
    assert too_long.status_code == 303
    db.session.expire_all()
    assert services.valid_badge(registration).id == new.id


def test_badges_of_another_edition_are_404(login, db):
    setup_edition()
    other = make_edition(2029)
    registration = accredited(edition=other, category=make_category(other))
    badge = services.valid_badge(registration)
    organiser = make_user(role="organiser", edition=make_edition())
    client = login(organiser)
    assert client.get(f"/2027/organise/badges/{badge.id}").status_code == 404
    assert client.post(f"/2027/organise/badges/{badge.id}/revoke").status_code == 404
    assert client.get(f"/2027/organise/badges/{badge.id}/badge.pdf").status_code == 404
    db.session.expire_all()
    assert db.session.get(Badge, badge.id).state == "valid"


def test_organiser_single_print_marks_printed(login, db):
    edition = setup_edition()
    registration = accredited(edition=edition)
    badge = services.valid_badge(registration)
    organiser = make_user(role="organiser", edition=edition)
    response = login(organiser).get(f"/2027/organise/badges/{badge.id}/badge.pdf")
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Badge, badge.id).printed_at is not None
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "badge.print"))


def test_bulk_print_by_category_and_unprinted_only(login, db):
    edition = setup_edition()
    press = make_category(edition, "PRS", "Press")
    experts = make_category(edition, "MSE", "Member State expert")
    accredited(edition=edition, category=press)
    accredited(edition=edition, category=experts)
    accredited(edition=edition, category=experts)
    organiser = make_user(role="organiser", edition=edition)
    client = login(organiser)
    response = client.post("/2027/organise/badges/print", data={"categories": [experts.id]})
    assert response.status_code == 302
    job = db.session.scalar(sa.select(BadgePrintJob))
    assert (job.state, job.total, job.done) == ("done", 2, 2)
    assert job.filters == {"category_ids": [experts.id], "only_unprinted": False}
    response = client.post("/2027/organise/badges/print", data={"only_unprinted": "y"})
    db.session.expire_all()
    latest = db.session.scalars(sa.select(BadgePrintJob).order_by(BadgePrintJob.id.desc())).first()
    assert latest.total == 1  # only the press badge was not printed yet
    page = client.get(f"/2027/organise/badges/print-jobs/{latest.id}")
    assert "Download the sheets" in page.get_data(as_text=True)


def test_bulk_print_refuses_foreign_categories_and_needs_a_key(login, db):
    edition = setup_edition()
    other = make_edition(2029)
    foreign = make_category(other, "XXX", "Foreign")
    organiser = make_user(role="organiser", edition=edition)
    client = login(organiser)
    response = client.post("/2027/organise/badges/print", data={"categories": [foreign.id]})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(BadgePrintJob.id))) == 0
    from conference.badges import signing

    signing.key_path(2027).unlink()
    response = client.post("/2027/organise/badges/print", data={})
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(BadgePrintJob.id))) == 0
    assert "no signing key" in client.get("/2027/organise/badges").get_data(as_text=True)


def test_unfinished_or_foreign_print_jobs(login, db):
    edition = setup_edition()
    other = make_edition(2029)
    job = BadgePrintJob(edition_id=other.id, state="done", total=0, done=0, pdf=b"%PDF")
    pending = BadgePrintJob(edition_id=edition.id, state="pending", total=3, done=1)
    db.session.add_all([job, pending])
    db.session.commit()
    client = login(make_user(role="organiser", edition=edition))
    assert client.get(f"/2027/organise/badges/print-jobs/{job.id}").status_code == 404
    assert client.get(f"/2027/organise/badges/print-jobs/{job.id}/badges.pdf").status_code == 404
    page = client.get(f"/2027/organise/badges/print-jobs/{pending.id}")
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in page.get_data(as_text=True)
    assert client.get(f"/2027/organise/badges/print-jobs/{pending.id}/badges.pdf").status_code == (
        409
    )


def test_issue_missing_button(login, db):
    edition = setup_edition()
    make_registration(edition=edition, state="accredited")
    client = login(make_user(role="organiser", edition=edition))
    assert "Issue the missing badges" in client.get("/2027/organise/badges").get_data(as_text=True)
    assert client.post("/2027/organise/badges/issue-missing").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Badge.id))) == 1


def test_keygen_cli_rotation_keeps_old_badges_working(runner, client, db):
    from conference.badges import signing
    from tests.factories import bearer

    edition = make_edition()
    result = runner.invoke(args=["badges", "keygen", "--edition", "2027"])
    assert result.exit_code == 0, result.output
    assert "mode 0600" in result.output
    again = runner.invoke(args=["badges", "keygen", "--edition", "2027"])
    assert again.exit_code != 0 and "--rotate" in again.output
    registration = accredited(edition=edition)
    old_code = services.badge_code(services.valid_badge(registration))
    staff = bearer(make_user(role="staff", edition=edition))

    rotated = runner.invoke(args=["badges", "keygen", "--edition", "2027", "--rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert len(signing.public_keys(2027)) == 2
    shown = runner.invoke(args=["badges", "show-key", "--edition", "2027"])
    assert shown.output.count("previous") == 1
    new_code = services.badge_code(services.valid_badge(registration))
    assert new_code != old_code
    url = "/api/v1/editions/2027/checkins"
    assert (
        client.post(url, json={"code": old_code, "checkpoint": "venue"}, headers=staff).json[
            "result"
        ]
        == "admitted"
    )

    compromised = runner.invoke(
        args=["badges", "keygen", "--edition", "2027", "--rotate", "--compromised"]
    )
    assert compromised.exit_code == 0
    assert len(signing.public_keys(2027)) == 1
    answer = client.post(url, json={"code": old_code, "checkpoint": "venue"}, headers=staff).json
    assert answer["reason"] == "invalid_code"


def test_issue_missing_cli(runner, db):
    edition = make_edition()
    make_registration(edition=edition, state="accredited")
    result = runner.invoke(args=["badges", "issue-missing", "--edition", "2027"])
    assert result.exit_code == 0 and "Issued 1" in result.output
    assert runner.invoke(args=["badges", "issue-missing", "--edition", "2031"]).exit_code != 0
    assert runner.invoke(args=["badges", "show-key", "--edition", "2031"]).exit_code != 0


def test_me_page_offers_the_badge(login, db):
    setup_edition()
    registration = accredited()
    page = login(registration.user).get("/2027/me")
    assert page.status_code == 200
    assert "/2027/me/badge.pdf" in page.get_data(as_text=True)
