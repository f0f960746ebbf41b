"""Template filters and globals: local times, Markdown, permissions, navigation."""

from __future__ import annotations

import datetime as dt
import functools

from babel import dates, lists
from flask import Flask, g
from flask_babel import format_decimal, get_locale
from flask_login import current_user

from conference import countries, navigation, permissions
from conference.text import ngettext, render_markdown


def to_local(moment: dt.date | None, edition=None) -> dt.date | None:
    """``moment`` in the edition's time zone (the request's edition by default); a calendar
    day has no zone and comes back as it is, so ``localtime`` writes days too."""
    if moment is None or not isinstance(moment, dt.datetime):
        return moment
    edition = edition or g.get("edition")
    if edition is None:
        return moment
    # A programme page in the viewer's chosen zone (``programme/display.py``) sets this.
    return moment.astimezone(g.get("display_tz") or edition.tz)


# strftime directives the templates use, as CLDR patterns: in English the output is the same
# as strftime's in the C locale ("Mon 05 Oct 2027, 09:00"); other languages get their names.
_STRFTIME_TO_CLDR = {
    "a": "EEE",
    "A": "EEEE",
    "d": "dd",
    "b": "MMM",
    "B": "MMMM",
    "m": "MM",
    "Y": "yyyy",
    "H": "HH",
    "M": "mm",
    "S": "ss",
    "%": "%",
}


@functools.lru_cache(maxsize=128)
def cldr_pattern(fmt: str) -> str:
    """A strftime format as a CLDR date pattern (literal text quoted)."""
    out: list[str] = []
    literal = ""
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt) and fmt[i + 1] in _STRFTIME_TO_CLDR:
            if literal:
                out.append(_quote(literal))
                literal = ""
            out.append(_STRFTIME_TO_CLDR[fmt[i + 1]])
            i += 2
        else:
            literal += fmt[i]
            i += 1
    if literal:
        out.append(_quote(literal))
    return "".join(out)


def _quote(text: str) -> str:
    if all(c in " ,:-./" for c in text):
        return text
    return "'" + text.replace("'", "''") + "'"


def format_local(moment, fmt: str = "%a %d %b %Y, %H:%M", edition=None) -> str:
    """``moment`` in the edition's zone, written with ``fmt``'s fields in the request's
    language (24-hour clock everywhere)."""
    local = to_local(moment, edition)
    if local is None:
        return ""
    locale = get_locale() or "en"
    if isinstance(local, dt.datetime):
        return dates.format_datetime(local, cldr_pattern(fmt), tzinfo=local.tzinfo, locale=locale)
    return dates.format_date(local, cldr_pattern(fmt), locale=locale)


def format_number(value, digits: int | None = None) -> str:
    """A number in the request's language (``1,234.5`` / ``1 234,5``)."""
    if value is None:
        return ""
    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern)


def format_list(items, style: str = "standard") -> str:
    """``["a", "b", "c"]`` as "a, b and c" in the request's language."""
    return lists.format_list(
        [str(item) for item in items], style=style, locale=get_locale() or "en"
    )


def register(app: Flask) -> None:
    navigation.register(app)

    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["list"] = format_list
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["country_name"] = countries.name
    app.jinja_env.globals["can"] = lambda action, obj=None, edition=None: permissions.can(
        current_user, action, obj, edition=edition
    )
    app.jinja_env.globals["roles_in"] = lambda edition: permissions.roles_in(current_user, edition)
    app.jinja_env.globals["is_admin"] = lambda: permissions.is_admin(current_user)
    # False on an archived edition (except for administrators): pages leave out their forms.
    app.jinja_env.globals["edition_writable"] = lambda edition=None: permissions.edition_writable(
        current_user, edition or g.get("edition")
    )
    app.jinja_env.globals["to_local"] = to_local
    # Flask-Babel installs gettext/ngettext for templates; this one only if it did not.
    app.jinja_env.globals.setdefault("ngettext", ngettext)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_edition():
        return {"edition": g.get("edition")}
