"""A small, fast RFC 5545 writer: escaping, line folding, dates and VTIMEZONE components.

Feeds are written line by line rather than through ``icalendar`` objects: for a programme of
hundreds of sessions this is several times faster, and the rules that matter for safety
(TEXT escaping, no raw line breaks in any value, folding at 75 octets) sit in a few functions
that the tests exercise directly. ``icalendar`` still supplies the VTIMEZONE definitions,
computed from ``zoneinfo`` once per zone and year range.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from zoneinfo import ZoneInfo

import icalendar

CRLF = "\r\n"
# RFC 5545 TEXT may not contain control characters other than HTAB.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")
_UTC_ZONES = {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu", "GMT", "Etc/GMT"}
_TEXT_SPECIAL = re.compile(r"[\\;,\r\n\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029\x85]")


def escape_text(value: str) -> str:
    """A TEXT property value: backslash, semicolon, comma and newlines escaped (RFC 5545 3.3.11).

    Any kind of line break becomes the two characters ``\\n``, so that a value can never end
    the content line and start a property of its own; other control characters are dropped.
    """
    if not _TEXT_SPECIAL.search(value):
        return value
    value = _CONTROL.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _NEWLINES.sub("\\\\n", value)


def safe_uri(value: str) -> str:
    """A URI value: URIs are not escaped in iCalendar, so refuse anything with a line break."""
    if not _TEXT_SPECIAL.search(value):
        return value
    return _NEWLINES.sub("", _CONTROL.sub("", value))


def param_value(value: str) -> str:
    """A parameter value, quoted when it contains ``:``, ``;`` or ``,`` (RFC 5545 3.2)."""
    value = _NEWLINES.sub(" ", _CONTROL.sub("", value)).replace('"', "'")
    return f'"{value}"' if any(c in value for c in ":;,") else value


def fold_lines(lines: list[str]) -> str:
    """Content lines folded and each ended with CRLF, as one string."""
    return "".join(
        (line if len(line) <= 75 and line.isascii() else fold(line)) + CRLF for line in lines
    )


def fold(line: str) -> str:
    """Fold a content line so that no physical line exceeds 75 octets (RFC 5545 3.1).

    Continuation lines start with one space; a multi-byte UTF-8 character is never split
    (a cut never lands before a continuation byte ``10xxxxxx``).
    """
    if len(line) <= 75 and line.isascii():
        return line
    encoded = line.encode("utf-8")
    size = len(encoded)
    if size <= 75:
        return line
    parts: list[bytes] = []
    start, limit = 0, 75
    while size - start > limit:
        end = start + limit
        while encoded[end] & 0xC0 == 0x80:
            end -= 1
        parts.append(encoded[start:end])
        start, limit = end, 74  # the leading space of a continuation line counts
    parts.append(encoded[start:])
    return b"\r\n ".join(parts).decode("utf-8")


def utc_stamp(moment: dt.datetime) -> str:
    """A DATE-TIME in UTC form (``20270609T070000Z``), for DTSTAMP and LAST-MODIFIED."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def is_utc_zone(name: str) -> bool:
    return name in _UTC_ZONES


class ZonedTimes:
    """Writes DTSTART/DTEND in one IANA zone: ``DTSTART;TZID=Europe/Brussels:20270609T090000``."""

    def __init__(self, zone_name: str):
        self.zone_name = zone_name
        self.utc = is_utc_zone(zone_name)
        self.tz = dt.UTC if self.utc else ZoneInfo(zone_name)
        self._prefix = "" if self.utc else f";TZID={param_value(zone_name)}"

    def prop(self, name: str, moment: dt.datetime) -> str:
        if self.utc:
            return f"{name}:{utc_stamp(moment)}"
        local = moment.astimezone(self.tz)
        return f"{name}{self._prefix}:{local.strftime('%Y%m%dT%H%M%S')}"


@functools.lru_cache(maxsize=64)
def vtimezone(zone_name: str, first_year: int, last_year: int) -> str:
    """The VTIMEZONE component of ``zone_name`` covering the given years, as folded lines.

    Computed by ``icalendar`` from ``zoneinfo`` (slow, hence cached); empty for UTC, whose
    times are written with the ``Z`` suffix instead.
    """
    if is_utc_zone(zone_name):
        return ""
    component = icalendar.Timezone.from_tzinfo(
        ZoneInfo(zone_name),
        tzid=zone_name,
        first_date=dt.date(first_year, 1, 1),
        last_date=dt.date(last_year + 1, 1, 1),
    )
    text = component.to_ical().decode("utf-8")
    lines = [line for line in text.replace("\r\n ", "").split("\r\n") if line]
    return "".join(fold(line) + CRLF for line in lines)
