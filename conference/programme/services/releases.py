"""Draft and released schedule: organisers edit the live sessions (the draft); the public sees
the last released version.

Until an edition's first release its programme is public as it is edited (as before releases
existed). From the first release on, every public channel (programme, session pages, search,
the API, the .ics feeds, schedule.json/schedule.xml, the changelog) reads the sessions of the
last ``ScheduleRelease`` through ``released_sessions``: ``ReleasedSession`` objects with the
attributes ``session_view`` and ``Clearance`` read, so a restricted session stays hidden the
same way. Organisers' pages read the draft (``draft=True`` in ``visibility``).

A snapshot maps each session id (as text) to the fields below (times ISO 8601 UTC)::

    {"uid", "title", "description", "type_id", "track_id", "room_id", "chair_id",
     "starts_at", "ends_at", "capacity", "booking_required", "chatham_house", "state",
     "cancel_reason", "access", "tlp", "category_ids": [...], "sequence", "updated_at",
     "speakers": [[user_id, name, organisation], ...],
     "contributions": [{"id", "kind", "title", "description", "duration_minutes",
                        "submission_id", "tlp", "speakers": [[user_id, name, organisation], ...]}]}

Releasing compares the draft with the last release (new, moved, room, cancelled, changed),
raises SEQUENCE of every changed session (so calendar clients update), records the changes
for the public changelog, and mails the affected speakers and the people holding or waiting
for a seat in a changed session (one mail each, through the outbox).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, mail
from conference.accounts.models import User
from conference.db import utcnow
from conference.editions.services import touch_programme
from conference.errors import Conflict
from conference.extensions import db
from conference.permissions import Channel, clearance
from conference.programme.models import (
    AgendaStar,
    Booking,
    BookingState,
    Contribution,
    ProgrammeSession,
    ScheduleRelease,
    SessionState,
)
from conference.programme.services.common import absolute_link, clean_text, ensure_manage, span
from conference.programme.services.released import (
    _Lookups,
    _released,
    forget_latest_release,
    latest_release,
)
from conference.programme.services.visibility import mail_view, withheld_from_mail
from conference.signals import session_changed

CHANGE_KINDS = ("new", "moved", "room", "cancelled", "changed")
CHANGE_LABELS = {
    "new": _l("new"),
    "moved": _l("moved"),
    "room": _l("room changed"),
    "cancelled": _l("cancelled"),
    "changed": _l("details changed"),
}
_TIMES = ("starts_at", "ends_at")

# What else happens once a release is recorded, handed in at import time by the modules that
# read the release (bookings gives the seats a release adds to the waiting people): each is
# called with the edition and the release's changes, inside the releasing transaction.
_AFTER_RELEASE: list = []


def on_release(hook):
    """Call ``hook(edition, changes)`` after every release (a decorator)."""
    _AFTER_RELEASE.append(hook)
    return hook


# --- snapshots -------------------------------------------------------------------------------


def _people(speakers) -> list[list]:
    return [[s.user_id, s.name, s.organisation or ""] for s in speakers]


def snapshot_of(session: ProgrammeSession) -> dict:
    """One session as the public will see it once released (see the module docstring)."""
    presenting = {id(s) for c in session.contributions for s in c.speakers}
    return {
        "uid": session.uid,
        "title": session.title,
        "description": session.description or "",
        "type_id": session.type_id,
        "track_id": session.track_id,
        "room_id": session.room_id,
        "chair_id": session.chair_id,
        "starts_at": session.starts_at.astimezone(dt.UTC).isoformat(),
        "ends_at": session.ends_at.astimezone(dt.UTC).isoformat(),
        "capacity": session.capacity,
        "booking_required": bool(session.booking_required),
        "chatham_house": bool(session.chatham_house),
        "tlp": str(session.tlp or "CLEAR"),
        "state": str(session.state),
        "cancel_reason": session.cancel_reason or "",
        "access": str(session.access),
        "category_ids": sorted(c.id for c in session.categories),
        "sequence": session.sequence,
        "updated_at": (session.updated_at or utcnow()).astimezone(dt.UTC).isoformat(),
        "speakers": _people(
            [s for s in session.speakers if s.contribution_id is None and id(s) not in presenting]
        ),
        "contributions": [
            {
                "id": c.id,
                "kind": c.kind,
                "title": c.title,
                "description": c.description or "",
                "duration_minutes": c.duration_minutes,
                "submission_id": c.submission_id,
                "tlp": c.tlp,
                "speakers": _people(c.speakers),
            }
            for c in session.contributions
        ],
    }


def draft_snapshot(edition) -> dict[str, dict]:
    """The live sessions of ``edition`` (the draft), as a snapshot (constant queries)."""
    sessions = db.session.scalars(
        sa.select(ProgrammeSession)
        .where(ProgrammeSession.edition_id == edition.id)
        .options(
            so.selectinload(ProgrammeSession.speakers),
            so.selectinload(ProgrammeSession.categories),
            so.selectinload(ProgrammeSession.contributions).selectinload(Contribution.speakers),
        )
    )
    return {str(s.id): snapshot_of(s) for s in sessions}


# --- differences -----------------------------------------------------------------------------


def _essentials(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in ("sequence", "updated_at")}


def diff(old: dict, new: dict) -> list[dict]:
    """The changes from snapshot ``old`` to ``new``, by session start.

    Each: ``{"session_id", "kinds", "before", "after"}``; ``before``/``after`` are the
    session's snapshot entries (``None`` for a new or a removed session). A removed session
    counts as cancelled.
    """
    changes = []
    for key in sorted(set(old) | set(new), key=lambda k: (new.get(k) or old[k])["starts_at"]):
        before, after = old.get(key), new.get(key)
        kinds: list[str] = []
        if before is None:
            kinds = ["new"]
        elif after is None:
            kinds = ["cancelled"]
        else:
            if after["state"] == SessionState.CANCELLED and before["state"] != after["state"]:
                kinds.append("cancelled")
            if any(before[t] != after[t] for t in _TIMES):
                kinds.append("moved")
            if before.get("room_id") != after.get("room_id"):
                kinds.append("room")
            if not kinds and _essentials(before) != _essentials(after):
                kinds.append("changed")
        if kinds:
            changes.append(
                {"session_id": int(key), "kinds": kinds, "before": before, "after": after}
            )
    return changes


def pending_changes(edition) -> list[dict]:
    """What releasing now would change for the public (draft against the last release)."""
    release = latest_release(edition)
    return diff(release.snapshot if release is not None else {}, draft_snapshot(edition))


# --- releasing -------------------------------------------------------------------------------


def release(actor, edition, version: str, public_note: str = "") -> ScheduleRelease:
    """Make the draft public as ``version``; the caller commits.

    Refused without a version name, with a name already used in the edition, and when nothing
    changed since the last release. Raises SEQUENCE of the changed sessions, records the
    changes, queues the mails, and sends ``session_changed`` for each changed session.
    """
    ensure_manage(actor, edition)
    version = clean_text(version, _l("The version name"), 100, required=True)
    public_note = clean_text(public_note, _l("The public note"), 5000)
    taken = db.session.scalar(
        sa.select(ScheduleRelease.id).where(
            ScheduleRelease.edition_id == edition.id, ScheduleRelease.version == version
        )
    )
    if taken is not None:
        raise Conflict(_("The version name %(version)s is already used.", version=version))
    previous = latest_release(edition)
    old = previous.snapshot if previous is not None else {}
    sessions = {
        s.id: s
        for s in db.session.scalars(
            sa.select(ProgrammeSession)
            .where(ProgrammeSession.edition_id == edition.id)
            .with_for_update()
        )
    }
    new = draft_snapshot(edition)
    changes = diff(old, new)
    if previous is not None and not changes:
        raise Conflict(_("Nothing changed since version %(version)s.", version=previous.version))
    changed_keys = {str(c["session_id"]) for c in changes}
    for key, data in new.items():
        if key in old and key not in changed_keys:
            # Unchanged for the public: it keeps the SEQUENCE and time stamp it was released with.
            data["sequence"] = old[key]["sequence"]
            data["updated_at"] = old[key]["updated_at"]
    for change in changes:
        key = str(change["session_id"])
        if previous is None or change["after"] is None:
            continue
        session = sessions[change["session_id"]]
        before_sequence = change["before"]["sequence"] if change["before"] else -1
        session.sequence = max(session.sequence, before_sequence + 1)
        new[key]["sequence"] = session.sequence
        change["after"] = new[key]
    record = ScheduleRelease(
        edition_id=edition.id,
        version=version,
        public_note=public_note,
        released_at=utcnow(),
        released_by_id=getattr(actor, "id", None),
        snapshot=new,
        changes=changes if previous is not None else [],
    )
    db.session.add(record)
    db.session.flush()
    forget_latest_release()
    g.pop("_released_sessions", None)
    queued = _mail_affected(edition, record, changes) if previous is not None else 0
    for hook in _AFTER_RELEASE:
        hook(edition, record.changes)
    touch_programme(edition)
    audit.record(
        actor,
        "programme.release",
        edition,
        edition=edition,
        version=version,
        changes=len(record.changes),
        mails=queued,
    )
    db.session.flush()
    for change in record.changes:
        session = sessions.get(change["session_id"])
        if session is not None:
            session_changed.send(session, actor=actor)
    return record


def _what_changed(change: dict) -> str:
    return ", ".join(str(CHANGE_LABELS[k]) for k in change["kinds"])


def _mail_affected(edition, record: ScheduleRelease, changes: list[dict]) -> int:
    """One mail to each speaker (with an account), each person holding or waiting for a seat
    in a changed session and each person who starred it (while cleared for it), listing their
    changed sessions. Returns the number queued."""
    affected: dict[int, list[dict]] = {}
    for change in changes:
        for data in (change["before"], change["after"]):
            if data is None:
                continue
            people = list(data.get("speakers", []))
            for contribution in data.get("contributions", []):
                people.extend(contribution.get("speakers", []))
            for user_id, _name, _org in people:
                if user_id and change not in affected.setdefault(user_id, []):
                    affected[user_id].append(change)
    ids = [c["session_id"] for c in changes]
    for user_id, session_id in db.session.execute(
        sa.select(Booking.user_id, Booking.session_id).where(
            Booking.session_id.in_(ids), Booking.state != BookingState.CANCELLED
        )
    ):
        change = next(c for c in changes if c["session_id"] == session_id)
        if change not in affected.setdefault(user_id, []):
            affected[user_id].append(change)
    # People who starred a changed session, while they may still see it in detail (a star
    # outlives a lapsed clearance; the mail names the session).
    stars = db.session.execute(
        sa.select(AgendaStar.user_id, AgendaStar.session_id).where(AgendaStar.session_id.in_(ids))
    ).all()
    if stars:
        live = {
            s.id: s
            for s in db.session.scalars(
                sa.select(ProgrammeSession).where(
                    ProgrammeSession.id.in_({sid for _uid, sid in stars})
                )
            )
        }
        starrers = {
            u.id: u
            for u in db.session.scalars(
                sa.select(User).where(User.id.in_({uid for uid, _sid in stars}))
            )
        }
        for user_id, session_id in stars:
            session, user = live.get(session_id), starrers.get(user_id)
            if session is None or user is None:
                continue
            if not clearance(user, edition).sees_details(session):
                continue
            change = next(c for c in changes if c["session_id"] == session_id)
            if change not in affected.setdefault(user_id, []):
                affected[user_id].append(change)
    if not affected:
        return 0
    users = {
        u.id: u
        for u in db.session.scalars(
            sa.select(User).where(User.id.in_(list(affected)), User.deleted_at.is_(None))
        )
    }
    changelog = absolute_link("programme.changelog", year=edition.year)
    lookups = _Lookups(edition, [c["after"] or c["before"] for c in changes])
    queued = 0
    for user_id, their in affected.items():
        user = users.get(user_id)
        if user is None:
            continue
        items = []
        for change in their:
            data = change["after"] or change["before"]
            shown = SimpleNamespace(
                starts_at=dt.datetime.fromisoformat(data["starts_at"]),
                ends_at=dt.datetime.fromisoformat(data["ends_at"]),
            )
            # The title as a mail may carry it to this person (TLP label, their clearance).
            view = mail_view(_released(change["session_id"], data, edition, lookups), user, edition)
            items.append(
                {
                    "title": view.title,
                    "withheld": withheld_from_mail(view),
                    "when": span(shown, edition),
                    "what": _what_changed(change),
                    "reason": data.get("cancel_reason", "")
                    if "cancelled" in change["kinds"] and view.disclosure == "full"
                    else "",
                }
            )
        mail.queue(
            user.email,
            "programme_release",
            _l(
                "%(edition)s: the programme changed (%(version)s)",
                edition=edition.acronym or edition.title,
                version=record.version,
            ),
            edition=edition,
            person=user,
            version=record.version,
            note=record.public_note,
            items=items,
            changelog=changelog,
        )
        queued += 1
    return queued


def releases_of(edition) -> list[ScheduleRelease]:
    """The edition's releases, newest first."""
    return list(
        db.session.scalars(
            sa.select(ScheduleRelease)
            .where(ScheduleRelease.edition_id == edition.id)
            .order_by(ScheduleRelease.released_at.desc(), ScheduleRelease.id.desc())
        )
    )


def change_entries(edition, change_list: list[dict], viewer_clearance, session_view) -> list:
    """The changes of one release as ``viewer_clearance`` may see them.

    Each entry: ``(kinds, before_view, after_view)``, views made by ``session_view`` from the
    release's snapshots (a restricted session the viewer is not cleared for shows as the
    placeholder, its room never named).
    """
    snapshots = {}
    for change in change_list:
        for side in ("before", "after"):
            if change.get(side) is not None:
                snapshots[f"{side}:{change['session_id']}"] = change[side]
    if not snapshots:
        return []
    lookups = _Lookups(edition, snapshots.values())
    entries = []
    for change in change_list:
        views = []
        for side in ("before", "after"):
            data = change.get(side)
            views.append(
                session_view(
                    _released(change["session_id"], data, edition, lookups),
                    viewer_clearance,
                    channel=Channel.PAGE,
                )
                if data is not None
                else None
            )
        entries.append(
            SimpleNamespace(
                kinds=change["kinds"],
                labels=[str(CHANGE_LABELS[k]) for k in change["kinds"]],
                before=views[0],
                after=views[1],
            )
        )
    return entries
