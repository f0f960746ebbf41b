# ruff: noqa: F811 (the browser fixtures are imported from tests/browser/conftest.py)
"""The schedule editor in Chromium: drag a talk into a session and a session to another room
with the mouse and with the keyboard; a clash is shown in place and nothing moves."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import Contribution, ProgrammeSession, Room
from conference.submissions.models import Decision
from tests.browser.conftest import (  # noqa: F401 (fixtures used by this module)
    assert_accessible,
    axe_context,
    browser,
    browser_login,
    live_server,
    playwright_instance,
)
from tests.factories import grant, make_user
from tests.review.factories import make_submission


def _stage(world):
    edition = world.edition
    world.submission.decision = Decision.ACCEPTED
    second = make_submission(edition, title="Dual-use screening in practice")
    second.decision = Decision.ACCEPTED
    room_a = Room(edition_id=edition.id, name="Room A", position=0)
    room_b = Room(edition_id=edition.id, name="Room B", position=1)
    db.session.add_all([room_a, room_b])
    db.session.flush()
    sessions = []
    for title, room in (("Chaired session", room_a), ("Parallel panel", room_b)):
        session = ProgrammeSession(
            edition_id=edition.id,
            title=title,
            room_id=room.id,
            starts_at=dt.datetime(2027, 6, 9, 8, 0, tzinfo=dt.UTC),  # 10:00 in Brussels
            ends_at=dt.datetime(2027, 6, 9, 9, 30, tzinfo=dt.UTC),
        )
        db.session.add(session)
        sessions.append(session)
    db.session.commit()
    organiser = grant(make_user(email="olga@example.org"), "organiser", edition)
    return organiser, room_a, room_b, sessions[0], sessions[1], second


def _state(session_id):
    db.session.expire_all()
    s = db.session.get(ProgrammeSession, session_id)
    return s.room_id, s.starts_at


def _talks(session_id):
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Contribution.submission_id).where(Contribution.session_id == session_id)
    ).all()


@pytest.mark.browser
def test_editor_by_mouse_and_keyboard_with_clashes_in_place(
    app, world, live_server, axe_context, browser_login
):
    organiser, room_a, room_b, chaired, panel, second = _stage(world)
    page = axe_context.new_page()
    page.set_viewport_size({"width": 1400, "height": 2600})  # the whole day without scrolling
    browser_login(page, organiser)
    page.goto(live_server.url("/2027/admin/programme/editor?day=2027-06-09"))
    assert_accessible(page)
    chaired_box = page.locator(f'[data-session="{chaired.id}"]')
    panel_box = page.locator(f'[data-session="{panel.id}"]')

    # 1. Mouse: drag a talk from the side list into the chaired session.
    talk = page.locator(f'[data-submission="{world.submission.id}"]').bounding_box()
    target = chaired_box.bounding_box()
    with page.expect_navigation():
        page.mouse.move(talk["x"] + 10, talk["y"] + talk["height"] / 2)
        page.mouse.down()
        page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 40, steps=6)
        page.mouse.up()
    assert _talks(chaired.id) == [world.submission.id]

    # 2. Keyboard: pick the other talk with Enter, then drop it on the panel with Enter.
    page.locator(f'[data-submission="{second.id}"]').focus()
    page.keyboard.press("Enter")
    with page.expect_navigation():
        panel_box.focus()
        page.keyboard.press("Enter")
    assert _talks(panel.id) == [second.id]

    # 3. Mouse: drag the panel into Room A at the same time: a clash, shown on the session.
    before = _state(panel.id)
    head_a = page.locator(".editor-room", has_text="Room A").bounding_box()
    box = panel_box.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(head_a["x"] + head_a["width"] / 2, box["y"] + 22, steps=5)
    page.mouse.up()
    conflicts = page.locator(f"#conflicts-{panel.id}")
    conflicts.get_by_text("Room A is also used by").wait_for()
    assert _state(panel.id) == before

    # 4. Mouse: drag it into Room A two hours later (24 rows of 5 minutes): saved.
    box = panel_box.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(head_a["x"] + head_a["width"] / 2, box["y"] + 20 + 24 * 12, steps=8)
    page.mouse.up()
    conflicts.get_by_text("Saved.", exact=True).wait_for()
    room, starts = _state(panel.id)
    assert room == room_a.id and starts == dt.datetime(2027, 6, 9, 10, 0, tzinfo=dt.UTC)

    # 5. Keyboard: pick the chaired session, one room right, three hours later, drop.
    chaired_box.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")
    for _ in range(36):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator(f"#conflicts-{chaired.id}").get_by_text("Saved.", exact=True).wait_for()
    room, starts = _state(chaired.id)
    assert room == room_b.id and starts == dt.datetime(2027, 6, 9, 11, 0, tzinfo=dt.UTC)
