"""The page after sign-up says what really happened to the confirmation mail."""

import sqlalchemy as sa

from conference.mail import OutboxMessage
from tests.conftest import free_port
from tests.factories import PASSWORD

FORM = {"full_name": "Zoë Test", "email": "zoe@example.org", "password": PASSWORD}


def test_signup_says_queued_and_undelivered_when_smtp_is_down(app, client, db):
    app.config.update(MAIL_SEND_AFTER_REQUEST=True, MAIL_PORT=free_port(), SIGNUP_MAIL_WAIT=5)
    page = client.post("/signup", data=FORM).get_data(as_text=True)
    assert "is queued; it could not be delivered yet" in page
    assert "We have sent a message" not in page
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.status == "pending" and message.attempts == 1 and message.last_error
    # Checking again later tells the same, from the outbox.
    again = client.get("/signup/mail-status").get_data(as_text=True)
    assert "could not be delivered yet" in again


def test_signup_says_sent_when_the_mail_went_out(app, client, db, smtp_server):
    app.config.update(MAIL_SEND_AFTER_REQUEST=True, SIGNUP_MAIL_WAIT=5)
    page = client.post("/signup", data=FORM).get_data(as_text=True)
    assert "We have sent a message to zoe@example.org" in page
    assert len(smtp_server.wait_for(1)) == 1


def test_signup_says_queued_when_mail_is_not_sent_after_requests(app, client, db):
    page = client.post("/signup", data=FORM).get_data(as_text=True)
    assert "is queued and will be sent in a moment" in page
    assert "Check again whether the message was sent" in page
    db.session.execute(sa.update(OutboxMessage).values(status="sent", attempts=1))
    db.session.commit()
    assert "We have sent a message" in client.get("/signup/mail-status").get_data(as_text=True)


def test_mail_status_without_a_signup_leads_to_the_signup_page(client, db):
    response = client.get("/signup/mail-status")
    assert response.status_code == 302 and response.headers["Location"].endswith("/signup")
