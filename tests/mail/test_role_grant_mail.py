"""A person granted a role is told by mail, with the link to their area, in their language."""

import sqlalchemy as sa

from conference.extensions import db as _db
from conference.mail import OutboxMessage
from tests.factories import make_edition, make_user


def _mails(to):
    return _db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to == to)).all()


def test_granting_a_role_on_the_roles_page_mails_the_person(login, db):
    edition = make_edition(2027)
    organiser = make_user(role="organiser", edition=edition)
    make_user("rev@example.org")
    c = login(organiser)
    response = c.post("/2027/admin/roles", data={"email": "rev@example.org", "role": "reviewer"})
    assert response.status_code == 302
    [message] = _mails("rev@example.org")
    assert message.template == "accounts_role_granted" and message.edition_id == edition.id
    assert "Reviewer" in message.subject
    assert "http://conference.test/2027/review" in message.text_body
    assert '<a href="http://conference.test/2027/review">' in message.html_body
    # Granting it again changes nothing and sends nothing.
    c.post("/2027/admin/roles", data={"email": "rev@example.org", "role": "reviewer"})
    assert len(_mails("rev@example.org")) == 1


def test_each_role_links_to_its_area(login, db):
    edition = make_edition(2027)
    admin = login(make_user(admin=True))
    expected = {
        "organiser": "/2027/admin",
        "chair": "/2027/review/chair",
        "staff": "/2027/scan",
    }
    for role, path in expected.items():
        user = make_user(f"{role}@example.org")
        response = admin.post(
            f"/admin/users/{user.id}/roles", data={"edition": edition.year, "role": role}
        )
        assert response.status_code == 302
        [message] = _mails(f"{role}@example.org")
        assert f"Your area: http://conference.test{path}\n" in message.text_body


def test_the_mail_is_in_the_recipients_language(login, db):
    edition = make_edition(2027)
    make_user("hans@example.org", locale="de")
    login(make_user(role="organiser", edition=edition)).post(
        "/2027/admin/roles", data={"email": "hans@example.org", "role": "staff"}
    )
    [message] = _mails("hans@example.org")
    assert "Ihre neue Rolle" in message.subject
    assert "Guten Tag" in message.text_body or "Liebe" in message.text_body


def test_a_refused_grant_sends_nothing(login, db):
    edition = make_edition(2027)
    make_user("rev@example.org")
    reviewer = make_user(role="reviewer", edition=edition)
    response = login(reviewer).post(
        "/2027/admin/roles", data={"email": "rev@example.org", "role": "organiser"}
    )
    assert response.status_code == 403
    assert _mails("rev@example.org") == []


def test_the_cli_grant_mails_the_person(runner, db):
    make_edition(2027)
    make_user("cli@example.org")
    result = runner.invoke(args=["roles", "grant", "cli@example.org", "chair", "--edition", "2027"])
    assert result.exit_code == 0, result.output
    [message] = _mails("cli@example.org")
    assert "http://conference.test/2027/review/chair" in message.text_body
