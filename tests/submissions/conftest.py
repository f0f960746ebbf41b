"""Fixtures of the call's tests: an edition with an open call, tracks, types and people."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role
from conference.audit import AuditEntry
from conference.db import utcnow
from conference.extensions import db as _db
from conference.programme.models import Track
from conference.submissions.models import CoSpeaker, Submission, SubmissionType
from tests.browser.conftest import (  # noqa: F401 (fixtures for test_browser.py)
    axe_context,
    browser,
    browser_login,
    context,
    live_server,
    page,
    playwright_instance,
)
from tests.factories import make_edition, make_user


@pytest.fixture
def edition(app):
    return make_edition(2027, timezone="Europe/Brussels")


@pytest.fixture
def tracks(edition):
    made = [
        Track(edition_id=edition.id, name=name, position=i, open_for_submissions=i < 3)
        for i, name in enumerate(["Policy", "Practice", "Research", "Closed track"])
    ]
    _db.session.add_all(made)
    _db.session.commit()
    return made


@pytest.fixture
def types(edition):
    made = [
        SubmissionType(edition_id=edition.id, code="talk", name="Talk", max_words=10),
        SubmissionType(edition_id=edition.id, code="poster", name="Poster", max_words=5),
    ]
    _db.session.add_all(made)
    _db.session.commit()
    return made


@pytest.fixture
def author(edition):
    return make_user("author@example.org", full_name="Alice Author", organisation="Uni A")


@pytest.fixture
def organiser(edition):
    return make_user("org@example.org", role=Role.ORGANISER, edition=edition)


def make_submission(edition, author, *, track=None, type_=None, state="draft", **values):
    values.setdefault("title", "A study of research security")
    values.setdefault("abstract", "one two three")
    submission = Submission(
        edition_id=edition.id,
        author_id=author.id if author else None,
        track_id=track.id if track else None,
        type_id=type_.id if type_ else None,
        state=state,
        submitted_at=utcnow() if state == "submitted" else None,
        **values,
    )
    _db.session.add(submission)
    _db.session.commit()
    return submission


def add_co_speaker(submission, user=None, *, email=None, confirmed=True):
    co = CoSpeaker(
        submission_id=submission.id,
        email=email or user.email,
        name=user.full_name if user else "",
        user_id=user.id if (user and confirmed) else None,
        confirmed_at=utcnow() if confirmed else None,
    )
    _db.session.add(co)
    _db.session.commit()
    return co


def snapshot(submission) -> dict:
    """The columns of a submission as stored (to prove that a refusal changed nothing)."""
    _db.session.expire_all()
    row = _db.session.get(Submission, submission.id)
    return {c.name: getattr(row, c.key) for c in Submission.__table__.columns} | {
        "co_speakers": sorted(
            (c.email, c.confirmed_at is not None)
            for c in _db.session.scalars(
                sa.select(CoSpeaker).where(CoSpeaker.submission_id == submission.id)
            )
        )
    }


def audit_actions(action_prefix: str = "") -> list[AuditEntry]:
    return list(
        _db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action.startswith(action_prefix))
            .order_by(AuditEntry.id)
        )
    )


def close_call(edition) -> None:
    """Move the clock past the deadline."""
    from conference.db import freeze

    freeze(edition.cfp_closes_at + dt.timedelta(minutes=1))
