"""The mail log: /<year>/admin/mail for organisers, /admin/mail for site administrators."""

import sqlalchemy as sa

from conference import mail
from conference.audit import AuditEntry
from conference.editions.models import EditionState
from conference.mail import OutboxMessage
from tests.factories import PASSWORD, make_edition, make_user


def _message(edition=None, to="ada@example.org", subject="Hello", **values) -> OutboxMessage:
    message = mail.queue_rendered(
        to, subject, f"Dear {to},\n\nSee https://example.org/x", edition=edition
    )
    for key, value in values.items():
        setattr(message, key, value)
    mail.db.session.commit()
    return message


def _count() -> int:
    return mail.db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


def test_signup_confirmation_appears_in_the_admin_log_at_once(client, login, db):
    client.post(
        "/signup", data={"full_name": "Zoë Test", "email": "zoe@example.org", "password": PASSWORD}
    )
    page = login(make_user(admin=True)).get("/admin/mail").get_data(as_text=True)
    assert "zoe@example.org" in page
    assert "Please confirm your e-mail address" in page
    assert "Queued" in page


def test_organiser_sees_their_editions_mail_only(login, db):
    edition = make_edition(2027)
    other = make_edition(2028)
    _message(edition, to="mine@example.org", subject="For 2027")
    _message(other, to="theirs@example.org", subject="For 2028")
    _message(None, to="account@example.org", subject="Account mail")
    organiser = make_user(role="organiser", edition=edition)
    page = login(organiser).get("/2027/admin/mail").get_data(as_text=True)
    assert "mine@example.org" in page and "For 2027" in page
    assert "theirs@example.org" not in page
    assert "account@example.org" not in page


def test_the_log_is_refused_to_others(login, client, db):
    edition = make_edition(2027)
    message = _message(edition)
    reviewer = make_user(role="reviewer", edition=edition)
    organiser_elsewhere = make_user(role="organiser", edition=make_edition(2028))
    assert client.get("/2027/admin/mail").status_code in (302, 401)
    assert client.get("/admin/mail").status_code in (302, 401)
    for user in (reviewer, organiser_elsewhere):
        c = login(user)
        assert c.get("/2027/admin/mail").status_code == 403
        assert c.get(f"/2027/admin/mail/{message.id}").status_code == 403
        assert c.get("/admin/mail").status_code == 403
        assert c.post(f"/2027/admin/mail/{message.id}/resend").status_code == 403
    organiser = make_user(role="organiser", edition=edition)
    assert login(organiser).get("/admin/mail").status_code == 403
    assert _count() == 1


def test_organiser_cannot_open_another_editions_message(login, db):
    edition = make_edition(2027)
    foreign = _message(make_edition(2028), to="theirs@example.org")
    account = _message(None, to="account@example.org")
    c = login(make_user(role="organiser", edition=edition))
    for message in (foreign, account):
        assert c.get(f"/2027/admin/mail/{message.id}").status_code == 404
        assert c.post(f"/2027/admin/mail/{message.id}/resend").status_code == 404
    assert c.get("/2027/admin/mail/999999").status_code == 404
    assert _count() == 2


def test_filters_and_search(login, db):
    edition = make_edition(2027)
    _message(edition, to="sent@example.org", subject="Your badge", status="sent", attempts=1)
    _message(
        edition,
        to="broken@example.org",
        subject="Your decision",
        status="failed",
        attempts=8,
        last_error="550 mailbox unavailable",
    )
    _message(
        edition,
        to="later@example.org",
        subject="Reminder",
        attempts=2,
        last_error="connect: refused",
    )
    _message(edition, to="new@example.org", subject="Welcome 100%_off")
    c = login(make_user(role="organiser", edition=edition))

    def shown(**args):
        page = c.get("/2027/admin/mail", query_string=args)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        return {a for a in ("sent@", "broken@", "later@", "new@") if a + "example.org" in text}

    assert shown() == {"sent@", "broken@", "later@", "new@"}
    assert shown(state="sent") == {"sent@"}
    assert shown(state="failed") == {"broken@"}
    assert shown(state="retrying") == {"later@"}
    assert shown(state="queued") == {"new@"}
    assert shown(q="BADGE") == {"sent@"}
    assert shown(q="broken@") == {"broken@"}
    assert shown(q="100%_") == {"new@"}
    assert shown(q="%") == {"new@"}
    page = c.get("/2027/admin/mail", query_string={"state": "failed"}).get_data(as_text=True)
    assert "550 mailbox unavailable" in page


def test_bad_filter_values_are_a_400_not_a_500(login, db):
    edition = make_edition(2027)
    c = login(make_user(role="organiser", edition=edition))
    assert c.get("/2027/admin/mail?state=lost").status_code == 400
    assert c.get("/2027/admin/mail?page=abc").status_code == 400
    assert c.get("/2027/admin/mail?q=" + "x" * 5000).status_code == 400
    assert c.get("/2027/admin/mail?q=%C3%A9t%C3%A9%F0%9F%98%80").status_code == 200


def test_message_page_shows_the_message_as_sent(login, db):
    edition = make_edition(2027)
    message = _message(
        edition, status="failed", attempts=8, last_error="550 <b>mailbox</b> unavailable"
    )
    page = login(make_user(role="organiser", edition=edition)).get(f"/2027/admin/mail/{message.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Dear ada@example.org," in text
    assert '<a href="https://example.org/x">https://example.org/x</a>' in text
    assert "550 &lt;b&gt;mailbox&lt;/b&gt; unavailable" in text
    assert "Retry delivery" in text and "Send this message again" in text


def test_resend_queues_a_copy_and_is_audited(login, db):
    edition = make_edition(2027)
    message = _message(edition, status="sent", attempts=1)
    organiser = make_user(role="organiser", edition=edition)
    response = login(organiser).post(f"/2027/admin/mail/{message.id}/resend")
    assert response.status_code == 302
    copies = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id != message.id)
    ).all()
    [copy] = copies
    assert (copy.to, copy.subject, copy.text_body, copy.status) == (
        message.to,
        message.subject,
        message.text_body,
        "pending",
    )
    assert copy.edition_id == edition.id
    assert response.headers["Location"].endswith(f"/2027/admin/mail/{copy.id}")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "mail.resend"))
    assert entry.actor_id == organiser.id and entry.details["resent_message"] == message.id


def test_resend_is_refused_in_an_archived_edition(login, db):
    edition = make_edition(2027, state=EditionState.ARCHIVED)
    message = _message(edition)
    c = login(make_user(role="organiser", edition=edition))
    assert c.get(f"/2027/admin/mail/{message.id}").status_code == 200
    assert c.post(f"/2027/admin/mail/{message.id}/resend").status_code == 403
    assert c.post("/2027/admin/mail/retry").status_code == 403
    assert _count() == 1


def test_retry_puts_failed_messages_of_the_edition_back_in_the_queue(login, db):
    edition = make_edition(2027)
    failed = _message(edition, status="failed", attempts=8, last_error="550")
    foreign = _message(make_edition(2028), status="failed", attempts=8, last_error="550")
    sent = _message(edition, status="sent", attempts=1)
    c = login(make_user(role="organiser", edition=edition))
    assert c.post("/2027/admin/mail/retry").status_code == 302
    db.session.expire_all()
    assert failed.status == "pending" and failed.attempts == 8
    assert foreign.status == "failed"
    assert sent.status == "sent"
    assert "mail.retry" in db.session.scalars(sa.select(AuditEntry.action)).all()


def test_retry_one_message_and_bad_ids(login, db):
    edition = make_edition(2027)
    one = _message(edition, status="failed", attempts=8, last_error="550")
    two = _message(edition, status="failed", attempts=8, last_error="550")
    c = login(make_user(role="organiser", edition=edition))
    assert c.post("/2027/admin/mail/retry", data={"message_id": "nope"}).status_code == 400
    db.session.expire_all()
    assert one.status == two.status == "failed"
    response = c.post("/2027/admin/mail/retry", data={"message_id": str(one.id)})
    assert response.headers["Location"].endswith(f"/2027/admin/mail/{one.id}")
    db.session.expire_all()
    assert one.status == "pending" and two.status == "failed"


def test_admin_resends_and_retries_any_message(login, db):
    account = _message(None, to="account@example.org", status="failed", attempts=8)
    edition_mail = _message(make_edition(2027), status="failed", attempts=8)
    admin = login(make_user(admin=True))
    assert admin.get(f"/admin/mail/{account.id}").status_code == 200
    assert admin.post(f"/admin/mail/{account.id}/resend").status_code == 302
    assert admin.post("/admin/mail/retry").status_code == 302
    db.session.expire_all()
    assert account.status == "pending" and edition_mail.status == "pending"
    assert _count() == 3


def test_organiser_cannot_resend_account_mail_through_the_admin_routes(login, db):
    account = _message(None, to="account@example.org")
    c = login(make_user(role="organiser", edition=make_edition(2027)))
    assert c.post(f"/admin/mail/{account.id}/resend").status_code == 403
    assert c.post("/admin/mail/retry").status_code == 403
    assert _count() == 1


def test_permission_rules_for_the_outbox(db):
    from conference.permissions import can

    edition = make_edition(2027)
    archived = make_edition(2026, state=EditionState.ARCHIVED)
    mine = _message(edition)
    foreign = _message(make_edition(2028))
    account = _message(None)
    organiser = make_user(role="organiser", edition=edition)
    make_user(role="organiser", edition=archived)  # the archived edition has organisers too
    admin = make_user(admin=True)
    reviewer = make_user(role="reviewer", edition=edition)
    assert can(organiser, "outbox.read", edition=edition)
    assert not can(reviewer, "outbox.read", edition=edition)
    assert can(organiser, "outbox.resend", mine, edition=edition)
    assert not can(organiser, "outbox.resend", foreign, edition=edition)
    assert not can(organiser, "outbox.resend", account, edition=edition)
    assert not can(organiser, "outbox.resend", mine, edition=None)
    assert not can(reviewer, "outbox.resend", mine, edition=edition)
    archived_organiser = make_user(role="organiser", edition=archived)
    assert not can(archived_organiser, "outbox.resend", edition=archived)
    for message in (mine, foreign, account):
        assert can(admin, "outbox.resend", message, edition=None)


def test_secret_links_are_hidden_when_configured(app, login, db):
    from conference.editions.mail_log import hide_secret_links

    text = (
        "Confirm: http://conference.test/verify/abc.def-ghi?next=/2027/register\n"
        "Reset: http://conference.test/reset-password/tok_en\n"
        "Invitation: http://conference.test/2027/invitations/xyz/decline\n"
        "Feed: webcal://conference.test/calendar/s3cr3t.ics\n"
        "Programme: http://conference.test/2027/programme\n"
    )
    hidden = hide_secret_links(text)
    for secret in ("abc.def-ghi", "tok_en", "xyz", "s3cr3t"):
        assert secret not in hidden
    assert "/verify/[hidden]?next=/2027/register" in hidden
    assert "/calendar/[hidden].ics" in hidden
    assert "http://conference.test/2027/programme" in hidden

    message = _message(None, to="someone@example.org")
    message.text_body = text
    message.html_body = mail.text_to_html(text)
    db.session.commit()
    admin = login(make_user(admin=True))
    assert "abc.def-ghi" in admin.get(f"/admin/mail/{message.id}").get_data(as_text=True)
    app.config["MAIL_LOG_SHOW_SECRET_LINKS"] = False
    page = admin.get(f"/admin/mail/{message.id}").get_data(as_text=True)
    assert "abc.def-ghi" not in page and "tok_en" not in page and "s3cr3t" not in page
    assert "/verify/[hidden]" in page
