"""Managing sessions: create, edit, cancel, duplicate, and a withdrawn talk's session."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, tlp
from conference.accounts.models import User
from conference.accounts.services import find_user
from conference.accreditation.models import AccreditationCategory
from conference.editions.services import touch_programme
from conference.errors import Conflict, DomainError, NotFound
from conference.extensions import db
from conference.programme.models import (
    AccessPolicy,
    Booking,
    Contribution,
    ProgrammeSession,
    Room,
    SessionInvitation,
    SessionSpeaker,
    SessionState,
    SessionType,
    Track,
)
from conference.programme.services.bookings import notify_cancelled, promote_waiting
from conference.programme.services.clashes import clash_warnings
from conference.programme.services.common import clean_text, ensure_manage, record_change
from conference.programme.services.contributions import check_fits, detach_contribution
from conference.text import ngettext


@dataclasses.dataclass
class SpeakerSpec:
    """One speaker line as entered: an account (by e-mail) or a named guest."""

    name: str
    organisation: str = ""
    user: User | None = None


@dataclasses.dataclass
class SessionData:
    """What an organiser enters for a session (times already converted to aware UTC)."""

    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    description: str = ""
    type_id: int | None = None
    track_id: int | None = None
    room_id: int | None = None
    speakers: list[SpeakerSpec] = dataclasses.field(default_factory=list)
    chair_email: str = ""
    capacity: int | None = None
    booking_required: bool = False
    chatham_house: bool = False
    # The TLP label (``conference.tlp``); None: the edition's default for a new session, the
    # session's own label when editing.
    tlp: str | None = None
    state: str = SessionState.SCHEDULED
    cancel_reason: str = ""
    access: str = AccessPolicy.OPEN
    category_ids: list[int] = dataclasses.field(default_factory=list)
    invitee_emails: list[str] = dataclasses.field(default_factory=list)


MAX_SPEAKERS = 50
MAX_INVITEES = 500


def parse_speakers(text: str) -> list[SpeakerSpec]:
    """Speakers, one a line: ``e-mail`` (an account) or ``Name | Organisation`` (a guest).

    An account line may also give an organisation (``e-mail | Organisation``).
    """
    specs: list[SpeakerSpec] = []
    unknown: list[str] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        head, _bar, organisation = (part.strip() for part in line.partition("|"))
        organisation = clean_text(organisation, _l("A speaker's organisation"), 200)
        if "@" in head and " " not in head:
            user = find_user(head)
            if user is None:
                unknown.append(head)
                continue
            specs.append(
                SpeakerSpec(user.display_name[:200], organisation or user.organisation or "", user)
            )
        else:
            specs.append(
                SpeakerSpec(
                    clean_text(head, _l("A speaker's name"), 200, required=True), organisation
                )
            )
    if unknown:
        raise DomainError(
            _(
                "No account for the speaker e-mail %(emails)s: enter guests as "
                "“Name | Organisation”.",
                emails=", ".join(unknown),
            )
        )
    if len(specs) > MAX_SPEAKERS:
        raise DomainError(_("At most %(num)d speakers per session.", num=MAX_SPEAKERS))
    return specs


def parse_emails(text: str) -> list[str]:
    """E-mail addresses separated by new lines, commas, semicolons or spaces (deduplicated)."""
    seen: list[str] = []
    for part in (text or "").replace(",", " ").replace(";", " ").split():
        email = part.strip().lower()
        if email and email not in seen:
            seen.append(email)
    return seen


def _invited_users(emails: list[str]) -> list[User]:
    if not emails:
        return []
    if len(emails) > MAX_INVITEES:
        raise DomainError(_("At most %(num)d invited people.", num=MAX_INVITEES))
    found = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}
    missing = [e for e in emails if e not in found]
    if missing:
        raise DomainError(
            _(
                "No account for invited people %(emails)s. Ask them to create an account first.",
                emails=", ".join(missing[:10]) + (" …" if len(missing) > 10 else ""),
            )
        )
    return [found[e] for e in emails]


_CHOOSE_OF_EDITION = {
    SessionType: _l("Choose a session type of this edition."),
    Track: _l("Choose a track of this edition."),
    Room: _l("Choose a room of this edition."),
}


def _edition_object(model, object_id, edition):
    if object_id is None:
        return None
    obj = db.session.get(model, object_id)
    if obj is None or obj.edition_id != edition.id:
        raise DomainError(str(_CHOOSE_OF_EDITION[model]))
    return obj


def _validate(edition, data: SessionData, session: ProgrammeSession | None):
    """Check everything the form cannot; return the resolved related objects."""
    title = clean_text(data.title, _l("The title"), 300, required=True)
    description = clean_text(data.description, _l("The description"), 20000)
    for moment in (data.starts_at, data.ends_at):
        if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
            raise DomainError(_("Enter the start and end time."))
    if data.ends_at <= data.starts_at:
        raise DomainError(_("The session must end after it starts."))
    if data.ends_at - data.starts_at > dt.timedelta(days=7):
        raise DomainError(_("A session cannot last more than a week."))
    if session is not None:
        check_fits(session, data.starts_at, data.ends_at)
    if data.tlp is not None and tlp.normalise(data.tlp) is None:
        raise DomainError(
            _("Choose one of the TLP labels: CLEAR, GREEN, AMBER, AMBER+STRICT, RED.")
        )
    if data.state not in set(SessionState):
        raise DomainError(_("Choose a valid state."))
    if data.access not in set(AccessPolicy):
        raise DomainError(_("Choose a valid access policy."))
    cancel_reason = clean_text(data.cancel_reason, _l("The reason"), 2000)
    if data.state == SessionState.CANCELLED and not cancel_reason:
        raise DomainError(_("Give the reason for the cancellation (attendees will see it)."))
    if data.capacity is not None and data.capacity < 0:
        raise DomainError(_("The capacity cannot be negative."))
    if session is not None and data.capacity is not None and data.capacity < session.booked_count:
        raise Conflict(
            ngettext(
                "%(num)d seat is already booked: the capacity cannot be lower. Cancel bookings "
                "first.",
                "%(num)d seats are already booked: the capacity cannot be lower. Cancel "
                "bookings first.",
                session.booked_count,
            )
        )
    session_type = _edition_object(SessionType, data.type_id, edition)
    track = _edition_object(Track, data.track_id, edition)
    room = _edition_object(Room, data.room_id, edition)
    categories = []
    if data.access == AccessPolicy.CATEGORIES:
        ids = sorted(set(data.category_ids))
        if not ids:
            raise DomainError(_("Choose at least one accreditation category that may attend."))
        categories = list(
            db.session.scalars(
                sa.select(AccreditationCategory).where(
                    AccreditationCategory.id.in_(ids),
                    AccreditationCategory.edition_id == edition.id,
                )
            )
        )
        if len(categories) != len(ids):
            raise DomainError(_("Choose accreditation categories of this edition."))
    invitees = []
    if data.access == AccessPolicy.INVITATION:
        invitees = _invited_users(data.invitee_emails)
    chair = None
    if data.chair_email.strip():
        chair = find_user(data.chair_email.strip())
        if chair is None:
            raise DomainError(
                _("No account for the chair %(email)s.", email=data.chair_email.strip())
            )
    return dict(
        title=title,
        description=description,
        cancel_reason=cancel_reason if data.state == SessionState.CANCELLED else "",
        type=session_type,
        track=track,
        room=room,
        categories=categories,
        invitees=invitees,
        chair=chair,
    )


def save_session(actor, edition, data: SessionData, session: ProgrammeSession | None = None):
    """Create or edit a session; return it and the clash warnings (the caller commits)."""
    ensure_manage(actor, edition)
    if session is not None and session.edition_id != edition.id:
        raise NotFound("There is no such session in this edition.")
    values = _validate(edition, data, session)
    created = session is None
    before = {} if created else _snapshot(session)
    if created:
        session = ProgrammeSession(edition_id=edition.id, sequence=0, booked_count=0)
        db.session.add(session)
    was_cancelled = session.is_cancelled
    old_capacity = session.capacity
    session.title = values["title"]
    session.description = values["description"]
    session.type = values["type"]
    session.track = values["track"]
    session.room = values["room"]
    session.chair = values["chair"]
    session.starts_at = data.starts_at.astimezone(dt.UTC)
    session.ends_at = data.ends_at.astimezone(dt.UTC)
    session.capacity = data.capacity
    session.booking_required = bool(data.booking_required)
    session.chatham_house = bool(data.chatham_house)
    if data.tlp is not None:
        session.tlp = tlp.normalise(data.tlp)
    elif created:
        session.tlp = edition.tlp_default or tlp.TLP.CLEAR.value
    session.state = data.state
    session.cancel_reason = values["cancel_reason"]
    session.access = data.access
    session.categories = values["categories"]
    _set_speakers(session, data.speakers)
    _set_invitees(session, values["invitees"])
    db.session.flush()
    after = _snapshot(session)
    changed = sorted(k for k in after if before.get(k) != after[k]) if not created else []
    if not created and {"starts_at", "ends_at", "room_id", "state"} & set(changed):
        session.sequence += 1
    warnings = clash_warnings(session, edition)
    if session.is_cancelled and not was_cancelled and not created:
        notify_cancelled(session, edition)
    elif not session.is_cancelled and (
        session.capacity is None or (old_capacity is not None and session.capacity > old_capacity)
    ):
        promote_waiting(session, edition)
    record_change(
        session,
        actor,
        "session.create" if created else "session.update",
        edition,
        title=session.title,
        changed=changed,
        warnings=warnings,
        **(
            {"tlp_from": before.get("tlp"), "tlp_to": session.tlp}
            if "tlp" in changed or created
            else {}
        ),
    )
    return session, warnings


def _snapshot(session: ProgrammeSession) -> dict:
    return {
        "title": session.title,
        "description": session.description,
        "type_id": session.type.id if session.type else None,
        "track_id": session.track.id if session.track else None,
        "room_id": session.room.id if session.room else None,
        "chair_id": session.chair.id if session.chair else None,
        "starts_at": session.starts_at.isoformat() if session.starts_at else None,
        "ends_at": session.ends_at.isoformat() if session.ends_at else None,
        "capacity": session.capacity,
        "booking_required": session.booking_required,
        "chatham_house": session.chatham_house,
        "tlp": session.tlp,
        "state": session.state,
        "cancel_reason": session.cancel_reason,
        "access": session.access,
        "categories": sorted(c.id for c in session.categories),
        "speakers": [(s.user_id, s.name, s.organisation) for s in own_speakers(session)],
        "invitees": sorted(i.user_id for i in session.invitations),
    }


def own_speakers(session: ProgrammeSession) -> list[SessionSpeaker]:
    """The session's own speakers (panellists), not the presenters of its contributions."""
    presenting = {id(s) for c in session.contributions for s in c.speakers}
    return [s for s in session.speakers if s.contribution_id is None and id(s) not in presenting]


def _set_speakers(session: ProgrammeSession, specs: list[SpeakerSpec]) -> None:
    """Replace the session's own speakers; the contributions' presenters stay, after them."""
    own = own_speakers(session)
    current = [(s.user_id, s.name, s.organisation) for s in own]
    wanted = [(s.user.id if s.user else None, s.name, s.organisation) for s in specs]
    if current == wanted:
        return
    for speaker in own:
        session.speakers.remove(speaker)
    db.session.flush()
    for position, spec in enumerate(specs):
        session.speakers.append(
            SessionSpeaker(
                user=spec.user, name=spec.name, organisation=spec.organisation, position=position
            )
        )
    presenting = [s for c in session.contributions for s in c.speakers]
    for position, speaker in enumerate(presenting, start=len(specs)):
        speaker.position = position
    session.speakers.sort(key=lambda s: s.position)


def _set_invitees(session: ProgrammeSession, users: list[User]) -> None:
    wanted = {u.id: u for u in users}
    for invitation in list(session.invitations):
        if invitation.user_id not in wanted:
            session.invitations.remove(invitation)
    present = {i.user_id for i in session.invitations}
    for user_id, user in wanted.items():
        if user_id not in present:
            session.invitations.append(SessionInvitation(user=user))


def cancel_session(actor, session: ProgrammeSession, edition, reason: str) -> ProgrammeSession:
    """Cancel a session with a reason that attendees see; people with a seat are told."""
    ensure_manage(actor, edition)
    reason = clean_text(reason, _l("The reason"), 2000, required=True)
    if session.is_cancelled:
        raise Conflict(_("This session is already cancelled."))
    session.state = SessionState.CANCELLED
    session.cancel_reason = reason
    session.sequence += 1
    notify_cancelled(session, edition)
    record_change(session, actor, "session.cancel", edition, title=session.title, reason=reason)
    return session


WITHDRAWN_TALK_HANDLING = {
    "cancel": "kept in the programme, marked cancelled",
    "remove": "taken out of the programme",
}


def withdraw_talk(actor, session: ProgrammeSession, edition, contribution=None) -> str:
    """The session of a talk its speaker withdrew: cancelled or removed, as the edition says.

    A session holding other contributions as well stays: only the withdrawn talk (``contribution``)
    leaves its running order, and the session's SEQUENCE grows ("withdrawn" is returned).

    ``edition.withdrawn_talks`` is "cancel" (the session stays, marked cancelled, so calendar
    feeds carry STATUS:CANCELLED) or "remove" (the session is deleted and leaves every feed).
    People holding a seat are told either way. The caller checked that ``actor`` may
    withdraw the talk; returns "cancelled" or "removed".
    """
    reason = "The speaker withdrew this talk."
    if contribution is not None and len(session.contributions) > 1:
        detach_contribution(session, contribution)
        session.sequence += 1
        record_change(
            session,
            actor,
            "session.contribution_withdrawn",
            edition,
            title=session.title,
            contribution=contribution.title,
        )
        return "withdrawn"
    if edition.withdrawn_talks == "remove":
        if not session.is_cancelled:
            session.cancel_reason = reason
            notify_cancelled(session, edition, removed=True)
        audit.record(
            actor, "session.remove_withdrawn", session, edition=edition, title=session.title
        )
        # Bookings go with the session (also where the database does not enforce the cascade).
        db.session.execute(sa.delete(Booking).where(Booking.session_id == session.id))
        db.session.delete(session)
        touch_programme(edition)
        db.session.flush()
        return "removed"
    if not session.is_cancelled:
        session.state = SessionState.CANCELLED
        session.cancel_reason = reason
        session.sequence += 1
        notify_cancelled(session, edition)
        record_change(session, actor, "session.cancel", edition, title=session.title, reason=reason)
    return "cancelled"


def duplicate_session(actor, session: ProgrammeSession, edition) -> ProgrammeSession:
    """A scheduled copy of ``session`` (same times, people and access; no bookings)."""
    ensure_manage(actor, edition)
    copy = ProgrammeSession(
        edition_id=edition.id,
        title=(f"{session.title} (copy)")[:300],
        description=session.description,
        type_id=session.type_id,
        track_id=session.track_id,
        room_id=session.room_id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        chair_id=session.chair_id,
        capacity=session.capacity,
        booking_required=session.booking_required,
        chatham_house=session.chatham_house,
        tlp=session.tlp,  # a copy is never less protected than its original
        state=SessionState.SCHEDULED,
        cancel_reason="",
        access=session.access,
        sequence=0,
        booked_count=0,
    )
    copy.categories = list(session.categories)
    # The copy keeps the panellists and the free items; a talk is in the programme only once.
    copy.speakers = [
        SessionSpeaker(
            user_id=s.user_id, name=s.name, organisation=s.organisation, position=s.position
        )
        for s in own_speakers(session)
    ]
    copy.contributions = [
        Contribution(
            position=position,
            kind=c.kind,
            title=c.title,
            description=c.description,
            duration_minutes=c.duration_minutes,
            tlp=c.tlp,
        )
        for position, c in enumerate(x for x in session.contributions if not x.is_talk)
    ]
    copy.invitations = [SessionInvitation(user_id=i.user_id) for i in session.invitations]
    db.session.add(copy)
    db.session.flush()
    record_change(copy, actor, "session.duplicate", edition, title=copy.title, source=session.id)
    return copy


def session_data_of(session: ProgrammeSession, **changes) -> SessionData:
    """What the session form would hold for ``session``, with ``changes`` applied (for moves
    made elsewhere than the form, e.g. the grid editor: same rules through ``save_session``)."""
    values = dict(
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        description=session.description or "",
        type_id=session.type_id,
        track_id=session.track_id,
        room_id=session.room_id,
        speakers=[SpeakerSpec(s.name, s.organisation or "", s.user) for s in own_speakers(session)],
        chair_email=session.chair.email if session.chair else "",
        capacity=session.capacity,
        booking_required=session.booking_required,
        chatham_house=session.chatham_house,
        state=session.state,
        cancel_reason=session.cancel_reason or "",
        access=session.access,
        category_ids=[c.id for c in session.categories],
        invitee_emails=[i.user.email for i in session.invitations if i.user is not None],
    )
    values.update(changes)
    return SessionData(**values)


def speakers_text(session: ProgrammeSession) -> str:
    """The speakers as the form shows them (the reverse of ``parse_speakers``)."""
    lines = []
    for speaker in own_speakers(session):
        head = speaker.user.email if speaker.user is not None else speaker.name
        lines.append(f"{head} | {speaker.organisation}" if speaker.organisation else head)
    return "\n".join(lines)
