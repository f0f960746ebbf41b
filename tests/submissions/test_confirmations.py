"""Confirmation steps in the call: removing a submission type, removing a co-speaker."""

from __future__ import annotations

from conference.extensions import db
from conference.submissions.models import CoSpeaker, SubmissionType
from tests.confirming import confirm_post
from tests.factories import make_user
from tests.submissions.conftest import add_co_speaker, make_submission, snapshot


def test_removing_a_type_needs_confirmation(login, edition, organiser, types):
    client = login(organiser)
    url = f"/2027/admin/call/types/{types[1].id}/delete"
    response = client.post(url)
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    assert db.session.get(SubmissionType, types[1].id) is not None
    page = client.get(url).get_data(as_text=True)
    assert "Remove the submission type “Poster”?" in page
    assert f'<form method="get" action="{url}"' in client.get("/2027/admin/call").get_data(
        as_text=True
    )
    assert confirm_post(client, url).status_code == 302
    db.session.expire_all()
    assert db.session.get(SubmissionType, types[1].id) is None


def test_removing_a_co_speaker_names_them_and_needs_confirmation(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0], title="Open labs")
    co = add_co_speaker(submission, make_user("cora@example.org", full_name="Cora Co"))
    before = snapshot(submission)
    client = login(author)
    url = f"/2027/me/submissions/{submission.id}/co-speakers/{co.id}/remove"
    response = client.post(url)
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    assert snapshot(submission) == before
    assert db.session.get(CoSpeaker, co.id) is not None
    page = client.get(url).get_data(as_text=True)
    assert "Remove Cora Co from “Open labs”?" in page
    assert "cora@example.org" in page and "no longer a speaker" in page
    shown = client.get(f"/2027/me/submissions/{submission.id}").get_data(as_text=True)
    assert f'<form method="get" action="{url}"' in shown
    assert confirm_post(client, url).status_code == 302
    db.session.expire_all()
    assert db.session.get(CoSpeaker, co.id) is None


def test_pending_invitation_removal_says_the_link_stops_working(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    co = add_co_speaker(submission, email="invited@example.org", confirmed=False)
    url = f"/2027/me/submissions/{submission.id}/co-speakers/{co.id}/remove"
    page = login(author).get(url).get_data(as_text=True)
    assert "invitation to invited@example.org" in page and "stops working" in page


def test_co_speakers_cannot_reach_the_removal_step(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    co_user = make_user("co@example.org")
    co = add_co_speaker(submission, co_user)
    url = f"/2027/me/submissions/{submission.id}/co-speakers/{co.id}/remove"
    assert login(co_user).get(url).status_code == 403
    assert db.session.get(CoSpeaker, co.id) is not None
