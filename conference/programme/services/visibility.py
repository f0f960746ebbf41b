"""Reading the programme for a viewer: the sessions, and what each viewer may see of them.

Every channel (HTML pages, search, the JSON API, calendar feeds, exports, badges) reads sessions
through ``programme_sessions`` and shows them through ``session_view``, so that a restricted
session is hidden the same way everywhere: a viewer who is not cleared sees only that a
"Restricted session" takes place at that time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import tlp
from conference.errors import NotFound
from conference.extensions import db
from conference.permissions import (
    Channel,
    Clearance,
    Disclosure,
    chatham_names_allowed,
    clearance,
    tlp_disclosure,
)
from conference.programme.models import Contribution, ProgrammeSession, SessionState
from conference.programme.services.released import released_by_id, released_sessions

# Lazy: shown in the viewer's language; ``session_view`` turns it into text at request time.
RESTRICTED_TITLE = _l("Restricted session")
# A session whose TLP label keeps its content from this viewer on this channel.
WITHHELD_TITLE = _l("Session (details withheld under its TLP label)")
WITHHELD_CONTRIBUTION_TITLE = _l("Contribution (details withheld under its TLP label)")
NEUTRAL_DESCRIPTION = _l(
    "Details of this session are shared with accredited participants: log in to see them."
)


def session_query(edition, *, include_cancelled: bool = True) -> sa.Select:
    """The sessions of ``edition`` by start, with everything a view shows loaded eagerly."""
    query = (
        sa.select(ProgrammeSession)
        .where(ProgrammeSession.edition_id == edition.id)
        .options(
            so.joinedload(ProgrammeSession.room),
            so.joinedload(ProgrammeSession.track),
            so.joinedload(ProgrammeSession.type),
            so.joinedload(ProgrammeSession.chair),
            so.selectinload(ProgrammeSession.speakers),
            so.selectinload(ProgrammeSession.categories),
            so.selectinload(ProgrammeSession.contributions).selectinload(Contribution.speakers),
        )
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.ends_at, ProgrammeSession.id)
    )
    if not include_cancelled:
        query = query.where(ProgrammeSession.state != SessionState.CANCELLED)
    return query


def programme_sessions(
    user, edition, *, include_cancelled: bool = True, draft: bool = False
) -> list[ProgrammeSession]:
    """All sessions of ``edition`` ordered by start, eager-loaded in a constant number of queries.

    The released version (``releases``) unless ``draft`` (organisers' pages): once the
    edition has a release, the public sees its sessions only. These are raw sessions
    (restricted ones included): show them to a person only through
    ``session_view(session, clearance(user, edition))``. ``user`` is accepted so that callers
    state whose programme they read; visibility is applied by the view.
    """
    if edition is None:
        return []
    if not draft:
        released = released_sessions(edition)
        if released is not None:
            return [s for s in released if include_cancelled or not s.is_cancelled]
    return list(db.session.scalars(session_query(edition, include_cancelled=include_cancelled)))


def get_session(edition, session_id: int, *, draft: bool = False) -> ProgrammeSession:
    """One session of ``edition`` (eager-loaded; as released unless ``draft``), or NotFound."""
    if not draft:
        released = released_by_id(edition)
        if released is not None:
            found = released.get(session_id)
            if found is None:
                raise NotFound(_("There is no such session in this edition."))
            return found
    session = db.session.scalar(session_query(edition).where(ProgrammeSession.id == session_id))
    if session is None:
        raise NotFound(_("There is no such session in this edition."))
    return session


@dataclasses.dataclass(frozen=True)
class TypeView:
    id: int
    name: str
    code: str
    is_break: bool


@dataclasses.dataclass(frozen=True)
class TrackView:
    id: int
    name: str
    colour: str


@dataclasses.dataclass(frozen=True)
class RoomView:
    id: int
    name: str
    capacity: int | None
    directions: str


@dataclasses.dataclass(frozen=True)
class SpeakerView:
    name: str
    organisation: str
    user_id: int | None


@dataclasses.dataclass(frozen=True)
class PersonView:
    id: int
    name: str


@dataclasses.dataclass(frozen=True)
class ContributionView:
    """One item of a session's running order, with its times (only for a cleared viewer)."""

    id: int
    position: int
    kind: str
    title: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    duration_minutes: int
    speakers: tuple[SpeakerView, ...]
    submission_id: int | None
    tlp: str = tlp.TLP.CLEAR.value
    # False when the contribution's own label withholds its content (placeholder title).
    disclosed: bool = True


@dataclasses.dataclass(frozen=True)
class SessionView:
    """What one viewer may know about one session.

    For a restricted session the viewer is not cleared for (``restricted and not cleared``) only
    the id, uid, times, state, sequence and updated_at are real; everything else is the
    placeholder (title "Restricted session", nothing else). A session whose TLP label withholds
    its content from this viewer on this channel (``disclosure == "none"``) is a placeholder the
    same way (``hidden``); ``"neutral"`` keeps the title, time and place with a neutral
    description and no people or running order. ``names_withheld``: a Chatham House session
    whose speakers and chair are left out here.
    """

    id: int
    uid: str
    restricted: bool
    cleared: bool
    title: str
    description: str
    type: TypeView | None
    track: TrackView | None
    room: RoomView | None
    speakers: tuple[SpeakerView, ...]
    chair: PersonView | None
    capacity: int | None
    booking_required: bool
    chatham_house: bool
    state: str
    cancel_reason: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    sequence: int
    updated_at: dt.datetime
    access: str | None
    booked_count: int | None
    # The running order; always empty for a hidden session.
    contributions: tuple[ContributionView, ...] = ()
    tlp: str = tlp.TLP.CLEAR.value
    disclosure: str = Disclosure.FULL.value
    names_withheld: bool = False
    channel: str = Channel.PAGE.value

    @property
    def hidden(self) -> bool:
        """True when this is the placeholder of a session the viewer may not see (its access
        rule, or its TLP label on this channel)."""
        return (self.restricted and not self.cleared) or self.disclosure == Disclosure.NONE

    @property
    def withheld(self) -> bool:
        """True when the TLP label (not the access rule) holds back some or all content."""
        return self.cleared and self.disclosure != Disclosure.FULL

    @property
    def no_store(self) -> bool:
        """A page showing this session must not be stored by browsers or proxies (RED)."""
        return self.tlp == tlp.TLP.RED and not self.hidden

    @property
    def is_cancelled(self) -> bool:
        return self.state == SessionState.CANCELLED

    @property
    def is_break(self) -> bool:
        return bool(self.type and self.type.is_break)

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None or self.booked_count is None:
            return None
        return max(self.capacity - self.booked_count, 0)

    def search_text(self) -> str:
        """Everything a viewer may search in (placeholder text only for hidden sessions)."""
        parts = [self.title, self.description]
        for part in (self.type, self.track, self.room):
            if part is not None:
                parts.append(part.name)
        parts.extend(f"{s.name} {s.organisation}" for s in self.speakers)
        parts.extend(c.title for c in self.contributions)
        if self.chair is not None:
            parts.append(self.chair.name)
        return " ".join(parts).casefold()


def session_view(session: ProgrammeSession, viewer_clearance, *, channel: str) -> SessionView:
    """The session as the holder of ``viewer_clearance`` may receive it on ``channel``
    (``permissions.Channel``): the access rule first, then the TLP label and the Chatham
    House Rule (``permissions.tlp_disclosure``, ``chatham_names_allowed``); see
    ``SessionView``."""
    restricted = session.is_restricted
    cleared = viewer_clearance.sees_details(session)
    label = tlp.normalise(getattr(session, "tlp", None)) or tlp.TLP.RED.value
    disclosure = (
        tlp_disclosure(viewer_clearance, session, label, channel) if cleared else Disclosure.NONE
    )
    if not cleared or disclosure == Disclosure.NONE:
        return SessionView(
            id=session.id,
            uid=session.uid,
            restricted=restricted,
            cleared=cleared,
            title=str(RESTRICTED_TITLE if not cleared else WITHHELD_TITLE),
            description="",
            type=None,
            track=None,
            room=None,
            speakers=(),
            chair=None,
            capacity=None,
            booking_required=False,
            chatham_house=False,
            state=session.state,
            cancel_reason="",
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            sequence=session.sequence,
            updated_at=session.updated_at,
            access=None,
            booked_count=None,
            tlp=label if cleared else tlp.TLP.CLEAR.value,
            disclosure=Disclosure.NONE.value,
            channel=str(channel),
        )
    t, tr, r, c = session.type, session.track, session.room, session.chair
    full = disclosure == Disclosure.FULL
    names = full and chatham_names_allowed(viewer_clearance, session, channel)
    return SessionView(
        id=session.id,
        uid=session.uid,
        restricted=restricted,
        cleared=cleared,
        title=session.title,
        description=(session.description or "") if full else str(NEUTRAL_DESCRIPTION),
        type=TypeView(t.id, t.name, t.code, t.is_break) if t else None,
        track=TrackView(tr.id, tr.name, tr.colour) if tr else None,
        room=RoomView(r.id, r.name, r.capacity, r.directions or "") if r else None,
        speakers=tuple(
            SpeakerView(s.name, s.organisation or "", s.user_id) for s in session.speakers
        )
        if names
        else (),
        chair=PersonView(c.id, c.display_name) if c and names else None,
        capacity=session.capacity,
        booking_required=session.booking_required,
        chatham_house=session.chatham_house,
        state=session.state,
        cancel_reason=(session.cancel_reason or "") if full else "",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        sequence=session.sequence,
        updated_at=session.updated_at,
        access=session.access,
        booked_count=session.booked_count,
        contributions=_contribution_views(session, viewer_clearance, channel, label, names)
        if full
        else (),
        tlp=label,
        disclosure=disclosure.value,
        names_withheld=bool(session.chatham_house) and full and not names,
        channel=str(channel),
    )


def mail_view(session, person, edition) -> SessionView:
    """``session`` as ``person`` may receive it in a mail body (``Channel.MAIL``, with their
    own clearance, never the request's): a RED session, or one whose label keeps its content
    from them, is the placeholder titled "Session (details withheld under its TLP label)"
    (``withheld_from_mail`` tells the template to say so and point to the site)."""
    return session_view(session, Clearance(person, edition), channel=Channel.MAIL)


def withheld_from_mail(view: SessionView) -> bool:
    """The person may know of the session but its label keeps its details out of mails."""
    return view.cleared and view.hidden


def _contribution_views(
    session: ProgrammeSession, viewer_clearance, channel: str, session_label: str, names: bool
) -> tuple[ContributionView, ...]:
    views = []
    start = session.starts_at
    for contribution in session.contributions:
        end = start + dt.timedelta(minutes=contribution.duration_minutes)
        label = tlp.strictest(session_label, getattr(contribution, "tlp", None))
        disclosure = (
            Disclosure.FULL
            if label == session_label
            else tlp_disclosure(viewer_clearance, session, label, channel)
        )
        full = disclosure == Disclosure.FULL
        if disclosure == Disclosure.NONE:
            title = str(WITHHELD_CONTRIBUTION_TITLE)
        else:
            title = contribution.title
        views.append(
            ContributionView(
                id=contribution.id,
                position=contribution.position,
                kind=contribution.kind,
                title=title,
                description=(contribution.description or "") if full else "",
                starts_at=start,
                ends_at=end,
                duration_minutes=contribution.duration_minutes,
                speakers=tuple(
                    SpeakerView(s.name, s.organisation or "", s.user_id)
                    for s in contribution.speakers
                )
                if full and names
                else (),
                submission_id=contribution.submission_id if full else None,
                tlp=label,
                disclosed=disclosure != Disclosure.NONE,
            )
        )
        start = end
    return tuple(views)


def session_views(
    user,
    edition,
    *,
    channel: str,
    include_cancelled: bool = True,
    draft: bool = False,
    viewer=None,
) -> list[SessionView]:
    """The whole programme as ``user`` may receive it on ``channel``, in a constant number of
    queries.

    ``draft``: the organisers' draft instead of the released version; ``viewer``: another
    clearance than ``user``'s (the organisers' preview as a category or person).
    """
    viewer = viewer or clearance(user, edition)
    return [
        session_view(s, viewer, channel=channel)
        for s in programme_sessions(user, edition, include_cancelled=include_cancelled, draft=draft)
    ]


def search_views(views: list[SessionView], query: str) -> list[SessionView]:
    """Views whose visible text contains every word of ``query`` (case-insensitive).

    Matching runs on the view, never on the stored row, so that a hidden session can be found
    only by its placeholder text ("Restricted session").
    """
    words = [w.casefold() for w in (query or "").split() if w][:20]
    if not words:
        return list(views)
    return [v for v in views if all(w in v.search_text() for w in words)]


def filter_views(
    views: list[SessionView],
    *,
    track: int | None = None,
    type: int | None = None,  # noqa: A002 (the conference's word)
    room: int | None = None,
    q: str = "",
) -> list[SessionView]:
    """The programme narrowed by track, type, room and search words, on what the viewer sees.

    A hidden session has no track, type or room, so any of those filters leaves it out.
    """
    for key, wanted in (("track", track), ("type", type), ("room", room)):
        if wanted is not None:
            views = [
                v for v in views if getattr(v, key) is not None and getattr(v, key).id == wanted
            ]
    return search_views(views, q) if q else list(views)
