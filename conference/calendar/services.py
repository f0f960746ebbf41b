"""Calendar rules: personal feed tokens, feed validators (ETag) and the .ics feeds themselves.

Visibility is never decided here: sessions are read through the programme's
``programme_sessions`` / ``personal_agenda`` and shown through ``session_view`` with the
caller's ``clearance``, exactly as on the HTML programme. A restricted session the caller is
not cleared for becomes a time-only "Restricted session" event (no description, speakers,
room or location), so that a calendar shows the same placeholder the programme page shows.

Validators come from the programme's last change (``edition.programme_changed_at``) and the
caller's clearance identity, never from the rendered body, so a conditional GET for an unchanged
programme is answered 304 without loading a single session.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import re
import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from conference import audit, tlp
from conference.accounts.models import User
from conference.calendar import ics
from conference.calendar.models import CalendarToken
from conference.db import utcnow
from conference.editions.models import Edition, EditionState
from conference.extensions import db
from conference.permissions import Channel, Clearance, can, clearance
from conference.programme import services as programme
from conference.programme.models import (
    AgendaStar,
    Booking,
    BookingState,
    ProgrammeSession,
    SessionInvitation,
    SessionSpeaker,
)
from conference.text import markdown_to_text
from conference.urls import external_url

# Bump when the output of the feeds or exports changes, so that cached copies are refetched.
FEED_VERSION = "2026-11-29.4"  # plain text (13), bounded (22), notes (18), TLP labels (23)
REFRESH_INTERVAL = "PT1H"
PRODUCT_ID = "-//European Research Security Conference//Programme//EN"
TOKEN_PATTERN = re.compile(r"^[0-9a-f]{64}$")
# Record a personal feed's use at most this often (calendar apps poll every few minutes).
LAST_USED_RESOLUTION = dt.timedelta(hours=1)

# --- personal feed tokens ------------------------------------------------------------------


def _derive_token(user_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, f"calendar:{user_id}:{nonce}".encode(), hashlib.sha256).hexdigest()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def calendar_token(user) -> CalendarToken | None:
    """The person's feed token row, if they have turned the personal feed on."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(sa.select(CalendarToken).where(CalendarToken.user_id == user.id))


def feed_token(user, record: CalendarToken | None = None) -> str | None:
    """The secret of the person's feed URL, re-derived from the stored nonce.

    None when there is no feed, or when the secret key has changed since the link was made
    (the stored hash no longer matches; the person regenerates the link).
    """
    record = record if record is not None else calendar_token(user)
    if record is None:
        return None
    token = _derive_token(user.id, record.nonce)
    if not hmac.compare_digest(_hash_token(token), record.token_hash):
        return None
    return token


def personal_feed_url(token: str, *, webcal: bool = False) -> str:
    url = external_url("calendar.personal_ics", token=token)
    if webcal:
        url = "webcal://" + url.split("://", 1)[1]
    return url


def regenerate_token(user) -> str:
    """Create the person's feed link, or replace it: the old URL answers 404 from now on."""
    record = calendar_token(user)
    nonce = secrets.token_hex(32)
    token = _derive_token(user.id, nonce)
    action = "calendar.link_regenerated" if record is not None else "calendar.link_created"
    if record is None:
        record = CalendarToken(user_id=user.id, nonce=nonce, token_hash=_hash_token(token))
        db.session.add(record)
    else:
        record.nonce = nonce
        record.token_hash = _hash_token(token)
        record.created_at = utcnow()
        record.last_used_at = None
    db.session.flush()
    audit.record(user, action, record)
    return token


def revoke_token(user) -> bool:
    """Turn the personal feed off (its URL answers 404). False when there was none."""
    record = calendar_token(user)
    if record is None:
        return False
    audit.record(user, "calendar.link_revoked", record)
    db.session.delete(record)
    return True


def owner_for_token(token: str) -> tuple[CalendarToken, User] | None:
    """The token row and its active owner for a feed URL's secret, or None (→ 404)."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    row = db.session.execute(
        sa.select(CalendarToken, User)
        .join(User, User.id == CalendarToken.user_id)
        .where(CalendarToken.token_hash == _hash_token(token))
    ).first()
    if row is None:
        return None
    record, user = row
    if not user.is_active:
        return None
    return record, user


def note_use(record: CalendarToken) -> bool:
    """Remember when a calendar app last fetched the feed (at most hourly). True if changed."""
    now = utcnow()
    if record.last_used_at is not None and now - record.last_used_at < LAST_USED_RESOLUTION:
        return False
    record.last_used_at = now
    return True


# --- validators ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Validators:
    """What a conditional GET is checked against. ``last_modified`` only when it is complete."""

    etag: str
    last_modified: dt.datetime | None


def _clearance_identity(viewer: Clearance) -> tuple:
    """Everything about the caller that changes which sessions they see in detail and what
    the TLP labels let reach them (``permissions.tlp_disclosure`` also asks whether they are
    logged in and which sessions they present in), so that no ETag is shared by two callers
    with different disclosure."""
    return (
        viewer.authenticated,
        viewer.privileged,
        viewer.accredited,
        viewer.category_id,
        tuple(sorted(viewer.session_ids)),
        tuple(sorted(viewer.presenting_ids)),
    )


def _digest(*parts) -> str:
    return hashlib.sha256(repr((FEED_VERSION, *parts)).encode("utf-8")).hexdigest()[:40]


def _edition_identity(edition: Edition) -> tuple:
    return (edition.id, edition.programme_changed_at, edition.updated_at, edition.timezone)


def early_version(connection: sa.Connection, year: int) -> tuple | None:
    """An edition-wide export's version for an early answer (``pagecache.early_route``): what
    ``_edition_identity`` holds, and the edition's state; None when there is no such edition."""
    row = connection.execute(_EARLY_VERSION, {"year": year}).first()
    return tuple(row) if row is not None else None


_EARLY_VERSION = sa.select(
    Edition.id, Edition.state, Edition.programme_changed_at, Edition.updated_at, Edition.timezone
).where(Edition.year == sa.bindparam("year"))


def edition_validators(user, edition: Edition, kind: str, *extra) -> Validators:
    """Validators of an edition-wide feed or export (``kind``) as ``user`` sees it.

    Anonymous callers all get the same answer, so Last-Modified (the programme's or the
    edition's last change) is complete for them; for everyone else the body also depends on
    their clearance, which has no modification time, so only the ETag is offered.
    """
    viewer = clearance(user, edition)
    identity = _clearance_identity(viewer)
    anonymous = not getattr(user, "is_authenticated", False)
    etag = _digest(
        kind,
        extra,
        _edition_identity(edition),
        "anonymous" if anonymous else identity,
        current_app.config["BASE_URL"],
    )
    last_modified = None
    if anonymous:
        last_modified = max(edition.programme_changed_at, edition.updated_at)
    return Validators(etag, last_modified)


def session_exists(edition: Edition, session_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(ProgrammeSession.id).where(
                ProgrammeSession.id == session_id, ProgrammeSession.edition_id == edition.id
            )
        )
        is not None
    )


def personal_editions(user) -> list[Edition]:
    """Editions in which ``user`` has something on their agenda (and may see the edition)."""
    booked = sa.select(Booking.edition_id).where(
        Booking.user_id == user.id, Booking.state == BookingState.BOOKED
    )
    speaking = (
        sa.select(ProgrammeSession.edition_id)
        .join(SessionSpeaker, SessionSpeaker.session_id == ProgrammeSession.id)
        .where(SessionSpeaker.user_id == user.id)
    )
    invited = (
        sa.select(ProgrammeSession.edition_id)
        .join(SessionInvitation, SessionInvitation.session_id == ProgrammeSession.id)
        .where(SessionInvitation.user_id == user.id)
    )
    chairing = sa.select(ProgrammeSession.edition_id).where(ProgrammeSession.chair_id == user.id)
    starred = sa.select(AgendaStar.edition_id).where(AgendaStar.user_id == user.id)
    ids = sa.union(booked, speaking, invited, chairing, starred).subquery()
    editions = db.session.scalars(
        sa.select(Edition).where(Edition.id.in_(sa.select(ids.c[0]))).order_by(Edition.year)
    )
    return [
        e
        for e in editions
        if e.state != EditionState.DRAFT or can(user, "edition.view", e, edition=e)
    ]


def personal_validators(record: CalendarToken, user, editions: list[Edition]) -> Validators:
    """ETag of a personal feed: the programmes' last changes, the person's clearance in each
    edition, their bookings and their stars. (No Last-Modified: a revoked role or invitation
    has no date.)"""
    bookings = tuple(
        (session_id, state)
        for session_id, state in db.session.execute(
            sa.select(Booking.session_id, Booking.state)
            .where(Booking.user_id == user.id, Booking.state == BookingState.BOOKED)
            .order_by(Booking.session_id)
        )
    )
    stars = tuple(
        db.session.scalars(
            sa.select(AgendaStar.session_id)
            .where(AgendaStar.user_id == user.id)
            .order_by(AgendaStar.session_id)
        )
    )
    per_edition = tuple(
        (_edition_identity(e), _clearance_identity(clearance(user, e))) for e in editions
    )
    etag = _digest(
        "personal",
        record.id,
        record.token_hash,
        user.id,
        user.is_admin,
        user.display_name,
        per_edition,
        bookings,
        stars,
        current_app.config["BASE_URL"],
    )
    return Validators(etag, None)


# --- building the feeds --------------------------------------------------------------------


class SessionLinks:
    """Absolute links to session pages, built once per feed (url_for per session is slow)."""

    _SENTINEL = 987654321

    def __init__(self, edition: Edition):
        url = external_url("programme.session_detail", year=edition.year, session_id=self._SENTINEL)
        prefix, _, suffix = ics.safe_uri(url).partition(str(self._SENTINEL))
        self._prefix, self._suffix = prefix, suffix

    def __call__(self, session_id: int) -> str:
        return f"{self._prefix}{session_id}{self._suffix}"


def uid_domain() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


FEED_DESCRIPTION_LIMIT = 300  # characters of a session's description in a feed


def bounded_description(text: str, limit: int = FEED_DESCRIPTION_LIMIT) -> str:
    """The start of a description for a feed: at most ``limit`` characters, cut at a word
    and ended with "…" when longer (the session page, linked below it, has the full text)."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return _("%(text)s… (full description on the session page)", text=cut.rstrip(" ,;:.-\n"))


def running_order_text(view, tz) -> str:
    """The session's contributions, one a line: ``10:00–10:20 Title (speakers)``."""
    lines = []
    for c in view.contributions:
        start = c.starts_at.astimezone(tz)
        end = c.ends_at.astimezone(tz)
        names = ", ".join(s.name for s in c.speakers)
        line = f"{start:%H:%M}–{end:%H:%M} {c.title}"
        lines.append(f"{line} ({names})" if names else line)
    return "\n".join(lines)


def _description(view, url: str, tz=None, note: str = "") -> str:
    parts: list[str] = []
    if view.is_cancelled:
        reason = view.cancel_reason.strip()
        parts.append(_("CANCELLED: %(reason)s", reason=reason) if reason else _("CANCELLED"))
    if note:
        parts.append(note)
    if view.description.strip():
        # Calendar apps show text, not Markdown: no "**", links as "text (url)"; bounded.
        parts.append(bounded_description(markdown_to_text(view.description)))
    if view.contributions and tz is not None:
        parts.append(_("Running order:") + "\n" + running_order_text(view, tz))
    facts: list[str] = []
    if view.speakers:
        names = [
            f"{s.name} ({s.organisation})" if s.organisation else s.name for s in view.speakers
        ]
        facts.append(_("Speakers: %(names)s", names="; ".join(names)))
    if view.chair is not None:
        facts.append(_("Chair: %(name)s", name=view.chair.name))
    if view.type is not None:
        facts.append(_("Type: %(name)s", name=view.type.name))
    if view.track is not None:
        facts.append(_("Track: %(name)s", name=view.track.name))
    if view.room is not None and view.room.directions:
        facts.append(_("Directions: %(directions)s", directions=view.room.directions))
    if view.tlp != tlp.TLP.CLEAR:
        # The FIRST label as written everywhere (TLP:AMBER): how the content may travel.
        facts.append(f"TLP:{view.tlp}")
    if view.restricted:
        facts.append(_("This session is restricted: please do not share its details."))
    if view.chatham_house:
        facts.append(_("Chatham House Rule applies."))
    if view.booking_required:
        facts.append(_("Booking required."))
    if facts:
        parts.append("\n".join(facts))
    parts.append(url)
    return "\n\n".join(parts)


def event_lines(
    view, edition: Edition, zoned: ics.ZonedTimes, url: str, domain: str, note: str = ""
) -> list[str]:
    """The content lines (unfolded) of one VEVENT for a ``SessionView`` (``note``: a line for
    the top of the description, e.g. why it is on a personal agenda)."""
    escape = ics.escape_text
    stamp = ics.utc_stamp(view.updated_at)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{ics.safe_uri(view.uid)}@{domain}",
        f"DTSTAMP:{stamp}",
        zoned.prop("DTSTART", view.starts_at),
        zoned.prop("DTEND", view.ends_at),
        f"SEQUENCE:{int(view.sequence)}",
        f"LAST-MODIFIED:{stamp}",
        f"SUMMARY:{escape(view.title)}",
        "STATUS:CANCELLED" if view.is_cancelled else "STATUS:CONFIRMED",
        f"URL:{url}",
    ]
    if view.hidden:
        lines.append("CLASS:CONFIDENTIAL")
    else:
        lines.append(f"DESCRIPTION:{escape(_description(view, url, edition.tz, note))}")
        if view.room is not None:
            where = view.room.name + (f", {edition.venue}" if edition.venue else "")
            lines.append(f"LOCATION:{escape(where)}")
        elif edition.venue:
            lines.append(f"LOCATION:{escape(edition.venue)}")
        categories = [c.name for c in (view.type, view.track) if c is not None]
        if categories:
            lines.append("CATEGORIES:" + ",".join(escape(c) for c in categories))
        if view.restricted or tlp.at_least(view.tlp, tlp.TLP.AMBER):
            lines.append("CLASS:CONFIDENTIAL")
    if view.is_break:
        lines.append("TRANSP:TRANSPARENT")
    lines.append("END:VEVENT")
    return lines


def _year_span(editions: list[Edition], views) -> tuple[int, int]:
    years = [e.start_date.year for e in editions] + [e.end_date.year for e in editions]
    for view in views:
        years.append(view.starts_at.year)
        years.append(view.ends_at.year)
    return min(years), max(years)


def render_calendar(
    name: str,
    description: str,
    parts: list[tuple[Edition, list]],
    notes: dict[int, str] | None = None,
) -> bytes:
    """A VCALENDAR holding the given ``(edition, [SessionView…])`` groups, CRLF and folded;
    ``notes`` by session id go on top of the events' descriptions."""
    notes = notes or {}
    domain = uid_domain()
    editions = [edition for edition, _ in parts]
    primary_zone = editions[0].timezone if editions else "UTC"
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        f"NAME:{ics.escape_text(name)}",
        f"X-WR-CALNAME:{ics.escape_text(name)}",
        f"DESCRIPTION:{ics.escape_text(description)}",
        f"X-WR-CALDESC:{ics.escape_text(description)}",
        f"X-WR-TIMEZONE:{ics.escape_text(primary_zone)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH_INTERVAL}",
        f"X-PUBLISHED-TTL:{REFRESH_INTERVAL}",
    ]
    out = [ics.fold_lines(head)]
    zones: dict[str, list] = {}
    for edition, views in parts:
        zones.setdefault(edition.timezone, []).append((edition, views))
    for zone, groups in zones.items():
        first, last = _year_span([e for e, _ in groups], [v for _, vs in groups for v in vs])
        out.append(ics.vtimezone(zone, first, last))
    for edition, views in parts:
        zoned = ics.ZonedTimes(edition.timezone)
        links = SessionLinks(edition)
        for view in views:
            out.append(
                ics.fold_lines(
                    event_lines(
                        view, edition, zoned, links(view.id), domain, notes.get(view.id, "")
                    )
                )
            )
    out.append("END:VCALENDAR" + ics.CRLF)
    return "".join(out).encode("utf-8")


def edition_calendar(user, edition: Edition) -> bytes:
    """The whole programme of ``edition`` as ``user`` may see it (cancelled sessions included)."""
    views = programme.session_views(user, edition, channel=Channel.FEED)
    return render_calendar(
        _("%(edition)s – Programme", edition=edition.title),
        _("The programme of %(edition)s (%(zone)s).", edition=edition.title, zone=edition.timezone),
        [(edition, views)],
    )


def session_calendar(user, edition: Edition, session_id: int) -> bytes:
    """One session as ``user`` may see it ("Add to calendar")."""
    session = programme.get_session(edition, session_id)
    view = programme.session_view(session, clearance(user, edition), channel=Channel.FEED)
    return render_calendar(
        f"{edition.title} – {view.title}",
        _("One session of %(edition)s.", edition=edition.title),
        [(edition, [view])],
    )


def personal_calendar(user, editions: list[Edition]) -> bytes:
    """The person's agenda in every edition they take part in: starred, booked, speaking,
    chairing, invited — restricted sessions in full where they are cleared (a starred one only
    while they are). Each event says why it is there and which other entries it overlaps."""
    parts = []
    notes: dict[int, str] = {}
    for edition in editions:
        views = []
        for entry in programme.agenda_entries(user, edition, channel=Channel.FEED):
            if entry.roles == ("waiting list",):
                continue  # a place on a waiting list is not a seat: not in the calendar
            views.append(entry.view)
            notes[entry.view.id] = agenda_note(entry)
        parts.append((edition, views))
    return render_calendar(
        _("My conference agenda – %(name)s", name=user.display_name),
        _("Sessions you starred, booked, speak at, chair or are invited to."),
        parts,
        notes,
    )


def agenda_note(entry) -> str:
    """Why a session is on the person's agenda, and what it overlaps, as feed text."""

    def reasons(roles) -> str:
        return ", ".join(programme.role_label(r, in_list=True) for r in roles)

    lines = [_("On your agenda: %(reasons)s.", reasons=reasons(entry.roles))]
    for _id, title, roles in entry.overlaps:
        lines.append(_("Overlaps “%(title)s” (%(reasons)s).", title=title, reasons=reasons(roles)))
    return "\n".join(lines)


__all__ = [
    "Validators",
    "calendar_token",
    "edition_calendar",
    "edition_validators",
    "feed_token",
    "note_use",
    "owner_for_token",
    "personal_calendar",
    "personal_editions",
    "personal_feed_url",
    "personal_validators",
    "regenerate_token",
    "revoke_token",
    "session_calendar",
    "session_exists",
]
