"""Publishing decisions asks first: it lists every recipient and previews the mails as they
will be sent; the unconfirmed or stale POST publishes nothing and sends nothing."""

from __future__ import annotations

import html

import sqlalchemy as sa

from conference.extensions import db
from conference.mail import OutboxMessage
from conference.submissions.models import Submission
from tests.confirming import confirm_post, confirm_token
from tests.review.conftest import AUTHOR_EMAIL, AUTHOR_NAME, CO_EMAIL, CO_NAME, UNCONFIRMED_EMAIL
from tests.review.factories import assign, make_review, make_submission

PUBLISH = "/2027/review/chair/publish"


def _decide(chair, submission, decision):
    url = f"/2027/review/chair/submissions/{submission.id}/decision"
    assert chair.post(url, data={"decision": decision}).status_code == 302


def _mails() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage)))


def _published(submission) -> bool:
    db.session.expire_all()
    return db.session.get(Submission, submission.id).decision_published_at is not None


def test_publication_page_lists_recipients_and_previews_the_mails(world, login):
    assign(world.submission, world.reviewer)
    make_review(
        world.submission,
        world.reviewer,
        comments_to_authors="Please shorten the introduction.",
        confidential_comments="TOP SECRET committee remark",
    )
    other = make_submission(world.edition, title="Second study", author=world.co_user)
    chair = login(world.chair)
    _decide(chair, world.submission, "accepted")
    _decide(chair, other, "rejected")

    response = chair.post(PUBLISH)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(PUBLISH)
    assert _mails() == [] and not _published(world.submission) and not _published(other)

    page = html.unescape(chair.get(PUBLISH).get_data(as_text=True))
    assert "Publish 2 decisions and mail the speakers?" in page
    assert "1 accepted, 1 rejected" in page
    # every recipient, with the submission and decision
    assert f"{AUTHOR_NAME} <{AUTHOR_EMAIL}>" in page
    assert f"{CO_NAME} <{CO_EMAIL}>" in page
    assert "Securing open laboratories — Accepted" in page
    assert "Second study — Rejected" in page
    assert UNCONFIRMED_EMAIL not in page  # not a speaker until confirmed
    # the mails as they will be sent: one of each decision at least
    assert page.count('class="confirmation-mail"') == 3
    assert "Please shorten the introduction." in page
    assert "TOP SECRET" not in page
    assert "Publish and send 3 mails" in page
    assert _mails() == []

    assert confirm_post(chair, PUBLISH).status_code == 302
    assert sorted(m.to for m in _mails()) == sorted([AUTHOR_EMAIL, CO_EMAIL, CO_EMAIL])
    assert _published(world.submission) and _published(other)


def test_a_confirmation_is_refused_when_the_decisions_changed_since(world, login):
    other = make_submission(world.edition, title="Second study")
    chair = login(world.chair)
    _decide(chair, world.submission, "accepted")
    token = confirm_token(chair, PUBLISH)
    _decide(chair, other, "rejected")  # one more decision to publish now
    response = chair.post(PUBLISH, data={"confirm": "yes", "confirm_token": token})
    assert response.status_code == 409
    assert "Second study" in response.get_data(as_text=True)
    assert _mails() == [] and not _published(world.submission)
    # a decision changed back and forth to another value is refused too
    token = confirm_token(chair, PUBLISH)
    _decide(chair, world.submission, "waitlisted")
    response = chair.post(PUBLISH, data={"confirm": "yes", "confirm_token": token})
    assert response.status_code == 409
    assert _mails() == []


def test_publishing_the_selected_confirms_only_those(world, login):
    other = make_submission(world.edition, title="Second study")
    chair = login(world.chair)
    _decide(chair, world.submission, "accepted")
    _decide(chair, other, "rejected")
    data = {"scope": "selected", "submission_ids": [other.id]}
    response = chair.post(PUBLISH, data=data)
    assert response.status_code == 303
    assert "scope=selected" in response.headers["Location"]
    page = chair.get(response.headers["Location"]).get_data(as_text=True)
    assert "Publish 1 decision and mail the speakers?" in page
    assert "Second study" in page and "Securing open laboratories" not in page
    # the token of the selection does not publish everything
    token = confirm_token(chair, PUBLISH, data)
    response = chair.post(PUBLISH, data={"confirm": "yes", "confirm_token": token})
    assert response.status_code == 409
    assert _mails() == [] and not _published(world.submission)
    assert confirm_post(chair, PUBLISH, data).status_code == 302
    assert _published(other) and not _published(world.submission)


def test_nothing_to_publish_offers_no_button(world, login):
    page = login(world.chair).get(PUBLISH).get_data(as_text=True)
    assert "There are no decided, unpublished decisions here." in page
    assert "Publish and send" not in page


def test_reviewers_do_not_see_the_preview(world, login):
    chair = login(world.chair)
    _decide(chair, world.submission, "accepted")
    response = login(world.reviewer).get(PUBLISH)
    assert response.status_code == 403
    assert AUTHOR_EMAIL not in response.get_data(as_text=True)
