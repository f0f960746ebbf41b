"""The call's window is enforced on the server; abstracts are counted as the form says."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from conference.db import freeze
from conference.extensions import db
from conference.submissions.models import CoSpeaker, Submission
from conference.submissions.services import count_words
from tests.submissions.conftest import (
    add_co_speaker,
    audit_actions,
    close_call,
    make_submission,
    snapshot,
)


def _form(tracks, types, **overrides):
    data = {
        "title": "Late idea",
        "type_id": str(types[0].id),
        "track_id": str(tracks[0].id),
        "abstract": "short",
        "save": "1",
    }
    data.update(overrides)
    return data


def test_after_the_deadline_speakers_change_nothing(login, edition, author, tracks, types):
    submission = make_submission(edition, author, track=tracks[0], type_=types[0])
    co = add_co_speaker(submission, email="pending@example.org", confirmed=False)
    before = snapshot(submission)
    close_call(edition)
    client = login(author)
    attempts = [
        ("/2027/me/submissions/new", _form(tracks, types)),
        (f"/2027/me/submissions/{submission.id}/edit", _form(tracks, types, title="Changed")),
        (f"/2027/me/submissions/{submission.id}/submit", {}),
        (f"/2027/me/submissions/{submission.id}/withdraw", {}),
        (f"/2027/me/submissions/{submission.id}/co-speakers", {"email": "new@example.org"}),
        (f"/2027/me/submissions/{submission.id}/co-speakers/{co.id}/remove", {}),
    ]
    for path, data in attempts:
        response = client.post(path, data=data)
        assert response.status_code == 403, path
        assert "closed on" in response.get_data(as_text=True), path
    assert snapshot(submission) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1
    # The page says so, and offers no buttons.
    page = client.get(f"/2027/me/submissions/{submission.id}").get_data(as_text=True)
    assert "can no longer be changed" in page
    assert f"/2027/me/submissions/{submission.id}/withdraw" not in page


def test_exactly_at_the_deadline_is_too_late(login, edition, author, tracks, types):
    submission = make_submission(edition, author, track=tracks[0], type_=types[0])
    freeze(edition.cfp_closes_at)
    assert login(author).post(f"/2027/me/submissions/{submission.id}/submit").status_code == 403
    freeze(edition.cfp_closes_at - dt.timedelta(seconds=1))
    assert login(author).post(f"/2027/me/submissions/{submission.id}/submit").status_code == 302


def test_before_the_call_opens_nothing_can_be_written(login, edition, author, tracks, types):
    freeze(edition.cfp_opens_at - dt.timedelta(minutes=1))
    response = login(author).post("/2027/me/submissions/new", data=_form(tracks, types))
    assert response.status_code == 403
    assert "opens on" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 0


def test_closing_date_in_the_past_closes_the_call(login, edition, author, tracks, types):
    edition.cfp_closes_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    edition.cfp_opens_at = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
    db.session.commit()
    response = login(author).post("/2027/me/submissions/new", data=_form(tracks, types))
    assert response.status_code == 403


def test_organiser_may_still_edit_and_withdraw_and_it_is_logged(
    login, edition, author, organiser, tracks, types
):
    submission = make_submission(
        edition, author, track=tracks[0], type_=types[0], state="submitted"
    )
    close_call(edition)
    client = login(organiser)
    response = client.post(
        f"/2027/me/submissions/{submission.id}/edit", data=_form(tracks, types, title="Fixed typo")
    )
    assert response.status_code == 302
    withdraw = f"/2027/me/submissions/{submission.id}/withdraw"
    assert client.post(withdraw, data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert submission.title == "Fixed typo" and submission.state == "withdrawn"
    entries = audit_actions("submission.")
    assert [e.action for e in entries] == ["submission.updated", "submission.withdrawn"]
    assert all(e.details["by_organiser_after_deadline"] for e in entries)
    assert all(e.actor_id == organiser.id for e in entries)


def test_confirming_an_invitation_after_the_deadline_is_refused(login, edition, author, tracks):
    from conference.submissions.services import invitation_token
    from tests.factories import make_user

    submission = make_submission(edition, author, track=tracks[0])
    co_user = make_user("late@example.org")
    co = add_co_speaker(submission, email=co_user.email, confirmed=False)
    token = invitation_token(co)
    close_call(edition)
    response = login(co_user).post(f"/2027/invitations/{token}")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(CoSpeaker, co.id).confirmed_at is None


# --- counting words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("   \n\t ", 0),
        ("one", 1),
        ("research-security policy", 2),
        ("e.g. EU", 2),
        ("one\ttwo\nthree\r\nfour", 4),
        ("non\u00a0breaking", 2),  # a no-break space separates words, as in the browser
        ("ideographic\u3000space", 2),
        ("研究安全 是 重要的", 3),
        ("emoji 🔬 count", 3),
        ("  leading and trailing  ", 3),
    ],
)
def test_words_are_runs_between_whitespace(text, words):
    assert count_words(text) == words


def test_limit_is_inclusive_and_one_more_word_is_refused(login, author, tracks, types):
    client = login(author)
    ten = " ".join(["word"] * 10)  # the talk type allows 10
    response = client.post(
        "/2027/me/submissions/new", data=_form(tracks, types, abstract=ten, submit="1")
    )
    assert response.status_code == 302
    response = client.post(
        "/2027/me/submissions/new",
        data=_form(tracks, types, title="Too long", abstract=ten + "\u00a0eleven", submit="1"),
    )
    assert response.status_code == 400
    assert "has 11 words" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1


def test_hyphenated_and_punctuated_text_counts_like_the_form_says(login, author, tracks, types):
    # 10 whitespace-separated words, although a naive "letters only" count would see more.
    abstract = "state-of-the-art dual-use e.g. U.S./EU co-operation: risk-based, 50% (ok) … end"
    assert count_words(abstract) == 10
    response = login(author).post(
        "/2027/me/submissions/new", data=_form(tracks, types, abstract=abstract, submit="1")
    )
    assert response.status_code == 302


def test_changing_to_a_type_with_a_lower_limit_is_refused(login, edition, author, tracks, types):
    submission = make_submission(
        edition, author, track=tracks[0], type_=types[0], abstract="a b c d e f g h"
    )
    before = snapshot(submission)
    response = login(author).post(
        f"/2027/me/submissions/{submission.id}/edit",
        data=_form(tracks, types, type_id=str(types[1].id), abstract="a b c d e f g h"),
    )
    assert response.status_code == 400
    assert "at most 5" in response.get_data(as_text=True)
    assert snapshot(submission) == before


def test_word_counter_script_uses_the_same_whitespace_as_the_server(client, app):
    import re
    import sys

    response = client.get("/static/js/submissions.js")
    assert response.status_code == 200
    script = response.get_data(as_text=True)
    response.close()
    # Every character Python's str.split() separates on is in the script's class, and the
    # class names no other character.
    klass = re.search(r"var WS = /\[(.*?)\]\+/;", script).group(1)
    decoded = klass.encode().decode("unicode_escape")
    chars = set()
    i = 0
    while i < len(decoded):
        if i + 2 < len(decoded) and decoded[i + 1] == "-":
            chars.update(chr(c) for c in range(ord(decoded[i]), ord(decoded[i + 2]) + 1))
            i += 3
        else:
            chars.add(decoded[i])
            i += 1
    python_ws = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert chars == python_ws


_WHITESPACE = [chr(c) for c in range(0x3001) if chr(c).isspace()]


@given(
    tokens=st.lists(
        st.text(
            alphabet=st.characters(blacklist_characters=_WHITESPACE, blacklist_categories=["Cs"]),
            min_size=1,
            max_size=12,
        ),
        max_size=30,
    ),
    separators=st.lists(st.text(alphabet=_WHITESPACE, min_size=1, max_size=3), min_size=31),
    lead=st.text(alphabet=_WHITESPACE, max_size=3),
)
def test_any_whitespace_between_any_tokens_counts_one_word_per_token(tokens, separators, lead):
    text = lead + "".join(t + s for t, s in zip(tokens, separators, strict=False))
    assert count_words(text) == len(tokens)
