"""Co-speakers: invited by e-mail with a signed link, confirmed by the invited account only."""

from __future__ import annotations

import re

import sqlalchemy as sa

from conference.extensions import db
from conference.mail import OutboxMessage
from conference.submissions.models import CoSpeaker
from conference.submissions.services import invitation_token
from tests.confirming import confirm_post
from tests.factories import make_user
from tests.submissions.conftest import add_co_speaker, audit_actions, make_submission, snapshot


def _invite(client, submission, email="Co@Example.org", name="Cora Co"):
    return client.post(
        f"/2027/me/submissions/{submission.id}/co-speakers", data={"email": email, "name": name}
    )


def _link_from_outbox() -> str:
    message = db.session.scalar(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    match = re.search(r"http://conference\.test(/2027/invitations/\S+)", message.text_body)
    assert match, message.text_body
    return match.group(1)


def test_invite_mails_a_signed_link_and_the_invited_account_confirms(
    login, edition, author, tracks
):
    submission = make_submission(edition, author, track=tracks[0])
    response = _invite(login(author), submission)
    assert response.status_code == 302
    co = db.session.scalar(sa.select(CoSpeaker))
    assert co.email == "co@example.org" and co.confirmed_at is None
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.to == "co@example.org"
    assert submission.title in message.subject
    path = _link_from_outbox()

    invited = make_user("co@example.org", full_name="Cora Co")
    client = login(invited)
    # Before confirming: no access to the submission itself.
    assert client.get(f"/2027/me/submissions/{submission.id}").status_code == 404
    page = client.get(path)
    assert page.status_code == 200 and "Confirm" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CoSpeaker, co.id).confirmed_at is None  # GET changes nothing

    response = client.post(path)
    assert response.status_code == 302
    db.session.expire_all()
    co = db.session.get(CoSpeaker, co.id)
    assert co.user_id == invited.id and co.confirmed_at is not None
    assert client.get(f"/2027/me/submissions/{submission.id}").status_code == 200
    mine = client.get("/2027/me/submissions").get_data(as_text=True)
    assert submission.title in mine and "Co-speaker" in mine
    assert [e.action for e in audit_actions("co_speaker.")] == [
        "co_speaker.invited",
        "co_speaker.confirmed",
    ]
    # Confirming again is harmless.
    assert client.post(path).status_code == 302


def test_invitation_mail_is_delivered_over_smtp(login, edition, author, tracks, smtp_server):
    from conference.mail import send_pending

    submission = make_submission(edition, author, track=tracks[0])
    _invite(login(author), submission)
    send_pending()
    messages = smtp_server.wait_for(1)
    assert messages and messages[0]["To"] == "co@example.org"
    text = messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "http://conference.test/2027/invitations/" in text


def test_wrong_account_is_refused_and_nothing_changes(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    co = add_co_speaker(submission, email="invited@example.org", confirmed=False)
    token = invitation_token(co)
    before = snapshot(submission)
    intruder = make_user("intruder@example.org")
    client = login(intruder)
    for method in (client.get, client.post):
        response = method(f"/2027/invitations/{token}")
        assert response.status_code == 403
        assert "another e-mail address" in response.get_data(as_text=True)
    # Not even the author may confirm on the co-speaker's behalf.
    assert login(author).post(f"/2027/invitations/{token}").status_code == 403
    assert snapshot(submission) == before
    assert client.get(f"/2027/me/submissions/{submission.id}").status_code == 404


def test_anonymous_is_sent_to_login_with_the_link_kept(client, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    co = add_co_speaker(submission, email="invited@example.org", confirmed=False)
    token = invitation_token(co)
    response = client.get(f"/2027/invitations/{token}")
    assert response.status_code == 302
    assert (
        "/login" in response.headers["Location"] and "invitations" in response.headers["Location"]
    )


def test_tampered_or_garbage_tokens_are_refused(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    co = add_co_speaker(submission, email="invited@example.org", confirmed=False)
    invited = make_user("invited@example.org")
    client = login(invited)
    token = invitation_token(co)
    for bad in (token[:-2] + "xx", "nonsense", "a" * 600, "%00"):
        response = client.post(f"/2027/invitations/{bad}")
        assert response.status_code in (400, 404), bad
    db.session.expire_all()
    assert db.session.get(CoSpeaker, co.id).confirmed_at is None


def test_removed_invitation_no_longer_works(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    co = add_co_speaker(submission, email="invited@example.org", confirmed=False)
    token = invitation_token(co)
    response = confirm_post(
        login(author), f"/2027/me/submissions/{submission.id}/co-speakers/{co.id}/remove"
    )
    assert response.status_code == 302
    invited = make_user("invited@example.org")
    response = login(invited).post(f"/2027/invitations/{token}")
    assert response.status_code == 404
    assert "withdrawn" in response.get_data(as_text=True)


def test_invitation_to_a_withdrawn_submission_cannot_be_confirmed(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0], state="withdrawn")
    co = add_co_speaker(submission, email="invited@example.org", confirmed=False)
    invited = make_user("invited@example.org")
    response = login(invited).post(f"/2027/invitations/{invitation_token(co)}")
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(CoSpeaker, co.id).confirmed_at is None


def test_unverified_account_must_verify_first(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    co = add_co_speaker(submission, email="invited@example.org", confirmed=False)
    invited = make_user("invited@example.org", verified=False)
    response = login(invited).post(f"/2027/invitations/{invitation_token(co)}")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(CoSpeaker, co.id).confirmed_at is None


def test_bad_invitations_are_refused(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    client = login(author)
    assert _invite(client, submission, email="not an address").status_code == 400
    assert _invite(client, submission, email="").status_code == 400
    assert _invite(client, submission, email="x" * 300 + "@example.org").status_code == 400
    assert _invite(client, submission, email=author.email.upper()).status_code == 400
    assert _invite(client, submission, email="one@example.org").status_code == 302
    assert _invite(client, submission, email="ONE@example.org").status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoSpeaker)) == 1


def test_at_most_ten_co_speakers(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    client = login(author)
    for i in range(10):
        assert _invite(client, submission, email=f"p{i}@example.org").status_code == 302
    assert _invite(client, submission, email="p10@example.org").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoSpeaker)) == 10


def test_only_the_author_removes_co_speakers(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    co_user = make_user("co@example.org")
    co = add_co_speaker(submission, co_user)
    other = add_co_speaker(submission, email="other@example.org", confirmed=False)
    before = snapshot(submission)
    path = f"/2027/me/submissions/{submission.id}/co-speakers/{other.id}/remove"
    assert login(co_user).post(path).status_code == 403
    assert login(make_user("x@example.org")).post(path).status_code == 404
    assert snapshot(submission) == before
    # A co-speaker id of another submission is not found on this one.
    second = make_submission(edition, author, track=tracks[0], title="Second")
    response = login(author).post(f"/2027/me/submissions/{second.id}/co-speakers/{co.id}/remove")
    assert response.status_code == 404
    assert snapshot(submission) == before


def test_co_speaker_sees_names_but_not_emails(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    co_user = make_user("co@example.org", full_name="Cora Co")
    add_co_speaker(submission, co_user)
    add_co_speaker(submission, email="secret-invitee@example.org", confirmed=False)
    html = login(co_user).get(f"/2027/me/submissions/{submission.id}").get_data(as_text=True)
    assert "Cora Co" in html
    assert "secret-invitee@example.org" not in html
    author_html = login(author).get(f"/2027/me/submissions/{submission.id}").get_data(as_text=True)
    assert "secret-invitee@example.org" in author_html
