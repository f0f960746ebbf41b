"""Organisers set the call: dates in the edition's zone, open tracks, types, guidance."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import Track
from conference.submissions.models import SubmissionType
from tests.confirming import confirm_post
from tests.factories import make_edition, make_user
from tests.submissions.conftest import audit_actions, make_submission


def _call_form(tracks, **overrides):
    data = {
        "opens_at": "2026-09-01T09:00",
        "closes_at": "2027-01-31T23:59",
        "guidance": "Please read **carefully**.",
        "open_tracks": [str(tracks[0].id), str(tracks[3].id)],
    }
    data.update(overrides)
    return data


def test_organiser_sets_dates_in_the_edition_zone_stored_utc(login, edition, organiser, tracks):
    client = login(organiser)
    assert client.get("/2027/admin/call").status_code == 200
    response = client.post("/2027/admin/call", data=_call_form(tracks))
    assert response.status_code == 302
    db.session.expire_all()
    # Brussels is UTC+2 in September and UTC+1 in January.
    assert edition.cfp_opens_at == dt.datetime(2026, 9, 1, 7, 0, tzinfo=dt.UTC)
    assert edition.cfp_closes_at == dt.datetime(2027, 1, 31, 22, 59, tzinfo=dt.UTC)
    assert edition.cfp_guidance == "Please read **carefully**."
    assert [t.open_for_submissions for t in tracks] == [True, False, False, True]
    page = client.get("/2027/admin/call").get_data(as_text=True)
    assert 'value="2026-09-01T09:00"' in page and 'value="2027-01-31T23:59"' in page
    assert [e.action for e in audit_actions("call.")] == ["call.updated"]


def test_edition_time_zone_is_respected(login, tracks, organiser, edition):
    edition.timezone = "America/New_York"
    db.session.commit()
    login(organiser).post("/2027/admin/call", data=_call_form(tracks))
    db.session.expire_all()
    assert edition.cfp_opens_at == dt.datetime(2026, 9, 1, 13, 0, tzinfo=dt.UTC)


def test_closing_before_opening_is_refused(login, edition, organiser, tracks):
    before = (edition.cfp_opens_at, edition.cfp_closes_at)
    response = login(organiser).post(
        "/2027/admin/call", data=_call_form(tracks, closes_at="2026-08-01T09:00")
    )
    assert response.status_code == 400
    assert "must close after it opens" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (edition.cfp_opens_at, edition.cfp_closes_at) == before


def test_time_that_does_not_exist_is_refused(login, edition, organiser, tracks):
    before = edition.cfp_closes_at
    # Clocks jump from 02:00 to 03:00 in Brussels on 28 March 2027.
    response = login(organiser).post(
        "/2027/admin/call", data=_call_form(tracks, closes_at="2027-03-28T02:30")
    )
    assert response.status_code == 400
    assert "does not exist" in response.get_data(as_text=True)
    db.session.expire_all()
    assert edition.cfp_closes_at == before


def test_malformed_dates_and_foreign_tracks_are_refused(login, edition, organiser, tracks):
    other = make_edition(2028)
    foreign = Track(edition_id=other.id, name="Foreign")
    db.session.add(foreign)
    db.session.commit()
    client = login(organiser)
    before = (edition.cfp_opens_at, edition.cfp_closes_at, edition.cfp_guidance)
    for data, status in [
        (_call_form(tracks, opens_at="yesterday"), 400),
        (_call_form(tracks, open_tracks=[str(foreign.id)]), 400),
        (_call_form(tracks, open_tracks=["abc"]), 400),
        (_call_form(tracks, guidance="x" * 20_001), 400),
        (_call_form(tracks, opens_at=""), 400),
    ]:
        assert client.post("/2027/admin/call", data=data).status_code == status, data
    db.session.expire_all()
    assert (edition.cfp_opens_at, edition.cfp_closes_at, edition.cfp_guidance) == before
    assert foreign.open_for_submissions is True


def test_only_organisers_manage_the_call(login, client, edition, tracks):
    before = (edition.cfp_opens_at, edition.cfp_guidance)
    for user in (
        make_user("someone@example.org"),
        make_user("chair@example.org", role="chair", edition=edition),
        make_user("rev@example.org", role="reviewer", edition=edition),
        make_user("staff@example.org", role="staff", edition=edition),
    ):
        c = login(user)
        assert c.get("/2027/admin/call").status_code == 403
        assert c.post("/2027/admin/call", data=_call_form(tracks)).status_code == 403
        assert c.post("/2027/admin/call/standard-types").status_code == 403
    assert client.get("/2027/admin/call").status_code == 302
    db.session.expire_all()
    assert (edition.cfp_opens_at, edition.cfp_guidance) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionType)) == 0


def test_organiser_of_another_edition_cannot_manage_this_call(login, edition, tracks):
    other = make_edition(2028)
    stranger = make_user("org2028@example.org", role="organiser", edition=other)
    assert login(stranger).post("/2027/admin/call", data=_call_form(tracks)).status_code == 403


def test_archived_call_is_read_only(login):
    archived = make_edition(2025, state="archived")
    organiser = make_user("old-org@example.org", role="organiser", edition=archived)
    assert login(organiser).get("/2025/admin/call").status_code == 403


def test_standard_types_are_added_once(login, edition, organiser):
    client = login(organiser)
    assert client.post("/2027/admin/call/standard-types").status_code == 302
    assert client.post("/2027/admin/call/standard-types").status_code == 302
    codes = db.session.scalars(sa.select(SubmissionType.code).order_by(SubmissionType.id)).all()
    assert codes == ["talk", "panel", "poster", "workshop"]
    html = client.get("/2027/admin/call").get_data(as_text=True)
    assert "Panel proposal" in html and "Workshop" in html


def test_add_edit_and_remove_a_type(login, edition, organiser):
    client = login(organiser)
    data = {"name": "Lightning talk", "code": "lightning", "max_words": "120",
            "duration_minutes": "5", "description": "Five minutes."}  # fmt: skip
    assert client.get("/2027/admin/call/types/new").status_code == 200
    assert client.post("/2027/admin/call/types/new", data=data).status_code == 302
    created = db.session.scalar(sa.select(SubmissionType))
    assert (created.max_words, created.duration_minutes) == (120, 5)
    response = client.post(f"/2027/admin/call/types/{created.id}", data=data | {"max_words": "150"})
    assert response.status_code == 302
    db.session.expire_all()
    assert created.max_words == 150
    response = confirm_post(client, f"/2027/admin/call/types/{created.id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionType)) == 0
    assert [e.action for e in audit_actions("submission_type.")] == [
        "submission_type.created",
        "submission_type.updated",
        "submission_type.deleted",
    ]


def test_bad_types_are_refused(login, edition, organiser, types):
    client = login(organiser)
    good = {"name": "X", "code": "x", "max_words": "100", "duration_minutes": "10"}
    for data, status in [
        (good | {"code": "talk"}, 409),
        (good | {"code": "Has Spaces"}, 400),
        (good | {"max_words": "0"}, 400),
        (good | {"max_words": "-5"}, 400),
        (good | {"max_words": "lots"}, 400),
        (good | {"max_words": "99999999999999999999"}, 400),
        (good | {"duration_minutes": "100000"}, 400),
        (good | {"name": ""}, 400),
        (good | {"name": "n" * 101}, 400),
    ]:
        assert client.post("/2027/admin/call/types/new", data=data).status_code == status, data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionType)) == 2


def test_type_in_use_cannot_be_removed(login, edition, organiser, author, types):
    make_submission(edition, author, type_=types[0])
    response = confirm_post(login(organiser), f"/2027/admin/call/types/{types[0].id}/delete")
    assert response.status_code == 409
    assert "used by 1 submission" in response.get_data(as_text=True)
    assert db.session.get(SubmissionType, types[0].id) is not None


def test_type_of_another_edition_is_not_found(login, edition, organiser):
    other = make_edition(2028)
    foreign = SubmissionType(edition_id=other.id, code="talk", name="Talk")
    db.session.add(foreign)
    db.session.commit()
    client = login(organiser)
    assert client.get(f"/2027/admin/call/types/{foreign.id}").status_code == 404
    assert client.post(f"/2027/admin/call/types/{foreign.id}/delete").status_code == 404
    assert db.session.get(SubmissionType, foreign.id) is not None


# --- the public call page ----------------------------------------------------------------


def test_public_call_page_shows_dates_types_limits_and_link(client, login, edition, tracks, types):
    edition.cfp_closes_at = dt.datetime(2027, 1, 31, 22, 59, tzinfo=dt.UTC)
    edition.cfp_guidance = "Read the **rules**.\n\n<script>alert(1)</script>"
    db.session.commit()
    html = client.get("/2027/call").get_data(as_text=True)
    assert "Sun 31 Jan 2027, 23:59" in html  # Brussels time
    assert "<strong>rules</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "Talk" in html and ">10<" in html and "Poster" in html
    assert "Policy" in html and "Closed track" not in html
    assert "Log in to write a submission" in html
    user = make_user("reader@example.org")
    assert "/2027/me/submissions/new" in login(user).get("/2027/call").get_data(as_text=True)


def test_call_page_before_and_after_the_window(client, edition):
    from conference.db import freeze

    freeze(edition.cfp_opens_at - dt.timedelta(days=1))
    html = client.get("/2027/call").get_data(as_text=True)
    assert "Not yet open" in html and "/me/submissions/new" not in html
    freeze(edition.cfp_closes_at + dt.timedelta(days=1))
    html = client.get("/2027/call").get_data(as_text=True)
    assert "Closed" in html and "/me/submissions/new" not in html


def test_unknown_or_draft_edition_call_is_404(client):
    make_edition(2029, state="draft")
    assert client.get("/2029/call").status_code == 404
    assert client.get("/2031/call").status_code == 404
