"""Limits on what speakers and organisers write, and the helpers that enforce them."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference.errors import DomainError
from conference.text import ngettext

TITLE_MAX = 300
ABSTRACT_MAX_CHARS = 20_000
KEYWORDS_MAX = 400
AUDIENCE_MAX = 400
GUIDANCE_MAX = 20_000
MAX_CO_SPEAKERS = 10
MAX_SUBMISSIONS_PER_AUTHOR = 20  # per edition, withdrawn ones included (a brake on spam)
MAX_WORDS_LIMIT = 5_000
DURATION_LIMIT = 8 * 60


WORD_RULE = _l(
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
    """``value`` trimmed; refused when it is not text, holds a NUL or is too long.
    ``label`` names the field in the message, already translated ("The title")."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise DomainError(_("%(field)s must be text.", field=label))
    if "\x00" in text:
        raise DomainError(_("%(field)s contains a character that is not allowed.", field=label))
    if len(text) > limit:
        raise DomainError(
            ngettext(
                "%(field)s is too long (at most %(num)d character).",
                "%(field)s is too long (at most %(num)d characters).",
                limit,
                field=label,
            )
        )
    return text
