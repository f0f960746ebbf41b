"""Session descriptions in calendar feeds are plain text, not raw Markdown."""

from __future__ import annotations

import re

from conference.text import markdown_to_text
from tests.calendar import rfc5545
from tests.calendar.factories import make_session

MARKDOWN = (
    "**Closed-door** briefing on __export control__, see [the guidance](https://example.eu/g).\n"
    "\n"
    "- first *point*\n"
    "- second `point`\n"
)


def test_markdown_becomes_plain_text():
    assert markdown_to_text(MARKDOWN) == (
        "Closed-door briefing on export control, see the guidance (https://example.eu/g).\n\n"
        "- first point\n- second point"
    )
    assert markdown_to_text("<https://example.eu>") == "https://example.eu"
    assert markdown_to_text("1. one\n2. two\n\nend") == "1. one\n2. two\n\nend"
    assert markdown_to_text("") == ""
    assert markdown_to_text(None) == ""


def test_feed_descriptions_hold_no_markdown_markup(client, edition):
    make_session(edition, title="Briefing", description=MARKDOWN)
    body = client.get("/2027/programme.ics").data
    [event] = rfc5545.parse(body).components("VEVENT")
    description = event.one("DESCRIPTION").text
    assert "**" not in description and "__" not in description
    assert not re.search(r"\[[^\]]*\]\([^)]*\)", description)
    assert "the guidance (https://example.eu/g)" in description
    assert "- first point" in description
