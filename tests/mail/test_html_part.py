"""Every mail has a plain-text part and an HTML part made from it, in the recipient's language."""

from conference import mail
from conference.accounts.services import send_verification
from conference.mail import text_to_html
from tests.factories import make_user


def test_html_part_escapes_the_text_and_links_its_urls():
    html = text_to_html(
        'Hello <script>alert("x")</script> & co,\n\nOpen https://example.org/a?b=1&c=2.\nBye',
        "Subject <b>",
        "fr",
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2">https://example.org/a?b=1&amp;c=2</a>.' in html
    )
    assert '<html lang="fr">' in html and "<title>Subject &lt;b&gt;</title>" in html
    assert html.count("<p>") == 2 and "<br>" in html


def test_every_queued_mail_has_both_parts(app, db):
    message = mail.queue_rendered("a@example.org", "Organiser text", "Just text\n\nhttp://x.test/y")
    assert message.html_body and '<a href="http://x.test/y">' in message.html_body


def test_both_parts_reach_the_smtp_server_in_the_recipients_language(app, db, smtp_server):
    user = make_user("hans@example.org", locale="de")
    with app.test_request_context():
        send_verification(user)
        db.session.commit()
    assert mail.send_pending() == (1, 0)
    [received] = smtp_server.wait_for(1)
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    assert received["Subject"] != "Please confirm your e-mail address"  # German
    assert '<html lang="de">' in html
    assert "Guten Tag" in text and "Guten Tag" in html
