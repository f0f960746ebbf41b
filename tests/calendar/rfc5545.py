"""A small, strict RFC 5545 reader written for the tests, independent of ``icalendar``.

It checks the wire format that calendar clients depend on — CRLF line endings, physical lines
of at most 75 octets, folding, content-line syntax, BEGIN/END nesting, TEXT escaping, the
required properties and a VTIMEZONE for every TZID used — and returns the components so that
tests can assert on property values.
"""

from __future__ import annotations

import dataclasses
import re

NAME = re.compile(r"[A-Za-z0-9-]+")
SAFE_PARAM = re.compile(r'[^";:,\x00-\x08\x0a-\x1f\x7f]*')
QUOTED_PARAM = re.compile(r'"[^"\x00-\x08\x0a-\x1f\x7f]*"')
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
TEXT_PROPERTIES = {
    "SUMMARY",
    "DESCRIPTION",
    "LOCATION",
    "COMMENT",
    "X-WR-CALNAME",
    "X-WR-CALDESC",
    "NAME",
    "CATEGORIES",
}
VALID_ESCAPE = re.compile(r"\\[\\;,nN]")


class CalendarError(AssertionError):
    pass


@dataclasses.dataclass
class Property:
    name: str
    params: dict[str, str]
    value: str

    @property
    def text(self) -> str:
        """The TEXT value unescaped."""
        return unescape(self.value)


@dataclasses.dataclass
class Component:
    name: str
    properties: list[Property] = dataclasses.field(default_factory=list)
    children: list[Component] = dataclasses.field(default_factory=list)

    def all(self, name: str) -> list[Property]:
        return [p for p in self.properties if p.name == name]

    def one(self, name: str) -> Property:
        found = self.all(name)
        if len(found) != 1:
            raise CalendarError(f"{self.name} has {len(found)} {name} properties, expected 1")
        return found[0]

    def get(self, name: str) -> Property | None:
        found = self.all(name)
        return found[0] if found else None

    def components(self, name: str) -> list[Component]:
        return [c for c in self.children if c.name == name]


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def physical_lines(body: bytes) -> list[bytes]:
    if not body.endswith(b"\r\n"):
        raise CalendarError("the calendar does not end with CRLF")
    lines = body[:-2].split(b"\r\n")
    for number, line in enumerate(lines, 1):
        if b"\r" in line or b"\n" in line:
            raise CalendarError(f"line {number}: bare CR or LF")
        if len(line) > 75:
            raise CalendarError(f"line {number}: {len(line)} octets (more than 75)")
        if not line:
            raise CalendarError(f"line {number}: empty line")
    return lines


def content_lines(body: bytes) -> list[str]:
    """Unfolded content lines; each fold must not split a UTF-8 character."""
    result: list[bytes] = []
    for line in physical_lines(body):
        if line[:1] in (b" ", b"\t"):
            if not result:
                raise CalendarError("the calendar starts with a continuation line")
            result[-1] += line[1:]
        else:
            result.append(line)
    out = []
    for raw in result:
        out.append(raw.decode("utf-8"))  # a split character would fail here
    # every physical line on its own must be valid UTF-8 as well (no split characters)
    for line in physical_lines(body):
        line.decode("utf-8")
    return out


def parse_line(line: str) -> Property:
    match = NAME.match(line)
    if not match:
        raise CalendarError(f"no property name in {line!r}")
    name = match.group().upper()
    pos = match.end()
    params: dict[str, str] = {}
    while pos < len(line) and line[pos] == ";":
        pos += 1
        pmatch = NAME.match(line, pos)
        if not pmatch or pmatch.end() >= len(line) or line[pmatch.end()] != "=":
            raise CalendarError(f"bad parameter in {line!r}")
        pname = pmatch.group().upper()
        pos = pmatch.end() + 1
        quoted = QUOTED_PARAM.match(line, pos)
        if quoted:
            params[pname] = quoted.group()[1:-1]
            pos = quoted.end()
        else:
            safe = SAFE_PARAM.match(line, pos)
            params[pname] = safe.group()
            pos = safe.end()
    if pos >= len(line) or line[pos] != ":":
        raise CalendarError(f"no ':' after the name and parameters in {line!r}")
    value = line[pos + 1 :]
    if CONTROL.search(value):
        raise CalendarError(f"control character in the value of {name}")
    if name in TEXT_PROPERTIES:
        rest = VALID_ESCAPE.sub("", value)
        if "\\" in rest:
            raise CalendarError(f"invalid backslash escape in {name}: {value!r}")
        if ";" in rest or (name != "CATEGORIES" and "," in rest):
            raise CalendarError(f"unescaped ';' or ',' in {name}: {value!r}")
    return Property(name, params, value)


def parse(body: bytes) -> Component:
    """Parse and check a calendar; raise ``CalendarError`` on the first problem."""
    stack: list[Component] = []
    root: Component | None = None
    for line in content_lines(body):
        prop = parse_line(line)
        if prop.name == "BEGIN":
            component = Component(prop.value.upper())
            if stack:
                stack[-1].children.append(component)
            elif root is not None:
                raise CalendarError("content after the end of the calendar")
            else:
                root = component
            stack.append(component)
        elif prop.name == "END":
            if not stack or stack[-1].name != prop.value.upper():
                raise CalendarError(f"END:{prop.value} does not close the open component")
            stack.pop()
        else:
            if not stack:
                raise CalendarError(f"property {prop.name} outside any component")
            stack[-1].properties.append(prop)
    if stack or root is None:
        raise CalendarError("unclosed component")
    if root.name != "VCALENDAR":
        raise CalendarError("the object is not a VCALENDAR")
    _check(root)
    return root


def _check(calendar: Component) -> None:
    if calendar.one("VERSION").value != "2.0":
        raise CalendarError("VERSION must be 2.0")
    calendar.one("PRODID")
    zones = {}
    for tz in calendar.components("VTIMEZONE"):
        tzid = tz.one("TZID").value
        observances = tz.components("STANDARD") + tz.components("DAYLIGHT")
        if not observances:
            raise CalendarError(f"VTIMEZONE {tzid} has no STANDARD or DAYLIGHT")
        for observance in observances:
            for required in ("DTSTART", "TZOFFSETFROM", "TZOFFSETTO"):
                observance.one(required)
        zones[tzid] = tz
    uids = set()
    for event in calendar.components("VEVENT"):
        uid = event.one("UID").value
        if uid in uids:
            raise CalendarError(f"UID {uid} appears twice")
        uids.add(uid)
        stamp = event.one("DTSTAMP").value
        if not re.fullmatch(r"\d{8}T\d{6}Z", stamp):
            raise CalendarError(f"DTSTAMP {stamp} is not a UTC DATE-TIME")
        for name in ("DTSTART", "DTEND"):
            prop = event.one(name)
            if not re.fullmatch(r"\d{8}T\d{6}Z?", prop.value):
                raise CalendarError(f"{name} {prop.value} is not a DATE-TIME")
            tzid = prop.params.get("TZID")
            if tzid is not None:
                if prop.value.endswith("Z"):
                    raise CalendarError(f"{name} has a TZID and a UTC time")
                if tzid not in zones:
                    raise CalendarError(f"{name} uses TZID {tzid} without a VTIMEZONE")
        if event.get("DTEND").value <= event.get("DTSTART").value:
            raise CalendarError(f"event {uid} ends before it starts")
        for name in ("SEQUENCE",):
            prop = event.get(name)
            if prop is not None and not prop.value.isdigit():
                raise CalendarError(f"{name} must be a non-negative integer")
