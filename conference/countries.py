"""Country choices: EU-27 and Horizon Europe associated countries first, then all others.

Names come out in the current language: English from pycountry (as always), other languages
from Babel's locale data (CLDR), the English name where CLDR has none.
"""

from __future__ import annotations

import functools
import unicodedata

import pycountry
from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _

EU27 = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
]  # fmt: skip
ASSOCIATED = [
    "AL", "AM", "BA", "FO", "GE", "IS", "IL", "XK", "MD", "ME", "MK", "NZ", "NO", "RS",
    "CH", "TN", "TR", "UA", "GB", "CA", "KR", "EG", "MA",
]  # fmt: skip

_EXTRA_NAMES = {"XK": "Kosovo"}


def _language() -> str:
    """The current locale's tag ("en" outside a request or application)."""
    locale = get_locale()
    return str(locale) if locale is not None else "en"


def name(code: str | None, locale: str | None = None) -> str:
    """The short name of an ISO 3166-1 alpha-2 code in ``locale`` (default: the current
    language); '' when unknown."""
    if not code:
        return ""
    code = code.upper()
    locale = locale or _language()
    if not locale.startswith("en"):
        translated = _territories(locale).get(code)
        if translated and is_valid(code):
            return translated
    return _english_name(code)


@functools.cache
def _territories(locale: str) -> dict[str, str]:
    return dict(Locale.parse(locale.replace("-", "_")).territories)


def _english_name(code: str) -> str:
    if code in _EXTRA_NAMES:
        return _EXTRA_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return ""
    return getattr(country, "common_name", None) or country.name


@functools.cache
def all_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries) | set(_EXTRA_NAMES)


def is_valid(code: str | None) -> bool:
    return bool(code) and code.upper() in all_codes()


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a <select>: EU member states, associated countries, all others,
    named and sorted in the current language."""
    eu, assoc, others = _grouped(_language())
    return [
        (_("EU Member States"), eu),
        (_("Associated countries"), assoc),
        (_("Other countries"), others),
    ]


@functools.cache
def _grouped(locale: str) -> tuple[list[tuple[str, str]], ...]:
    english = locale.startswith("en")  # English keeps the order it always had

    def key(item: tuple[str, str]):
        return item[1] if english else (_sort_key(item[1]), item[1])  # "Égypte" among the E

    listed = set(EU27) | set(ASSOCIATED)
    return (
        sorted(((c, name(c, locale)) for c in EU27), key=key),
        sorted(((c, name(c, locale)) for c in ASSOCIATED), key=key),
        sorted(((c, name(c, locale)) for c in all_codes() if c not in listed), key=key),
    )


def _sort_key(text: str) -> str:
    """``text`` without accents, case-folded: the order a reader expects in a list."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def flat_choices() -> list[tuple[str, str]]:
    return [item for _, group in choices() for item in group]
