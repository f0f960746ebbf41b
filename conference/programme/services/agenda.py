"""A person's own agenda: what they starred, booked, wait for, speak at, chair or are invited to.

Starred sessions are listed only while the person may see them in detail (see ``stars``);
entries that overlap in time are flagged with each other (``AgendaEntry.overlaps``).
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from conference.extensions import db
from conference.permissions import clearance
from conference.programme.models import (
    AccessPolicy,
    AgendaStar,
    Booking,
    BookingState,
    ProgrammeSession,
    SessionInvitation,
    SessionSpeaker,
)
from conference.programme.services.released import released_by_id, released_sessions
from conference.programme.services.visibility import SessionView, session_query, session_view

# Why a session is on someone's agenda, as a tag; the codes stay English.
ROLE_LABELS = {
    "starred": _l("Starred"),
    "booked": _l("Booked"),
    "waiting list": _l("Waiting list"),
    "chair": _l("Chair"),
    "speaker": _l("Speaker"),
    "invited": _l("Invited"),
}


def role_label(role: str, *, in_list: bool = False) -> str:
    """An agenda role in the reader's language (the code itself if unknown): as a tag, or
    inside a running list, "(booked, speaker)", where German still writes nouns capitalised.
    (Context "agenda": the bare words mean other things elsewhere, e.g. a letter's salutation.)"""
    if in_list:
        names = {
            "starred": pgettext("agenda", "starred"),
            "booked": pgettext("agenda", "booked"),
            "waiting list": pgettext("agenda", "waiting list"),
            "chair": pgettext("agenda", "chair"),
            "speaker": pgettext("agenda", "speaker"),
            "invited": pgettext("agenda", "invited"),
        }
        return names.get(role, role)
    label = ROLE_LABELS.get(role)
    return str(label) if label is not None else role


def personal_agenda(user, edition) -> list[ProgrammeSession]:
    """Sessions ``user`` booked (state booked), speaks at, chairs or is invited to, by start.

    Constant number of queries; show them through ``session_view`` like everything else.
    """
    if edition is None or not getattr(user, "is_authenticated", False):
        return []
    booked = sa.select(Booking.session_id).where(
        Booking.user_id == user.id,
        Booking.edition_id == edition.id,
        Booking.state == BookingState.BOOKED,
    )
    speaking = sa.select(SessionSpeaker.session_id).where(SessionSpeaker.user_id == user.id)
    invited = sa.select(SessionInvitation.session_id).where(SessionInvitation.user_id == user.id)
    ids = sa.union(booked, speaking, invited).subquery()
    starred = _starred(user, edition)
    query = session_query(edition).where(
        sa.or_(
            ProgrammeSession.id.in_(sa.select(ids.c[0])),
            ProgrammeSession.chair_id == user.id,
            ProgrammeSession.id.in_(starred),
        )
    )
    sessions = as_released(edition, list(db.session.scalars(query)))
    if not starred:
        return sessions
    viewer = clearance(user, edition)
    other = set(db.session.scalars(sa.select(ids.c[0])))
    return [s for s in sessions if s.id in other or s.chair_id == user.id or viewer.sees_details(s)]


def as_released(edition, sessions: list) -> list:
    """``sessions`` as the last release shows them (left out: sessions not released yet), so
    that a personal agenda and feed never show draft changes; unchanged before the first
    release."""
    by_id = released_by_id(edition)
    if by_id is None:
        return sessions
    kept = [by_id[s.id] for s in sessions if s.id in by_id]
    return sorted(kept, key=lambda s: (s.starts_at, s.id))


def sessions_of_person(user, edition) -> list:
    """The sessions ``user`` has a seat in, speaks at or chairs, cancelled ones left out, by
    start, as the public programme shows them: once there is a release, its sessions and its
    speakers and chairs (a session only in the draft, or a draft that adds the person, is not
    theirs yet). Raw sessions: filter them by what the person may see in detail."""
    if edition is None or user is None:
        return []
    booked = sa.select(Booking.session_id).where(
        Booking.user_id == user.id,
        Booking.edition_id == edition.id,
        Booking.state == BookingState.BOOKED,
    )
    released = released_sessions(edition)
    if released is None:
        speaking = sa.select(SessionSpeaker.session_id).where(SessionSpeaker.user_id == user.id)
        return list(
            db.session.scalars(
                session_query(edition, include_cancelled=False).where(
                    sa.or_(
                        ProgrammeSession.id.in_(booked),
                        ProgrammeSession.id.in_(speaking),
                        ProgrammeSession.chair_id == user.id,
                    )
                )
            )
        )
    seats = set(db.session.scalars(booked))
    return [
        s
        for s in released
        if not s.is_cancelled
        and (
            s.id in seats or s.chair_id == user.id or any(p.user_id == user.id for p in s.speakers)
        )
    ]


def _starred(user, edition) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(AgendaStar.session_id).where(
                AgendaStar.user_id == user.id, AgendaStar.edition_id == edition.id
            )
        )
    )


def user_bookings(user, edition) -> dict[int, Booking]:
    """The user's live bookings (booked or waitlisted) in ``edition`` by session id."""
    if edition is None or not getattr(user, "is_authenticated", False):
        return {}
    rows = db.session.scalars(
        sa.select(Booking).where(
            Booking.user_id == user.id,
            Booking.edition_id == edition.id,
            Booking.state != BookingState.CANCELLED,
        )
    )
    return {b.session_id: b for b in rows}


@dataclasses.dataclass(frozen=True)
class AgendaEntry:
    """One line of a personal agenda: the session as the person sees it, and why it is there."""

    view: SessionView
    roles: tuple[str, ...]
    booking: Booking | None
    waitlist_position: int | None = None
    # Other entries (of this agenda) at the same time: (session id, title, roles).
    overlaps: tuple[tuple[int, str, tuple[str, ...]], ...] = ()


def agenda_entries(user, edition, *, channel: str) -> list[AgendaEntry]:
    """The personal agenda with reasons (starred, booked, waiting list, speaker, chair,
    invited) and overlaps between entries.

    Like ``personal_agenda`` plus the sessions the person waits for; constant number of queries.
    A starred session the person may no longer see in detail is left out.
    """
    if edition is None or not getattr(user, "is_authenticated", False):
        return []
    bookings = user_bookings(user, edition)
    speaking = sa.select(SessionSpeaker.session_id).where(SessionSpeaker.user_id == user.id)
    invited = sa.select(SessionInvitation.session_id).where(SessionInvitation.user_id == user.id)
    starred = _starred(user, edition)
    ids = set(bookings) | set(db.session.scalars(sa.union(speaking, invited))) | starred
    query = session_query(edition).where(
        sa.or_(ProgrammeSession.id.in_(ids), ProgrammeSession.chair_id == user.id)
    )
    sessions = as_released(edition, list(db.session.scalars(query)))
    waiting = [b.session_id for b in bookings.values() if b.state == BookingState.WAITLISTED]
    positions: dict[int, int] = {}
    if waiting:
        queue_rows = db.session.execute(
            sa.select(Booking.session_id, Booking.user_id)
            .where(Booking.session_id.in_(waiting), Booking.state == BookingState.WAITLISTED)
            .order_by(Booking.session_id, Booking.created_at, Booking.id)
        )
        counters: dict[int, int] = {}
        for session_id, user_id in queue_rows:
            counters[session_id] = counters.get(session_id, 0) + 1
            if user_id == user.id:
                positions[session_id] = counters[session_id]
    viewer = clearance(user, edition)
    invited_ids = {i for i in viewer.session_ids}
    entries = []
    for session in sessions:
        roles = []
        booking = bookings.get(session.id)
        if booking is not None:
            roles.append("booked" if booking.state == BookingState.BOOKED else "waiting list")
        if session.chair_id == user.id:
            roles.append("chair")
        if any(s.user_id == user.id for s in session.speakers):
            roles.append("speaker")
        if (
            session.id in invited_ids
            and "chair" not in roles
            and "speaker" not in roles
            and session.access == AccessPolicy.INVITATION
        ):
            roles.append("invited")
        if session.id in starred and viewer.sees_details(session):
            roles.insert(0, "starred")
        if not roles:
            continue
        entries.append(
            AgendaEntry(
                session_view(session, viewer, channel=channel),
                tuple(roles),
                booking,
                positions.get(session.id),
            )
        )
    return with_overlaps(entries)


def with_overlaps(entries: list[AgendaEntry]) -> list[AgendaEntry]:
    """The entries, each told which others it overlaps in time (cancelled sessions and
    breaks overlap nothing). Entries come ordered by start, so each is compared only with the
    ones that start before it ends."""
    live = [e for e in entries if not e.view.is_cancelled and not e.view.is_break]
    found: dict[int, list[AgendaEntry]] = {}
    for i, entry in enumerate(live):
        for other in live[i + 1 :]:
            if other.view.starts_at >= entry.view.ends_at:
                break
            if other.view.ends_at > entry.view.starts_at:
                found.setdefault(entry.view.id, []).append(other)
                found.setdefault(other.view.id, []).append(entry)
    return [
        dataclasses.replace(
            e,
            overlaps=tuple((o.view.id, o.view.title, o.roles) for o in found[e.view.id]),
        )
        if e.view.id in found
        else e
        for e in entries
    ]
