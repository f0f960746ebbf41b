"""Who a mailing goes to: each filter of each kind, and the placeholders' clearance rule."""

from __future__ import annotations

import pytest

from conference.accounts.models import Role
from conference.accreditation.models import Registration
from conference.checkin.models import Scan
from conference.errors import DomainError
from conference.extensions import db
from conference.mailings.services import groups, placeholders
from tests.calendar.factories import accredit, book, make_category, make_session
from tests.factories import grant, make_edition, make_user
from tests.mailings.factories import add_co_speaker, assign, crowd, make_submission


@pytest.fixture
def edition(app):
    return make_edition()


def _emails(edition, audience) -> set[str]:
    return {r.to for r in groups.recipients(edition, audience)}


def test_registration_filters_combine(edition):
    research = make_category(edition, "RES")
    press = make_category(edition, "PRESS")
    fr_uni = crowd(edition, 3, research, country="FR", organisation_type="university")
    fr_gov = crowd(edition, 2, research, country="FR", organisation_type="government")
    de_uni = crowd(edition, 2, research, country="DE", organisation_type="university")
    fr_press = crowd(edition, 2, press, country="FR", organisation_type="university")
    pending = crowd(edition, 2, research, state="submitted", country="FR")
    everyone = fr_uni + fr_gov + de_uni + fr_press + pending
    emails = lambda people: {p.email for p in people}  # noqa: E731
    base = {"kind": "registrations"}
    assert _emails(edition, base) == emails(everyone)
    assert _emails(edition, {**base, "states": ["accredited"]}) == emails(everyone) - emails(
        pending
    )
    assert _emails(edition, {**base, "states": ["submitted"]}) == emails(pending)
    assert _emails(edition, {**base, "category_ids": [press.id]}) == emails(fr_press)
    assert _emails(edition, {**base, "countries": ["de"]}) == emails(de_uni)
    assert _emails(
        edition,
        {
            **base,
            "states": ["accredited"],
            "countries": ["FR"],
            "category_ids": [research.id],
            "organisation_types": ["university"],
        },
    ) == emails(fr_uni)


def test_session_booked_or_attended(edition):
    category = make_category(edition)
    session = make_session(edition)
    people = crowd(edition, 4, category)
    book(people[0], session)
    book(people[1], session)
    registration_ids = {r.user_id: r.id for r in db.session.scalars(db.select(Registration))}
    db.session.add(
        Scan(
            edition_id=edition.id,
            checkpoint=f"session:{session.id}",
            session_id=session.id,
            registration_id=registration_ids[people[2].id],
            result="admitted",
        )
    )
    db.session.add(
        Scan(
            edition_id=edition.id,
            checkpoint=f"session:{session.id}",
            session_id=session.id,
            registration_id=registration_ids[people[3].id],
            result="denied",
            reason="not_cleared",
        )
    )
    db.session.commit()
    base = {"kind": "registrations", "session_id": session.id}
    assert _emails(edition, {**base, "session_mode": "booked"}) == {
        people[0].email,
        people[1].email,
    }
    assert _emails(edition, {**base, "session_mode": "attended"}) == {people[2].email}


def test_speakers_by_submission_state(edition):
    accepted_author, co_speaker, unconfirmed, rejected_author, draft_author = (
        make_user() for _ in range(5)
    )
    accepted = make_submission(edition, accepted_author, decision="accepted")
    add_co_speaker(accepted, co_speaker)
    add_co_speaker(accepted, unconfirmed, confirmed=False)
    make_submission(edition, rejected_author, decision="rejected")
    make_submission(edition, draft_author, state="draft")
    speakers = {"kind": "speakers"}
    assert _emails(edition, {**speakers, "states": ["accepted"]}) == {
        accepted_author.email,
        co_speaker.email,
    }
    assert _emails(edition, {**speakers, "states": ["rejected", "draft"]}) == {
        rejected_author.email,
        draft_author.email,
    }
    # None ticked: every submitted one (not drafts).
    assert _emails(edition, speakers) == {
        accepted_author.email,
        co_speaker.email,
        rejected_author.email,
    }


def test_reviewers_with_unfinished_reviews(edition):
    done, late, idle = (make_user(role=Role.REVIEWER, edition=edition) for _ in range(3))
    submission = make_submission(edition, make_user())
    assign(done, submission, submitted=True)
    assign(late, submission)
    assert _emails(edition, {"kind": "reviewers"}) == {done.email, late.email, idle.email}
    assert _emails(edition, {"kind": "reviewers", "unfinished_only": True}) == {late.email}


def test_people_with_a_role_and_each_address_once(edition):
    staff = make_user(role=Role.STAFF, edition=edition)
    both = make_user(role=Role.STAFF, edition=edition)
    grant(both, Role.ORGANISER, edition)
    other_edition = make_edition(2028)
    make_user(role=Role.STAFF, edition=other_edition)
    assert _emails(edition, {"kind": "role", "role": "staff"}) == {staff.email, both.email}
    with pytest.raises(DomainError):
        groups.recipients(edition, {"kind": "role", "role": "king"})


def test_csv_parsing_refuses_what_is_not_an_export():
    assert groups.registration_ids_from_csv(b"\xef\xbb\xbfid,state\n3,accredited\n5,x\n3,y\n") == [
        3,
        5,
    ]
    for data in (
        b"",
        b"name\nA\n",
        b"id\nabc\n",
        b"\xff\xfe\x00garbage",
        b"id\n" + b"9" * 6_000_000,
    ):
        with pytest.raises(DomainError):
            groups.registration_ids_from_csv(data)


def test_sessions_placeholder_lists_only_sessions_the_person_is_cleared_for(app, edition):
    research, press = make_category(edition, "RES"), make_category(edition, "PRESS")
    person = make_user(full_name="Rosa Researcher")
    registration = accredit(person, edition, research)
    open_session = make_session(edition, title="Opening plenary")
    cleared = make_session(edition, title="Research security roundtable", restricted_to=[research])
    closed = make_session(edition, title="Closed briefing on export control", restricted_to=[press])
    invited_only = make_session(edition, title="Ministers' dinner", invited=[])
    for session in (open_session, cleared, closed, invited_only):
        book(person, session)
    recipient = groups.Recipient(person.email, person.full_name, person.id, registration.id)
    with app.test_request_context():
        text = placeholders.context_for(edition, recipient)["sessions"]
    assert "Opening plenary" in text and "Research security roundtable" in text
    assert "Closed briefing" not in text and "Ministers" not in text
    # Not accredited any more: nothing restricted at all.
    registration.state = "revoked"
    db.session.commit()
    with app.test_request_context():
        text = placeholders.context_for(edition, recipient)["sessions"]
    assert "Opening plenary" in text and "roundtable" not in text
