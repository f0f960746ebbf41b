"""Query-string arguments, parsed and bounded in one place.

Every view reads its query arguments (``?page=``, ``?track=``, ``?since=`` …) through these
helpers, so that one rule holds everywhere: an absent or empty argument means the default; a
present one must be usable — a whole number within the range a database integer column holds
(and the view's own bounds), a date between the years 1900 and 9999, one of the known choices,
a text of bounded length — or the request answers 400 with a message naming the argument
(an HTML error page, or ``{"error": {"code", "message"}}`` under /api/). Nothing unbounded
ever reaches a query, so no argument can overflow a column or a date conversion (a 500).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from flask import request
from flask_babel import gettext as _

from conference.errors import DomainError

DB_INT_MAX = 2**31 - 1
MIN_YEAR = 1900
MAX_YEAR = 9999
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


class BadArgument(DomainError):
    """A query argument that cannot be used; the message names it and says what would do."""

    status_code = 400
    code = "bad_argument"


def _raw(name: str, args: Mapping | None) -> str:
    value = (request.args if args is None else args).get(name, "")
    return (value if isinstance(value, str) else str(value)).strip()


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"


def arg_int(
    name: str,
    default: int | None = None,
    *,
    min: int = -DB_INT_MAX,
    max: int = DB_INT_MAX,
    args: Mapping | None = None,
) -> int | None:
    """The whole number ``?name=``, within ``min``..``max`` (never beyond ±2**31-1)."""
    low = min if min > -DB_INT_MAX else -DB_INT_MAX
    high = max if max < DB_INT_MAX else DB_INT_MAX
    raw = _raw(name, args)
    if not raw:
        return default
    digits = raw[1:] if raw[:1] in "+-" else raw
    if not (digits.isascii() and digits.isdigit()):
        raise BadArgument(
            _(
                "The %(name)s argument must be a whole number (not “%(value)s”).",
                name=name,
                value=_shown(raw),
            )
        )
    if len(digits) > 12 or not low <= int(raw) <= high:
        raise BadArgument(
            _(
                "The %(name)s argument must be between %(low)s and %(high)s.",
                name=name,
                low=low,
                high=high,
            )
        )
    return int(raw)


def arg_page(name: str = "page", *, args: Mapping | None = None) -> int:
    """A page number: 1 by default, at most 2**31-1."""
    return arg_int(name, 1, min=1, args=args)


def arg_id(name: str, *, args: Mapping | None = None) -> int | None:
    """A record id used as a filter (``?track=``, ``?category=``): a positive number or None."""
    return arg_int(name, None, min=1, args=args)


def arg_float(
    name: str, default: float | None = None, *, min: float, max: float, args=None
) -> float | None:
    """A decimal number within ``min``..``max``."""
    raw = _raw(name, args)
    if not raw:
        return default
    try:
        number = float(raw) if len(raw) <= 20 else float("nan")
    except ValueError:
        number = float("nan")
    if not min <= number <= max:  # also refuses nan and inf
        raise BadArgument(
            _(
                "The %(name)s argument must be a number between %(min)s and %(max)s.",
                name=name,
                min=f"{min:g}",
                max=f"{max:g}",
            )
        )
    return number


def arg_choice(
    name: str, choices: Iterable[str], default: str | None = "", *, args: Mapping | None = None
) -> str | None:
    """One of ``choices`` (compared exactly)."""
    raw = _raw(name, args)
    if not raw:
        return default
    allowed = [str(choice) for choice in choices]
    if raw not in allowed:
        listed = ", ".join(a for a in allowed if a)
        if len(listed) > 300:
            listed = listed[:300] + "…"
        raise BadArgument(
            _(
                "The %(name)s argument “%(value)s” is not one of: %(listed)s.",
                name=name,
                value=_shown(raw),
                listed=listed,
            )
        )
    return raw


def arg_str(
    name: str, default: str = "", *, max_len: int = 200, args: Mapping | None = None
) -> str:
    """A text (surrounding spaces removed) of at most ``max_len`` characters."""
    raw = _raw(name, args)
    if not raw:
        return default
    if len(raw) > max_len:
        raise BadArgument(
            _(
                "The %(name)s argument has at most %(max)d characters.",
                name=name,
                max=max_len,
            )
        )
    return raw


def _check_year(name: str, value: dt.date) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise BadArgument(
            _(
                "The %(name)s argument must be a date between %(first)s and %(last)s.",
                name=name,
                first=MIN_YEAR,
                last=MAX_YEAR,
            )
        )


def arg_date(name: str, default: dt.date | None = None, *, args=None) -> dt.date | None:
    """A day written ``YYYY-MM-DD``, between the years 1900 and 9999."""
    raw = _raw(name, args)
    if not raw:
        return default
    try:
        value = dt.date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        value = None
    if value is None:
        raise BadArgument(_("The %(name)s argument must be a date like 2027-06-09.", name=name))
    _check_year(name, value)
    return value


def arg_datetime(
    name: str, tz: dt.tzinfo, default: dt.datetime | None = None, *, args=None
) -> dt.datetime | None:
    """A local date and time (``YYYY-MM-DDTHH:MM``, as a datetime-local input sends it) in the
    zone ``tz``, returned as aware UTC; years 1900..9999, so that converting never overflows."""
    raw = _raw(name, args)
    if not raw:
        return default
    value = None
    for fmt in LOCAL_FORMATS:
        try:
            value = dt.datetime.strptime(raw, fmt)
            break
        except ValueError:
            continue
    if value is None:
        raise BadArgument(
            _(
                "The %(name)s argument must be a date and time like 2027-06-09T14:30.",
                name=name,
            )
        )
    _check_year(name, value)
    try:
        return value.replace(tzinfo=tz).astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31 late in the evening, west of UTC
        raise BadArgument(
            _("The %(name)s argument is beyond the last date this site handles.", name=name)
        )
