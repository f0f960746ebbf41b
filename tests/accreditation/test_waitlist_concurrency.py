"""Parallel cancellations on PostgreSQL: each freed place goes to exactly one person waiting,
in order, and each is told once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accreditation.models import Registration, WaitlistEntry
from conference.extensions import db
from conference.mail import OutboxMessage
from tests.accreditation.conftest import make_category, make_registration
from tests.accreditation.test_concurrency import run_in_parallel

pytestmark = pytest.mark.postgres


def cancel_call(client):
    def call():
        return client.post("/2027/me/cancel", data={"confirm": "y"}).status_code

    return call


@pytest.mark.parametrize("mode", ["automatic", "offer"])
def test_parallel_cancellations_promote_each_waiting_person_once(app, login, edition, mode):
    edition.waitlist_mode = mode
    db.session.commit()
    press = make_category(edition, "PRS", "Press", quota=3)
    holders = [make_registration(category=press, state="accredited") for _ in range(3)]
    waiting = [make_registration(category=press, state="waitlisted") for _ in range(5)]
    statuses = run_in_parallel(app, [cancel_call(login(h.user)) for h in holders])
    assert statuses == [302, 302, 302], statuses
    db.session.expire_all()
    states = {r.id: db.session.get(Registration, r.id).state for r in waiting}
    entries = dict(db.session.execute(sa.select(WaitlistEntry.registration_id,
                                                WaitlistEntry.state)).all())  # fmt: skip
    first, rest = [r.id for r in waiting[:3]], [r.id for r in waiting[3:]]
    if mode == "automatic":
        assert [states[i] for i in first] == ["accredited"] * 3
        assert set(entries) == set(rest)
        template = "accreditation_accredited"
    else:
        assert [entries[i] for i in first] == ["offered"] * 3
        template = "accreditation_waitlist_offer"
    assert all(entries[i] == "waiting" for i in rest)
    for registration in waiting:
        told = db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.to == registration.user.email, OutboxMessage.template == template
            )
        )
        assert told == (1 if registration.id in first else 0), registration.id
    accredited = db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.category_id == press.id, Registration.state == "accredited"
        )
    )
    assert accredited == (3 if mode == "automatic" else 0)
