"""Speakers write, save, submit, edit and withdraw submissions through the pages."""

from __future__ import annotations

import sqlalchemy as sa

from conference.extensions import db
from conference.submissions.models import Submission
from tests.factories import make_edition, make_user
from tests.submissions.conftest import (
    add_co_speaker,
    audit_actions,
    make_submission,
    snapshot,
)


def _form(tracks, types, **overrides):
    data = {
        "title": "Due diligence in practice",
        "type_id": str(types[0].id),
        "track_id": str(tracks[0].id),
        "abstract": "We present a short abstract.",
        "keywords": "due diligence, export control",
        "audience": "research managers",
    }
    data.update(overrides)
    return data


def _count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Submission))


def test_new_form_lists_only_open_tracks_and_states_the_word_rule(login, author, tracks, types):
    page = login(author).get("/2027/me/submissions/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Policy" in html and "Research" in html
    assert "Closed track" not in html
    assert "separated by spaces, tabs or line breaks" in html
    assert 'for="abstract"' in html and 'for="title"' in html


def test_anonymous_is_sent_to_login(client, edition, tracks, types):
    response = client.get("/2027/me/submissions/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post("/2027/me/submissions/new", data=_form(tracks, types, save="1"))
    assert response.status_code == 302
    assert _count() == 0


def test_save_draft_then_submit_then_edit_then_withdraw(login, author, tracks, types):
    client = login(author)
    response = client.post("/2027/me/submissions/new", data=_form(tracks, types, save="1"))
    assert response.status_code == 302
    submission = db.session.scalar(sa.select(Submission))
    assert submission.state == "draft" and submission.author_id == author.id
    assert submission.keywords == "due diligence, export control"
    assert submission.submitted_at is None

    page = client.get(f"/2027/me/submissions/{submission.id}")
    assert page.status_code == 200 and "Draft" in page.get_data(as_text=True)

    assert client.post(f"/2027/me/submissions/{submission.id}/submit").status_code == 302
    db.session.expire_all()
    assert submission.state == "submitted" and submission.submitted_at is not None

    response = client.post(
        f"/2027/me/submissions/{submission.id}/edit",
        data=_form(tracks, types, title="A better title", track_id=str(tracks[1].id), save="1"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert submission.title == "A better title" and submission.track_id == tracks[1].id
    assert submission.state == "submitted"

    url = f"/2027/me/submissions/{submission.id}/withdraw"
    assert client.post(url, data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert submission.state == "withdrawn" and submission.withdrawn_at is not None

    actions = [e.action for e in audit_actions("submission.")]
    assert actions == [
        "submission.created",
        "submission.submitted",
        "submission.updated",
        "submission.withdrawn",
    ]


def test_submit_directly_from_the_form(login, author, tracks, types):
    response = login(author).post("/2027/me/submissions/new", data=_form(tracks, types, submit="1"))
    assert response.status_code == 302
    submission = db.session.scalar(sa.select(Submission))
    assert submission.state == "submitted"


def test_incomplete_submission_cannot_be_submitted(login, author, tracks, types):
    client = login(author)
    response = client.post(
        "/2027/me/submissions/new", data=_form(tracks, types, type_id="", abstract="", submit="1")
    )
    assert response.status_code == 400
    assert "needs a type, an abstract" in response.get_data(as_text=True)
    assert _count() == 0
    # As a draft it is fine, but the submit button refuses it.
    client.post("/2027/me/submissions/new", data=_form(tracks, types, type_id="", save="1"))
    submission = db.session.scalar(sa.select(Submission))
    before = snapshot(submission)
    response = client.post(f"/2027/me/submissions/{submission.id}/submit")
    assert response.status_code == 400 and "needs a type" in response.get_data(as_text=True)
    assert snapshot(submission) == before


def test_withdrawn_submission_cannot_be_changed_or_resubmitted(
    login, edition, author, tracks, types
):
    submission = make_submission(
        edition, author, track=tracks[0], type_=types[0], state="withdrawn"
    )
    client = login(author)
    before = snapshot(submission)
    assert client.post(f"/2027/me/submissions/{submission.id}/submit").status_code == 409
    assert client.post(f"/2027/me/submissions/{submission.id}/withdraw").status_code == 409
    response = client.post(
        f"/2027/me/submissions/{submission.id}/edit", data=_form(tracks, types, save="1")
    )
    assert response.status_code == 409
    assert snapshot(submission) == before


def test_double_submit_is_a_conflict(login, author, edition, tracks, types):
    submission = make_submission(
        edition, author, track=tracks[0], type_=types[0], state="submitted"
    )
    before = snapshot(submission)
    response = login(author).post(f"/2027/me/submissions/{submission.id}/submit")
    assert response.status_code == 409
    assert snapshot(submission) == before


def test_closed_track_is_refused(login, author, tracks, types):
    response = login(author).post(
        "/2027/me/submissions/new", data=_form(tracks, types, track_id=str(tracks[3].id), save="1")
    )
    assert response.status_code == 400
    assert "not open for submissions" in response.get_data(as_text=True)
    assert _count() == 0


def test_track_and_type_of_another_edition_are_refused(login, author, tracks, types):
    from conference.programme.models import Track
    from conference.submissions.models import SubmissionType

    other = make_edition(2028)
    foreign_track = Track(edition_id=other.id, name="Elsewhere")
    foreign_type = SubmissionType(edition_id=other.id, code="talk", name="Talk")
    db.session.add_all([foreign_track, foreign_type])
    db.session.commit()
    client = login(author)
    for data in (
        _form(tracks, types, track_id=str(foreign_track.id), save="1"),
        _form(tracks, types, type_id=str(foreign_type.id), save="1"),
        _form(tracks, types, type_id="not-a-number", save="1"),
        _form(tracks, types, track_id="99999999999999999999", save="1"),
    ):
        response = client.post("/2027/me/submissions/new", data=data)
        assert response.status_code == 404, data
    assert _count() == 0


def test_bad_input_gives_clear_4xx(login, author, tracks, types):
    client = login(author)
    for data, status in [
        (_form(tracks, types, title="", save="1"), 400),
        (_form(tracks, types, title="x" * 301, save="1"), 400),
        (_form(tracks, types, abstract="word " * 5000, save="1"), 400),  # > 20 000 characters
        (_form(tracks, types, keywords="k" * 401, save="1"), 400),
        (_form(tracks, types, audience="a" * 10_000, save="1"), 400),
        (_form(tracks, types, title="bad \x00 byte", save="1"), 400),
    ]:
        response = client.post("/2027/me/submissions/new", data=data)
        assert response.status_code == status, data["title"][:20]
    assert _count() == 0


def test_unicode_is_kept(login, author, tracks, types):
    title = "Sécurité de la recherche – 研究安全 🔬"
    response = login(author).post(
        "/2027/me/submissions/new",
        data=_form(tracks, types, title=title, abstract="Über Ωmega 研究 ✓", save="1"),
    )
    assert response.status_code == 302
    submission = db.session.scalar(sa.select(Submission))
    assert submission.title == title
    page = login(author).get(f"/2027/me/submissions/{submission.id}").get_data(as_text=True)
    assert title in page


def test_html_in_fields_is_escaped(login, author, tracks, types):
    client = login(author)
    client.post(
        "/2027/me/submissions/new",
        data=_form(tracks, types, title="<script>alert(1)</script>", save="1"),
    )
    submission = db.session.scalar(sa.select(Submission))
    html = client.get(f"/2027/me/submissions/{submission.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_someone_elses_submission_is_404_and_unchanged(login, edition, author, tracks, types):
    submission = make_submission(edition, author, track=tracks[0], type_=types[0])
    stranger = make_user("stranger@example.org")
    reviewer = make_user("rev@example.org", role="reviewer", edition=edition)
    before = snapshot(submission)
    for user in (stranger, reviewer):
        client = login(user)
        assert client.get(f"/2027/me/submissions/{submission.id}").status_code == 404
        assert client.get(f"/2027/me/submissions/{submission.id}/edit").status_code == 404
        for path in ("submit", "withdraw", "edit", "co-speakers"):
            response = client.post(
                f"/2027/me/submissions/{submission.id}/{path}",
                data=_form(tracks, types, save="1") | {"email": "x@example.org"},
            )
            assert response.status_code == 404, path
    assert snapshot(submission) == before
    assert login(stranger).get("/2027/me/submissions/999999").status_code == 404


def test_submission_under_the_wrong_year_is_404(login, edition, author, tracks, types):
    submission = make_submission(edition, author, track=tracks[0], type_=types[0])
    make_edition(2028)
    client = login(author)
    assert client.get(f"/2028/me/submissions/{submission.id}").status_code == 404
    assert client.post(f"/2028/me/submissions/{submission.id}/withdraw").status_code == 404
    assert client.get(f"/2031/me/submissions/{submission.id}").status_code == 404
    db.session.expire_all()
    assert submission.state == "draft"


def test_confirmed_co_speaker_sees_but_cannot_change(login, edition, author, tracks, types):
    submission = make_submission(edition, author, track=tracks[0], type_=types[0])
    co = make_user("co@example.org", full_name="Carl Co")
    add_co_speaker(submission, co)
    before = snapshot(submission)
    client = login(co)
    page = client.get(f"/2027/me/submissions/{submission.id}")
    assert page.status_code == 200 and submission.title in page.get_data(as_text=True)
    assert client.get(f"/2027/me/submissions/{submission.id}/edit").status_code == 403
    assert client.post(f"/2027/me/submissions/{submission.id}/withdraw").status_code == 403
    assert client.post(f"/2027/me/submissions/{submission.id}/submit").status_code == 403
    assert snapshot(submission) == before


def test_unconfirmed_co_speaker_sees_nothing(login, edition, author, tracks, types):
    submission = make_submission(edition, author, track=tracks[0], type_=types[0])
    co = make_user("co@example.org")
    add_co_speaker(submission, co, confirmed=False)
    assert login(co).get(f"/2027/me/submissions/{submission.id}").status_code == 404


def test_archived_edition_is_read_only(login, author):
    edition = make_edition(2025, state="archived")
    response = login(author).get("/2025/me/submissions/new")
    assert response.status_code == 403
    assert edition.year == 2025


def test_one_person_writes_at_most_twenty_submissions(login, edition, author, tracks, types):
    for n in range(20):
        make_submission(edition, author, title=f"Number {n}")
    response = login(author).post("/2027/me/submissions/new", data=_form(tracks, types, save="1"))
    assert response.status_code == 409
    assert "the most one person may write" in response.get_data(as_text=True)
    assert _count() == 20


def _outbox():
    from conference.mail import OutboxMessage

    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_author_gets_a_receipt_when_submitting_not_when_saving(login, author, tracks, types):
    client = login(author)
    client.post("/2027/me/submissions/new", data=_form(tracks, types, save="1"))
    assert _outbox() == []
    submission = db.session.scalar(sa.select(Submission))
    client.post(f"/2027/me/submissions/{submission.id}/submit")
    client.post("/2027/me/submissions/new", data=_form(tracks, types, title="Second", submit="1"))
    client.post("/2027/me/submissions/new", data=_form(tracks, types, title="Third", save="1"))
    third = db.session.scalar(sa.select(Submission).where(Submission.title == "Third"))
    client.post(f"/2027/me/submissions/{third.id}/edit", data=_form(tracks, types, submit="1"))
    messages = _outbox()
    assert [m.to for m in messages] == [author.email] * 3
    assert messages[0].subject == "Received: Due diligence in practice"
    assert f"http://conference.test/2027/me/submissions/{submission.id}" in messages[0].text_body


def test_draft_in_a_track_closed_since_cannot_be_submitted(login, edition, author, tracks, types):
    submission = make_submission(edition, author, track=tracks[0], type_=types[0])
    tracks[0].open_for_submissions = False
    db.session.commit()
    before = snapshot(submission)
    client = login(author)
    response = client.post(f"/2027/me/submissions/{submission.id}/submit")
    assert response.status_code == 400 and "not open" in response.get_data(as_text=True)
    response = client.post(
        f"/2027/me/submissions/{submission.id}/edit", data=_form(tracks, types, submit="1")
    )
    assert response.status_code == 400
    assert snapshot(submission) == before
    assert _outbox() == []
