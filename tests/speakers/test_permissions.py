"""The speakers' permission rules, each for allow and deny."""

from __future__ import annotations

from flask import g

from conference.db import utcnow
from conference.editions.models import EditionState
from conference.extensions import db
from conference.permissions import can, clear_role_cache
from conference.programme.speaker_models import SpeakerProfile
from tests.factories import make_user
from tests.programme.factories import make_session
from tests.review.factories import make_submission


def _fresh():
    clear_role_cache()
    g.pop("_review_state_cache", None)


def test_session_materials_manage(edition, people, category):
    session = make_session(edition, speakers=[people["speaker"]])
    closed = make_session(edition, speakers=[people["speaker"]], restricted_to=[category])
    stranger = make_user()
    assert can(people["speaker"], "session.materials_manage", session, edition=edition)
    assert can(people["organiser"], "session.materials_manage", session, edition=edition)
    assert not can(people["cleared"], "session.materials_manage", session, edition=edition)
    assert not can(stranger, "session.materials_manage", session, edition=edition)
    assert not can(None, "session.materials_manage", session, edition=edition)
    # a speaker not cleared for a restricted session (registration not accredited) may not
    unaccredited = make_user()
    closed.speakers[0].user_id = unaccredited.id
    db.session.commit()
    _fresh()
    assert not can(unaccredited, "session.materials_manage", closed, edition=edition)
    # archived editions are read-only
    edition.state = EditionState.ARCHIVED
    db.session.commit()
    _fresh()
    assert not can(people["speaker"], "session.materials_manage", session, edition=edition)


def test_session_materials_access_is_for_organisers(edition, people):
    session = make_session(edition, speakers=[people["speaker"]])
    assert can(people["organiser"], "session.materials_access", session, edition=edition)
    assert not can(people["speaker"], "session.materials_access", session, edition=edition)


def test_submission_materials_and_confirmation(edition, people):
    submission = make_submission(edition, author=people["speaker"])
    assert can(people["speaker"], "submission.materials", submission, edition=edition)
    assert not can(people["cleared"], "submission.materials", submission, edition=edition)
    assert not can(people["speaker"], "submission.confirm_participation", submission)
    submission.decision = "accepted"
    submission.decision_published_at = utcnow()
    db.session.commit()
    _fresh()
    assert can(people["speaker"], "submission.confirm_participation", submission)
    assert not can(people["organiser"], "submission.confirm_participation", submission)
    submission.state = "withdrawn"
    db.session.commit()
    _fresh()
    assert not can(people["speaker"], "submission.materials", submission, edition=edition)
    assert not can(people["speaker"], "submission.confirm_participation", submission)


def test_speaker_profile_visibility(edition, people, category):
    profile = SpeakerProfile(edition_id=edition.id, user_id=people["speaker"].id)
    db.session.add(profile)
    db.session.commit()
    assert can(people["speaker"], "speaker.profile", profile, edition=edition)
    assert can(people["organiser"], "speaker.profile", profile, edition=edition)
    assert not can(None, "speaker.profile", profile, edition=edition)  # speaks nowhere
    make_session(edition, speakers=[people["speaker"]], restricted_to=[category])
    _fresh()
    assert can(people["cleared"], "speaker.profile", profile, edition=edition)
    assert not can(people["uncleared"], "speaker.profile", profile, edition=edition)
    assert not can(None, "speaker.profile", profile, edition=edition)
    make_session(edition, speakers=[people["speaker"]])
    _fresh()
    assert can(None, "speaker.profile", profile, edition=edition)
