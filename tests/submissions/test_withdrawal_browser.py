"""Withdrawing a scheduled talk in a real browser: the confirmation page, the refusal without
the box ticked, then the withdrawal (issue 13)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.mail import OutboxMessage
from conference.programme.models import Contribution, ProgrammeSession, Room, SessionSpeaker
from conference.submissions.models import Submission
from tests.browser.conftest import CHROMIUM, assert_accessible
from tests.factories import make_user
from tests.submissions.conftest import make_submission

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not shutil.which("chromium"),
        reason="Chromium not found (run `make system-deps`)",
    ),
]


@pytest.fixture
def scheduled(edition, tracks, types, author):
    chair = make_user("chair@example.org", role="chair", edition=edition)
    submission = make_submission(
        edition,
        author,
        track=tracks[0],
        type_=types[0],
        state="submitted",
        title="Export control in open labs",
        decision="accepted",
    )
    room = Room(edition_id=edition.id, name="Room Europa")
    db.session.add(room)
    db.session.flush()
    session = ProgrammeSession(
        edition_id=edition.id,
        title=submission.title,
        room_id=room.id,
        starts_at=dt.datetime(2027, 6, 9, 8, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 6, 9, 8, 30, tzinfo=dt.UTC),
    )
    talk = Contribution(
        kind="talk", submission_id=submission.id, title=submission.title, duration_minutes=30
    )
    session.contributions.append(talk)
    speaker = SessionSpeaker(user_id=author.id, name=author.display_name)
    session.speakers.append(speaker)
    talk.speakers.append(speaker)
    db.session.add(session)
    db.session.commit()
    return submission, session, chair


def test_withdrawal_journey_confirms_then_withdraws(
    live_server, axe_context, browser_login, scheduled, author
):
    submission, session, chair = scheduled
    page = axe_context.new_page()
    browser_login(page, author)
    page.goto(live_server.url(f"/2027/me/submissions/{submission.id}"))
    page.get_by_role("link", name="Withdraw…").click()
    page.wait_for_url(f"**/me/submissions/{submission.id}/withdraw")
    body = page.locator("main").inner_text()
    assert "Withdrawing is final" in body
    assert "Room Europa" in body and "marked cancelled" in body
    assert "programme chairs and the organisers are told" in body
    assert_accessible(page)

    # Without ticking the box: refused, nothing changes.
    page.get_by_role("button", name="Withdraw the submission").click()
    assert "Tick this box to withdraw" in page.locator("main").inner_text()
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).state == "submitted"

    page.get_by_label("Yes, withdraw this submission").check()
    page.get_by_role("button", name="Withdraw the submission").click()
    page.wait_for_url(f"**/me/submissions/{submission.id}")
    assert "The submission is withdrawn." in page.locator("main").inner_text()
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).state == "withdrawn"
    assert db.session.get(ProgrammeSession, session.id).state == "cancelled"
    told = db.session.scalars(
        sa.select(OutboxMessage.to).where(OutboxMessage.template == "submissions_withdrawn")
    ).all()
    assert told == [chair.email]
