"""Parallel requests against PostgreSQL: quotas, capacity and duplicate registrations hold."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from conference.accreditation.models import Registration
from conference.extensions import db
from tests.accreditation.conftest import form_data, make_category, make_registration
from tests.factories import make_user

pytestmark = pytest.mark.postgres


def run_in_parallel(app, calls):
    """Run each call (a function taking no argument) in its own thread, all at once."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        with app.app_context():
            barrier.wait()
            try:
                results[index] = call()
            except Exception as exc:  # reported to the test, which fails on it
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def accredit_call(client, registration_id):
    def call():
        response = client.post(
            f"/2027/admin/registrations/{registration_id}/decide", data={"action": "accredit"}
        )
        return response.status_code

    return call


def test_parallel_accreditations_never_exceed_the_quota(app, login, organiser, edition):
    press = make_category(edition, "PRS", "Press", quota=3)
    registrations = [make_registration(category=press) for _ in range(8)]
    calls = [accredit_call(login(organiser), r.id) for r in registrations]
    statuses = run_in_parallel(app, calls)
    assert sorted(statuses) == [302] * 3 + [409] * 5, statuses
    db.session.expire_all()
    accredited = db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(Registration.state == "accredited")
    )
    assert accredited == 3


def test_parallel_accreditations_never_exceed_the_edition_capacity(app, login, organiser, edition):
    edition.capacity = 2
    db.session.commit()
    categories = [make_category(edition, f"C{i}") for i in range(3)]
    registrations = [make_registration(category=categories[i % 3]) for i in range(6)]
    statuses = run_in_parallel(app, [accredit_call(login(organiser), r.id) for r in registrations])
    assert sorted(statuses) == [302] * 2 + [409] * 4, statuses
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Registration.id)).where(Registration.state == "accredited")
        )
        == 2
    )


def test_parallel_decisions_on_one_registration_record_one_change(app, login, organiser, category):
    registration = make_registration(category=category)
    statuses = run_in_parallel(
        app, [accredit_call(login(organiser), registration.id) for _ in range(5)]
    )
    assert sorted(statuses) == [302] + [409] * 4, statuses
    db.session.expire_all()
    assert len(db.session.get(Registration, registration.id).events) == 2


def test_parallel_duplicate_registrations_give_one_row(app, login, category):
    user = make_user()
    clients = [login(user) for _ in range(6)]

    def register_call(client):
        return lambda: client.post("/2027/register", data=form_data(category)).status_code

    statuses = run_in_parallel(app, [register_call(c) for c in clients])
    assert sorted(statuses) == [302] + [409] * 5, statuses
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Registration.id)).where(Registration.user_id == user.id)
        )
        == 1
    )
