"""Issue 22: session descriptions in the edition feed are bounded (the full text is on the
session page, linked from the event)."""

from __future__ import annotations

from conference.calendar.services import FEED_DESCRIPTION_LIMIT, bounded_description
from tests.factories import make_edition
from tests.programme.factories import make_session


def _unfold(text: str) -> str:
    return text.replace("\r\n ", "")


def test_long_description_is_cut_with_a_link(app, client):
    session = make_session(make_edition(), description="alpha beta " * 200 + "TAILWORD")
    text = _unfold(client.get("/2027/programme.ics").get_data(as_text=True))
    event = text[text.index("BEGIN:VEVENT") :]
    description = next(line for line in event.split("\r\n") if line.startswith("DESCRIPTION:"))
    assert "TAILWORD" not in description
    assert "…" in description and len(description) < FEED_DESCRIPTION_LIMIT + 200
    assert f"/2027/sessions/{session.id}" in description
    page = client.get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert "TAILWORD" in page


def test_short_description_is_kept_whole(app, client):
    make_session(make_edition(), description="A short and complete abstract.")
    text = _unfold(client.get("/2027/programme.ics").get_data(as_text=True))
    assert "A short and complete abstract." in text and "…" not in text


def test_cut_at_a_word():
    text = "word " * 100
    cut = bounded_description(text, limit=50)
    assert cut.startswith("word word") and "wor…" not in cut and "…" in cut
    assert bounded_description("x" * 400, limit=50).startswith("x" * 50 + "…")
