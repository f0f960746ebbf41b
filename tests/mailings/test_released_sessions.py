"""The ``sessions`` placeholder reads the released programme: a session only in the draft, a
draft move, or a draft that adds the person as speaker or chair never appears in a mailing's
preview, test mail or sent messages."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.mailings.services import placeholders, sending
from conference.programme import services
from conference.programme.models import Booking, SessionSpeaker
from conference.programme.services.released import forget_latest_release
from tests.calendar.factories import make_category
from tests.factories import make_edition, make_user
from tests.mailings.factories import crowd, make_mailing, messages_of
from tests.programme.factories import make_room, make_session


@pytest.fixture
def stage(app):
    """Pat (accredited) has a seat in a workshop and speaks at a panel, both released; then the
    draft moves the workshop to another room and time, adds Pat as speaker of a new session
    and as chair of a released keynote, and cancels nothing."""
    edition = make_edition(2027)
    organiser = make_user("olga@example.org", role=Role.ORGANISER, edition=edition)
    [pat] = crowd(edition, 1, make_category(edition, "RES"), prefix="pat")
    hall, annex = make_room(edition, "Main hall"), make_room(edition, "Annex")
    workshop = make_session(edition, title="Released workshop", hour=9, room=hall)
    panel = make_session(edition, title="Released panel", hour=11, room=hall)
    panel.speakers.append(SessionSpeaker(user_id=pat.id, name=pat.full_name))
    keynote = make_session(edition, title="Released keynote", hour=14, room=hall)
    db.session.add(Booking(edition_id=edition.id, session_id=workshop.id, user_id=pat.id))
    db.session.commit()
    services.release(organiser, edition, "1.0", "")
    db.session.commit()
    workshop.room_id = annex.id
    workshop.starts_at += dt.timedelta(hours=7)
    workshop.ends_at += dt.timedelta(hours=7)
    draft = make_session(edition, title="Draft-only masterclass", hour=16, room=hall)
    draft.speakers.append(SessionSpeaker(user_id=pat.id, name=pat.full_name))
    keynote.chair_id = pat.id
    db.session.commit()
    forget_latest_release()
    return dict(edition=edition, organiser=organiser, pat=pat)


def _assert_released_only(text: str) -> None:
    assert "- 2027-06-09 09:00–10:00 Released workshop (Main hall)" in text
    assert "- 2027-06-09 11:00–12:00 Released panel (Main hall)" in text
    assert "16:00" not in text and "Annex" not in text
    assert "Draft-only masterclass" not in text
    assert "Released keynote" not in text


def test_the_placeholder_lists_the_released_sessions(stage, app):
    recipient = placeholders.Recipient(stage["pat"].email, stage["pat"].full_name, stage["pat"].id)
    with app.test_request_context():
        text = placeholders.context_for(stage["edition"], recipient)["sessions"]
    _assert_released_only(text)


def test_preview_and_test_mail_show_the_released_sessions(stage, login):
    mailing = make_mailing(stage["edition"], {"kind": "registrations", "states": ["accredited"]})
    client = login(stage["organiser"])
    page = client.get(
        f"/2027/admin/mailings/{mailing.id}", query_string={"recipient": stage["pat"].email}
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Released workshop" in html
    _assert_released_only(html)
    response = client.post(
        f"/2027/admin/mailings/{mailing.id}/test", data={"recipient": stage["pat"].email}
    )
    assert response.status_code == 303
    [message] = db.session.scalars(sa.select(OutboxMessage))
    _assert_released_only(message.text_body)


def test_a_sent_mailing_lists_the_released_sessions(stage, app, monkeypatch):
    monkeypatch.setattr(sending, "start_delivery", lambda mailing_id: None)
    mailing = make_mailing(stage["edition"], {"kind": "registrations", "states": ["accredited"]})
    with app.test_request_context():
        assert sending.send(stage["organiser"], mailing) == 1
    db.session.commit()
    [message] = messages_of(mailing)
    _assert_released_only(message.text_body)


def test_before_the_first_release_the_live_sessions_are_listed(app):
    edition = make_edition(2027)
    [pat] = crowd(edition, 1, make_category(edition, "RES"), prefix="pat")
    session = make_session(edition, title="Unreleased yet public", hour=10)
    session.chair_id = pat.id
    db.session.commit()
    recipient = placeholders.Recipient(pat.email, pat.full_name, pat.id)
    with app.test_request_context():
        text = placeholders.context_for(edition, recipient)["sessions"]
    assert "- 2027-06-09 10:00–11:00 Unreleased yet public" in text
