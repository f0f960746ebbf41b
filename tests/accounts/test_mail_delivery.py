"""Account mails through the outbox to a real SMTP server (aiosmtpd on 127.0.0.1)."""

import datetime as dt

from conference.db import freeze, utcnow
from conference.mail import send_pending
from tests.accounts.helpers import outbox
from tests.conftest import free_port
from tests.factories import make_user


def test_mail_is_delivered_with_text_and_html_parts(client, db, smtp_server):
    client.post(
        "/signup",
        data={"full_name": "Zoë Test", "email": "zoe@example.org", "password": "long enough pw"},
    )
    assert send_pending() == (1, 0)
    [received] = smtp_server.wait_for(1)
    assert received["To"] == "zoe@example.org"
    assert received["Subject"] == "Please confirm your e-mail address"
    assert received.is_multipart()
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    assert "Hello Zoë Test" in text
    assert "http://conference.test/verify/" in text
    assert '<a href="http://conference.test/verify/' in html
    [message] = outbox()
    assert message.status == "sent" and message.sent_at is not None and message.attempts == 1


def test_links_in_mails_use_base_url_not_the_host_header(client, db, smtp_server):
    make_user("host@example.org")
    client.post(
        "/forgot-password", data={"email": "host@example.org"}, headers={"Host": "evil.example"}
    )
    send_pending()
    [received] = smtp_server.wait_for(1)
    for part in ("plain", "html"):
        body = received.get_body(preferencelist=(part,)).get_content()
        assert "http://conference.test/reset-password/" in body
        assert "evil.example" not in body


def test_mail_waits_in_the_outbox_while_smtp_is_down_and_is_sent_later(
    app, client, db, runner, smtp_server
):
    make_user("patient@example.org")
    working_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    client.post("/forgot-password", data={"email": "patient@example.org"})
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0
    assert "sent 0, failed 1" in result.output
    [message] = outbox()
    assert message.status == "pending"
    assert message.attempts == 1 and message.last_error
    assert message.attempts == 1
    assert "connect" in message.last_error
    assert message.next_attempt_at > utcnow()
    assert smtp_server.messages == []

    # Not due yet: nothing is tried.
    result = runner.invoke(args=["mail", "send-pending"])
    assert "sent 0, failed 0" in result.output

    # The server is back and the retry is due: the mail goes out once.
    app.config["MAIL_PORT"] = working_port
    freeze(utcnow() + dt.timedelta(hours=1))
    result = runner.invoke(args=["mail", "send-pending"])
    assert "sent 1, failed 0" in result.output
    assert len(smtp_server.wait_for(1)) == 1
    db.session.refresh(message)
    assert message.status == "sent" and message.attempts == 2 and message.last_error == ""
    result = runner.invoke(args=["mail", "send-pending"])
    assert "sent 0, failed 0" in result.output
    assert len(smtp_server.wait_for(2, timeout=0.3)) == 1


def test_mail_is_sent_after_the_request_when_configured(app, client, db, smtp_server):
    app.config["MAIL_SEND_AFTER_REQUEST"] = True
    make_user("quick@example.org")
    response = client.post("/forgot-password", data={"email": "quick@example.org"})
    response.close()
    [received] = smtp_server.wait_for(1)
    assert received["To"] == "quick@example.org"


def test_failed_after_request_sending_keeps_the_mail(app, client, db):
    app.config["MAIL_SEND_AFTER_REQUEST"] = True
    app.config["MAIL_PORT"] = free_port()
    make_user("kept@example.org")
    response = client.post("/forgot-password", data={"email": "kept@example.org"})
    assert response.status_code == 200
    response.close()
    from conference.jobs import wait_for_background

    assert wait_for_background(10)  # sent by the background thread, not the request
    db.session.expire_all()
    [message] = outbox()
    assert message.status == "pending"
    assert message.attempts == 1 and message.last_error
