"""After acceptance: confirming the talk, the organisers' list, the slot on the submission page,
files uploaded to a submission and the reviewers' blinded copy."""

from __future__ import annotations

import io

import sqlalchemy as sa
from pypdf import PdfReader

from conference.db import utcnow
from conference.extensions import db
from conference.programme.speaker_models import SessionMaterial
from conference.submissions import services
from conference.submissions.models import Submission
from tests.factories import make_user
from tests.programme.factories import make_room, make_session
from tests.review.factories import assign, make_chair, make_reviewer, make_submission
from tests.speakers.helpers import pdf_bytes, pptx_bytes


def accepted(edition, author, **values) -> Submission:
    submission = make_submission(edition, author=author, title="Export controls in labs")
    submission.decision = values.get("decision", "accepted")
    submission.decided_at = utcnow()
    submission.decision_published_at = utcnow() if values.get("published", True) else None
    db.session.commit()
    return submission


def _confirmed_at(submission):
    return db.session.scalar(
        sa.select(Submission.participation_confirmed_at).where(Submission.id == submission.id)
    )


def test_speaker_confirms_an_accepted_talk(login, edition, people):
    submission = accepted(edition, people["speaker"])
    client = login(people["speaker"])
    page = client.get(f"/2027/me/submissions/{submission.id}").get_data(as_text=True)
    assert "Confirm my participation" in page
    response = client.post(f"/2027/me/submissions/{submission.id}/confirm-participation")
    assert response.status_code == 303
    assert _confirmed_at(submission) is not None
    page = client.get(f"/2027/me/submissions/{submission.id}").get_data(as_text=True)
    assert "You confirmed your participation" in page
    again = client.post(f"/2027/me/submissions/{submission.id}/confirm-participation")
    assert again.status_code == 303


def test_unpublished_or_rejected_talks_cannot_be_confirmed(login, edition, people):
    for values in ({"published": False}, {"decision": "rejected"}):
        submission = accepted(edition, people["speaker"], **values)
        client = login(people["speaker"])
        client.post(f"/2027/me/submissions/{submission.id}/confirm-participation")
        assert _confirmed_at(submission) is None


def test_others_cannot_confirm(login, edition, people):
    submission = accepted(edition, people["speaker"])
    for who in ("cleared", "organiser"):
        response = login(people[who]).post(
            f"/2027/me/submissions/{submission.id}/confirm-participation"
        )
        assert response.status_code in (303, 404)
    assert _confirmed_at(submission) is None


def test_unconfirmed_speakers_lists_accepted_published_unconfirmed_talks(edition, people):
    waiting = accepted(edition, people["speaker"])
    accepted(edition, people["speaker"], published=False)
    accepted(edition, people["speaker"], decision="rejected")
    done = accepted(edition, people["speaker"])
    done.participation_confirmed_at = utcnow()
    withdrawn = accepted(edition, people["speaker"])
    withdrawn.state = "withdrawn"
    db.session.commit()
    talks = services.unconfirmed_speakers(edition)
    assert [t.submission.id for t in talks] == [waiting.id]
    assert talks[0].speakers == (people["speaker"],)


def test_organisers_see_who_has_not_confirmed(login, edition, people):
    accepted(edition, people["speaker"])
    page = login(people["organiser"]).get("/2027/admin/submissions/unconfirmed")
    assert page.status_code == 200
    assert "Export controls in labs" in page.get_data(as_text=True)
    assert "speaker@example.org" in page.get_data(as_text=True)
    assert login(people["cleared"]).get("/2027/admin/submissions/unconfirmed").status_code == 403


def test_submission_page_shows_when_and_where_the_talk_is(login, edition, people, category):
    submission = accepted(edition, people["speaker"])
    client = login(people["speaker"])
    assert "not in the programme yet" in client.get(
        f"/2027/me/submissions/{submission.id}"
    ).get_data(as_text=True)
    room = make_room(edition, name="Hall Spaak")
    make_session(
        edition,
        title="Panel on labs",
        room_id=room.id,
        submission_id=submission.id,
        speakers=[people["speaker"]],
        hour=14,
    )
    page = client.get(f"/2027/me/submissions/{submission.id}").get_data(as_text=True)
    assert "Panel on labs" in page and "Hall Spaak" in page and "14:00" in page


def test_restricted_slot_hides_the_room_until_the_speaker_is_accredited(login, edition, category):
    speaker = make_user("unaccredited@example.org")
    submission = accepted(edition, speaker)
    room = make_room(edition, name="Secret room")
    make_session(
        edition,
        title="Closed panel",
        room_id=room.id,
        submission_id=submission.id,
        speakers=[speaker],
        restricted_to=[category],
    )
    page = login(speaker).get(f"/2027/me/submissions/{submission.id}").get_data(as_text=True)
    assert "Secret room" not in page and "Closed panel" not in page
    assert "once your registration is accredited" in page


def _upload(client, submission, data=None, name="paper.pdf"):
    return client.post(
        f"/2027/me/submissions/{submission.id}/materials",
        data={
            "title": "Full paper",
            "kind": "document",
            "file": (io.BytesIO(data or pdf_bytes()), name),
        },
        content_type="multipart/form-data",
    )


def test_reviewers_get_the_submissions_pdf_without_its_metadata(login, edition, people):
    author = make_user("alice@example.org", full_name="Alice Author")
    submission = make_submission(edition, author=author, title="Blind paper")
    assert _upload(login(author), submission, pdf_bytes(author="Alice Author")).status_code == 303
    _upload(login(author), submission, pptx_bytes(), name="Alice-slides.pptx")
    reviewer = make_reviewer(edition)
    assign(submission, reviewer)
    client = login(reviewer)
    page = client.get(f"/2027/review/submissions/{submission.id}").get_data(as_text=True)
    assert "Alice" not in page
    assert "File 1 (PDF)" in page and "File 2" not in page  # PDFs only
    material = db.session.scalar(
        sa.select(SessionMaterial).where(SessionMaterial.content_type == "application/pdf")
    )
    response = client.get(f"/2027/review/submissions/{submission.id}/files/{material.id}")
    assert response.status_code == 200
    assert b"Alice" not in response.data
    assert PdfReader(io.BytesIO(response.data)).metadata in (None, {})
    assert "submission-" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"].startswith("private")
    # the speaker-side URL is not theirs
    other = client.get(f"/2027/me/submissions/{submission.id}/materials/{material.id}")
    assert other.status_code == 404


def test_unassigned_or_conflicted_people_cannot_fetch_reviewers_files(login, edition, people):
    author = make_user("alice@example.org", full_name="Alice Author")
    submission = make_submission(edition, author=author)
    _upload(login(author), submission)
    material = db.session.scalar(sa.select(SessionMaterial))
    url = f"/2027/review/submissions/{submission.id}/files/{material.id}"
    assert login(make_reviewer(edition)).get(url).status_code == 404
    assert login(people["cleared"]).get(url).status_code == 404
    assert login(make_chair(edition)).get(url).status_code == 200


def test_reviewers_blinded_view_never_shows_speaker_profiles(login, edition, people):
    author = people["speaker"]
    login(author).post(
        "/2027/me/speaker-profile",
        data={"biography": "Biography of Sam", "organisation": "Uni S", "position": "Prof"},
    )
    submission = make_submission(edition, author=author)
    reviewer = make_reviewer(edition)
    assign(submission, reviewer)
    page = login(reviewer).get(f"/2027/review/submissions/{submission.id}").get_data(as_text=True)
    assert "Biography of Sam" not in page and "Sam Speaker" not in page


def test_submission_files_show_on_the_session_once_placed(login, client, edition, people):
    submission = accepted(edition, people["speaker"])
    speaker = login(people["speaker"])
    assert _upload(speaker, submission).status_code == 303
    material = db.session.scalar(sa.select(SessionMaterial))
    assert material.session_id is None
    assert client.get(f"/2027/materials/{material.id}").status_code in (302, 401, 404)
    session = make_session(
        edition, title="Talk", submission_id=submission.id, speakers=[people["speaker"]]
    )
    assert "Full paper" in client.get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert client.get(f"/2027/materials/{material.id}").status_code == 200


def test_withdrawn_submissions_and_strangers_cannot_upload(login, edition, people):
    submission = accepted(edition, people["speaker"])
    assert _upload(login(people["cleared"]), submission).status_code == 404
    submission.state = "withdrawn"
    db.session.commit()
    assert _upload(login(people["speaker"]), submission).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionMaterial)) == 0
