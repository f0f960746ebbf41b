"""Cloning an edition: what is copied, what is not, dates shifted, roles offered, rollback."""

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.accreditation.models import AccreditationCategory, Registration
from conference.audit import AuditEntry
from conference.editions import cloning
from conference.editions.models import Edition, EditionState, MailTemplate
from conference.programme import reactions as programme_reactions
from conference.programme.models import (
    AccessPolicy,
    ProgrammeSession,
    Room,
    SessionSpeaker,
    SessionState,
    SessionType,
    Track,
)
from conference.review.models import ReviewerExpertise
from conference.submissions.models import Submission, SubmissionType
from tests.factories import make_edition, make_user

UTC = dt.UTC


def _source(db):
    """A 2025 edition with a set-up, a programme and attendee data that must not be copied."""
    edition = make_edition(
        2025,
        state=EditionState.ARCHIVED,
        acronym="EFCRS 2025",
        title="Research Security Conference 2025",
        start_date=dt.date(2025, 6, 11),
        end_date=dt.date(2025, 6, 12),
        registration_opens_at=dt.datetime(2025, 1, 15, 9, tzinfo=UTC),
        registration_closes_at=dt.datetime(2025, 5, 31, 21, tzinfo=UTC),
        cfp_guidance="Send us your best work.",
        badge_footer="Keep your badge visible",
    )
    mse = AccreditationCategory(
        edition_id=edition.id,
        name="Member State expert",
        code="MSE",
        requires_nomination=True,
        quota=120,
        colour="#003399",
    )
    press = AccreditationCategory(edition_id=edition.id, name="Press", code="PRESS")
    room = Room(edition_id=edition.id, name="Plenary hall", capacity=300)
    track = Track(edition_id=edition.id, name="Policy", colour="#005a9c")
    kind = SessionType(edition_id=edition.id, name="Closed-door meeting", code="closed")
    subtype = SubmissionType(edition_id=edition.id, name="Talk", code="talk", max_words=250)
    template = MailTemplate(
        edition_id=edition.id, key="decision_accepted", subject="Accepted", body="Dear {{ name }}"
    )
    db.session.add_all([mse, press, room, track, kind, subtype, template])
    db.session.flush()
    session = ProgrammeSession(
        edition_id=edition.id,
        title="Closed meeting of experts",
        type_id=kind.id,
        track_id=track.id,
        room_id=room.id,
        starts_at=dt.datetime(2025, 6, 11, 8, tzinfo=UTC),
        ends_at=dt.datetime(2025, 6, 11, 9, tzinfo=UTC),
        access=AccessPolicy.CATEGORIES,
        categories=[mse],
    )
    cancelled = ProgrammeSession(
        edition_id=edition.id,
        title="Cancelled one",
        starts_at=dt.datetime(2025, 6, 11, 10, tzinfo=UTC),
        ends_at=dt.datetime(2025, 6, 11, 11, tzinfo=UTC),
        state=SessionState.CANCELLED,
    )
    db.session.add_all([session, cancelled])
    db.session.flush()
    db.session.add(SessionSpeaker(session_id=session.id, name="Guest Speaker"))
    person = make_user()
    db.session.add(
        Registration(
            edition_id=edition.id, user_id=person.id, requested_category_id=mse.id, country="BE"
        )
    )
    db.session.add(Submission(edition_id=edition.id, author_id=person.id, title="Old talk"))
    db.session.commit()
    return edition


def test_clone_copies_setup_with_shifted_dates_and_nothing_personal(db):
    source = _source(db)
    result = cloning.clone_edition(source, 2027, shift_days=728, with_programme=True)
    new = result.edition
    assert new.state == EditionState.DRAFT
    assert new.year == 2027
    assert new.title == "Research Security Conference 2027"
    assert new.acronym == "EFCRS 2027"
    assert new.start_date == dt.date(2027, 6, 9)
    assert new.start_date.weekday() == source.start_date.weekday()
    assert new.registration_opens_at == dt.datetime(2027, 1, 13, 9, tzinfo=UTC)
    assert new.cfp_guidance == "Send us your best work."
    assert new.badge_footer == "Keep your badge visible"
    assert new.cloned_from_id == source.id

    categories = db.session.scalars(
        sa.select(AccreditationCategory).where(AccreditationCategory.edition_id == new.id)
    ).all()
    assert {(c.code, c.requires_nomination, c.quota) for c in categories} == {
        ("MSE", True, 120),
        ("PRESS", False, None),
    }
    for model in (Room, Track, SessionType, SubmissionType, MailTemplate):
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.edition_id == new.id)
            )
            == 1
        ), model
    sessions = db.session.scalars(
        sa.select(ProgrammeSession).where(ProgrammeSession.edition_id == new.id)
    ).all()
    assert len(sessions) == 1  # the cancelled one is not carried over
    copy = sessions[0]
    assert copy.starts_at == dt.datetime(2027, 6, 9, 8, tzinfo=UTC)
    assert copy.speakers == []
    assert [c.code for c in copy.categories] == ["MSE"]
    assert copy.categories[0].edition_id == new.id
    assert copy.room.edition_id == new.id and copy.track.edition_id == new.id
    assert (
        copy.uid
        != db.session.scalars(
            sa.select(ProgrammeSession.uid).where(ProgrammeSession.edition_id == source.id)
        ).first()
    )
    for model in (Registration, Submission):
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.edition_id == new.id)
            )
            == 0
        )
    assert result.counts["sessions"] == 1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "edition.clone"))
    assert entry.edition_id == new.id and entry.details["source_year"] == 2025


def test_clone_default_shift_keeps_weekdays_and_skips_programme(db):
    source = _source(db)
    new = cloning.clone_edition(source, 2027).edition
    assert (new.start_date - source.start_date).days % 7 == 0
    assert new.start_date.weekday() == source.start_date.weekday()
    assert abs((new.start_date - dt.date(2027, 6, 11)).days) <= 3
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ProgrammeSession)
            .where(ProgrammeSession.edition_id == new.id)
        )
        == 0
    )


def test_clone_rolls_back_entirely_on_error(db, monkeypatch):
    source = _source(db)
    before = {
        model: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Edition, AccreditationCategory, Room, Track, MailTemplate, ProgrammeSession)
    }

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(programme_reactions, "_cloned_id", broken)
    with pytest.raises(RuntimeError):
        cloning.clone_edition(source, 2027, with_programme=True)
    after = {
        model: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in before
    }
    assert after == before
    assert db.session.scalar(sa.select(Edition).where(Edition.year == 2027)) is None


def test_clone_refuses_existing_year(db):
    source = _source(db)
    make_edition(2027)
    with pytest.raises(cloning.Conflict):
        cloning.clone_edition(source, 2027)


def test_roles_are_offered_not_copied_and_reviewers_keep_expertise(db):
    source = _source(db)
    reviewer = make_user(role="reviewer", edition=source)
    organiser = make_user(role="organiser", edition=source)
    track = db.session.scalar(sa.select(Track).where(Track.edition_id == source.id))
    db.session.add(ReviewerExpertise(edition_id=source.id, user_id=reviewer.id, track_id=track.id))
    db.session.commit()
    new = cloning.clone_edition(source, 2027).edition
    offers = cloning.role_offers(new)
    assert {(o.user.id, o.role) for o in offers} == {
        (reviewer.id, "reviewer"),
        (organiser.id, "organiser"),
    }
    from conference.accounts.models import RoleAssignment

    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RoleAssignment)
            .where(RoleAssignment.edition_id == new.id)
        )
        == 0
    )
    cloning.confirm_roles(new, {f"{reviewer.id}:reviewer"})
    assert [(o.user.id, o.role) for o in cloning.role_offers(new)] == [(organiser.id, "organiser")]
    expertise = db.session.scalars(
        sa.select(ReviewerExpertise).where(ReviewerExpertise.edition_id == new.id)
    ).all()
    assert len(expertise) == 1
    assert expertise[0].user_id == reviewer.id
    assert db.session.get(Track, expertise[0].track_id).edition_id == new.id


def test_clone_page_is_for_administrators_only(db, client, login):
    source = _source(db)
    organiser = make_user(role="organiser", edition=source)
    response = login(organiser).post(
        "/admin/editions/clone", data={"source": 2025, "new_year": 2029}
    )
    assert response.status_code == 403
    assert client.get("/admin/editions/clone").status_code == 302
    assert db.session.scalar(sa.select(Edition).where(Edition.year == 2029)) is None


def test_admin_clones_through_the_page_then_confirms_roles(db, login):
    source = _source(db)
    reviewer = make_user(role="reviewer", edition=source)
    admin = login(make_user(admin=True))
    assert admin.get("/admin/editions/clone").status_code == 200
    response = admin.post(
        "/admin/editions/clone",
        data={"source": 2025, "new_year": 2029, "shift_days": "", "with_programme": "y"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/2029/admin/role-offers")
    new = db.session.scalar(sa.select(Edition).where(Edition.year == 2029))
    assert new.state == EditionState.DRAFT
    page = admin.get("/2029/admin/role-offers")
    assert reviewer.email in page.get_data(as_text=True)
    admin.post("/2029/admin/role-offers", data={"offer": f"{reviewer.id}:reviewer"})
    assert cloning.role_offers(new) == []


def test_clone_page_rejects_bad_input(db, login):
    _source(db)
    admin = login(make_user(admin=True))
    for data in (
        {"source": 2025, "new_year": "abc"},
        {"source": 2025, "new_year": 1800},
        {"source": 2025, "new_year": 2025},
        {"source": 1999, "new_year": 2031},
        {"source": 2025, "new_year": 2031, "shift_days": "9" * 40},
    ):
        response = admin.post("/admin/editions/clone", data=data)
        assert 400 <= response.status_code < 500, data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Edition)) == 1


def test_cli_clone_with_roles(db, runner):
    source = _source(db)
    reviewer = make_user(role="reviewer", edition=source)
    result = runner.invoke(
        args=["editions", "clone", "2025", "2027", "--shift-days", "728", "--roles", "all"]
    )
    assert result.exit_code == 0, result.output
    assert "Created draft edition 2027" in result.output
    assert f"Granted reviewer to {reviewer.email}" in result.output
    again = runner.invoke(args=["editions", "clone", "2025", "2027"])
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_cli_clone_asks_for_each_role(db, runner):
    source = _source(db)
    make_user("a@example.org", role="organiser", edition=source)
    result = runner.invoke(args=["editions", "clone", "2025", "2029"], input="n\n")
    assert result.exit_code == 0, result.output
    assert "1 role(s) not granted" in result.output
