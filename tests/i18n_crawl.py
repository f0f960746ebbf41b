"""Find visible text that did not go through the translation catalogue.

Under the pseudo-locale (``I18N_PSEUDO``, language ``en-XA``) every translated string comes
out as ``⟦…⟧``; what is left outside the brackets on a page was either entered by people
(the demo's data, collected from the database) or never marked for translation.
``untranslated(client, paths)`` returns the latter, page by page.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pycountry
import sqlalchemy as sa
from babel import Locale
from babel.support import Translations

from conference.extensions import db
from conference.i18n import compile_catalogues

# Text a page shows that is neither a message nor entered data: the brand and proper names,
# language names in the switch, symbols. Keep it short; everything else should be marked.
ALLOW = {
    "EU Research Security Conference",
    "English",
    "Français",
    "Deutsch",
    "API",
    "ERA Action 15",
}
# Code, keys and program output are not prose: they stay as they are in every language.
SKIPPED_TAGS = {"script", "style", "template", "noscript", "code", "kbd", "samp", "pre"}
_BRACKETED = re.compile(r"⟦[^⟦⟧]*⟧")
_WORD = re.compile(r"[^\W\d_]{2,}")


def entered_strings() -> set[str]:
    """Every string stored in the database (demo people, editions, sessions, categories…)."""
    values: set[str] = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text)]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            values.update(v.strip() for v in row if isinstance(v, str) and v.strip())
    return values


def _date_words() -> set[str]:
    """Day and month names as English Babel writes them (formatted data, not messages)."""
    locale = Locale.parse("en")
    words: set[str] = set()
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            words.update(locale.days[context][width].values())
            words.update(locale.months[context][width].values())
    return words


def _country_names() -> set[str]:
    """Country names in English as Babel has them: locale data, translated by Babel (CLDR),
    not by our catalogue."""
    names = {name for code, name in Locale.parse("en").territories.items() if code.isalpha()}
    return (
        names
        | {country.name for country in pycountry.countries}
        | {getattr(country, "common_name", country.name) for country in pycountry.countries}
    )


def _skipped(element) -> bool:
    """Script-like elements, and content marked ``translate="no"`` (HTML's own way of saying
    "this is data, not text to translate": titles typed by people, product names…)."""
    for node in (element, *element.iterancestors()):
        if node.tag in SKIPPED_TAGS or node.get("translate") == "no":
            return True
    return False


def _visible_texts(html: str) -> list[str]:
    """The visible text pieces in document order: an element's text, then its children, then
    its tail, so that a message spanning elements (a link inside a sentence) stays whole."""
    texts: list[str] = []

    def walk(element) -> None:
        if not isinstance(element.tag, str):
            return
        if _skipped(element):
            return
        if element.text and element.text.strip():
            texts.append(element.text)
        for attribute in ("title", "placeholder", "aria-label", "alt"):
            if element.get(attribute):
                texts.append(element.get(attribute))
        for child in element:
            walk(child)
            # The tail (text after the child) belongs to this element's content.
            if child.tail and child.tail.strip():
                texts.append(child.tail)

    walk(lxml.html.fromstring(html))
    return texts


def leftovers(html: str, entered: set[str]) -> list[str]:
    """The visible text pieces of ``html`` with words outside ⟦…⟧ and outside ``entered``."""
    # The whole page as one text: a message may span elements (a link inside a sentence).
    text = " ".join(_visible_texts(html))
    previous = None
    while previous != text:  # nested brackets (a message inside a message) from inside out
        previous, text = text, _BRACKETED.sub(" ", text)
    values = sorted(
        (v for v in entered | ALLOW | _country_names() if len(v) > 1), key=len, reverse=True
    )
    if values:
        # Whole words only: an entered "in" must not eat the middle of "Settings".
        pattern = "|".join(re.escape(v) for v in values)
        text = re.sub(rf"(?<!\w)(?:{pattern})(?!\w)", " ", text)
    found = []
    date_words = _date_words()
    for piece in re.split(r"\s{2,}|[·|•]", text):
        piece = piece.strip()
        words = [w for w in _WORD.findall(piece) if w not in date_words]
        if words:
            found.append(piece)
    return found


def untranslated(client, paths, *, entered: set[str] | None = None) -> dict[str, list[str]]:
    """{path: leftovers} for each path that answers HTML and has any, in the pseudo-locale."""
    entered = entered_strings() if entered is None else entered
    client.set_cookie("lang", "en-XA")
    report = {}
    for path in paths:
        response = client.get(path)
        if response.mimetype != "text/html" or response.status_code >= 400:
            report[path] = [f"HTTP {response.status_code} {response.mimetype}"]
            continue
        found = leftovers(response.get_data(as_text=True), entered)
        if found:
            report[path] = found
    return report


def german(message: str, *, same_word: bool = False) -> str:
    """``message`` as the German catalogue has it; fails if it is untranslated, unless German
    writes it the same way (``same_word``)."""
    compile_catalogues()
    root = Path(__file__).resolve().parent.parent / "conference" / "translations"
    text = Translations.load(str(root), ["de"]).gettext(message)
    assert same_word or text != message, f"not in the German catalogue: {message!r}"
    return text
