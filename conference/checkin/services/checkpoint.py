"""Checkpoints: the venue entrance and the session doors a scan happens at.

Once the edition has released its schedule, the doors are those of the released programme,
with its titles, times, rooms and capacities (what attendees were told): a session only in
the draft has no door yet, one the release shows cancelled has none any more. Who may enter
is the stricter of the released and the draft access rule: a restriction set in the draft
protects the door at once (as a TLP label does), an opening waits for the release.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sqlalchemy as sa
from babel import dates
from flask_babel import get_locale
from flask_babel import gettext as _

from conference.errors import DomainError, NotFound
from conference.extensions import db
from conference.permissions import clearance
from conference.programme import services as programme
from conference.programme.models import AccessPolicy, ProgrammeSession, SessionState
from conference.programme.services import get_session, latest_release, programme_sessions


class BadRequest(DomainError):
    status_code = 400
    code = "bad_request"


@dataclass(frozen=True)
class Checkpoint:
    key: str  # "venue" or "session:<id>"
    label: str
    session: object | None = None

    @property
    def api_id(self) -> str | int:
        return "venue" if self.session is None else self.session.id


def _door(released, live):
    """The released session at its door, admitting by the stricter of both access rules."""
    restricted = [v for v in (released, live) if v.access != AccessPolicy.OPEN]
    if all(v is released for v in restricted):
        return released
    if any(v.access == AccessPolicy.INVITATION for v in restricted):
        return dataclasses.replace(released, access=AccessPolicy.INVITATION, categories=[])
    allowed = set.intersection(*({c.id for c in v.categories} for v in restricted))
    categories = [c for c in restricted[-1].categories if c.id in allowed]
    return dataclasses.replace(released, access=AccessPolicy.CATEGORIES, categories=categories)


def _live_sessions(edition, session_ids=None) -> dict[int, ProgrammeSession]:
    query = sa.select(ProgrammeSession).where(ProgrammeSession.edition_id == edition.id)
    if session_ids is not None:
        query = query.where(ProgrammeSession.id.in_(session_ids))
    return {s.id: s for s in db.session.scalars(query)}


def _sessions(edition):
    """The sessions with a door: the released ones not cancelled (the live ones before the
    first release), in time order."""
    sessions = programme_sessions(None, edition, include_cancelled=False)
    if latest_release(edition) is None:
        return sessions
    live = _live_sessions(edition)
    # A session removed since the release has no row left to record scans against.
    return [_door(s, live[s.id]) for s in sessions if s.id in live]


def _local_text(moment, edition, pattern: str) -> str:
    """``moment`` in the edition's zone, with a CLDR ``pattern``, in the request's language
    (in English as strftime wrote it before: "Mon 05 Oct 09:00")."""
    start = moment.astimezone(edition.tz)
    return dates.format_datetime(start, pattern, tzinfo=start.tzinfo, locale=get_locale() or "en")


def session_label(session, edition) -> str:
    start = _local_text(session.starts_at, edition, "EEE dd MMM HH:mm")
    if session.is_restricted:
        return _("%(start)s · %(title)s (restricted)", start=start, title=session.title)
    return _("%(start)s · %(title)s", start=start, title=session.title)


def withheld_label(session, edition) -> str:
    """A session's checkpoint label where its TLP label keeps the title from the channel
    (a RED session in the scanner bundle): its start and the placeholder title."""
    start = _local_text(session.starts_at, edition, "EEE dd MMM HH:mm")
    return _("%(start)s · %(title)s", start=start, title=str(programme.WITHHELD_TITLE))


def checkpoint_labels(edition, user, *, channel: str) -> dict[str, str]:
    """Checkpoint key → label as ``user`` may receive it on ``channel``: a session whose TLP
    label keeps it from that channel (RED in an export or API answer) by its time only."""
    viewer = clearance(user, edition)
    labels = {}
    for point in checkpoints(edition):
        session = point.session
        withheld = (
            session is not None and programme.session_view(session, viewer, channel=channel).hidden
        )
        labels[point.key] = withheld_label(session, edition) if withheld else point.label
    return labels


def checkpoints(edition) -> list[Checkpoint]:
    """The venue entrance, then every scheduled session of ``edition`` in time order."""
    out = [Checkpoint("venue", _("Venue entrance"))]
    for session in _sessions(edition):
        out.append(Checkpoint(f"session:{session.id}", session_label(session, edition), session))
    return out


def door_checkpoints(edition) -> dict[str, list[Checkpoint]]:
    """The scanner's checkpoint list: the venue, then per day the sessions that need a door
    (restricted or capacity-limited), then the other sessions; never breaks."""
    groups: dict[str, list[Checkpoint]] = {_("Venue"): [Checkpoint("venue", _("Venue entrance"))]}
    others: list[Checkpoint] = []
    for point in checkpoints(edition)[1:]:
        session = point.session
        if session.type is not None and session.type.is_break:
            continue
        if session.is_restricted or room_capacity(session):
            day = _local_text(session.starts_at, edition, "EEEE dd MMMM")
            groups.setdefault(_("%(day)s · doors", day=day), []).append(point)
        else:
            others.append(point)
    if others:
        groups[_("Other sessions")] = others
    return groups


def resolve_checkpoint(edition, value) -> Checkpoint:
    """``"venue"``, a session id (number or digits) or ``"session:<id>"`` → Checkpoint."""
    if isinstance(value, bool) or value is None:
        raise BadRequest(_('Give the checkpoint: "venue" or a session id.'), code="bad_checkpoint")
    if isinstance(value, str):
        text = value.strip()
        if text == "venue":
            return Checkpoint("venue", _("Venue entrance"))
        text = text.removeprefix("session:")
        if not text.isdigit() or len(text) > 12:
            raise BadRequest(
                _('The checkpoint must be "venue" or a session id.'), code="bad_checkpoint"
            )
        value = int(text)
    if not isinstance(value, int) or value <= 0 or value >= 2**31:
        raise BadRequest(
            _('The checkpoint must be "venue" or a session id.'), code="bad_checkpoint"
        )
    try:
        session = get_session(edition, value)
    except NotFound:
        session = None
    live = _live_sessions(edition, [value]).get(value) if session is not None else None
    if session is None or live is None or session.state == SessionState.CANCELLED:
        raise BadRequest(
            _("There is no such session in this edition to check in to."), code="unknown_checkpoint"
        )
    if session is not live:
        session = _door(session, live)
    return Checkpoint(f"session:{session.id}", session_label(session, edition), session)


def room_capacity(session) -> int | None:
    """How many people the session's door may let in (its own limit, else its room's)."""
    for name in ("capacity", "seats"):
        value = getattr(session, name, None)
        if isinstance(value, int) and value > 0:
            return value
    room = getattr(session, "room", None)
    value = getattr(room, "capacity", None) if room is not None else None
    return value if isinstance(value, int) and value > 0 else None
