"""The organisers' overview: every figure against data whose right answers we know."""

import datetime as dt

import pytest

from conference.accreditation.models import AccreditationCategory, Registration
from conference.badges.models import Badge, BadgeState
from conference.checkin.models import Scan
from conference.dashboard import services
from conference.db import freeze
from conference.mail import OutboxMessage
from conference.programme.models import Booking, ProgrammeSession
from conference.review.models import Review, ReviewAssignment
from conference.submissions.models import Submission
from tests.factories import make_edition, make_user

UTC = dt.UTC
NOW = dt.datetime(2027, 6, 9, 12, tzinfo=UTC)


@pytest.fixture
def data(db):
    """A 2027 edition with known registrations, submissions, bookings, badges and scans."""
    edition = make_edition(2027)
    mse = AccreditationCategory(
        edition_id=edition.id, name="Member State expert", code="MSE", quota=10
    )
    press = AccreditationCategory(edition_id=edition.id, name="Press", code="PRESS")
    db.session.add_all([mse, press])
    db.session.flush()
    people = [make_user() for _ in range(7)]
    # (state, requested, granted, country, age in days)
    spec = [
        ("accredited", mse, mse, "BE", 20),
        ("accredited", mse, mse, "FR", 15),
        ("accredited", press, press, "BE", 12),
        ("submitted", mse, None, "DE", 1),
        ("submitted", press, None, "BE", 3),
        ("waitlisted", mse, None, "DE", 10),
        ("rejected", press, None, "IT", 30),
    ]
    registrations = []
    for person, (state, requested, granted, country, age) in zip(people, spec, strict=True):
        registration = Registration(
            edition_id=edition.id,
            user_id=person.id,
            state=state,
            requested_category_id=requested.id,
            category_id=granted.id if granted else None,
            country=country,
            created_at=NOW - dt.timedelta(days=age),
        )
        db.session.add(registration)
        registrations.append(registration)
    db.session.flush()
    for i, registration in enumerate(registrations[:3]):
        db.session.add(
            Badge(
                edition_id=edition.id,
                registration_id=registration.id,
                category_code="X",
                printed_at=NOW if i < 2 else None,
            )
        )
    old = Badge(
        edition_id=edition.id,
        registration_id=registrations[0].id,
        version=0,
        category_code="X",
        state=BadgeState.REVOKED,
    )
    db.session.add(old)
    workshop = ProgrammeSession(
        edition_id=edition.id,
        title="Workshop",
        booking_required=True,
        capacity=2,
        starts_at=NOW,
        ends_at=NOW + dt.timedelta(hours=1),
    )
    db.session.add(workshop)
    db.session.flush()
    for person, state in zip(people[:3], ["booked", "booked", "waitlisted"], strict=True):
        db.session.add(
            Booking(edition_id=edition.id, session_id=workshop.id, user_id=person.id, state=state)
        )
    # Scans: two people admitted at the venue at 09:xx and 10:xx Brussels time, one again.
    local = edition.tz
    for registration, hour in [(registrations[0], 9), (registrations[1], 10)]:
        db.session.add(
            Scan(
                edition_id=edition.id,
                checkpoint="venue",
                registration_id=registration.id,
                result="admitted",
                scanned_at=dt.datetime(2027, 6, 9, hour, 5, tzinfo=local),
            )
        )
    db.session.add(
        Scan(
            edition_id=edition.id,
            checkpoint="venue",
            registration_id=registrations[0].id,
            result="admitted_again",
            scanned_at=dt.datetime(2027, 6, 9, 10, 30, tzinfo=local),
        )
    )
    db.session.add(
        Scan(
            edition_id=edition.id,
            checkpoint=f"session:{workshop.id}",
            registration_id=registrations[0].id,
            result="admitted",
            scanned_at=dt.datetime(2027, 6, 9, 10, 45, tzinfo=local),
        )
    )
    db.session.add(
        Scan(
            edition_id=edition.id,
            checkpoint="venue",
            result="denied",
            reason="invalid_code",
            scanned_at=dt.datetime(2027, 6, 9, 9, 1, tzinfo=local),
        )
    )
    # Submissions: 1 draft, 4 submitted (2 accepted, 1 rejected, 1 pending), 1 withdrawn.
    for state, decision in [
        ("draft", "pending"),
        ("submitted", "accepted"),
        ("submitted", "accepted"),
        ("submitted", "rejected"),
        ("submitted", "pending"),
        ("withdrawn", "pending"),
    ]:
        db.session.add(
            Submission(
                edition_id=edition.id,
                title="T",
                state=state,
                decision=decision,
                author_id=people[0].id,
            )
        )
    db.session.flush()
    submission = db.session.scalars(db.select(Submission)).first()
    for reviewer, submitted in [(people[4], True), (people[5], False), (people[6], None)]:
        db.session.add(
            ReviewAssignment(
                edition_id=edition.id, submission_id=submission.id, reviewer_id=reviewer.id
            )
        )
        if submitted is not None:
            db.session.add(
                Review(
                    edition_id=edition.id,
                    submission_id=submission.id,
                    reviewer_id=reviewer.id,
                    relevance=3,
                    quality=3,
                    originality=3,
                    recommendation="accept",
                    submitted_at=NOW if submitted else None,
                )
            )
    for status in ["pending", "pending", "failed", "sent"]:
        db.session.add(
            OutboxMessage(
                edition_id=edition.id, to="x@example.org", subject="s", text_body="b", status=status
            )
        )
    db.session.commit()
    freeze(NOW)
    return edition, workshop


def rows(figure):
    return {str(r[0]): r[1:] for r in figure.rows}


def test_registration_figures(data):
    edition, _ = data
    assert rows(services.registrations_by_state(edition)) == {
        "submitted": [2],
        "accredited": [3],
        "rejected": [1],
        "waitlisted": [1],
        "revoked": [0],
        "cancelled": [0],
    }
    assert rows(services.registrations_by_category(edition)) == {
        "Member State expert": [4, 2, 10],
        "Press": [3, 1, ""],
    }
    assert rows(services.registrations_by_country(edition)) == {
        "Belgium": [3],
        "Germany": [2],
        "France": [1],
        "Italy": [1],
    }


def test_queue_age(data):
    edition, _ = data
    figure = services.queue_age(edition)
    assert rows(figure) == {
        "under 2 days": [1],
        "2–7 days": [1],
        "7–14 days": [1],
        "14 days or more": [0],
    }
    assert figure.note == "3 waiting; oldest 10.0 days, median 3.0 days."


def test_submission_review_booking_badge_outbox_figures(data):
    edition, _ = data
    assert rows(services.submissions_progress(edition)) == {
        "draft": [1],
        "submitted, undecided": [1],
        "accepted": [2],
        "waitlisted": [0],
        "rejected": [1],
        "withdrawn": [1],
    }
    reviews = services.reviews_progress(edition)
    assert rows(reviews) == {"submitted": [1], "draft": [1], "not started": [1]}
    assert reviews.note == "1 of 3 assigned reviews submitted (33 %)."
    assert rows(services.bookings(edition)) == {"Workshop": [2, 1, 2]}
    assert rows(services.badges(edition)) == {
        "valid": [3],
        "printed (valid)": [2],
        "not yet printed": [1],
        "revoked": [1],
    }
    assert rows(services.outbox(edition)) == {"pending": [2], "failed": [1], "sent": [1]}


def test_checkins_over_time(data):
    edition, workshop = data
    figure = services.checkins_over_time(edition)
    assert figure.columns == ["Hour", "Venue", f"Session {workshop.id}"]
    assert figure.rows == [["2027-06-09 09:00", 1, 0], ["2027-06-09 10:00", 1, 1]]


def test_overview_page_shows_every_figure_with_table_and_csv(data, login):
    edition, _ = data
    organiser = login(make_user(role="organiser", edition=edition))
    page = organiser.get("/2027/admin")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for key in services.FIGURES:
        assert f'id="{key}"' in html
        assert f"/2027/admin/figures/{key}.csv" in html
    assert "<svg" in html and "<table>" in html
    csv = organiser.get("/2027/admin/figures/registrations-by-country.csv")
    assert csv.status_code == 200
    assert csv.mimetype == "text/csv"
    assert "Belgium,3" in csv.get_data(as_text=True)
    assert organiser.get("/2027/admin/figures/nope.csv").status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "staff", "chair", None])
def test_overview_denied_to_non_organisers(data, login, role):
    edition, _ = data
    user = make_user(role=role, edition=edition) if role else make_user()
    client = login(user)
    assert client.get("/2027/admin").status_code == 403
    assert client.get("/2027/admin/figures/outbox.csv").status_code == 403
    assert client.get("/2027/admin/compare?with=2025").status_code == 403


def test_overview_anonymous_goes_to_login(data, client):
    response = client.get("/2027/admin")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_compare_two_editions(data, db, login):
    edition, _ = data
    old = make_edition(2025, state="archived")
    category = AccreditationCategory(edition_id=old.id, name="Press", code="PRESS")
    db.session.add(category)
    db.session.flush()
    for state in ["accredited", "accredited", "rejected"]:
        db.session.add(
            Registration(
                edition_id=old.id,
                user_id=make_user().id,
                state=state,
                requested_category_id=category.id,
                category_id=category.id,
                country="NL",
            )
        )
    db.session.add(Submission(edition_id=old.id, title="a", state="submitted", decision="accepted"))
    db.session.add(Submission(edition_id=old.id, title="b", state="submitted", decision="rejected"))
    db.session.commit()
    admin = login(make_user(admin=True))
    page = admin.get("/2027/admin/compare?with=2025")
    assert page.status_code == 200
    csv = admin.get("/2027/admin/compare.csv?with=2025").get_data(as_text=True)
    lines = csv.strip().splitlines()
    assert lines[0].lstrip("\ufeff") == "Measure,2025,2027"
    assert "Registrations,3,7" in lines
    assert "Accredited,2,3" in lines
    # 2025: 1 accepted of 2 decided; 2027: 2 of 3 decided.
    assert "Acceptance rate (accepted / decided),50.0 %,66.7 %" in lines
    # 2027: 2 of 3 accredited admitted at the venue; 2025: none.
    assert "Attendance rate (admitted / accredited),0.0 %,66.7 %" in lines
    assert "Country: Netherlands,3,0" in lines
    assert "Category: Press,3,3" in lines


def test_compare_bad_input(data, login):
    admin = login(make_user(admin=True))
    assert admin.get("/2027/admin/compare").status_code == 400
    assert admin.get("/2027/admin/compare?with=abc").status_code == 400
    assert admin.get("/2027/admin/compare?with=1999").status_code == 404


def test_compare_requires_organising_both(data, login):
    edition, _ = data
    make_edition(2025, state="archived")
    organiser = login(make_user(role="organiser", edition=edition))
    assert organiser.get("/2027/admin/compare?with=2025").status_code == 403
