"""Organisers set TLP labels (issue 23): in the session form (the edition's default for a new
session), the contribution form (never less strict than the session), the edition settings
and the schedule editor; every change is audited and readable; cloning keeps the labels."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.audit import AuditEntry
from conference.db import utcnow
from conference.editions.cloning import clone_edition
from conference.editions.models import Edition
from conference.errors import DomainError
from conference.extensions import db
from conference.programme import services
from conference.programme.models import Contribution, ProgrammeSession
from conference.review.services import place_in_programme
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import make_attendee, make_room, make_session
from tests.review.factories import make_chair, make_submission


@pytest.fixture
def edition(app):
    return make_edition(2027, timezone="Europe/Brussels")


@pytest.fixture
def organiser(edition):
    return grant(make_user(), "organiser", edition)


def _form(**overrides):
    data = {
        "title": "Closed-door briefing", "description": "", "type_id": "", "track_id": "",
        "room_id": "", "starts_at": "2027-06-09T09:00", "ends_at": "2027-06-09T10:30",
        "speakers": "", "chair_email": "", "capacity": "", "state": "scheduled",
        "cancel_reason": "", "access": "open", "invitees": "", "tlp": "RED",
    }  # fmt: skip
    data.update(overrides)
    return data


def _entries(action):
    db.session.expire_all()
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def _session_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession))


def test_new_session_form_preselects_the_edition_default(edition, organiser, login):
    edition.tlp_default = "AMBER"
    db.session.commit()
    page = login(organiser).get("/2027/admin/programme/sessions/new").get_data(as_text=True)
    assert '<option selected value="AMBER">' in page
    assert 'for="tlp"' in page and "TLP:AMBER+STRICT — " in page


def test_session_form_sets_and_audits_the_label(edition, organiser, login):
    client = login(organiser)
    response = client.post("/2027/admin/programme/sessions/new", data=_form())
    assert response.status_code == 303, response.get_data(as_text=True)
    session = db.session.scalar(sa.select(ProgrammeSession))
    assert session.tlp == "RED"
    edit = client.post(
        f"/2027/admin/programme/sessions/{session.id}/edit", data=_form(tlp="AMBER+STRICT")
    )
    assert edit.status_code == 303
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).tlp == "AMBER+STRICT"
    [created, updated] = _entries("session.create") + _entries("session.update")
    assert created.details["tlp_to"] == "RED"
    assert updated.details["tlp_from"] == "RED" and updated.details["tlp_to"] == "AMBER+STRICT"
    # Readable in the audit log.
    log = client.get("/2027/admin/audit").get_data(as_text=True)
    assert "TLP label before: RED" in log and "TLP label after: AMBER+STRICT" in log


def test_a_form_without_the_label_never_lowers_it(edition, organiser, login):
    edition.tlp_default = "AMBER"
    session = make_session(edition, title="Red one", tlp="RED")
    db.session.commit()
    client = login(organiser)
    without = {k: v for k, v in _form(title="Red one").items() if k != "tlp"}
    assert (
        client.post(f"/2027/admin/programme/sessions/{session.id}/edit", data=without).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).tlp == "RED"
    assert (
        client.post(
            "/2027/admin/programme/sessions/new", data={**without, "title": "New one"}
        ).status_code
        == 303
    )
    new = db.session.scalar(sa.select(ProgrammeSession).where(ProgrammeSession.title == "New one"))
    assert new.tlp == "AMBER"


def test_session_form_refuses_an_unknown_label(edition, organiser, login):
    client = login(organiser)
    response = client.post("/2027/admin/programme/sessions/new", data=_form(tlp="PURPLE"))
    assert response.status_code == 400
    assert _session_count() == 0
    session = make_session(edition, tlp="GREEN")
    db.session.commit()
    response = client.post(
        f"/2027/admin/programme/sessions/{session.id}/edit", data=_form(tlp="TLP:BLACK")
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).tlp == "GREEN"


def test_session_form_is_for_organisers_only(edition, login):
    session = make_session(edition, tlp="CLEAR")
    db.session.commit()
    attendee = login(make_attendee(edition=edition))
    response = attendee.post(
        f"/2027/admin/programme/sessions/{session.id}/edit", data=_form(tlp="RED")
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).tlp == "CLEAR"


def test_contribution_form_offers_only_labels_at_least_as_strict(edition, organiser, login):
    session = make_session(edition, minutes=60, tlp="AMBER")
    db.session.commit()
    client = login(organiser)
    base = f"/2027/admin/programme/sessions/{session.id}/contributions"
    page = client.get(f"{base}/new").get_data(as_text=True)
    assert 'value="AMBER+STRICT"' in page and 'value="RED"' in page
    assert 'value="GREEN"' not in page and 'value="CLEAR"' not in page
    refused = client.post(f"{base}/new", data={"title": "Leak", "duration_minutes": "10",
                                               "tlp": "GREEN"})  # fmt: skip
    assert refused.status_code == 400
    assert "A contribution cannot be less strict than its session" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contribution)) == 0
    ok = client.post(f"{base}/new", data={"title": "Briefing", "duration_minutes": "10",
                                          "tlp": "RED"})  # fmt: skip
    assert ok.status_code == 303
    contribution = db.session.scalar(sa.select(Contribution))
    assert contribution.tlp == "RED" and contribution.effective_tlp == "RED"
    assert _entries("session.contribution_add")[-1].details["tlp_to"] == "RED"
    # Editing: less strict refused and unchanged; the session's label ("") accepted, audited.
    edit_url = f"{base}/{contribution.id}"
    refused = client.post(edit_url, data={"title": "Briefing", "duration_minutes": "10",
                                          "tlp": "CLEAR"})  # fmt: skip
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(Contribution, contribution.id).tlp == "RED"
    assert client.post(edit_url, data={"title": "Briefing", "duration_minutes": "10",
                                       "tlp": ""}).status_code == 303  # fmt: skip
    db.session.expire_all()
    assert db.session.get(Contribution, contribution.id).tlp is None
    entry = _entries("session.contribution_update")[-1]
    assert entry.details["tlp_from"] == "RED" and entry.details["tlp_to"] is None
    bad = client.post(edit_url, data={"title": "Briefing", "duration_minutes": "10",
                                      "tlp": "ULTRA"})  # fmt: skip
    assert bad.status_code == 400


def test_contribution_rule_lives_in_the_services(edition, organiser):
    session = make_session(edition, minutes=60, tlp="AMBER+STRICT")
    with pytest.raises(DomainError, match="less strict"):
        services.add_contribution(
            organiser, session, edition,
            services.ContributionSpec(title="x", duration_minutes=5, tlp="AMBER"),
        )  # fmt: skip
    contribution = services.add_contribution(
        organiser, session, edition,
        services.ContributionSpec(title="y", duration_minutes=5, tlp="RED"),
    )  # fmt: skip
    assert contribution.tlp == "RED"


def test_edition_settings_set_the_default_label(edition, organiser, login):
    client = login(organiser)
    form = client.get("/2027/admin/settings").get_data(as_text=True)
    assert 'name="tlp_default"' in form
    data = {
        "title": edition.title, "acronym": "", "venue": edition.venue or "",
        "address": edition.address or "", "timezone": edition.timezone,
        "start_date": edition.start_date.isoformat(), "end_date": edition.end_date.isoformat(),
        "state": edition.state, "languages": "en,fr,de", "tlp_default": "GREEN",
        "registration_opens_at": "2027-01-10T09:00", "registration_closes_at": "2027-05-01T23:59",
        "cfp_opens_at": "2026-11-01T00:00", "cfp_closes_at": "2027-01-31T17:00",
        "review_deadline": "2027-03-01T12:00",
    }  # fmt: skip
    response = client.post("/2027/admin/settings", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).tlp_default == "GREEN"
    entry = _entries("edition.update")[-1]
    assert entry.details["changes"]["tlp_default"] == ["CLEAR", "GREEN"]
    assert "TLP label of new sessions: CLEAR, GREEN" in client.get("/2027/admin/audit").get_data(
        as_text=True
    )
    bad = client.post("/2027/admin/settings", data={**data, "tlp_default": "NOPE"})
    assert bad.status_code == 400
    attendee = login(make_attendee(edition=edition))
    assert (
        attendee.post("/2027/admin/settings", data={**data, "tlp_default": "RED"}).status_code
        == 403
    )
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).tlp_default == "GREEN"
    # A new session starts with the default when no label is given.
    session, _ = services.save_session(
        organiser, edition,
        services.SessionData(title="New", starts_at=make_session(edition).starts_at,
                             ends_at=make_session(edition).ends_at),
    )  # fmt: skip
    assert session.tlp == "GREEN"


def test_schedule_editor_label_form_without_javascript(edition, organiser, login):
    room = make_room(edition)
    session = make_session(edition, title="Editor session", room_id=room.id, tlp="CLEAR")
    db.session.commit()
    client = login(organiser)
    page = client.get("/2027/admin/programme/editor?day=2027-06-09").get_data(as_text=True)
    assert f'<label for="tlp-{session.id}">' in page and 'name="tlp"' in page
    url = "/2027/admin/programme/editor/label"
    form = {"session_id": str(session.id), "tlp": "AMBER", "day": "2027-06-09"}
    response = client.post(url, data=form)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"day=2027-06-09#label-{session.id}")
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).tlp == "AMBER"
    entry = _entries("session.update")[-1]
    assert entry.details["tlp_from"] == "CLEAR" and entry.details["tlp_to"] == "AMBER"
    assert client.post(url, data={**form, "tlp": "MAUVE"}).status_code == 400
    assert client.post(url, data={**form, "session_id": "999999"}).status_code == 404
    assert client.post(url, data={**form, "session_id": "x"}).status_code == 404
    staff = login(grant(make_user(), "staff", edition))
    assert staff.post(url, data={**form, "tlp": "RED"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).tlp == "AMBER"


def test_a_duplicated_session_keeps_its_labels(edition, organiser, login):
    session = make_session(edition, title="Red briefing", minutes=60, tlp="AMBER")
    services.add_contribution(
        organiser, session, edition,
        services.ContributionSpec(title="Sources", duration_minutes=10, tlp="RED"),
    )  # fmt: skip
    db.session.commit()
    response = login(organiser).post(f"/2027/admin/programme/sessions/{session.id}/duplicate")
    assert response.status_code == 303
    copy = db.session.scalar(
        sa.select(ProgrammeSession).where(ProgrammeSession.title == "Red briefing (copy)")
    )
    assert copy.tlp == "AMBER" and [c.tlp for c in copy.contributions] == ["RED"]


def test_cloning_copies_the_default_and_the_sessions_labels(edition, organiser):
    edition.tlp_default = "AMBER"
    make_session(edition, title="Red one", tlp="RED")
    db.session.commit()
    result = clone_edition(edition, 2029, with_programme=True, actor=organiser)
    db.session.commit()
    assert result.edition.tlp_default == "AMBER"
    copy = db.session.scalar(
        sa.select(ProgrammeSession).where(
            ProgrammeSession.edition_id == result.edition.id, ProgrammeSession.title == "Red one"
        )
    )
    assert copy is not None and copy.tlp == "RED"


def test_a_talk_placed_as_a_new_session_starts_with_the_edition_default(app, edition):
    edition.tlp_default = "GREEN"
    submission = make_submission(edition, author=make_user(), title="Placed talk")
    submission.decision = "accepted"
    submission.decided_at = utcnow()
    db.session.commit()
    starts = dt.datetime(2027, 6, 9, 10, 30, tzinfo=edition.tz)
    with app.test_request_context("/2027/"):
        place_in_programme(make_chair(edition), submission, starts_at=starts,
                           duration_minutes=25, room_id=None, type_id=None,
                           allow_clashes=True)  # fmt: skip
    db.session.commit()
    session = db.session.scalar(
        sa.select(ProgrammeSession).where(ProgrammeSession.title == "Placed talk")
    )
    assert session.tlp == "GREEN"
