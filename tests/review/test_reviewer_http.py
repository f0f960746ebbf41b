"""Reviewers through HTTP: blinding, conflicts, the review form, the deadline, other reviews."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conference.db import freeze, utcnow
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.review.models import Conflict, Review, ReviewAssignment
from tests.factories import bearer, make_edition, make_user
from tests.review.conftest import assert_blind
from tests.review.factories import (
    assign,
    make_review,
    make_reviewer,
    make_submission,
    set_phase,
)

REVIEW = {
    "relevance": "4",
    "quality": "3",
    "originality": "5",
    "recommendation": "weak_accept",
    "comments_to_authors": "Clear and useful.",
    "confidential_comments": "Borderline for the main track.",
}


def _reviews():
    return db.session.scalars(sa.select(Review)).all()


def test_reviewer_sees_no_author_identity_anywhere(world, login, client):
    # The chair runs the automatic assignment through HTTP (this mails the reviewers).
    chair = login(world.chair)
    page = chair.post("/2027/review/assign", data={"reviewers_per_submission": 2})
    assert page.status_code == 200
    pairs = [
        f"{world.submission.id}:{world.reviewer.id}",
        f"{world.submission.id}:{world.other_reviewer.id}",
    ]
    for pair in pairs:
        assert pair in page.get_data(as_text=True)
    saved = chair.post("/2027/review/assign/save", data={"pair": pairs})
    assert saved.status_code == 302
    # the other reviewer submits, so that our reviewer later sees another review
    make_review(world.submission, world.other_reviewer)
    set_phase(world.edition, "discussion")

    rita = login(world.reviewer)
    sid = world.submission.id
    texts = []
    for url in [
        "/2027/review",
        f"/2027/review/submissions/{sid}",
        "/2027/review/conflicts",
        "/2027/review/expertise",
        "/2027/review/export.csv",
    ]:
        response = rita.get(url)
        assert response.status_code == 200, url
        texts.append(response.get_data(as_text=True))
    assert "Securing open laboratories" in texts[0]
    export = rita.get("/2027/review/export.csv")
    assert "Securing open laboratories" in export.get_data(as_text=True)
    texts.append(export.headers["Content-Disposition"])
    # submit the review, then the page shows the other reviews: still blind
    response = rita.post(f"/2027/review/submissions/{sid}", data={**REVIEW, "submit_review": "1"})
    assert response.status_code == 302
    page = rita.get(f"/2027/review/submissions/{sid}").get_data(as_text=True)
    assert "Secret committee note." in page  # the other review is visible now
    assert "Otto Other" not in page  # reviewers are labelled, not named
    texts.append(page)
    headers = bearer(world.reviewer)
    for url in [
        "/api/v1/editions/2027/review/assignments",
        f"/api/v1/editions/2027/review/submissions/{sid}",
        f"/api/v1/editions/2027/review/submissions/{sid}/review",
    ]:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        texts.append(response.get_data(as_text=True))
        assert "Content-Disposition" not in response.headers
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to == world.reviewer.email)
    ).all()
    assert mails, "the reviewer is told about the assignment"
    texts += [m.subject + m.text_body + (m.html_body or "") for m in mails]
    for text in texts:
        assert_blind(text)


def test_chair_sees_the_speakers(world, login):
    page = login(world.chair).get(f"/2027/review/chair/submissions/{world.submission.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for needle in [
        "Zelda Quintessa-Author",
        "zelda.author@quintessa-institute.eu",
        "Quintessa Institute of Secrets",
        "Marek Cospeakovich",
    ]:
        assert needle in text


def test_declared_conflict_shuts_the_reviewer_out_everywhere(world, login, client):
    assign(world.submission, world.reviewer)
    make_review(world.submission, world.other_reviewer)
    sid = world.submission.id
    rita = login(world.reviewer)
    assert rita.get(f"/2027/review/submissions/{sid}").status_code == 200
    response = rita.post(f"/2027/review/conflicts/{sid}", data={"reason": "Former colleague"})
    assert response.status_code == 302
    assert (
        db.session.scalar(
            sa.select(ReviewAssignment).where(ReviewAssignment.reviewer_id == world.reviewer.id)
        )
        is None
    )
    before = len(_reviews())
    assert rita.get(f"/2027/review/submissions/{sid}").status_code == 403
    assert (
        rita.post(
            f"/2027/review/submissions/{sid}", data={**REVIEW, "submit_review": "1"}
        ).status_code
        == 403
    )
    headers = bearer(world.reviewer)
    for url in [
        f"/api/v1/editions/2027/review/submissions/{sid}",
        f"/api/v1/editions/2027/review/submissions/{sid}/review",
    ]:
        response = client.get(url, headers=headers)
        assert response.status_code == 403
        assert response.json["error"]["code"] == "forbidden"
    put = client.put(
        f"/api/v1/editions/2027/review/submissions/{sid}/review",
        json={"relevance": 3},
        headers=headers,
    )
    assert put.status_code == 403
    assert len(_reviews()) == before
    listing = client.get("/api/v1/editions/2027/review/assignments", headers=headers).json
    assert listing["assignments"] == []
    # and the chair cannot assign them again
    chair = login(world.chair)
    response = chair.post(
        f"/2027/review/chair/submissions/{sid}/assign", data={"reviewer_id": world.reviewer.id}
    )
    assert response.status_code == 409
    assert (
        db.session.scalar(
            sa.select(ReviewAssignment).where(ReviewAssignment.reviewer_id == world.reviewer.id)
        )
        is None
    )


def test_conflicted_reviewer_is_refused_even_with_a_stale_assignment(world, login):
    # A conflict row exists although an assignment slipped in: access is still refused.
    assign(world.submission, world.reviewer)
    db.session.add(
        Conflict(
            edition_id=world.edition.id,
            reviewer_id=world.reviewer.id,
            submission_id=world.submission.id,
            source="declared",
        )
    )
    db.session.commit()
    rita = login(world.reviewer)
    assert rita.get(f"/2027/review/submissions/{world.submission.id}").status_code == 403
    assert "Securing open laboratories" not in rita.get("/2027/review").get_data(as_text=True)


def test_automatic_conflicts_by_organisation_domain_and_co_speaker(world, login):
    edition = world.edition
    same_org = make_reviewer(edition, organisation="  quintessa institute OF secrets ")
    same_domain = make_reviewer(
        edition, email="someone@quintessa-institute.eu", organisation="Elsewhere"
    )
    co_by_email = make_reviewer(
        edition, email="pending.person@elsewhere-unconfirmed.net", organisation="X"
    )
    webmail_a = make_user("a.person@gmail.com", full_name="Gmail Author", organisation="Solo A")
    webmail_sub = make_submission(edition, author=webmail_a, track=world.tracks[1])
    webmail_reviewer = make_reviewer(edition, email="b.person@gmail.com", organisation="Solo B")
    chair = login(world.chair)
    response = chair.post("/2027/review/assign", data={"reviewers_per_submission": 5})
    assert response.status_code == 200
    conflicts = {
        (c.reviewer_id, c.submission_id): c.source for c in db.session.scalars(sa.select(Conflict))
    }
    sid = world.submission.id
    assert conflicts[(same_org.id, sid)] == "same_organisation"
    assert conflicts[(same_domain.id, sid)] == "same_domain"
    assert conflicts[(co_by_email.id, sid)] == "co_speaker"
    assert (webmail_reviewer.id, webmail_sub.id) not in conflicts
    text = response.get_data(as_text=True)
    for reviewer in (same_org, same_domain, co_by_email):
        assert f"{sid}:{reviewer.id}" not in text
    # Saving a proposal that names a conflicted reviewer is refused as a whole.
    before = db.session.scalar(sa.select(sa.func.count(ReviewAssignment.id)))
    response = chair.post(
        "/2027/review/assign/save",
        data={"pair": [f"{sid}:{world.reviewer.id}", f"{sid}:{same_org.id}"]},
    )
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(ReviewAssignment.id))) == before
    # the conflicted reviewer cannot open it even if assigned behind the system's back
    assign(world.submission, same_domain)
    assert login(same_domain).get(f"/2027/review/submissions/{sid}").status_code == 403


def test_reviewer_who_is_a_co_speaker_is_conflicted_without_any_conflict_row(world, login):
    grant_reviewer = make_reviewer(world.edition)
    sub = make_submission(
        world.edition, co_speakers=[(grant_reviewer.email, "Me", grant_reviewer, True)]
    )
    assign(sub, grant_reviewer)
    assert login(grant_reviewer).get(f"/2027/review/submissions/{sub.id}").status_code == 403


def test_unassigned_reviewer_and_other_people_get_403(world, login, client):
    sid = world.submission.id
    assert login(world.reviewer).get(f"/2027/review/submissions/{sid}").status_code == 403
    outsider = make_user()
    assert login(outsider).get("/2027/review").status_code == 403
    assert login(outsider).get(f"/2027/review/submissions/{sid}").status_code == 403
    assert client.get("/2027/review").status_code == 302  # to the login page
    assert client.get("/api/v1/editions/2027/review/assignments").status_code == 401
    # the author cannot review their own submission even as a reviewer
    assert login(world.author).get(f"/2027/review/submissions/{sid}").status_code == 403
    # unknown ids and other editions' submissions are 404
    other_edition = make_edition(2028)
    foreign = make_submission(other_edition)
    rita = login(world.reviewer)
    assert rita.get(f"/2027/review/submissions/{foreign.id}").status_code == 404
    assert rita.get("/2027/review/submissions/999999").status_code == 404


def test_draft_then_submit_and_validation(world, login):
    assign(world.submission, world.reviewer)
    sid = world.submission.id
    rita = login(world.reviewer)
    url = f"/2027/review/submissions/{sid}"
    response = rita.post(
        url, data={"relevance": "4", "comments_to_authors": "Half done", "save": "1"}
    )
    assert response.status_code == 302
    review = db.session.scalar(sa.select(Review))
    assert review.submitted_at is None and review.relevance == 4 and review.quality is None
    # submitting an incomplete review is refused and changes nothing
    response = rita.post(url, data={"relevance": "5", "submit_review": "1"})
    assert response.status_code == 400
    db.session.expire_all()
    review = db.session.scalar(sa.select(Review))
    assert review.submitted_at is None and review.relevance == 4
    for bad in (
        {"relevance": "9"},
        {"quality": "abc"},
        {"recommendation": "maybe"},
        {"comments_to_authors": "x" * 20_001},
    ):
        response = rita.post(url, data={**REVIEW, **bad, "submit_review": "1"})
        assert response.status_code == 400, bad
    db.session.expire_all()
    assert db.session.scalar(sa.select(Review)).submitted_at is None
    response = rita.post(
        url, data={**REVIEW, "comments_to_authors": "Très clair — 很好", "submit_review": "1"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    review = db.session.scalar(sa.select(Review))
    assert review.submitted_at is not None and review.recommendation == "weak_accept"
    assert review.comments_to_authors == "Très clair — 很好"
    page = rita.get("/2027/review").get_data(as_text=True)
    assert "submitted" in page and "1</strong> of <strong>1" in page


def test_other_reviews_only_after_submitting_ones_own(world, login, client):
    set_phase(world.edition, "discussion")
    assign(world.submission, world.reviewer)
    assign(world.submission, world.other_reviewer)
    make_review(
        world.submission, world.other_reviewer, confidential_comments="Only for the committee"
    )
    sid = world.submission.id
    rita = login(world.reviewer)
    page = rita.get(f"/2027/review/submissions/{sid}").get_data(as_text=True)
    assert "Only for the committee" not in page
    api = client.get(
        f"/api/v1/editions/2027/review/submissions/{sid}", headers=bearer(world.reviewer)
    ).json
    assert api["other_reviews"] == [] and api["other_reviews_visible"] is False
    rita.post(
        f"/2027/review/submissions/{sid}", data={**REVIEW, "save": "1"}
    )  # a draft is not enough
    assert "Only for the committee" not in rita.get(f"/2027/review/submissions/{sid}").get_data(
        as_text=True
    )
    rita.post(f"/2027/review/submissions/{sid}", data={**REVIEW, "submit_review": "1"})
    assert "Only for the committee" in rita.get(f"/2027/review/submissions/{sid}").get_data(
        as_text=True
    )
    api = client.get(
        f"/api/v1/editions/2027/review/submissions/{sid}", headers=bearer(world.reviewer)
    ).json
    assert [r["label"] for r in api["other_reviews"]] == ["Reviewer 2"]


def test_no_review_changes_after_the_deadline(world, login, client):
    assign(world.submission, world.reviewer)
    sid = world.submission.id
    rita = login(world.reviewer)
    rita.post(f"/2027/review/submissions/{sid}", data={**REVIEW, "save": "1"})
    freeze(world.edition.review_deadline + dt.timedelta(seconds=1))
    response = rita.post(
        f"/2027/review/submissions/{sid}", data={**REVIEW, "quality": "1", "submit_review": "1"}
    )
    assert response.status_code == 409
    headers = bearer(world.reviewer)
    response = client.put(
        f"/api/v1/editions/2027/review/submissions/{sid}/review",
        json={"quality": 1, "submit": True},
        headers=headers,
    )
    assert response.status_code == 409
    db.session.expire_all()
    review = db.session.scalar(sa.select(Review))
    assert review.quality == 3 and review.submitted_at is None
    page = rita.get(f"/2027/review/submissions/{sid}").get_data(as_text=True)
    assert "can no longer be changed" in page
    freeze(None)


def test_review_can_be_edited_until_the_deadline(world, login):
    assign(world.submission, world.reviewer)
    sid = world.submission.id
    rita = login(world.reviewer)
    rita.post(f"/2027/review/submissions/{sid}", data={**REVIEW, "submit_review": "1"})
    freeze(world.edition.review_deadline - dt.timedelta(minutes=1))
    response = rita.post(
        f"/2027/review/submissions/{sid}", data={**REVIEW, "quality": "1", "save": "1"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    review = db.session.scalar(sa.select(Review))
    assert review.quality == 1 and review.submitted_at is not None  # stays submitted
    freeze(None)


def test_api_put_review(world, client):
    assign(world.submission, world.reviewer)
    sid = world.submission.id
    headers = bearer(world.reviewer)
    url = f"/api/v1/editions/2027/review/submissions/{sid}/review"
    assert client.get(url, headers=headers).json["review"] is None
    response = client.put(url, json={"relevance": 2}, headers=headers)
    assert response.status_code == 200 and response.json["review"]["submitted"] is False
    for bad, status in [
        ({"relevance": 6}, 400),
        ({"relevance": "x"}, 400),
        ({"relevance": True}, 400),
        ({"recommendation": "yes"}, 400),
        ({"submit": "yes"}, 400),
        ({"unknown": 1}, 400),
        ({"relevance": 2, "submit": True}, 400),
    ]:
        response = client.put(url, json=bad, headers=headers)
        assert response.status_code == status, bad
        assert "error" in response.json
    response = client.put(url, data="not json", headers={**headers, "Content-Type": "text/plain"})
    assert response.status_code == 415
    full = {
        "relevance": 5,
        "quality": 4,
        "originality": 4,
        "recommendation": "accept",
        "submit": True,
    }
    response = client.put(url, json=full, headers=headers)
    assert response.status_code == 200
    assert response.json["review"]["submitted"] is True and response.json["review"]["score"] == 4.33
    # someone not assigned may not write
    response = client.put(url, json=full, headers=bearer(world.other_reviewer))
    assert response.status_code == 403


def test_expertise_own_and_by_chair(world, login):
    rita = login(world.reviewer)
    t = world.tracks
    response = rita.post("/2027/review/expertise", data={"tracks": [t[0].id, t[2].id]})
    assert response.status_code == 302
    from conference.review.models import ReviewerExpertise

    def mine(user):
        return {
            e.track_id
            for e in db.session.scalars(
                sa.select(ReviewerExpertise).where(ReviewerExpertise.user_id == user.id)
            )
        }

    assert mine(world.reviewer) == {t[0].id, t[2].id}
    other_edition = make_edition(2028)
    from tests.review.factories import make_track

    foreign = make_track(other_edition, "Foreign")
    response = rita.post("/2027/review/expertise", data={"tracks": [foreign.id]})
    assert response.status_code == 400
    assert mine(world.reviewer) == {t[0].id, t[2].id}
    # a reviewer may not edit someone else's expertise; the chair may
    assert (
        rita.post(
            f"/2027/review/expertise/{world.other_reviewer.id}", data={"tracks": [t[1].id]}
        ).status_code
        == 403
    )
    assert mine(world.other_reviewer) == set()
    chair = login(world.chair)
    assert (
        chair.post(
            f"/2027/review/expertise/{world.other_reviewer.id}", data={"tracks": [t[1].id]}
        ).status_code
        == 302
    )
    assert mine(world.other_reviewer) == {t[1].id}
    assert chair.get(f"/2027/review/expertise/{make_user().id}").status_code == 404


def test_withdraw_declared_conflict(world, login):
    rita = login(world.reviewer)
    sid = world.submission.id
    rita.post(f"/2027/review/conflicts/{sid}", data={})
    assert db.session.scalar(sa.select(sa.func.count(Conflict.id))) == 1
    assert rita.post(f"/2027/review/conflicts/{sid}/withdraw").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Conflict.id))) == 0
    assert rita.post(f"/2027/review/conflicts/{sid}/withdraw").status_code == 404
    assert rita.post(f"/2027/review/conflicts/{sid}", data={"reason": "x" * 500}).status_code == 400
    assert rita.post("/2027/review/conflicts/999999", data={}).status_code == 404


def test_new_deadline_is_shown_in_edition_time(world, login):
    world.edition.review_deadline = dt.datetime(2027, 3, 15, 22, 59, tzinfo=dt.UTC)
    db.session.commit()
    freeze(dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    page = login(world.reviewer).get("/2027/review").get_data(as_text=True)
    assert "15 Mar 2027, 23:59" in page
    freeze(None)
    assert utcnow()  # the clock runs again
