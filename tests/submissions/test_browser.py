"""The call's pages in a real browser: accessibility (axe-core) and the live word counter."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conference.submissions.services import count_words
from tests.browser.conftest import CHROMIUM, assert_accessible
from tests.factories import make_user
from tests.submissions.conftest import add_co_speaker, make_submission

# The browser fixtures (live_server, page, browser_login, axe_context) come from
# tests/browser/conftest.py through tests/submissions/conftest.py.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not shutil.which("chromium"),
        reason="Chromium not found (run `make system-deps`)",
    ),
]


@pytest.fixture
def seeded(edition, tracks, types, author, organiser):
    submission = make_submission(edition, author, track=tracks[0], type_=types[0])
    add_co_speaker(submission, email="invited@example.org", confirmed=False)
    return {"submission": submission, "author": author, "organiser": organiser}


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/2027/call", None),
        ("/2027/abstracts", None),
        ("/2027/me/submissions", "author"),
        ("/2027/me/submissions/new", "author"),
        ("/2027/me/submissions/{id}", "author"),
        ("/2027/me/submissions/{id}/edit", "author"),
        ("/2027/admin/call", "organiser"),
        ("/2027/admin/call/types/new", "organiser"),
        ("/2027/admin/submissions", "organiser"),
    ],
)
def test_pages_have_no_serious_accessibility_violation(
    live_server, axe_context, browser_login, seeded, path, who
):
    page = axe_context.new_page()
    if who:
        browser_login(page, seeded[who])
    response = page.goto(live_server.url(path.format(id=seeded["submission"].id)))
    assert response.status < 400
    assert_accessible(page)


def test_live_word_count_matches_the_server(live_server, page, browser_login, tracks, types):
    user = make_user("writer@example.org")
    browser_login(page, user)
    page.goto(live_server.url("/2027/me/submissions/new"))
    page.get_by_label("Type").select_option(label="Talk (at most 10 words, 20 min)")
    counter = page.locator("#abstract-count")
    for text in [
        "one two",
        "research-security e.g. EU",
        "non\u00a0breaking\u3000ideographic\u2009thin",
        "  spaced\n\nout\ttext  ",
        "one two three four five six seven eight nine ten eleven",
    ]:
        page.get_by_label("Abstract").fill(text)
        shown = counter.inner_text()
        assert shown.startswith(f"{count_words(text)} word"), (text, shown)
    assert "shorten" in counter.inner_text()
    assert not page.js_errors
