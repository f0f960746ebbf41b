"""TLP labels and the Chatham House Rule in mails, PDFs and the personal data download
(issue 23): release notices, cancellation and seat notices, group mailings (preview, test mail
and each recipient's message), badge PDFs and /me/data.json carry only what each recipient
may receive on the mail (PDF, export) channel — RED never, AMBER only to the cleared — and
still make sense when a session is withheld.

The programme is ``tests/programme/tlp_world.py``'s; its HTTP channels are in
``test_tlp_leaks.py``.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from conference.accreditation.models import Registration
from conference.badges import services as badges
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.mailings.services import groups, placeholders, sending
from conference.programme import services
from conference.programme.models import AgendaStar, Booking, BookingState
from conference.programme.services.bookings import promote_waiting
from tests.badges.factories import keys_for
from tests.programme import tlp_world
from tests.programme.tlp_world import KEYS, VIEWERS, expected, leaks, mark, missing_titles

YEAR = 2027
WITHHELD_NOTE = "Its details are not sent by e-mail under its TLP label"
WITHHELD_TITLE = "Session (details withheld under its TLP label)"
# Logged-in viewers who hold a seat in every session (a stale one where not cleared).
BOOKERS = ("participant", "cleared")


@pytest.fixture
def world(app):
    world = tlp_world.build(YEAR)
    edition = world["edition"]
    for viewer in VIEWERS[1:]:
        user = world["viewers"][viewer]
        for session in world["sessions"].values():
            db.session.add(
                AgendaStar(edition_id=edition.id, session_id=session.id, user_id=user.id)
            )
            if viewer in BOOKERS:
                db.session.add(
                    Booking(
                        edition_id=edition.id,
                        session_id=session.id,
                        user_id=user.id,
                        state=BookingState.BOOKED,
                    )
                )
    db.session.commit()
    world["by_email"] = {u.email: v for v, u in world["viewers"].items() if u is not None}
    return world


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _clear_outbox():
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()


def _text(message: OutboxMessage) -> str:
    return "\n".join((message.subject, message.text_body, message.html_body or ""))


def test_release_notices_carry_only_what_each_recipient_may_receive(app, world):
    edition, organiser = world["edition"], world["viewers"]["organiser"]
    services.release(organiser, edition, "1.0", "")
    db.session.commit()
    _clear_outbox()
    for session in world["sessions"].values():
        session.starts_at += dt.timedelta(days=1)
        session.ends_at += dt.timedelta(days=1)
    db.session.commit()
    services.release(organiser, edition, "1.1", "")
    db.session.commit()
    mails = _outbox()
    received = {world["by_email"][m.to]: _text(m) for m in mails}
    # Speakers, bookers and starrers who may see the sessions are told.
    assert {"speaker", "participant", "cleared"} <= set(received)
    for viewer, text in received.items():
        assert leaks(text, viewer, "mail") == [], viewer
    # The speaker speaks at every session: each is named, unless its label keeps it out.
    assert missing_titles(received["speaker"], "speaker", "mail") == []
    for key in ("REDo", "REDx"):
        assert expected(key, "speaker", "mail") == "none"
        assert mark("Ttl", key) not in received["speaker"]
    assert WITHHELD_TITLE in received["speaker"] and WITHHELD_NOTE in received["speaker"]
    # AMBER details reach the cleared participant only.
    assert mark("Ttl", "AMBx") in received["cleared"]
    assert mark("Ttl", "AMBx") not in received["participant"]


def test_cancellation_notices_never_name_a_red_session(app, world):
    edition, organiser = world["edition"], world["viewers"]["organiser"]
    _clear_outbox()
    for session in world["sessions"].values():
        session.cancel_reason = ""
        services.cancel_session(
            organiser, session, edition, f"Because of {mark('Dsc', tlp_world_key(world, session))}"
        )
    db.session.commit()
    mails = _outbox()
    assert mails
    by_viewer: dict[str, str] = {}
    for message in mails:
        viewer = world["by_email"][message.to]
        assert viewer in BOOKERS
        by_viewer[viewer] = by_viewer.get(viewer, "") + _text(message)
    for viewer, text in by_viewer.items():
        assert leaks(text, viewer, "mail") == [], viewer
    cleared = by_viewer["cleared"]
    assert mark("Ttl", "AMSx") in cleared and mark("Dsc", "AMSx") in cleared  # the reason
    assert mark("Ttl", "REDx") not in cleared and WITHHELD_NOTE in cleared
    # Every RED notice still says what happened and where to look.
    red = [m for m in mails if WITHHELD_TITLE in m.subject]
    assert red and all("cancelled" in m.text_body for m in red)


def tlp_world_key(world, session) -> str:
    return next(k for k, s in world["sessions"].items() if s.id == session.id)


def test_group_mailing_renders_each_recipient_with_their_own_clearance(app, world):
    """A mailing to a group mixing cleared and uncleared people: preview, test mail and each
    sent message list AMBER sessions only to the cleared, RED to nobody."""
    edition, organiser = world["edition"], world["viewers"]["organiser"]
    mailing = sending.save_draft(
        organiser,
        edition,
        "Your sessions, {{ name }}",
        "Dear {{ name }},\n\n{{ sessions }}\n",
        {"kind": "registrations", "states": ["accredited"]},
        None,
    )
    recipients = {
        world["by_email"][r.to]: r
        for r in groups.recipients(edition, mailing.audience)
        if r.to in world["by_email"]
    }
    assert {"participant", "cleared", "speaker"} <= set(recipients)
    _clear_outbox()
    with app.test_request_context():
        for viewer, recipient in recipients.items():
            subject, text = sending.preview(mailing, recipient)
            assert leaks(subject + text, viewer, "mail") == [], viewer
            test_mail = sending.send_test(organiser, mailing, recipient)
            assert leaks(_text(test_mail), viewer, "mail") == [], viewer
            sessions = placeholders.context_for(edition, recipient)["sessions"]
            assert leaks(sessions, viewer, "mail") == [], viewer
        _clear_outbox()
        app.config["MAILING_RATE_PER_MINUTE"] = 0
        app.config["MAILING_INLINE"] = False
        sending.send(organiser, mailing)
    sent = {world["by_email"][m.to]: _text(m) for m in _outbox() if m.to in world["by_email"]}
    assert set(recipients) <= set(sent)
    for viewer, text in sent.items():
        assert leaks(text, viewer, "mail") == [], viewer
    # Booked everywhere: the cleared person gets AMBER titles, the other one does not.
    assert mark("Ttl", "AMBx") in sent["cleared"] and mark("Ttl", "AMSx") in sent["cleared"]
    assert mark("Ttl", "AMBx") not in sent["participant"]
    assert mark("Ttl", "GRNo") in sent["participant"]
    for text in sent.values():
        assert all(mark("Ttl", key) not in text for key in KEYS if key.startswith("RED"))
    # RED sessions are listed by time with the placeholder, so the list still adds up.
    assert WITHHELD_TITLE in sent["cleared"]


def test_badge_pdf_carries_no_session(app, world, login):
    """Badge PDFs name the person and the edition, never a session (RED never in a PDF)."""
    keys_for(YEAR)
    for viewer in ("cleared", "speaker"):
        user = world["viewers"][viewer]
        registration = db.session.scalar(
            sa.select(Registration).where(
                Registration.user_id == user.id, Registration.edition_id == world["edition"].id
            )
        )
        badges.issue_badge(registration)
        db.session.commit()
        response = login(user).get(f"/{YEAR}/me/badge.pdf")
        assert response.status_code == 200
        text = "\n".join(
            page.extract_text() or "" for page in PdfReader(io.BytesIO(response.data)).pages
        )
        assert user.full_name in text
        assert [m for key in KEYS for f in tlp_world.FIELDS if (m := mark(f, key)) in text] == []


def test_seat_notices_name_only_what_the_label_lets_into_a_mail(app, world):
    """A seat passing from the waiting list is announced by mail: an AMBER session the person
    is cleared for by name, a RED one by the placeholder and a pointer to the site."""
    edition, speaker = world["edition"], world["viewers"]["speaker"]
    _clear_outbox()
    for key in ("AMBx", "REDx"):
        session = world["sessions"][key]
        db.session.add(
            Booking(
                edition_id=edition.id,
                session_id=session.id,
                user_id=speaker.id,
                state=BookingState.WAITLISTED,
            )
        )
        db.session.commit()
        assert len(promote_waiting(session, edition)) == 1
    db.session.commit()
    text = "\n".join(_text(m) for m in _outbox() if m.to == speaker.email)
    assert leaks(text, "speaker", "mail") == []
    assert mark("Ttl", "AMBx") in text
    assert mark("Ttl", "REDx") not in text and WITHHELD_NOTE in text


def test_personal_data_download_names_no_red_session(app, world, login):
    """The person's data download is an export: their bookings of RED sessions are listed
    with the placeholder title, AMBER ones they are cleared for by name."""
    response = login(world["viewers"]["cleared"]).get("/me/data.json")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert leaks(text, "cleared", "export") == []
    assert mark("Ttl", "AMBx") in text and WITHHELD_TITLE in text
    assert mark("Ttl", "REDx") not in text
