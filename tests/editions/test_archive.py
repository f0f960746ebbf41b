"""An archived edition: read-only for everyone but administrators, still public, feeds working."""

import datetime as dt

import sqlalchemy as sa

from conference.accreditation.models import AccreditationCategory, Registration
from conference.editions.models import EditionState
from conference.programme.models import AccessPolicy, Booking, ProgrammeSession
from conference.submissions.models import Submission
from tests.factories import make_edition, make_user

UTC = dt.UTC


def _archive(db):
    edition = make_edition(
        2025,
        state=EditionState.ARCHIVED,
        start_date=dt.date(2025, 6, 11),
        end_date=dt.date(2025, 6, 12),
    )
    mse = AccreditationCategory(edition_id=edition.id, name="Member State expert", code="MSE")
    db.session.add(mse)
    db.session.flush()
    open_session = ProgrammeSession(
        edition_id=edition.id,
        title="Opening plenary of 2025",
        booking_required=True,
        capacity=10,
        starts_at=dt.datetime(2025, 6, 11, 7, tzinfo=UTC),
        ends_at=dt.datetime(2025, 6, 11, 8, tzinfo=UTC),
    )
    closed = ProgrammeSession(
        edition_id=edition.id,
        title="Secret briefing on export control",
        description="Sensitive details",
        access=AccessPolicy.CATEGORIES,
        categories=[mse],
        starts_at=dt.datetime(2025, 6, 11, 9, tzinfo=UTC),
        ends_at=dt.datetime(2025, 6, 11, 10, tzinfo=UTC),
    )
    author = make_user(full_name="Ada Speaker")
    accepted = Submission(
        edition_id=edition.id,
        author_id=author.id,
        title="Due diligence in practice",
        abstract="How universities screen partners.",
        state="submitted",
        decision="accepted",
        decision_published_at=dt.datetime(2025, 3, 1, tzinfo=UTC),
    )
    db.session.add_all([open_session, closed, accepted])
    db.session.commit()
    return edition, mse, open_session, closed


def test_archive_stays_public_without_restricted_details(db, client):
    _archive(db)
    programme = client.get("/2025/programme")
    assert programme.status_code == 200
    html = programme.get_data(as_text=True)
    assert "Opening plenary of 2025" in html
    assert "Secret briefing" not in html
    abstracts = client.get("/2025/abstracts").get_data(as_text=True)
    assert "Due diligence in practice" in abstracts
    for path in ("/2025/programme.ics", "/2025/schedule.json", "/2025/schedule.xml"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert "Opening plenary of 2025" in body
        assert "Secret briefing" not in body and "Sensitive details" not in body


def test_archive_accepts_no_registration_booking_or_submission(db, login):
    edition, mse, open_session, _closed = _archive(db)
    person = make_user()
    db.session.add(
        Registration(
            edition_id=edition.id,
            user_id=person.id,
            state="accredited",
            requested_category_id=mse.id,
            category_id=mse.id,
        )
    )
    db.session.commit()
    newcomer = login(make_user())
    response = newcomer.post(
        "/2025/register",
        data={
            "category": mse.id,
            "organisation": "Ministry",
            "organisation_type": "government",
            "country": "BE",
            "position": "Adviser",
            "privacy_consent": "y",
        },
    )
    assert response.status_code in (200, 400, 403, 409)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
    attendee = login(person)
    response = attendee.post(f"/2025/sessions/{open_session.id}/book")
    assert 300 <= response.status_code < 500
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0
    response = attendee.post("/2025/me/submissions/new", data={"title": "Late idea"})
    assert 300 <= response.status_code < 500
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Submission)
            .where(Submission.title == "Late idea")
        )
        == 0
    )


def test_archive_is_read_only_for_organisers_but_not_administrators(db, login):
    edition, *_ = _archive(db)
    organiser = login(make_user(role="organiser", edition=edition))
    data = {"name": "New room", "capacity": "20", "directions": ""}
    response = organiser.post("/2025/admin/programme/rooms", data=data)
    assert response.status_code == 403
    from conference.programme.models import Room

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 0
    admin = login(make_user(admin=True))
    response = admin.post("/2025/admin/programme/rooms", data=data)
    assert response.status_code in (200, 302, 303)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 1


def test_abstract_placed_in_restricted_session_is_hidden_from_the_uncleared(db, client, login):
    edition, mse, _open, closed = _archive(db)
    submission = db.session.scalar(sa.select(Submission))
    from conference.programme.models import Contribution

    closed.contributions.append(
        Contribution(kind="talk", submission_id=submission.id, title="Talk", duration_minutes=5)
    )
    db.session.commit()
    assert "Due diligence in practice" not in client.get("/2025/abstracts").get_data(as_text=True)
    expert = make_user()
    db.session.add(
        Registration(
            edition_id=edition.id,
            user_id=expert.id,
            state="accredited",
            requested_category_id=mse.id,
            category_id=mse.id,
        )
    )
    db.session.commit()
    page = login(expert).get("/2025/abstracts").get_data(as_text=True)
    assert "Due diligence in practice" in page


def test_register_button_only_while_registration_is_open_and_not_yet_registered(db, login):
    edition, mse, *_ = _archive(db)
    open_edition = make_edition(2027)
    anonymous_2025 = login(make_user()).get("/2025/").get_data(as_text=True)
    assert "/2025/register" not in anonymous_2025
    person = make_user()
    client = login(person)
    assert "/2027/register" in client.get("/2027/").get_data(as_text=True)
    category = AccreditationCategory(edition_id=open_edition.id, name="Press", code="PRESS")
    db.session.add(category)
    db.session.flush()
    db.session.add(
        Registration(
            edition_id=open_edition.id, user_id=person.id, requested_category_id=category.id
        )
    )
    db.session.commit()
    assert "/2027/register" not in client.get("/2027/").get_data(as_text=True)
