"""Review phases gating what reviewers see and do, the discussion (blinded from the authors,
with notifications), the score descriptors, progress and reminders — through HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.audit import AuditEntry
from conference.db import utcnow
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.review.models import (
    DiscussionComment,
    Review,
    ReviewCriterion,
    ReviewerReminder,
    ReviewSettings,
)
from tests.factories import bearer, make_edition, make_user
from tests.review.conftest import AUTHOR_NAME, assert_blind
from tests.review.factories import (
    assign,
    make_chair,
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
    "comments_to_authors": "Clear.",
    "confidential_comments": "",
    "submit_review": "1",
}


def _mails(template: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.template == template)
            .order_by(OutboxMessage.id)
        )
    )


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def _comments() -> list[DiscussionComment]:
    return list(db.session.scalars(sa.select(DiscussionComment).order_by(DiscussionComment.id)))


@pytest.fixture
def discussed(world):
    """Both reviewers assigned and their reviews submitted; the edition in discussion."""
    assign(world.submission, world.reviewer)
    assign(world.submission, world.other_reviewer)
    make_review(world.submission, world.reviewer, confidential_comments="Rita's secret note")
    make_review(world.submission, world.other_reviewer, confidential_comments="Otto's secret")
    set_phase(world.edition, "discussion")
    return world


# --- phases ---------------------------------------------------------------------------------


def test_default_phase_is_reviewing_and_every_review_page_states_it(world, login, client):
    assign(world.submission, world.reviewer)
    rita = login(world.reviewer)
    sid = world.submission.id
    for path in (
        "/2027/review",
        f"/2027/review/submissions/{sid}",
        "/2027/review/conflicts",
        "/2027/review/expertise",
    ):
        page = rita.get(path)
        assert page.status_code == 200, path
        assert "Review phase: Reviewing" in page.get_data(as_text=True), path
    chair = login(world.chair, client=client.application.test_client())
    for path in (
        "/2027/review/chair",
        f"/2027/review/chair/submissions/{sid}",
        "/2027/review/chair/progress",
        "/2027/review/phase",
        "/2027/review/criteria",
    ):
        page = chair.get(path)
        assert page.status_code == 200, path
        assert "Review phase: Reviewing" in page.get_data(as_text=True), path
    api = client.get(
        f"/api/v1/editions/2027/review/submissions/{sid}", headers=bearer(world.reviewer)
    ).json
    assert api["phase"] == "reviewing"
    assert api["phase_rules"] == {"may_review": True, "others_visible": False, "may_discuss": False}
    listing = client.get("/api/v1/editions/2027/review/assignments", headers=bearer(world.reviewer))
    assert listing.json["phase"] == "reviewing"


def test_assigning_phase_shows_assignments_but_refuses_reviews(world, login, client):
    assign(world.submission, world.reviewer)
    set_phase(world.edition, "assigning")
    rita = login(world.reviewer)
    sid = world.submission.id
    page = rita.get(f"/2027/review/submissions/{sid}").get_data(as_text=True)
    assert "Review phase: Assigning" in page and "Securing open laboratories" in page
    assert 'name="submit_review"' not in page
    assert rita.post(f"/2027/review/submissions/{sid}", data=REVIEW).status_code == 403
    put = client.put(
        f"/api/v1/editions/2027/review/submissions/{sid}/review",
        json={"relevance": 3},
        headers=bearer(world.reviewer),
    )
    assert put.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
    got = client.get(
        f"/api/v1/editions/2027/review/submissions/{sid}/review", headers=bearer(world.reviewer)
    ).json
    assert got["phase"] == "assigning" and got["phase_rules"]["may_review"] is False


def test_reviewing_phase_hides_others_reviews_even_after_ones_own(world, login, client):
    assign(world.submission, world.reviewer)
    assign(world.submission, world.other_reviewer)
    make_review(world.submission, world.other_reviewer, confidential_comments="Otto's secret")
    rita = login(world.reviewer)
    sid = world.submission.id
    assert rita.post(f"/2027/review/submissions/{sid}", data=REVIEW).status_code == 302
    page = rita.get(f"/2027/review/submissions/{sid}").get_data(as_text=True)
    assert "Otto's secret" not in page
    assert "shown in the discussion phase" in page
    api = client.get(
        f"/api/v1/editions/2027/review/submissions/{sid}", headers=bearer(world.reviewer)
    ).json
    assert api["other_reviews"] == [] and api["discussion"] == []
    assert api["discussion_visible"] is False
    # the same reviewer sees them once the chairs open the discussion
    set_phase(world.edition, "discussion")
    assert "Otto's secret" in rita.get(f"/2027/review/submissions/{sid}").get_data(as_text=True)


def test_discussion_phase_still_allows_revising_ones_review(discussed, login):
    rita = login(discussed.reviewer)
    sid = discussed.submission.id
    response = rita.post(f"/2027/review/submissions/{sid}", data={**REVIEW, "relevance": "1"})
    assert response.status_code == 302
    review = db.session.scalar(sa.select(Review).where(Review.reviewer_id == discussed.reviewer.id))
    db.session.refresh(review)
    assert review.relevance == 1


def test_decisions_phase_is_read_only_for_reviewers(discussed, login, client):
    set_phase(discussed.edition, "decisions")
    rita = login(discussed.reviewer)
    sid = discussed.submission.id
    page = rita.get(f"/2027/review/submissions/{sid}").get_data(as_text=True)
    assert "Review phase: Decisions" in page
    assert "Otto's secret" in page  # the others' reviews stay readable
    assert 'name="submit_review"' not in page and 'name="body"' not in page
    assert rita.post(f"/2027/review/submissions/{sid}", data=REVIEW).status_code == 403
    assert (
        rita.post(f"/2027/review/submissions/{sid}/discussion", data={"body": "Late"}).status_code
        == 403
    )
    api = client.post(
        f"/api/v1/editions/2027/review/submissions/{sid}/discussion",
        json={"body": "Late"},
        headers=bearer(discussed.reviewer),
    )
    assert api.status_code == 403
    assert _comments() == []


def test_chair_switches_the_phase_audited_reviewer_may_not(world, login, client):
    rita = login(world.reviewer)
    assert rita.post("/2027/review/phase", data={"phase": "discussion"}).status_code == 403
    assert db.session.scalar(sa.select(ReviewSettings)) is None
    chair = login(world.chair, client=client.application.test_client())
    bad = chair.post("/2027/review/phase", data={"phase": "voting"})
    assert bad.status_code == 400 and db.session.scalar(sa.select(ReviewSettings)) is None
    response = chair.post(
        "/2027/review/phase", data={"phase": "discussion", "reviewer_names_visible": "y"}
    )
    assert response.status_code == 302
    settings = db.session.scalar(sa.select(ReviewSettings))
    assert settings.phase == "discussion" and settings.reviewer_names_visible is True
    assert settings.phase_changed_by_id == world.chair.id
    [entry] = _audit("review.phase_changed")
    assert entry.details["phase"] == "discussion" and entry.details["previous"] == "reviewing"
    assert "Review phase: Discussion" in chair.get("/2027/review/phase").get_data(as_text=True)


def test_archived_edition_phase_cannot_change(world, login):
    world.edition.state = "archived"
    db.session.commit()
    chair = login(world.chair)
    assert chair.post("/2027/review/phase", data={"phase": "decisions"}).status_code == 403
    assert db.session.scalar(sa.select(ReviewSettings)) is None


# --- discussion -----------------------------------------------------------------------------


def test_reviewer_comments_and_the_others_are_notified(discussed, login, client):
    sid = discussed.submission.id
    # a chair who took part earlier is a participant too
    chair = login(discussed.chair, client=client.application.test_client())
    assert (
        chair.post(
            f"/2027/review/submissions/{sid}/discussion",
            data={"body": "Chair opens.", "back": "chair"},
        )
        .headers["Location"]
        .endswith(f"/2027/review/chair/submissions/{sid}#discussion-h")
    )
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()

    rita = login(discussed.reviewer)
    response = rita.post(
        f"/2027/review/submissions/{sid}/discussion", data={"body": "I lean **accept**."}
    )
    assert response.status_code == 302
    assert [c.body for c in _comments()] == ["Chair opens.", "I lean **accept**."]
    mails = _mails("review_discussion")
    assert sorted(m.to for m in mails) == sorted(
        [discussed.other_reviewer.email, discussed.chair.email]
    )
    to_otto = next(m for m in mails if m.to == discussed.other_reviewer.email)
    assert "Reviewer 1 commented on submission #" in to_otto.text_body
    assert "I lean **accept**." in to_otto.text_body
    assert "Rita" not in to_otto.text_body  # names hidden between reviewers by default
    to_chair = next(m for m in mails if m.to == discussed.chair.email)
    assert "Rita Reviewer" in to_chair.text_body  # chairs see the names
    assert_blind(to_otto.text_body + to_otto.subject + to_chair.text_body)
    assert _audit("review.discussion_comment")[-1].details["submission_id"] == sid

    page = login(discussed.other_reviewer).get(f"/2027/review/submissions/{sid}")
    text = page.get_data(as_text=True)
    assert "I lean <strong>accept</strong>." in text and "Reviewer 1" in text
    assert "Rita Reviewer" not in text
    assert_blind(text)


def test_reviewer_names_are_shown_when_the_edition_says_so(discussed, login):
    set_phase(discussed.edition, "discussion", names_visible=True)
    sid = discussed.submission.id
    login(discussed.reviewer).post(
        f"/2027/review/submissions/{sid}/discussion", data={"body": "Named now."}
    )
    text = (
        login(discussed.other_reviewer)
        .get(f"/2027/review/submissions/{sid}")
        .get_data(as_text=True)
    )
    assert "Reviewer 1: Rita Reviewer" in text
    [mail] = _mails("review_discussion")
    assert "Reviewer 1 (Rita Reviewer)" in mail.text_body


def test_the_discussion_is_blinded_from_the_authors(discussed, login, client):
    sid = discussed.submission.id
    login(discussed.reviewer).post(
        f"/2027/review/submissions/{sid}/discussion", data={"body": "Confidential verdict XYZ"}
    )
    # the author is even made a chair: still conflicted, never sees the discussion
    from conference.accounts.services import grant_role

    grant_role(discussed.author, discussed.edition, "chair")
    db.session.commit()
    author = login(discussed.author, client=client.application.test_client())
    for path in (
        f"/2027/review/submissions/{sid}",
        f"/2027/review/chair/submissions/{sid}",
        f"/2027/me/submissions/{sid}",
    ):
        response = author.get(path)
        assert "Confidential verdict XYZ" not in response.get_data(as_text=True), path
    assert author.get(f"/2027/review/submissions/{sid}").status_code in (403, 404)
    posted = author.post(f"/2027/review/submissions/{sid}/discussion", data={"body": "Me!"})
    assert posted.status_code in (403, 404)
    for path in (
        f"/api/v1/editions/2027/review/submissions/{sid}",
        f"/api/v1/editions/2027/me/submissions/{sid}",
    ):
        answer = client.get(path, headers=bearer(discussed.author))
        assert "Confidential verdict XYZ" not in answer.get_data(as_text=True), path
    assert [c.body for c in _comments()] == ["Confidential verdict XYZ"]
    # and the speakers are never mailed about it
    assert discussed.author.email not in {m.to for m in _mails("review_discussion")}


def test_who_may_not_comment(discussed, login, client):
    sid = discussed.submission.id
    # a reviewer of the edition not assigned to the submission
    stranger = make_reviewer(discussed.edition, email="sam@stranger.example.net")
    assert login(stranger).post(
        f"/2027/review/submissions/{sid}/discussion", data={"body": "Hi"}
    ).status_code in (403, 404)
    # an assigned reviewer whose review is still a draft
    late = make_reviewer(discussed.edition, email="lea@late.example.net")
    assign(discussed.submission, late)
    make_review(discussed.submission, late, submitted=False)
    late_client = login(late, client=client.application.test_client())
    assert (
        late_client.post(
            f"/2027/review/submissions/{sid}/discussion", data={"body": "Hi"}
        ).status_code
        == 403
    )
    assert "Rita's secret note" not in late_client.get(f"/2027/review/submissions/{sid}").get_data(
        as_text=True
    )
    assert _comments() == []


def test_bad_comments_are_refused(discussed, login, client):
    sid = discussed.submission.id
    rita = login(discussed.reviewer)
    assert (
        rita.post(f"/2027/review/submissions/{sid}/discussion", data={"body": "  "}).status_code
        == 400
    )
    too_long = "x" * 5001
    assert (
        rita.post(f"/2027/review/submissions/{sid}/discussion", data={"body": too_long}).status_code
        == 400
    )
    assert (
        rita.post("/2027/review/submissions/999999/discussion", data={"body": "x"}).status_code
        == 404
    )
    other = make_edition(2028)
    foreign = make_submission(other)
    assert (
        rita.post(
            f"/2027/review/submissions/{foreign.id}/discussion", data={"body": "x"}
        ).status_code
        == 404
    )
    headers = bearer(discussed.reviewer)
    url = f"/api/v1/editions/2027/review/submissions/{sid}/discussion"
    assert client.post(url, json={"body": 5}, headers=headers).status_code == 400
    assert client.post(url, json={"body": "x", "author": 1}, headers=headers).status_code == 400
    assert client.post(url, json={"body": "ünïcødé ✓ " * 10}, headers=headers).status_code == 201
    assert [c.body for c in _comments()] == [("ünïcødé ✓ " * 10).strip()]


def test_discussion_through_the_api(discussed, client):
    sid = discussed.submission.id
    url = f"/api/v1/editions/2027/review/submissions/{sid}/discussion"
    created = client.post(url, json={"body": "Via the API"}, headers=bearer(discussed.reviewer))
    assert created.status_code == 201
    assert created.json["comment"]["label"] == "You" and created.json["phase"] == "discussion"
    seen = client.get(
        f"/api/v1/editions/2027/review/submissions/{sid}", headers=bearer(discussed.other_reviewer)
    ).json
    assert seen["may_discuss"] is True
    assert [(c["label"], c["body"]) for c in seen["discussion"]] == [("Reviewer 1", "Via the API")]
    assert [r["label"] for r in seen["other_reviews"]] == ["Reviewer 1"]


def test_notification_is_in_the_recipients_language(discussed, login):
    discussed.other_reviewer.locale = "de"
    db.session.commit()
    sid = discussed.submission.id
    login(discussed.reviewer).post(
        f"/2027/review/submissions/{sid}/discussion", data={"body": "Bitte lesen."}
    )
    [mail] = [m for m in _mails("review_discussion") if m.to == discussed.other_reviewer.email]
    assert "Kommentar" in mail.subject


# --- criteria and descriptors ---------------------------------------------------------------


def test_descriptors_are_shown_next_to_the_radios(world, login):
    assign(world.submission, world.reviewer)
    page = login(world.reviewer).get(f"/2027/review/submissions/{world.submission.id}")
    text = page.get_data(as_text=True)
    assert '<fieldset class="field score-criterion"' in text
    assert "<legend>Relevance</legend>" in text
    assert "Outside the conference&#39;s scope" in text  # the built-in descriptor of a 1
    assert "Groundbreaking; new to the field" in text
    assert 'class="score-scale"' in text


def _criteria_form(**overrides) -> dict:
    data = {}
    for key in ("relevance", "quality", "originality"):
        data[f"{key}-description"] = f"About {key}"
        for n in range(1, 6):
            data[f"{key}-descriptor_{n}"] = f"{key} {n} means this"
    data.update(overrides)
    return data


def test_chair_describes_the_criteria_and_reviewers_see_them(world, login, client):
    chair = login(world.chair)
    response = chair.post(
        "/2027/review/criteria", data=_criteria_form(**{"quality-descriptor_1": "Sloppy work"})
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ReviewCriterion.id))) == 3
    assert _audit("review.criteria_saved")
    assign(world.submission, world.reviewer)
    rita = login(world.reviewer, client=client.application.test_client())
    text = rita.get(f"/2027/review/submissions/{world.submission.id}").get_data(as_text=True)
    assert "Sloppy work" in text and "About originality" in text


def test_criteria_need_a_1_and_a_5_and_chairs_only(world, login, client):
    chair = login(world.chair)
    missing = chair.post(
        "/2027/review/criteria", data=_criteria_form(**{"relevance-descriptor_5": ""})
    )
    assert missing.status_code == 400
    huge = chair.post(
        "/2027/review/criteria", data=_criteria_form(**{"quality-descriptor_2": "x" * 301})
    )
    assert huge.status_code == 400
    rita = login(world.reviewer, client=client.application.test_client())
    assert rita.post("/2027/review/criteria", data=_criteria_form()).status_code == 403
    assert rita.get("/2027/review/criteria").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(ReviewCriterion.id))) == 0


# --- progress and reminders -----------------------------------------------------------------


def _two_assignments(world):
    second = make_submission(world.edition, title="Second submission")
    assign(world.submission, world.reviewer)
    assign(second, world.reviewer)
    make_review(world.submission, world.reviewer)
    return second


def test_reviewer_and_chairs_see_progress(world, login, client):
    _two_assignments(world)
    page = login(world.reviewer).get("/2027/review").get_data(as_text=True)
    assert "<strong>1</strong> of <strong>2</strong> reviews submitted" in page
    assert '<progress max="2" value="1"' in page
    chair = login(world.chair, client=client.application.test_client())
    text = chair.get("/2027/review/chair/progress").get_data(as_text=True)
    assert "Rita Reviewer" in text and "1 of 2 done" in text and "0 of 0 done" in text
    assert (
        login(world.reviewer, client=client.application.test_client())
        .get("/2027/review/chair/progress")
        .status_code
        == 403
    )
    # every review page and the API say it too
    rita = login(world.reviewer, client=client.application.test_client())
    page = rita.get(f"/2027/review/submissions/{world.submission.id}").get_data(as_text=True)
    assert "1 of 2 done" in page
    api = client.get("/api/v1/editions/2027/review/assignments", headers=bearer(world.reviewer))
    assert api.json["progress"] == {"done": 1, "total": 2, "drafts": 0}


def test_one_click_reminder_through_the_outbox_audited(world, login):
    second = _two_assignments(world)
    chair = login(world.chair)
    url = f"/2027/review/chair/progress/{world.reviewer.id}/remind"
    assert chair.post(url).status_code == 302
    [mail] = _mails("review_reminder")
    assert mail.to == world.reviewer.email
    assert "Second submission" in mail.text_body and "1 of your 2" in mail.text_body
    assert "Securing open laboratories" not in mail.text_body  # done already
    assert_blind(mail.text_body)
    [reminder] = db.session.scalars(sa.select(ReviewerReminder)).all()
    assert reminder.outstanding == 1 and reminder.sent_by_id == world.chair.id
    assert _audit("review.reminder_sent")[0].details["reviewer_id"] == world.reviewer.id
    assert "Last reminded" in chair.get("/2027/review/chair/progress").get_data(as_text=True)
    # a second click within the hour sends nothing
    again = chair.post(url)
    assert again.status_code == 409 and len(_mails("review_reminder")) == 1
    assert second.id  # the waiting submission exists


def test_reminder_refusals(world, login, client):
    chair = login(world.chair)
    # nothing outstanding
    assert (
        chair.post(f"/2027/review/chair/progress/{world.other_reviewer.id}/remind").status_code
        == 409
    )
    # someone not on the committee, an unknown id
    outsider = make_user(password=None)
    assert chair.post(f"/2027/review/chair/progress/{outsider.id}/remind").status_code == 404
    assert chair.post("/2027/review/chair/progress/999999/remind").status_code == 404
    # a reviewer may not remind
    _two_assignments(world)
    rita = login(world.other_reviewer, client=client.application.test_client())
    assert rita.post(f"/2027/review/chair/progress/{world.reviewer.id}/remind").status_code == 403
    assert _mails("review_reminder") == []
    assert db.session.scalar(sa.select(ReviewerReminder)) is None


def test_a_reminder_after_the_pause_is_sent_again(world, login):
    _two_assignments(world)
    db.session.add(
        ReviewerReminder(
            edition_id=world.edition.id,
            reviewer_id=world.reviewer.id,
            outstanding=1,
            sent_at=utcnow() - dt.timedelta(hours=2),
        )
    )
    db.session.commit()
    assert (
        login(world.chair)
        .post(f"/2027/review/chair/progress/{world.reviewer.id}/remind")
        .status_code
        == 302
    )
    assert len(_mails("review_reminder")) == 1


def test_the_author_name_never_reaches_the_progress_page(world, login):
    _two_assignments(world)
    text = login(world.chair).get("/2027/review/chair/progress").get_data(as_text=True)
    assert AUTHOR_NAME not in text
    assert make_chair  # the factory module stays the single source of committee people
