"""The programme's handlers of other areas' signals (connected by ``conference.programme``).

They run inside the acting transaction: the seats freed here are committed with the
registration's change, or rolled back with it.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from conference.accreditation import privacy
from conference.accreditation.reactions import copied_categories
from conference.db import copy_row
from conference.editions.models import Edition
from conference.editions.services import touch_programme
from conference.extensions import db
from conference.permissions import Channel, can, clearance
from conference.programme.models import (
    Booking,
    ProgrammeSession,
    Room,
    ScheduleRelease,
    SessionSpeaker,
    SessionState,
    SessionType,
    Track,
    session_categories,
)
from conference.programme.services import session_view
from conference.programme.services.bookings import release_bookings
from conference.signals import (
    account_deleting,
    category_usage_requested,
    edition_cloned,
    personal_data_requested,
    registration_changed,
    speaker_sessions_requested,
    theme_requested,
)

RELEASING_STATES = {"revoked", "cancelled", "rejected"}


@registration_changed.connect
def _on_registration_changed(sender, registration=None, to_state=None, **_details) -> None:
    """A revoked, cancelled or rejected registration frees the person's seats."""
    registration = registration if registration is not None else sender
    user_id = getattr(registration, "user_id", None)
    if to_state not in RELEASING_STATES or user_id is None:
        return
    edition = db.session.get(Edition, registration.edition_id)
    if edition is not None:
        release_bookings(user_id, edition, reason=f"registration {to_state}")


def _session_title_for(user, session) -> str | None:
    """A session's title as ``user`` may receive it in the data download (an export): the
    placeholder for a restricted session they are not cleared for (chairing or having booked
    it does not clear alone), and for one whose TLP label keeps it out of exports (RED)."""
    if session is None:
        return None
    edition = db.session.get(Edition, session.edition_id)
    return session_view(session, clearance(user, edition), channel=Channel.EXPORT).title


@personal_data_requested.connect
def personal_data_bookings(user, **_) -> tuple[str, list]:
    """The person's seat bookings, for the data download."""
    return "bookings", [
        {
            **privacy.row(b, "session_id", "state", "created_at", "promoted_at", "cancelled_at"),
            "session": _session_title_for(user, b.session),
        }
        for b in db.session.scalars(
            sa.select(Booking).where(Booking.user_id == user.id).order_by(Booking.id)
        )
    ]


@personal_data_requested.connect
def personal_data_sessions_speaking(user, **_) -> tuple[str, list]:
    return "sessions_speaking", [
        privacy.row(s, "session_id", "name", "organisation")
        for s in db.session.scalars(
            sa.select(SessionSpeaker).where(SessionSpeaker.user_id == user.id)
        )
    ]


@personal_data_requested.connect
def personal_data_sessions_chairing(user, **_) -> tuple[str, list]:
    return "sessions_chairing", [
        {**privacy.row(s, "id", "starts_at"), "title": _session_title_for(user, s)}
        for s in db.session.scalars(
            sa.select(ProgrammeSession).where(ProgrammeSession.chair_id == user.id)
        )
    ]


DELETED_SPEAKER = "Speaker (account deleted)"


@account_deleting.connect
def forget_account(user, **_) -> None:
    """Speaker entries keep the session's line-up but lose the person's name and account;
    sessions they chaired lose their chair."""
    for speaker in db.session.scalars(
        sa.select(SessionSpeaker).where(SessionSpeaker.user_id == user.id)
    ):
        speaker.name = DELETED_SPEAKER
        speaker.organisation = ""
        speaker.user_id = None
    for session in db.session.scalars(
        sa.select(ProgrammeSession).where(ProgrammeSession.chair_id == user.id)
    ):
        session.chair_id = None


@account_deleting.connect
def forget_account_in_releases(user, **_) -> None:
    """Released versions of the programme forget the person as the live rows do: speaker
    entries keep their place as "Speaker (account deleted)" without account or organisation,
    and a session they chaired has no chair (in the snapshot and in the recorded changes)."""
    for record in db.session.scalars(sa.select(ScheduleRelease)):
        snapshot, changed = _forget_in_sessions(record.snapshot or {}, user.id)
        changes = []
        for change in record.changes or []:
            change = dict(change)
            for side in ("before", "after"):
                if change.get(side) is not None:
                    (change[side],), side_changed = _forget_in_sessions([change[side]], user.id)
                    changed = changed or side_changed
            changes.append(change)
        if changed:
            record.snapshot = snapshot
            record.changes = changes
            touch_programme(db.session.get(Edition, record.edition_id))


def _forget_in_sessions(sessions, user_id: int):
    """``sessions`` (a snapshot's dict, or a list of session entries) without ``user_id``, as
    new objects, and whether anything changed."""
    pairs = sessions.items() if isinstance(sessions, dict) else enumerate(sessions)
    out = {}
    changed = False
    for key, data in pairs:
        data = dict(data)
        if data.get("chair_id") == user_id:
            data["chair_id"] = None
            changed = True
        data["speakers"], found = _forget_in_people(data.get("speakers", []), user_id)
        changed = changed or found
        contributions = []
        for contribution in data.get("contributions", []):
            contribution = dict(contribution)
            contribution["speakers"], found = _forget_in_people(
                contribution.get("speakers", []), user_id
            )
            changed = changed or found
            contributions.append(contribution)
        data["contributions"] = contributions
        out[key] = data
    return (out if isinstance(sessions, dict) else list(out.values())), changed


def _forget_in_people(people: list, user_id: int) -> tuple[list, bool]:
    """Speaker rows ``[user_id, name, organisation]`` with the person's made anonymous."""
    rows = [[None, DELETED_SPEAKER, ""] if row[0] == user_id else list(row) for row in people]
    return rows, any(row[0] == user_id for row in people)


@category_usage_requested.connect
def sessions_restricted_to_category(category, **_) -> tuple[str, int]:
    """How many sessions are restricted to ``category`` (it cannot be deleted while any is)."""
    count = db.session.scalar(
        sa.select(sa.func.count()).where(session_categories.c.category_id == category.id)
    )
    return "sessions", count or 0


@speaker_sessions_requested.connect
def sessions_spoken_at(edition, *, user_ids, viewer=None, **_) -> dict[int, list[str]]:
    """{user id: titles of the sessions they speak at in ``edition``}, cancelled ones left out,
    in the programme's order; a session ``viewer`` may not see in detail is "a restricted
    session" (None as ``viewer``: every title, for the organisers)."""
    rows = db.session.execute(
        sa.select(SessionSpeaker.user_id, ProgrammeSession)
        .join(ProgrammeSession, ProgrammeSession.id == SessionSpeaker.session_id)
        .where(
            ProgrammeSession.edition_id == edition.id,
            ProgrammeSession.state != SessionState.CANCELLED,
            SessionSpeaker.user_id.in_(user_ids),
        )
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
    )
    out: dict[int, list[str]] = {}
    for user_id, session in rows:
        visible = viewer is None or can(viewer, "session.view_details", session, edition=edition)
        out.setdefault(user_id, []).append(session.title if visible else "a restricted session")
    return out


_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@edition_cloned.connect
def copy_for_new_edition(edition, *, source, parts, mapping, **_kwargs) -> dict[str, int]:
    """A cloned edition gets the source's rooms, tracks and session types, and, when the
    organiser asked for the programme, its sessions that were not cancelled (without
    speakers, invitations or bookings), shifted by as many days as the edition. Runs in the
    cloning transaction."""
    counts = {}
    for model in (Room, Track, SessionType):
        mapping[model.__tablename__] = {}
        for row in db.session.scalars(sa.select(model).where(model.edition_id == source.id)):
            copy = copy_row(row, edition_id=edition.id)
            db.session.add(copy)
            mapping[model.__tablename__][row.id] = copy
        counts[model.__tablename__] = len(mapping[model.__tablename__])
    db.session.flush()

    counts["sessions"] = 0
    if "programme" not in parts:
        return counts
    delta = edition.start_date - source.start_date
    categories = copied_categories(edition, source, mapping)
    sessions = db.session.scalars(
        sa.select(ProgrammeSession).where(ProgrammeSession.edition_id == source.id)
    )
    for session in sessions:
        if session.state == SessionState.CANCELLED:
            continue
        copy = ProgrammeSession(
            edition_id=edition.id,
            title=session.title,
            description=session.description,
            type_id=_cloned_id(mapping["session_types"], session.type_id),
            track_id=_cloned_id(mapping["tracks"], session.track_id),
            room_id=_cloned_id(mapping["rooms"], session.room_id),
            starts_at=session.starts_at + delta,
            ends_at=session.ends_at + delta,
            capacity=session.capacity,
            booking_required=session.booking_required,
            chatham_house=session.chatham_house,
            # The label travels with the session: a copy is never less protected.
            tlp=session.tlp,
            access=session.access,
            categories=[categories[c.id] for c in session.categories],
        )
        db.session.add(copy)
        counts["sessions"] += 1
    return counts


def _cloned_id(copies: dict[int, object], old_id: int | None) -> int | None:
    """The id of the copy of row ``old_id`` (None when there was none)."""
    if old_id is None or old_id not in copies:
        return None
    return copies[old_id].id


@theme_requested.connect
def track_colours(edition) -> list[str]:
    """The edition's theme stylesheet gets a class per track's colour."""
    rules = []
    for track in db.session.scalars(sa.select(Track).where(Track.edition_id == edition.id)):
        colour = track.colour if _HEX_COLOUR.match(track.colour or "") else "#005a9c"
        rules.append(f".track-{track.id}{{--track-colour:{colour};}}")
    return rules
