"""Services other areas call: registration_for, the speaker offer; and the demo data."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accreditation import services
from conference.accreditation.models import Registration
from conference.errors import DomainError
from conference.extensions import db
from conference.mail import OutboxMessage
from tests.accreditation.conftest import make_category, make_registration
from tests.factories import make_edition, make_user


def test_registration_for(app, category, edition):
    registration = make_registration(category=category)
    assert services.registration_for(registration.user, edition).id == registration.id
    assert services.registration_for(make_user(), edition) is None
    assert services.registration_for(None, edition) is None
    assert services.is_accredited(registration.user, edition) is False


def test_speaker_offer_creates_a_submitted_registration(app, edition, category):
    speaker_cat = make_category(edition, "SPK", "Speaker", is_speaker_category=True)
    chair = make_user(role="chair", edition=edition)
    user = make_user(full_name="Ada Speaker", organisation="Uni", country="IT")
    with app.test_request_context():
        registration = services.accreditation_category_offer(user, edition, None, chair)
        db.session.commit()
    assert registration.state == "submitted"
    assert registration.requested_category_id == speaker_cat.id
    assert registration.full_name == "Ada Speaker" and registration.country == "IT"
    assert registration.events[0].actor_id == chair.id
    mail = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.template == "accreditation_speaker_offer")
    )
    assert mail.to == user.email and "/2027/me" in mail.text_body
    # Offered again: no second registration, a note on the existing one.
    with app.test_request_context():
        again = services.accreditation_category_offer(user, edition, speaker_cat, chair)
        db.session.commit()
    assert again.id == registration.id
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 1
    assert "Offered the Speaker category" in again.events[-1].reason


def test_speaker_offer_never_changes_an_existing_registration(app, edition, category):
    speaker_cat = make_category(edition, "SPK", "Speaker", is_speaker_category=True)
    registration = make_registration(category=category, state="waitlisted")
    before = (registration.requested_category_id, registration.endorsement)
    with app.test_request_context():
        services.accreditation_category_offer(registration.user, edition, speaker_cat, None)
        db.session.commit()
    db.session.expire_all()
    registration = db.session.get(Registration, registration.id)
    assert (registration.requested_category_id, registration.endorsement) == before
    assert registration.requested_category_id != speaker_cat.id
    assert registration.state == "waitlisted"
    assert "is unchanged" in registration.events[-1].reason


def test_speaker_offer_without_speaker_category_is_a_clear_error(app, edition, category):
    with app.test_request_context(), pytest.raises(DomainError, match="no speaker category"):
        services.accreditation_category_offer(make_user(), edition, None, None)
    foreign = make_category(make_edition(2029), "SPK", is_speaker_category=True)
    with app.test_request_context(), pytest.raises(DomainError):
        services.accreditation_category_offer(make_user(), edition, foreign, None)


def test_offered_speaker_completes_details_on_me(login, app, edition, category):
    make_category(edition, "SPK", "Speaker", is_speaker_category=True)
    user = make_user()
    with app.test_request_context():
        services.accreditation_category_offer(user, edition, None, None)
        db.session.commit()
    html = login(user).get("/2027/me").get_data(as_text=True)
    assert "confirm the privacy notice" in html
    assert login(user).get("/2027/me/edit").status_code == 200


@pytest.mark.demo
def test_demo_data_is_complete_and_idempotent(app, runner):
    counts = dict(
        db.session.execute(
            sa.text(
                "SELECT e.year || ':' || r.state, count(*) FROM registrations r "
                "JOIN editions e ON e.id = r.edition_id GROUP BY e.year, r.state"
            )
        ).all()
    )
    for state in ("submitted", "accredited", "rejected", "waitlisted", "revoked", "cancelled"):
        assert counts.get(f"2027:{state}", 0) >= 1, state
    assert sum(v for k, v in counts.items() if k.startswith("2027:")) >= 40
    assert counts.get("2025:accredited", 0) >= 10
    from conference.accounts.services import find_user
    from conference.editions.services import get_edition

    edition = get_edition(2027)
    attendee = services.registration_for(find_user("attendee@demo.test"), edition)
    assert attendee.state == "accredited" and attendee.category.code == "MSE"
    staff = services.registration_for(find_user("staff@demo.test"), edition)
    assert staff.state == "accredited" and staff.category.is_staff_category
    total = db.session.scalar(sa.select(sa.func.count(Registration.id)))
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == total
