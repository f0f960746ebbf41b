"""A double-clicked sign-up: every request answers the same neutral page, one account exists."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from conference.accounts.models import User
from conference.accounts.services import signup, users
from tests.factories import PASSWORD, make_user

FORM = {"full_name": "Twice Clicked", "email": "twice@example.org", "password": PASSWORD}


def _accounts(db, email="twice@example.org") -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.email == email)
    )


def test_signup_racing_an_account_created_meanwhile_answers_the_neutral_page(
    app, db, client, monkeypatch
):
    """The other request created the account between our look-up and our insert."""
    make_user("twice@example.org")
    real = users.find_user
    calls = []

    def not_yet(email):
        calls.append(email)
        return None if len(calls) == 1 else real(email)

    monkeypatch.setattr(signup, "find_user", not_yet)
    response = client.post("/signup", data=FORM)
    assert response.status_code == 200
    assert "Check your e-mail" in response.get_data(as_text=True)
    assert "already exists" not in response.get_data(as_text=True)
    assert _accounts(db) == 1


def test_signup_whose_insert_hits_the_unique_index_answers_the_neutral_page(
    app, db, client, monkeypatch
):
    """Both look-ups saw no account; the database's unique index refuses the second insert."""
    make_user("twice@example.org")
    monkeypatch.setattr(signup, "find_user", lambda email: None)
    monkeypatch.setattr(users, "find_user", lambda email: None)
    response = client.post("/signup", data=FORM)
    assert response.status_code == 200
    assert "Check your e-mail" in response.get_data(as_text=True)
    assert _accounts(db) == 1


@pytest.mark.postgres
def test_parallel_double_signups_all_answer_the_same_page(app, db):
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def click():
        client = app.test_client()
        barrier.wait()
        response = client.post("/signup", data=FORM)
        with lock:
            results.append((response.status_code, response.get_data(as_text=True)))

    for _round in range(3):
        results.clear()
        FORM["email"] = f"twice{_round}@example.org"
        threads = [threading.Thread(target=click) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [status for status, _ in results] == [200] * threads_count
        assert all("Check your e-mail" in body for _, body in results)
        assert _accounts(db, FORM["email"]) == 1
    FORM["email"] = "twice@example.org"
