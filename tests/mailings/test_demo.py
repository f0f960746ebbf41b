"""The demo shows a sent mailing and a draft in 2027 to the demo organiser (idempotently)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accounts.services import find_user
from conference.demo import seed_demo
from conference.extensions import db
from conference.mailings.models import Mailing, MailingMessage


@pytest.mark.demo
def test_demo_has_a_sent_mailing_and_a_draft(app, login):
    seed_demo()  # idempotent: seeding the seeded demo again changes nothing
    mailings = list(db.session.scalars(sa.select(Mailing).order_by(Mailing.id)))
    assert [m.state for m in mailings] == ["sent", "draft"]
    sent, draft = mailings
    count = db.session.scalar(
        sa.select(sa.func.count()).where(MailingMessage.mailing_id == sent.id)
    )
    assert count == sent.recipient_count > 0
    client = login(find_user("organiser@demo.test"))
    listing = client.get("/2027/admin/mailings").get_data(as_text=True)
    assert "Practical information" in listing and "slides and timing" in listing
    page = client.get(f"/2027/admin/mailings/{sent.id}").get_data(as_text=True)
    assert "<progress" in page
    page = client.get(f"/2027/admin/mailings/{draft.id}").get_data(as_text=True)
    assert "Dear " in page and "Send…" in page
