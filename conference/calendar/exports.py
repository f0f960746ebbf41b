"""Schedule exports for conference apps: c3voc ``schedule.json`` and Frab/Pentabarf XML.

Both are built from the same ``SessionView`` list as the feeds, so a restricted session the
caller is not cleared for appears only as a "Restricted session" at its time, under the
venue (no room, description, speakers or track). Sessions without a (visible) room are
listed under the venue as a room of its own. Cancelled sessions stay in the export with
"Cancelled:" before the title and the reason as description, so that apps can tell people.

A session holding contributions (talks, free items) is exported as one event per
contribution, at the contribution's own time, with the session's title as subtitle, so that
apps show who speaks when. Those events have a guid of their own and the id
``CONTRIBUTION_EVENT_ID_BASE + contribution id`` (event ids must be unique in the document,
and session and contribution ids are counted apart). A hidden session never shows its
contributions: it stays one "Restricted session" event.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import unicodedata
import uuid

from flask import current_app, url_for

from conference.calendar.services import SessionLinks
from conference.editions.models import Edition
from conference.extensions import db
from conference.permissions import Channel
from conference.programme import services as programme
from conference.programme.models import Room, Track
from conference.urls import external_url

GENERATOR = "conference"
GENERATOR_VERSION = "1.0"
LANGUAGE = "en"
TIMESLOT = "00:05"
CONTRIBUTION_EVENT_ID_BASE = 1_000_000_000
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SLUG_STRIP = re.compile(r"[^a-z0-9]+")
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_JSON_SLUG = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")
_XML_SLUG = re.compile(r"^[a-z][a-z0-9-]+$")
# The schema's pattern for time zone names (others, e.g. Etc/GMT+1, are left out).
_JSON_ZONE = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")


def slugify(text: str, limit: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens ("" when nothing is left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SLUG_STRIP.sub("-", ascii_text.lower()).strip("-")[:limit].strip("-")


def acronym(edition: Edition) -> str:
    """A schedule acronym (``[a-z0-9_]{4,}``): the edition's acronym or initials, plus the year."""
    base = slugify(edition.acronym).replace("-", "_")
    if not base:
        base = "".join(w[0] for w in slugify(edition.title).split("-") if w and w[0].isalpha())
    base = base or "conference"
    if str(edition.year) not in base:
        base = f"{base}{edition.year}"
    return base


_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _guid(value: str, namespace: str) -> str:
    """A UUID string: the session uid itself when it is a UUID, else a stable UUID5."""
    if _HEX32.match(value):
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{namespace}/{value}"))


def _uuid5(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _hhmm(delta: dt.timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclasses.dataclass
class ExportEvent:
    id: int
    guid: str
    date: str
    end: str
    start: str
    duration: str
    room: str
    slug: str
    url: str
    title: str
    track: str | None
    type: str
    abstract: str
    description: str
    persons: list[dict]
    # Issue 21: the materials the caller may see, as (type, url, title).
    attachments: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    links: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    subtitle: str = ""


@dataclasses.dataclass
class ExportDay:
    index: int
    date: dt.date
    start: str
    end: str
    rooms: dict[str, list[ExportEvent]]


@dataclasses.dataclass
class Schedule:
    edition: Edition
    version: str
    acronym: str
    url: str
    base_url: str
    venue_room: str
    rooms: list[tuple[str, str, int | None]]  # name, guid, capacity
    tracks: list[tuple[str, str, str]]  # name, slug, colour
    days: list[ExportDay]


def _profile_fields(profile, edition: Edition, base: str) -> dict:
    """The pretalx-style person fields of a speaker's profile (biography, avatar)."""
    if profile is None:
        return {}
    fields: dict = {}
    about = ", ".join(p for p in (profile.position, profile.organisation) if p)
    biography = "\n\n".join(p for p in (about, profile.biography) if p)
    if biography:
        fields["biography"] = biography
    if profile.has_photo:
        fields["avatar"] = base + url_for(
            "programme.speaker_photo",
            year=edition.year,
            user_id=profile.user_id,
            v=profile.photo_version,
        )
    return fields


def build_schedule(user, edition: Edition) -> Schedule:
    """The programme as ``user`` may see it, arranged by day and room (constant queries)."""
    sessions = programme.programme_sessions(user, edition)
    viewer = programme.clearance(user, edition)
    views = [programme.session_view(s, viewer, channel=Channel.EXPORT) for s in sessions]
    # Issue 21: speaker profiles (only of speakers the caller sees) and visible materials.
    profiles = programme.profiles_for(edition, [s.user_id for v in views for s in v.speakers])
    materials = programme.materials_by_session(user, edition, sessions, channel=Channel.EXPORT)
    tz = edition.tz
    base = current_app.config["BASE_URL"]
    namespace = f"{base}/{edition.year}"
    acro = acronym(edition)
    links = SessionLinks(edition)
    venue_room = edition.venue.strip() or "Venue"

    room_rows = db.session.execute(
        db.select(Room.id, Room.name, Room.capacity)
        .where(Room.edition_id == edition.id)
        .order_by(Room.position, Room.name)
    ).all()
    rooms = [(r.name, _uuid5(f"{namespace}/rooms/{r.id}"), r.capacity) for r in room_rows]
    room_names = [r.name for r in room_rows]
    if venue_room in room_names:
        venue_room = f"{venue_room} (general)"
    track_rows = db.session.execute(
        db.select(Track.name, Track.colour)
        .where(Track.edition_id == edition.id)
        .order_by(Track.position, Track.name)
    ).all()
    tracks = [(t.name, slugify(t.name), t.colour) for t in track_rows]

    events_by_day: dict[dt.date, list[ExportEvent]] = {}
    used_rooms: set[str] = set()
    uses_venue = False
    for view in views:
        start = view.starts_at.astimezone(tz)
        end = view.ends_at.astimezone(tz)
        if view.room is not None and view.room.name in room_names:
            room = view.room.name
            used_rooms.add(room)
        else:
            room, uses_venue = venue_room, True
        title = view.title
        abstract = view.description
        description = ""
        if view.is_cancelled:
            title = f"Cancelled: {title}"
            reason = view.cancel_reason.strip()
            description = f"Cancelled: {reason}" if reason else "Cancelled."
        title_slug = slugify(view.title, 50)
        if view.contributions and not view.hidden:
            for contribution in view.contributions:
                event = _contribution_event(
                    view,
                    contribution,
                    room=room,
                    tz=tz,
                    acro=acro,
                    namespace=namespace,
                    base=base,
                    url=links(view.id),
                )
                events_by_day.setdefault(start.date(), []).append(event)
            continue
        event = ExportEvent(
            id=view.id,
            guid=_guid(view.uid, f"{namespace}/sessions"),
            date=start.isoformat(),
            end=end.isoformat(),
            start=start.strftime("%H:%M"),
            duration=_hhmm(view.ends_at - view.starts_at),
            room=room,
            slug=f"{acro}-{view.id}-{title_slug or 'session'}",
            url=links(view.id),
            title=title,
            track=view.track.name if view.track is not None else None,
            type=view.type.code if view.type is not None else "other",
            abstract=abstract,
            description=description,
            persons=[
                {
                    "name": s.name,
                    "guid": _uuid5(
                        f"{base}/users/{s.user_id}"
                        if s.user_id
                        else f"{namespace}/sessions/{view.id}/speakers/{s.name}"
                    ),
                }
                | _profile_fields(profiles.get(s.user_id), edition, base)
                for s in view.speakers
            ],
        )
        for material in materials.get(view.id, ()):
            if material.kind == "recording":
                event.links.append(("media", material.url, material.title))
            else:
                url = base + url_for(
                    "programme.material_download", year=edition.year, material_id=material.id
                )
                kind = "slides" if material.kind == "slides" else "paper"
                event.attachments.append((kind, url, material.title))
        events_by_day.setdefault(start.date(), []).append(event)

    # Only rooms this caller sees something in: a room used only by restricted sessions
    # the caller is not cleared for is not listed (its name could hint at the session).
    rooms = [r for r in rooms if r[0] in used_rooms]
    all_rooms = [name for name in room_names if name in used_rooms]
    all_rooms += [venue_room] if uses_venue else []
    if uses_venue:
        rooms.append((venue_room, _uuid5(f"{namespace}/rooms/venue"), None))

    dates = set(events_by_day)
    day = edition.start_date
    while day <= edition.end_date:
        dates.add(day)
        day += dt.timedelta(days=1)
    days = []
    for index, date in enumerate(sorted(dates), start=1):
        midnight = dt.datetime.combine(date, dt.time(), tz)
        next_midnight = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tz)
        by_room: dict[str, list[ExportEvent]] = {name: [] for name in all_rooms}
        for event in events_by_day.get(date, []):
            by_room.setdefault(event.room, []).append(event)
        days.append(
            ExportDay(index, date, midnight.isoformat(), next_midnight.isoformat(), by_room)
        )

    programme_url = external_url("programme.programme", year=edition.year)
    return Schedule(
        edition=edition,
        # The released version's name; before the first release, the time of the last change.
        version=programme.released_version(edition)
        or edition.programme_changed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        acronym=acro,
        url=programme_url,
        base_url=base + "/",
        venue_room=venue_room,
        rooms=rooms,
        tracks=tracks,
        days=days,
    )


def _persons(speakers, base: str, fallback: str) -> list[dict]:
    return [
        {
            "name": s.name,
            "guid": _uuid5(f"{base}/users/{s.user_id}" if s.user_id else f"{fallback}/{s.name}"),
        }
        for s in speakers
    ]


def _contribution_event(view, contribution, *, room, tz, acro, namespace, base, url):
    """One contribution of a session as an event of its own (see the module docstring)."""
    start = contribution.starts_at.astimezone(tz)
    end = contribution.ends_at.astimezone(tz)
    title = contribution.title
    description = ""
    if view.is_cancelled:
        title = f"Cancelled: {title}"
        reason = view.cancel_reason.strip()
        description = f"Cancelled: {reason}" if reason else "Cancelled."
    slug = slugify(contribution.title, 40) or "contribution"
    return ExportEvent(
        id=CONTRIBUTION_EVENT_ID_BASE + contribution.id,
        guid=_uuid5(f"{namespace}/contributions/{contribution.id}"),
        date=start.isoformat(),
        end=end.isoformat(),
        start=start.strftime("%H:%M"),
        duration=_hhmm(contribution.ends_at - contribution.starts_at),
        room=room,
        slug=f"{acro}-{view.id}-{contribution.id}-{slug}",
        url=url,
        title=title,
        subtitle=view.title,
        track=view.track.name if view.track is not None else None,
        type="talk"
        if contribution.kind == "talk"
        else (view.type.code if view.type is not None else "other"),
        abstract=contribution.description,
        description=description,
        persons=_persons(
            contribution.speakers, base, f"{namespace}/contributions/{contribution.id}/speakers"
        ),
    )


# --- schedule.json (c3voc) -----------------------------------------------------------------


def _event_json(event: ExportEvent) -> dict:
    return {
        "guid": event.guid,
        "id": event.id,
        "date": event.date,
        "end": event.end,
        "start": event.start,
        "duration": event.duration,
        "room": event.room,
        "slug": event.slug,
        "url": event.url,
        "title": event.title,
        "subtitle": event.subtitle,
        "track": event.track,
        "type": event.type,
        "language": LANGUAGE,
        "abstract": event.abstract,
        "description": event.description,
        "persons": event.persons,
        "links": [{"type": t, "url": u, "title": title} for t, u, title in event.links],
        "attachments": [{"type": t, "url": u, "title": title} for t, u, title in event.attachments],
    }


def schedule_json(user, edition: Edition) -> bytes:
    """The c3voc ``schedule.json`` document (validates against its published schema)."""
    schedule = build_schedule(user, edition)
    edition = schedule.edition
    conference = {
        "acronym": schedule.acronym,
        "title": edition.title,
        "start": edition.start_date.isoformat(),
        "end": edition.end_date.isoformat(),
        "daysCount": len(schedule.days),
        "timeslot_duration": TIMESLOT,
        "url": schedule.url,
        "rooms": [
            {"name": name, "guid": guid, "capacity": capacity}
            for name, guid, capacity in schedule.rooms
        ],
        "tracks": [
            {"name": name, "color": colour} | ({"slug": slug} if _JSON_SLUG.match(slug) else {})
            for name, slug, colour in schedule.tracks
        ],
        "days": [
            {
                "index": day.index,
                "date": day.date.isoformat(),
                "day_start": day.start,
                "day_end": day.end,
                "rooms": {
                    room: [_event_json(e) for e in events] for room, events in day.rooms.items()
                },
            }
            for day in schedule.days
        ],
    }
    if _JSON_ZONE.search(edition.timezone):
        conference["time_zone_name"] = edition.timezone
    document = {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": GENERATOR, "version": GENERATOR_VERSION},
        "schedule": {
            "version": schedule.version,
            "base_url": schedule.base_url,
            "conference": conference,
        },
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- schedule.xml (Frab/Pentabarf) ---------------------------------------------------------


def _x(value) -> str:
    """Text for XML 1.0: characters XML cannot carry are dropped, markup characters escaped."""
    text = _INVALID_XML.sub("", str(value))
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _event_xml(event: ExportEvent, out: list[str]) -> None:
    out.append(f'<event guid="{event.guid}" id="{event.id}">')
    out.append(f"<date>{_x(event.date)}</date>")
    out.append(f"<start>{event.start}</start>")
    out.append(f"<duration>{event.duration}</duration>")
    out.append(f"<room>{_x(event.room)}</room>")
    out.append(f"<slug>{_x(event.slug)}</slug>")
    out.append(f"<url>{_x(event.url)}</url>")
    out.append(f"<title>{_x(event.title)}</title>")
    out.append(f"<subtitle>{_x(event.subtitle)}</subtitle>")
    out.append(f"<track>{_x(event.track or '')}</track>")
    out.append(f"<type>{_x(event.type)}</type>")
    out.append(f"<language>{LANGUAGE}</language>")
    out.append(f"<abstract>{_x(event.abstract)}</abstract>")
    out.append(f"<description>{_x(event.description)}</description>")
    out.append("<persons>")
    for person in event.persons:
        out.append(f'<person guid="{person["guid"]}">{_x(person["name"])}</person>')
    out.append("</persons>")
    out.append("<links>")
    for kind, url, title in event.links:
        out.append(f'<link href="{_x(url)}" type="{kind}">{_x(title)}</link>')
    out.append("</links>")
    if event.attachments:
        out.append("<attachments>")
        for kind, url, title in event.attachments:
            out.append(f'<attachment href="{_x(url)}" type="{kind}">{_x(title)}</attachment>')
        out.append("</attachments>")
    out.append("</event>")


def schedule_xml(user, edition: Edition) -> bytes:
    """The Frab/Pentabarf ``schedule.xml`` document (validates against its published XSD)."""
    schedule = build_schedule(user, edition)
    edition = schedule.edition
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<schedule>",
        f'<generator name="{GENERATOR}" version="{GENERATOR_VERSION}"/>',
        f"<version>{_x(schedule.version)}</version>",
        "<conference>",
        f"<title>{_x(edition.title)}</title>",
        f"<acronym>{_x(schedule.acronym)}</acronym>",
        f"<start>{edition.start_date.isoformat()}</start>",
        f"<end>{edition.end_date.isoformat()}</end>",
        f"<days>{len(schedule.days)}</days>",
        f"<timeslot_duration>{TIMESLOT}</timeslot_duration>",
        f"<base_url>{_x(schedule.base_url)}</base_url>",
        f"<url>{_x(schedule.url)}</url>",
        f"<time_zone_name>{_x(edition.timezone)}</time_zone_name>",
    ]
    for name, slug, colour in schedule.tracks:
        colour_attr = f' color="{colour}"' if _HEX_COLOUR.match(colour or "") else ""
        slug_attr = f' slug="{slug}"' if _XML_SLUG.match(slug) else ""
        out.append(f'<track name="{_x(name)}"{colour_attr}{slug_attr}>{_x(name)}</track>')
    out.append("</conference>")
    guids = {name: guid for name, guid, _ in schedule.rooms}
    for day in schedule.days:
        out.append(
            f'<day index="{day.index}" date="{day.date.isoformat()}" '
            f'start="{day.start}" end="{day.end}">'
        )
        for room, events in day.rooms.items():
            guid = guids.get(room)
            guid_attr = f' guid="{guid}"' if guid else ""
            out.append(f'<room name="{_x(room)}"{guid_attr}>')
            for event in events:
                _event_xml(event, out)
            out.append("</room>")
        out.append("</day>")
    out.append("</schedule>")
    return ("\n".join(out) + "\n").encode("utf-8")
