"""Limits on what speakers and organisers write, and the helpers that enforce them."""

from __future__ import annotations

from conference.errors import DomainError

TITLE_MAX = 300
ABSTRACT_MAX_CHARS = 20_000
KEYWORDS_MAX = 400
AUDIENCE_MAX = 400
GUIDANCE_MAX = 20_000
MAX_CO_SPEAKERS = 10
MAX_SUBMISSIONS_PER_AUTHOR = 20  # per edition, withdrawn ones included (a brake on spam)
MAX_WORDS_LIMIT = 5_000
DURATION_LIMIT = 8 * 60


WORD_RULE = (
    "Words are counted as runs of characters separated by spaces, tabs or line breaks "
    "(so “research-security” is one word and “e.g. EU” is two)."
)


def valid_id(value) -> bool:
    """A plausible primary key (huge numbers would overflow the database's integer)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def count_words(text: str | None) -> int:
    """Words as the form states: runs of non-whitespace (Python's ``str.split()``)."""
    return len((text or "").split())


def clean_text(value, limit: int, label: str) -> str:
    """``value`` trimmed; refused when it is not text, holds a NUL or is too long."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise DomainError(f"{label} must be text.")
    if "\x00" in text:
        raise DomainError(f"{label} contains a character that is not allowed.")
    if len(text) > limit:
        raise DomainError(f"{label} is too long (at most {limit} characters).")
    return text
