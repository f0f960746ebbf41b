"""Chairs through HTTP: assignment, dashboard, decisions, publication, templates, programme."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from conference.audit import AuditEntry
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.review.models import Review, ReviewAssignment
from conference.signals import submission_decided
from conference.submissions.models import Submission, SubmissionState
from tests.confirming import confirm_post
from tests.factories import make_user
from tests.review.factories import assign, make_review, make_reviewer, make_submission


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _audit(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_automatic_assignment_preview_then_save(world, login):
    edition = world.edition
    extra = [make_reviewer(edition) for _ in range(2)]
    subs = [world.submission] + [
        make_submission(edition, track=world.tracks[i % 4]) for i in range(5)
    ]
    make_submission(edition, state=SubmissionState.DRAFT)  # drafts are not reviewed
    chair = login(world.chair)
    page = chair.get("/2027/review/assign")
    assert page.status_code == 200 and "The rule" in page.get_data(as_text=True)
    preview = chair.post("/2027/review/assign", data={"reviewers_per_submission": 2})
    assert preview.status_code == 200
    assert _count(ReviewAssignment) == 0  # nothing saved yet
    text = preview.get_data(as_text=True)
    pairs = re.findall(r'name="pair" value="(\d+:\d+)"', text)
    assert len(pairs) == 2 * len(subs)
    response = chair.post("/2027/review/assign/save", data={"pair": pairs})
    assert response.status_code == 302
    rows = db.session.scalars(sa.select(ReviewAssignment)).all()
    assert len(rows) == 12
    loads = {}
    for row in rows:
        loads[row.reviewer_id] = loads.get(row.reviewer_id, 0) + 1
    assert max(loads.values()) - min(loads.values()) <= 1 and len(loads) == 4
    assert _audit("review.assigned")
    # running again proposes nothing new; saving the same pairs again adds nothing
    again = chair.post("/2027/review/assign", data={"reviewers_per_submission": 2})
    assert 'name="pair"' not in again.get_data(as_text=True)
    assert chair.post("/2027/review/assign/save", data={"pair": pairs}).status_code == 302
    assert _count(ReviewAssignment) == 12
    assert extra


def test_assignment_input_is_checked(world, login):
    chair = login(world.chair)
    for n in ["0", "21", "abc", ""]:
        assert (
            chair.post("/2027/review/assign", data={"reviewers_per_submission": n}).status_code
            == 400
        )
    sid = world.submission.id
    for bad in (["x"], ["1:2:3"], [f"{sid}:"], ["9" * 50]):
        assert chair.post("/2027/review/assign/save", data={"pair": bad}).status_code == 400
    outsider = make_user(password=None)
    draft = make_submission(world.edition, state=SubmissionState.DRAFT)
    for pair in [
        f"{sid}:{outsider.id}",
        f"{draft.id}:{world.reviewer.id}",
        f"999999:{world.reviewer.id}",
    ]:
        assert chair.post("/2027/review/assign/save", data={"pair": [pair]}).status_code == 400
    assert _count(ReviewAssignment) == 0


def test_reviewers_cannot_use_chair_pages(world, login):
    rita = login(world.reviewer)
    sid = world.submission.id
    before = (_count(ReviewAssignment), world.submission.decision)
    for url in [
        "/2027/review/chair",
        f"/2027/review/chair/submissions/{sid}",
        "/2027/review/assign",
        "/2027/review/templates",
    ]:
        assert rita.get(url).status_code == 403, url
    for url, data in [
        ("/2027/review/assign", {"reviewers_per_submission": 2}),
        ("/2027/review/assign/save", {"pair": [f"{sid}:{world.reviewer.id}"]}),
        (f"/2027/review/chair/submissions/{sid}/assign", {"reviewer_id": world.reviewer.id}),
        (f"/2027/review/chair/submissions/{sid}/decision", {"decision": "accepted"}),
        ("/2027/review/chair/decisions", {"decision": "accepted", "submission_ids": [sid]}),
        ("/2027/review/chair/publish", {}),
        ("/2027/review/templates/decision_accepted", {"subject": "x", "body": "y"}),
    ]:
        assert rita.post(url, data=data).status_code == 403, url
    db.session.expire_all()
    assert (_count(ReviewAssignment), db.session.get(Submission, sid).decision) == before


def test_manual_assign_and_unassign(world, login):
    chair = login(world.chair)
    sid = world.submission.id
    url = f"/2027/review/chair/submissions/{sid}"
    assert chair.post(f"{url}/assign", data={"reviewer_id": world.reviewer.id}).status_code == 302
    assert chair.post(f"{url}/assign", data={"reviewer_id": world.reviewer.id}).status_code == 409
    assert chair.post(f"{url}/assign", data={"reviewer_id": 999999}).status_code == 400
    assert _count(ReviewAssignment) == 1
    assert chair.post(f"{url}/unassign/{world.reviewer.id}").status_code == 302
    assert _count(ReviewAssignment) == 0
    assign(world.submission, world.other_reviewer)
    make_review(world.submission, world.other_reviewer)
    assert chair.post(f"{url}/unassign/{world.other_reviewer.id}").status_code == 409
    assert _count(ReviewAssignment) == 1


def test_dashboard_statistics_disagreement_filters_and_sorting(world, login):
    edition = world.edition
    calm = make_submission(edition, title="Calm agreement", track=world.tracks[1])
    third = make_reviewer(edition)
    for reviewer in (world.reviewer, world.other_reviewer, third):
        assign(world.submission, reviewer)
        assign(calm, reviewer)
    # world.submission: accept-side and reject-side -> disagreement; spread 5-2 = 3
    make_review(world.submission, world.reviewer, scores=(5, 5, 5), rec="accept")
    make_review(world.submission, world.other_reviewer, scores=(2, 2, 2), rec="weak_reject")
    make_review(world.submission, third, submitted=False, scores=(3, 3, 3))
    make_review(calm, world.reviewer, scores=(4, 4, 4), rec="accept")
    make_review(calm, world.other_reviewer, scores=(4, 3, 4), rec="weak_accept")
    chair = login(world.chair)
    page = chair.get("/2027/review/chair")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "highest minus the lowest" in text  # the spread is defined on the page
    row = text.split("Securing open laboratories")[0].rsplit("<tr", 1)[1]
    assert 'class="disagreement"' in row
    calm_row = text.split("Calm agreement")[0].rsplit("<tr", 1)[1]
    assert "disagreement" not in calm_row
    assert "3.5" in text and "3.0" in text  # mean (5+2)/2 and spread 5-2
    filtered = chair.get(f"/2027/review/chair?track={world.tracks[1].id}").get_data(as_text=True)
    assert "Calm agreement" in filtered and "Securing open laboratories" not in filtered
    only = chair.get("/2027/review/chair?disagreement=1").get_data(as_text=True)
    assert "Calm agreement" not in only and "Securing open laboratories" in only
    high = chair.get("/2027/review/chair?min_mean=3.6").get_data(as_text=True)
    assert "Calm agreement" in high and "Securing open laboratories" not in high
    ordered = chair.get("/2027/review/chair?sort=mean&order=desc").get_data(as_text=True)
    assert ordered.index("Calm agreement") < ordered.index("Securing open laboratories")
    # junk parameters answer 400 with a message, never a 500
    for query in ("track=abc", "min_mean=zz", "max_mean=nan", "sort=__class__", "decision=x"):
        response = chair.get(f"/2027/review/chair?{query}")
        assert response.status_code == 400, query
        assert query.split("=")[0] in response.get_data(as_text=True)
    # reviewer progress table
    assert "Rita Reviewer" in text
    export = chair.get("/2027/review/chair/export.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    csv_text = export.get_data(as_text=True)
    assert "zelda.author@quintessa-institute.eu" in csv_text and "yes" in csv_text
    assert login(world.reviewer).get("/2027/review/chair/export.csv").status_code == 403


def test_chair_conflicted_with_a_submission_cannot_see_it(world, login):
    chair_author = world.chair
    own = make_submission(world.edition, author=chair_author, title="The chair's own paper")
    chair = login(chair_author)
    text = chair.get("/2027/review/chair").get_data(as_text=True)
    assert "The chair's own paper" not in text and "1 submission is hidden" in text
    assert chair.get(f"/2027/review/chair/submissions/{own.id}").status_code == 403
    assert (
        chair.post(
            f"/2027/review/chair/submissions/{own.id}/decision", data={"decision": "accepted"}
        ).status_code
        == 403
    )


def _decided_world(world):
    assign(world.submission, world.reviewer)
    make_review(
        world.submission,
        world.reviewer,
        comments_to_authors="Please shorten the introduction.",
        confidential_comments="TOP SECRET committee remark",
    )


def test_a_recorded_decision_sends_submission_decided(world, login):
    other = make_submission(world.edition, title="Second")
    chair = login(world.chair)
    sid = world.submission.id
    seen = []

    def receiver(sender, **extra):
        seen.append((sender.id, extra["decision"], extra["actor"].id))

    submission_decided.connect(receiver)
    try:
        url = f"/2027/review/chair/submissions/{sid}/decision"
        assert chair.post(url, data={"decision": "accepted"}).status_code == 302
        assert chair.post(url, data={"decision": "accepted"}).status_code == 302  # unchanged
        bulk = {"decision": "rejected", "submission_ids": [sid, other.id]}
        assert chair.post("/2027/review/chair/decisions", data=bulk).status_code == 302
    finally:
        submission_decided.disconnect(receiver)
    chair_id = world.chair.id
    assert seen == [
        (sid, "accepted", chair_id),
        (sid, "rejected", chair_id),
        (other.id, "rejected", chair_id),
    ]


def test_decisions_one_by_one_and_in_bulk_are_audited(world, login):
    other = make_submission(world.edition, title="Second")
    third = make_submission(world.edition, title="Third")
    chair = login(world.chair)
    sid = world.submission.id
    assert (
        chair.post(
            f"/2027/review/chair/submissions/{sid}/decision", data={"decision": "waitlisted"}
        ).status_code
        == 302
    )
    assert (
        chair.post(
            f"/2027/review/chair/submissions/{sid}/decision", data={"decision": "bogus"}
        ).status_code
        == 400
    )
    db.session.expire_all()
    assert db.session.get(Submission, sid).decision == "waitlisted"
    response = chair.post(
        "/2027/review/chair/decisions",
        data={"decision": "rejected", "submission_ids": [other.id, third.id]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {db.session.get(Submission, i).decision for i in (other.id, third.id)} == {"rejected"}
    entries = _audit("review.decision")
    assert len(entries) == 3 and entries[0].details["decision"] == "waitlisted"
    # a bulk decision naming a withdrawn submission changes nothing at all
    withdrawn = make_submission(world.edition, state=SubmissionState.WITHDRAWN)
    response = chair.post(
        "/2027/review/chair/decisions",
        data={"decision": "accepted", "submission_ids": [other.id, withdrawn.id]},
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Submission, other.id).decision == "rejected"
    assert (
        chair.post("/2027/review/chair/decisions", data={"decision": "accepted"}).status_code == 400
    )
    assert (
        chair.post(
            "/2027/review/chair/decisions", data={"decision": "accepted", "submission_ids": ["x"]}
        ).status_code
        == 400
    )


def test_publishing_mails_each_speaker_without_confidential_parts(world, login):
    _decided_world(world)
    chair = login(world.chair)
    sid = world.submission.id
    chair.post(f"/2027/review/chair/submissions/{sid}/decision", data={"decision": "accepted"})
    undecided = make_submission(world.edition, title="Undecided")
    response = confirm_post(chair, "/2027/review/chair/publish")
    assert response.status_code == 302
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "decision")
    ).all()
    assert sorted(m.to for m in mails) == sorted(
        [world.author.email, world.co_user.email]
    )  # not the unconfirmed one
    for m in mails:
        assert "accepted" in m.subject
        assert "Please shorten the introduction." in m.text_body
        assert "TOP SECRET" not in m.text_body
        assert (
            world.reviewer.full_name not in m.text_body and world.reviewer.email not in m.text_body
        )
        assert "Securing open laboratories" in m.text_body
        assert "http" in m.text_body  # an absolute link
    db.session.expire_all()
    assert db.session.get(Submission, sid).decision_published_at is not None
    assert db.session.get(Submission, undecided.id).decision_published_at is None
    assert _audit("review.decision_published")
    # publishing again sends nothing new
    assert confirm_post(chair, "/2027/review/chair/publish").status_code == 409
    assert (
        len(
            db.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.template == "decision")
            ).all()
        )
        == 2
    )
    # changing a published decision makes it unpublished again
    chair.post(f"/2027/review/chair/submissions/{sid}/decision", data={"decision": "waitlisted"})
    db.session.expire_all()
    assert db.session.get(Submission, sid).decision_published_at is None


def test_publishing_selected_decisions_only(world, login):
    other = make_submission(world.edition, title="Other one")
    chair = login(world.chair)
    chair.post(
        "/2027/review/chair/decisions",
        data={"decision": "rejected", "submission_ids": [world.submission.id, other.id]},
    )
    # "publish the selected" with nothing selected publishes nothing
    assert chair.post("/2027/review/chair/publish", data={"scope": "selected"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    confirm_post(
        chair, "/2027/review/chair/publish", {"submission_ids": [other.id], "scope": "selected"}
    )
    db.session.expire_all()
    assert db.session.get(Submission, other.id).decision_published_at is not None
    assert db.session.get(Submission, world.submission.id).decision_published_at is None


def test_edited_template_is_used_and_sandboxed(world, login):
    _decided_world(world)
    chair = login(world.chair)
    page = chair.get("/2027/review/templates")
    assert page.status_code == 200 and "decision_rejected" in page.get_data(as_text=True)
    assert chair.get("/2027/review/templates/unknown").status_code == 404
    url = "/2027/review/templates/decision_rejected"
    assert chair.get(url).status_code == 200
    for body in ["{{ ''.__class__.__mro__ }}", "{% if %}", "{{ title.__class__ }}"]:
        response = chair.post(url, data={"subject": "Decision", "body": body})
        assert response.status_code == 400, body
    assert chair.post(url, data={"subject": "", "body": "x"}).status_code == 400
    response = chair.post(
        url,
        data={
            "subject": "News for {{ speaker_name }}",
            "body": "Hello {{ speaker_name }}: {{ title }} ({{ edition_year }})\n"
            "{{ comments_to_authors }}",
        },
    )
    assert response.status_code == 302
    assert _audit("review.mail_template")
    chair.post(
        f"/2027/review/chair/submissions/{world.submission.id}/decision",
        data={"decision": "rejected"},
    )
    confirm_post(chair, "/2027/review/chair/publish")
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to == world.author.email))
    assert mail.subject == "News for Zelda Quintessa-Author"
    assert mail.text_body.startswith(
        "Hello Zelda Quintessa-Author: Securing open laboratories (2027)"
    )


def test_place_accepted_submission_in_the_programme(world, login):
    from conference.accreditation.models import AccreditationCategory, Registration
    from conference.programme.models import ProgrammeSession, Room, SessionType

    edition = world.edition
    room = Room(edition_id=edition.id, name="Room A")
    talk = SessionType(edition_id=edition.id, code="talk", name="Talk")
    speaker_cat = AccreditationCategory(
        edition_id=edition.id, name="Speaker", code="SPK", is_speaker_category=True
    )
    db.session.add_all([room, talk, speaker_cat])
    db.session.commit()
    chair = login(world.chair)
    sid = world.submission.id
    url = f"/2027/review/chair/submissions/{sid}/programme"
    form = {
        "day": "2027-06-09",
        "start": "10:30",
        "duration_minutes": "25",
        "room_id": room.id,
        "type_id": talk.id,
    }
    assert chair.post(url, data=form).status_code == 409  # not accepted yet
    chair.post(f"/2027/review/chair/submissions/{sid}/decision", data={"decision": "accepted"})
    page = chair.get(url)
    assert page.status_code == 200
    assert f'<option selected value="{talk.id}">' in page.get_data(as_text=True)  # type mapped
    assert chair.post(url, data={**form, "duration_minutes": "0"}).status_code == 400
    assert chair.post(url, data={**form, "room_id": "999999"}).status_code == 400
    gap = {**form, "day": "2027-03-28", "start": "02:30"}  # Brussels springs forward
    assert chair.post(url, data=gap).status_code == 400
    assert _count(ProgrammeSession) == 0
    from conference.signals import session_changed

    seen = []

    def receiver(sender, **extra):
        seen.append(sender.id)

    session_changed.connect(receiver)
    try:
        response = chair.post(url, data=form)
    finally:
        session_changed.disconnect(receiver)
    assert response.status_code == 302
    session = db.session.scalar(sa.select(ProgrammeSession))
    assert seen == [session.id]
    assert session.submission_ids == [sid] and session.title == "Securing open laboratories"
    assert session.track_id == world.tracks[0].id and session.type_id == talk.id
    assert session.starts_at == dt.datetime(
        2027, 6, 9, 8, 30, tzinfo=dt.UTC
    )  # Brussels summer time
    assert session.ends_at - session.starts_at == dt.timedelta(minutes=25)
    assert [s.user_id for s in session.speakers] == [world.author.id, world.co_user.id]
    registrations = db.session.scalars(sa.select(Registration)).all()
    assert {r.user_id for r in registrations} == {world.author.id, world.co_user.id}
    assert all(r.requested_category_id == speaker_cat.id for r in registrations)
    assert _audit("review.placed_in_programme")
    page = chair.get(f"/2027/review/chair/submissions/{sid}").get_data(as_text=True)
    assert "In the programme" in page and "Room A" in page
    assert chair.post(url, data=form).status_code == 409  # only once
    assert _count(ProgrammeSession) == 1


def test_openapi_lists_the_review_endpoints(client):
    from tests.factories import make_edition

    make_edition()
    spec = client.get("/api/v1/openapi.json").json
    assert "/editions/{year}/review/assignments" in spec["paths"]
    assert "put" in spec["paths"]["/editions/{year}/review/submissions/{submission_id}/review"]
    props = spec["components"]["schemas"]["BlindedSubmission"]["properties"]
    assert not {"author", "email", "organisation", "co_speakers"} & set(props)


def test_reviews_of_withdrawn_submissions_cannot_change(world, login):
    assign(world.submission, world.reviewer)
    world.submission.state = SubmissionState.WITHDRAWN
    db.session.commit()
    rita = login(world.reviewer)
    response = rita.post(
        f"/2027/review/submissions/{world.submission.id}", data={"relevance": "3", "save": "1"}
    )
    assert response.status_code == 409
    assert _count(Review) == 0
