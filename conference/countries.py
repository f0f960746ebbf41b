"""Country choices: EU-27 and Horizon Europe associated countries first, then all others."""

from __future__ import annotations

import functools

import pycountry

EU27 = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
]  # fmt: skip
ASSOCIATED = [
    "AL", "AM", "BA", "FO", "GE", "IS", "IL", "XK", "MD", "ME", "MK", "NZ", "NO", "RS",
    "CH", "TN", "TR", "UA", "GB", "CA", "KR", "EG", "MA",
]  # fmt: skip

_EXTRA_NAMES = {"XK": "Kosovo"}


def name(code: str | None) -> str:
    """The English short name of an ISO 3166-1 alpha-2 code ('' when unknown)."""
    if not code:
        return ""
    code = code.upper()
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


@functools.cache
def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a <select>: EU member states, associated countries, all others."""
    eu = sorted(((c, name(c)) for c in EU27), key=lambda x: x[1])
    assoc = sorted(((c, name(c)) for c in ASSOCIATED), key=lambda x: x[1])
    listed = set(EU27) | set(ASSOCIATED)
    others = sorted(((c, name(c)) for c in all_codes() if c not in listed), key=lambda x: x[1])
    return [
        ("EU Member States", eu),
        ("Associated countries", assoc),
        ("Other countries", others),
    ]


def flat_choices() -> list[tuple[str, str]]:
    return [item for _, group in choices() for item in group]
