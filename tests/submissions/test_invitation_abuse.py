"""Co-speaker invitations cannot be used to mail an address without limit: mails are
throttled per sender and per recipient, and the invited address can decline and block."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from conference.db import freeze, utcnow
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.submissions.models import CoSpeaker, InvitationBlock
from tests.confirming import confirm_post
from tests.factories import make_user
from tests.submissions.conftest import add_co_speaker, audit_actions, make_submission, snapshot


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "MAIL_LIMIT_PER_SENDER": "3 per hour",
        "MAIL_LIMIT_PER_RECIPIENT": "2 per day",
    }


def _invite(client, submission, email="co@example.org"):
    return client.post(
        f"/2027/me/submissions/{submission.id}/co-speakers", data={"email": email, "name": ""}
    )


def _remove_all(client, submission):
    for co in db.session.scalars(
        sa.select(CoSpeaker).where(CoSpeaker.submission_id == submission.id)
    ):
        url = f"/2027/me/submissions/{submission.id}/co-speakers/{co.id}/remove"
        assert confirm_post(client, url).status_code == 302


def _mails(to=None, template="submissions_co_speaker_invitation") -> list[OutboxMessage]:
    stmt = sa.select(OutboxMessage).where(OutboxMessage.template == template)
    if to:
        stmt = stmt.where(OutboxMessage.to == to)
    return list(db.session.scalars(stmt.order_by(OutboxMessage.id)))


def _decline_path(message: OutboxMessage) -> str:
    match = re.search(r"http://conference\.test(/2027/invitations/\S+/decline)", message.text_body)
    assert match, message.text_body
    return match.group(1)


# --- throttling ----------------------------------------------------------------------------


def test_invitations_are_throttled_per_sender(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    client = login(author)
    for n in range(3):
        assert _invite(client, submission, f"person{n}@example.org").status_code == 302
    before = snapshot(submission)
    response = _invite(client, submission, "person9@example.org")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "You have sent too many invitations recently. Please try again in 60 minutes." in page
    assert 3500 < int(response.headers["Retry-After"]) <= 3600
    assert snapshot(submission) == before
    assert len(_mails()) == 3
    # An hour later the author may invite again.
    freeze(utcnow() + dt.timedelta(minutes=61))
    assert _invite(client, submission, "person9@example.org").status_code == 302
    assert len(_mails()) == 4


def test_invite_remove_reinvite_is_throttled_per_recipient(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    client = login(author)
    for _ in range(2):
        assert _invite(client, submission, "victim@example.org").status_code == 302
        _remove_all(client, submission)
    before = snapshot(submission)
    response = _invite(client, submission, "Victim@example.org")
    assert response.status_code == 429
    assert "victim@example.org has received too many invitations recently" in (
        response.get_data(as_text=True)
    )
    assert snapshot(submission) == before
    assert len(_mails(to="victim@example.org")) == 2
    # Another author cannot mail the same address either: the limit is per recipient.
    other = make_user("other-author@example.org")
    other_submission = make_submission(edition, other, track=tracks[0], title="Another")
    response = _invite(login(other), other_submission, "victim@example.org")
    assert response.status_code == 429
    assert len(_mails(to="victim@example.org")) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoSpeaker)) == 0


def test_mails_of_the_application_do_not_count_against_the_throttle(
    app, login, edition, author, tracks
):
    from conference import mail

    for _ in range(5):
        mail.queue(
            "victim@example.org",
            "submissions_submitted",
            "Hello",
            edition=edition,
            submission=make_submission(edition, author),
            link="x",
        )
    db.session.commit()
    submission = make_submission(edition, author, track=tracks[0], title="Mine")
    assert _invite(login(author), submission, "victim@example.org").status_code == 302


# --- declining and blocking ----------------------------------------------------------------


def test_invited_address_declines_without_an_account(client, login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    _invite(login(author), submission)
    path = _decline_path(_mails()[0])
    page = client.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Decline the invitation" in text and 'name="block"' in text
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(CoSpeaker)) == 1
    )  # GET: no change

    response = client.post(path, data={})
    assert response.status_code == 200
    assert "Invitation declined" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoSpeaker)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InvitationBlock)) == 0
    [entry] = audit_actions("co_speaker.declined")
    assert entry.details == {"email": "co@example.org", "blocked": False}
    [told] = _mails(to=author.email, template="submissions_co_speaker_declined")
    assert submission.title in told.text_body
    # The link is used up; a second answer is a clear 404, not a 500.
    assert client.post(path, data={}).status_code == 404
    # Not blocked: the author may invite again.
    assert _invite(login(author), submission).status_code == 302


def test_decline_and_block_refuses_further_invitations(client, login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    author_client = login(author)
    _invite(author_client, submission)
    response = client.post(_decline_path(_mails()[0]), data={"block": "y"})
    assert response.status_code == 200
    assert "will not be invited to this submission again" in response.get_data(as_text=True)
    db.session.expire_all()
    [block] = db.session.scalars(sa.select(InvitationBlock))
    assert (block.submission_id, block.email) == (submission.id, "co@example.org")
    assert audit_actions("co_speaker.declined")[0].details["blocked"] is True

    before, mails_before = snapshot(submission), len(_mails())
    response = _invite(author_client, submission, "CO@example.org")
    assert response.status_code == 409
    assert "asked not to be invited to it again" in response.get_data(as_text=True)
    assert snapshot(submission) == before
    assert len(_mails()) == mails_before
    # The block is for that submission only.
    other = make_submission(edition, author, track=tracks[0], title="Another one")
    assert _invite(author_client, other).status_code == 302


def test_invitation_page_has_a_decline_button(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    _invite(login(author), submission)
    invited = make_user("co@example.org")
    client = login(invited)
    decline = _decline_path(_mails()[0])
    page = client.get(decline.removesuffix("/decline")).get_data(as_text=True)
    assert "Decline the invitation" in page
    assert f'action="{decline}"' in page
    response = client.post(decline, data={"block": "y"})
    assert response.status_code == 200
    assert [e.actor_id for e in audit_actions("co_speaker.declined")] == [invited.id]


def test_confirmed_co_speaker_cannot_decline_by_link(client, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    co = add_co_speaker(submission, make_user("co@example.org"))
    from conference.submissions.services import invitation_token

    before = snapshot(submission)
    response = client.post(f"/2027/invitations/{invitation_token(co)}/decline", data={})
    assert response.status_code == 409
    assert snapshot(submission) == before
    assert audit_actions("co_speaker.declined") == []


@pytest.mark.parametrize("token", ["nonsense", "x" * 600])
def test_bad_decline_links_are_a_clear_4xx(client, edition, token):
    for method in (client.get, client.post):
        response = method(f"/2027/invitations/{token}/decline")
        assert response.status_code in {400, 404}
