"""The accepted abstracts hide a talk by the access rule of its session as released: a talk
placed only in the draft is listed like any accepted talk (without a slot), and a draft that
restricts or opens a released session changes nothing until it is released."""

from __future__ import annotations

import pytest

from conference.db import utcnow
from conference.extensions import db
from conference.programme import services as programme
from conference.programme.models import AccessPolicy
from tests.factories import grant, make_user
from tests.programme.factories import make_category, make_session
from tests.submissions.conftest import make_submission


@pytest.fixture
def stage(edition, author, tracks):
    """Two accepted, published talks; the first in an open session, released as 1.0."""
    organiser = grant(make_user(), "organiser", edition)
    experts = make_category(edition, code="MSX")
    placed = make_submission(edition, author, track=tracks[0], state="submitted",
                             title="Placed and released", decision="accepted",
                             decision_published_at=utcnow())  # fmt: skip
    later = make_submission(edition, author, track=tracks[0], state="submitted",
                            title="Placed in the draft only", decision="accepted",
                            decision_published_at=utcnow())  # fmt: skip
    released = make_session(edition, title="Open session", hour=9, submission_id=placed.id)
    db.session.commit()
    programme.release(organiser, edition, "1.0", "")
    db.session.commit()
    return dict(experts=experts, placed=placed, later=later, released=released, edition=edition)


def _page(client) -> str:
    return client.get("/2027/abstracts").get_data(as_text=True)


def test_a_talk_placed_only_in_a_restricted_draft_session_is_listed(stage, client):
    make_session(
        stage["edition"],
        title="Closed roundtable",
        hour=11,
        restricted_to=[stage["experts"]],
        submission_id=stage["later"].id,
    )
    db.session.commit()
    page = _page(client)
    assert "Placed in the draft only" in page and "Placed and released" in page
    assert "Closed roundtable" not in page


def test_a_draft_restriction_of_a_released_open_session_waits_for_the_release(stage, client):
    session = stage["released"]
    session.access, session.categories = AccessPolicy.CATEGORIES, [stage["experts"]]
    db.session.commit()
    assert "Placed and released" in _page(client)
    programme.release(grant(make_user(), "organiser", stage["edition"]), stage["edition"], "1.1")
    db.session.commit()
    assert "Placed and released" not in _page(client)
