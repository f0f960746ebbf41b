"""The speaker's view (pages and JSON): state, and the decision only once it is published."""

from __future__ import annotations

from flask import render_template_string

from conference.db import utcnow
from conference.extensions import db
from conference.review.models import Review
from tests.factories import bearer, make_edition, make_user
from tests.submissions.conftest import add_co_speaker, make_submission


def _review(submission, reviewer, *, to_authors, confidential, submitted=True):
    review = Review(
        edition_id=submission.edition_id,
        submission_id=submission.id,
        reviewer_id=reviewer.id,
        relevance=4,
        quality=3,
        originality=5,
        recommendation="accept",
        comments_to_authors=to_authors,
        confidential_comments=confidential,
        submitted_at=utcnow() if submitted else None,
    )
    db.session.add(review)
    db.session.commit()
    return review


def _decided(edition, author, tracks, types, *, published: bool):
    submission = make_submission(
        edition, author, track=tracks[0], type_=types[0], state="submitted",
        title="Decided one", decision="accepted", decided_at=utcnow(),
        decision_published_at=utcnow() if published else None,
    )  # fmt: skip
    reviewer = make_user("rev-one@example.org", full_name="Rudolf Reviewername")
    _review(submission, reviewer, to_authors="Nice framing of the problem.",
            confidential="CONFIDENTIAL: weak methods")  # fmt: skip
    other = make_user("rev-two@example.org", full_name="Greta Secretreviewer")
    _review(submission, other, to_authors="DRAFT comment not yet submitted",
            confidential="", submitted=False)  # fmt: skip
    return submission


def test_unpublished_decision_shows_under_review(login, edition, author, tracks, types):
    submission = _decided(edition, author, tracks, types, published=False)
    client = login(author)
    for path in ("/2027/me/submissions", f"/2027/me/submissions/{submission.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "under review" in html
        assert "Accepted" not in html and "Nice framing" not in html
    data = client.get(f"/api/v1/editions/2027/me/submissions/{submission.id}").get_json()
    assert data["decision"] is None and data["status"] == "Submitted – under review"
    listing = client.get("/api/v1/editions/2027/me/submissions").get_json()
    assert listing["submissions"][0]["decision"] is None


def test_published_decision_shows_comments_to_authors_only(login, edition, author, tracks, types):
    submission = _decided(edition, author, tracks, types, published=True)
    client = login(author)
    html = client.get(f"/2027/me/submissions/{submission.id}").get_data(as_text=True)
    assert "Accepted" in html and "Nice framing of the problem." in html
    for secret in ("CONFIDENTIAL", "Rudolf", "Reviewername", "Greta", "rev-one@", "DRAFT comment"):
        assert secret not in html, secret
    mine = client.get("/2027/me/submissions").get_data(as_text=True)
    assert "Accepted" in mine
    data = client.get(f"/api/v1/editions/2027/me/submissions/{submission.id}").get_json()
    assert data["decision"]["decision"] == "accepted"
    assert data["decision"]["comments_to_authors"] == ["Nice framing of the problem."]
    text = str(data)
    for secret in ("CONFIDENTIAL", "Rudolf", "Greta", "rev-one@", "DRAFT"):
        assert secret not in text, secret


def test_co_speaker_sees_the_published_decision_too(login, edition, author, tracks, types):
    submission = _decided(edition, author, tracks, types, published=True)
    co = make_user("co@example.org")
    add_co_speaker(submission, co)
    data = login(co).get("/api/v1/editions/2027/me/submissions").get_json()
    assert [(s["id"], s["role"]) for s in data["submissions"]] == [(submission.id, "co_speaker")]
    assert data["submissions"][0]["decision"]["decision"] == "accepted"


def test_api_lists_only_the_callers_submissions(client, edition, author, tracks, types):
    own = make_submission(edition, author, track=tracks[0], type_=types[0], title="Mine")
    stranger = make_user("stranger@example.org")
    theirs = make_submission(edition, stranger, track=tracks[0], title="Theirs")
    co = add_co_speaker(theirs, email="unconfirmed@example.org", confirmed=False)
    assert co.id
    headers = bearer(author)
    data = client.get("/api/v1/editions/2027/me/submissions", headers=headers).get_json()
    assert [s["title"] for s in data["submissions"]] == ["Mine"]
    first = data["submissions"][0]
    assert first["role"] == "author" and first["words"] == 3
    assert first["type"]["max_words"] == 10 and first["track"]["name"] == "Policy"
    assert first["created_at"].endswith(("+01:00", "+02:00"))  # edition time zone
    detail = client.get(f"/api/v1/editions/2027/me/submissions/{own.id}", headers=headers)
    assert detail.status_code == 200
    response = client.get(f"/api/v1/editions/2027/me/submissions/{theirs.id}", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_api_needs_authentication_and_the_right_edition(client, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    response = client.get("/api/v1/editions/2027/me/submissions")
    assert response.status_code == 401 and "error" in response.get_json()
    response = client.get(f"/api/v1/editions/2027/me/submissions/{submission.id}")
    assert response.status_code == 401
    make_edition(2028)
    headers = bearer(author)
    response = client.get(f"/api/v1/editions/2028/me/submissions/{submission.id}", headers=headers)
    assert response.status_code == 404
    assert client.get("/api/v1/editions/2031/me/submissions", headers=headers).status_code == 404
    big = "/api/v1/editions/2027/me/submissions/99999999999999999999"
    assert client.get(big, headers=headers).status_code == 404


def test_api_hides_invitees_emails_from_co_speakers(client, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0])
    co = make_user("co@example.org", full_name="Cora Co")
    add_co_speaker(submission, co)
    add_co_speaker(submission, email="hidden@example.org", confirmed=False)
    as_co = client.get(
        f"/api/v1/editions/2027/me/submissions/{submission.id}", headers=bearer(co)
    ).get_json()
    assert as_co["co_speakers"] == [{"name": "Cora Co", "confirmed": True}]
    as_author = client.get(
        f"/api/v1/editions/2027/me/submissions/{submission.id}", headers=bearer(author)
    ).get_json()
    assert {c["email"] for c in as_author["co_speakers"]} == {
        "co@example.org",
        "hidden@example.org",
    }


def test_openapi_document_describes_the_speaker_api(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/editions/{year}/me/submissions" in spec["paths"]
    assert "/editions/{year}/me/submissions/{submission_id}" in spec["paths"]
    assert "MySubmission" in spec["components"]["schemas"]


def test_me_summary_template_and_global(app, login, edition, author, tracks):
    from flask_login import login_user

    submission = make_submission(edition, author, track=tracks[0], title="Summary title")
    with app.test_request_context("/2027/me"):
        login_user(author)
        html = render_template_string('{% include "submissions/_me.html" %}', edition=edition)
    assert "Summary title" in html and f"/2027/me/submissions/{submission.id}" in html
    assert "Draft" in html


def test_mine_page_lists_role_and_state(login, edition, author, tracks, types):
    make_submission(edition, author, track=tracks[0], type_=types[0], title="Drafty")
    make_submission(edition, author, track=tracks[0], type_=types[0], title="Sent",
                    state="submitted")  # fmt: skip
    make_submission(edition, author, title="Gone", state="withdrawn")
    html = login(author).get("/2027/me/submissions").get_data(as_text=True)
    for text in ("Drafty", "Sent", "Gone", "Draft (not submitted)", "under review", "Withdrawn"):
        assert text in html
    assert login(make_user("nobody@example.org")).get("/2027/me/submissions").status_code == 200


def test_accepted_abstracts_page_shows_only_published_acceptances(
    client, edition, author, tracks, types
):
    make_submission(edition, author, track=tracks[0], type_=types[0], state="submitted",
                    title="Published accept", decision="accepted",
                    decision_published_at=utcnow())  # fmt: skip
    make_submission(edition, author, track=tracks[0], state="submitted",
                    title="Unpublished accept", decision="accepted")  # fmt: skip
    make_submission(edition, author, track=tracks[0], state="submitted",
                    title="Published reject", decision="rejected",
                    decision_published_at=utcnow())  # fmt: skip
    html = client.get("/2027/abstracts").get_data(as_text=True)
    assert "Published accept" in html and "Alice Author" in html
    assert "Unpublished accept" not in html and "Published reject" not in html
    assert "Accepted abstracts (1)" in client.get("/2027/call").get_data(as_text=True)


def test_me_page_includes_the_submissions_summary(login, edition, author, tracks):
    submission = make_submission(edition, author, track=tracks[0], title="On my page")
    response = login(author).get("/2027/me")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "On my page" in html and f"/2027/me/submissions/{submission.id}" in html
