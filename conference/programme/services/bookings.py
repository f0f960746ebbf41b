"""Bookings: seats in sessions that require them, the waiting list, and the mails they send.

Capacity holds under parallel requests: the session row is locked and a seat taken with a
conditional UPDATE (``_take_seat``).

Once an edition has released its schedule, attendees act on the released programme and
nothing they receive describes the draft: a seat is taken only where the release and the draft
both have one free; clashes and the waiting list's mails read the released times and rooms; a
draft cancellation mails nobody (the release's own mail tells them); and seats added in the
draft go to the waiting people when the change is released (``_promote_released``).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, mail
from conference.accounts.models import User
from conference.db import utcnow
from conference.editions.models import Edition
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import Clearance, clearance
from conference.programme.models import Booking, BookingState, ProgrammeSession, SessionState
from conference.programme.services.common import absolute_link, span
from conference.programme.services.released import released_by_id
from conference.programme.services.releases import on_release
from conference.programme.services.visibility import get_session, mail_view, withheld_from_mail

# Refusing a booking the draft would refuse but the release allows: saying why would reveal
# the draft (a cancellation, a new time, a changed rule), so the refusal says only this.
BEING_CHANGED = _l(
    "This session is being changed: bookings open again when the organisers publish the next "
    "version of the programme."
)


def as_released(edition, session: ProgrammeSession):
    """``session`` as attendees know it: its released version once the edition has a release
    (None when the release does not hold it), the session itself before the first release."""
    released = released_by_id(edition)
    return session if released is None else released.get(session.id)


def notify_cancelled(session: ProgrammeSession, edition, *, removed: bool = False) -> None:
    """Tell everyone holding a seat or waiting for one that the session is cancelled.

    Once the edition has a release, a cancellation in the draft mails nobody: the release
    that publishes it tells them (its mail says "cancelled"). A session removed from the
    programme is the exception: its bookings go with it, so no release could reach them; they
    are told now, with the time the release gave them.
    """
    shown = as_released(edition, session)
    if shown is not session and not removed:
        return
    if shown is None:
        # Never released: nobody could have booked it.
        return
    bookings = db.session.scalars(
        sa.select(Booking)
        .where(Booking.session_id == session.id, Booking.state != BookingState.CANCELLED)
        .options(so.joinedload(Booking.user))
    )
    for booking in bookings:
        if booking.user is None or booking.user.deleted_at is not None:
            continue
        # The session as the mail may carry it to this person (its TLP label, their clearance).
        view = mail_view(shown, booking.user, edition)
        mail.queue(
            booking.user.email,
            "programme_session_cancelled",
            _l("Cancelled: %(title)s", title=view.title),
            edition=edition,
            person=booking.user,
            title=view.title,
            withheld=withheld_from_mail(view),
            when=span(shown, edition),
            reason=session.cancel_reason if view.disclosure == "full" else "",
            url=absolute_link("programme.programme", year=edition.year)
            if removed
            else absolute_link(
                "programme.session_detail", year=edition.year, session_id=session.id
            ),
            removed=removed,
        )


def _locked_session(edition, session_id: int) -> ProgrammeSession:
    """The session row, locked until the transaction ends (serialises bookings)."""
    session = db.session.scalar(
        sa.select(ProgrammeSession)
        .where(ProgrammeSession.id == session_id, ProgrammeSession.edition_id == edition.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if session is None:
        raise NotFound(_("There is no such session in this edition."))
    return session


def _take_seat(session: ProgrammeSession, released_capacity: int | None = None) -> bool:
    """Add one booked seat if one is free; atomic in the database, whatever else runs.

    ``released_capacity`` (the released programme's, once there is one) limits as well: a
    seat added in the draft is not handed out before it is released.
    """
    within = [
        sa.or_(
            ProgrammeSession.capacity.is_(None),
            ProgrammeSession.booked_count < ProgrammeSession.capacity,
        )
    ]
    if released_capacity is not None:
        within.append(ProgrammeSession.booked_count < released_capacity)
    result = db.session.execute(
        sa.update(ProgrammeSession)
        .where(ProgrammeSession.id == session.id, *within)
        .values(booked_count=ProgrammeSession.booked_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["booked_count"])
    return result.rowcount == 1


def _free_seat(session: ProgrammeSession) -> None:
    db.session.execute(
        sa.update(ProgrammeSession)
        .where(ProgrammeSession.id == session.id, ProgrammeSession.booked_count > 0)
        .values(booked_count=ProgrammeSession.booked_count - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["booked_count"])


def booking_clash(user, session: ProgrammeSession) -> ProgrammeSession | None:
    """Another session the user has a seat in that overlaps ``session``, if any.

    Once the edition has a release, both sessions are read as released (times and
    cancellations of the draft count only once published): a ``ReleasedSession``.
    """
    edition = db.session.get(Edition, session.edition_id)
    released = released_by_id(edition)
    if released is not None:
        return _released_clash(user, session.id, released)
    return db.session.scalar(
        sa.select(ProgrammeSession)
        .join(Booking, Booking.session_id == ProgrammeSession.id)
        .where(
            Booking.user_id == user.id,
            Booking.state == BookingState.BOOKED,
            ProgrammeSession.id != session.id,
            ProgrammeSession.edition_id == session.edition_id,
            ProgrammeSession.state != SessionState.CANCELLED,
            ProgrammeSession.starts_at < session.ends_at,
            ProgrammeSession.ends_at > session.starts_at,
        )
        .order_by(ProgrammeSession.starts_at)
        .limit(1)
    )


def _released_clash(user, session_id: int, released: dict):
    shown = released.get(session_id)
    if shown is None:
        return None
    booked = set(
        db.session.scalars(
            sa.select(Booking.session_id).where(
                Booking.user_id == user.id,
                Booking.state == BookingState.BOOKED,
                Booking.session_id != session_id,
            )
        )
    )
    return next(
        (
            other
            for other in released.values()
            if other.id in booked
            and not other.is_cancelled
            and other.starts_at < shown.ends_at
            and other.ends_at > shown.starts_at
        ),
        None,
    )


def _check_bookable(viewer: Clearance, session) -> None:
    """DomainError unless ``viewer`` may take a seat in ``session`` (a live or released one)."""
    if not viewer.sees_details(session):
        raise NotAllowed(_("This session is restricted: you are not cleared to attend it."))
    if not viewer.may_attend(session):
        raise NotAllowed(_("Only accredited attendees can book sessions."))
    if session.is_cancelled:
        raise Conflict(_("This session is cancelled."))
    if not session.booking_required:
        raise Conflict(_("This session needs no booking: just come."))
    if session.starts_at <= utcnow():
        raise Conflict(_("This session has already started: bookings are closed."))


def book(user, edition, session_id: int) -> Booking:
    """Book a seat in a session that requires booking, or join its waiting list when full.

    The session must be in the released programme and bookable there as in the draft (a
    session never released is NotFound; one cancelled in either is refused).

    The session row is locked and the seat taken with a conditional UPDATE, so the capacity
    holds under any number of parallel requests. The caller commits.
    """
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed(_("Log in to book a session."))
    if edition.is_archived:
        raise NotAllowed(
            _("The %(year)s edition is archived: bookings are closed.", year=edition.year)
        )
    # What the person sees: the released session (NotFound for one never released, as if it
    # did not exist); the draft may differ, and a seat is taken only when both allow it.
    shown = get_session(edition, session_id)
    # One person's bookings are serialised (their row locked first, then the session's), so
    # two parallel requests for overlapping sessions cannot both pass the clash check.
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    session = _locked_session(edition, session_id)
    viewer = clearance(user, edition)
    _check_bookable(viewer, shown)
    if shown is not session:
        try:
            _check_bookable(viewer, session)
        except DomainError:
            raise Conflict(str(BEING_CHANGED)) from None
    existing = db.session.scalar(
        sa.select(Booking).where(
            Booking.session_id == session.id,
            Booking.user_id == user.id,
            Booking.state != BookingState.CANCELLED,
        )
    )
    if existing is not None:
        if existing.state == BookingState.BOOKED:
            raise Conflict(_("You already have a seat in this session."))
        raise Conflict(_("You are already on this session's waiting list."))
    clash = booking_clash(user, session)
    if clash is not None:
        raise Conflict(
            _(
                "This session overlaps with “%(title)s” (%(when)s), which you booked. Cancel "
                "that booking first.",
                title=clash.title,
                when=span(clash, edition),
            )
        )
    seated = _take_seat(session, shown.capacity if shown is not session else None)
    booking = Booking(
        edition_id=edition.id,
        session_id=session.id,
        user_id=user.id,
        state=BookingState.BOOKED if seated else BookingState.WAITLISTED,
        created_at=utcnow(),
    )
    db.session.add(booking)
    db.session.flush()
    audit.record(
        user,
        "booking.create" if seated else "booking.waitlist",
        booking,
        edition=edition,
        session_id=session.id,
    )
    return booking


def cancel_booking(actor, edition, booking: Booking, *, reason: str = "") -> Booking:
    """Give up a seat (or a place on the waiting list); the first waiting person moves up.

    The caller commits.
    """
    if booking.edition_id != edition.id:
        raise NotFound(_("There is no such booking in this edition."))
    session = _locked_session(edition, booking.session_id)
    db.session.refresh(booking)
    if booking.state == BookingState.CANCELLED:
        raise Conflict(_("This booking is already cancelled."))
    had_seat = booking.state == BookingState.BOOKED
    booking.state = BookingState.CANCELLED
    booking.cancelled_at = utcnow()
    if had_seat:
        _free_seat(session)
    db.session.flush()
    audit.record(
        actor,
        "booking.cancel",
        booking,
        edition=edition,
        session_id=session.id,
        user_id=booking.user_id,
        had_seat=had_seat,
        reason=reason,
    )
    if had_seat and not session.is_cancelled:
        promote_waiting(session, edition)
    return booking


def waiting_count(session: ProgrammeSession) -> int:
    """How many people are on the session's waiting list."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Booking.id)).where(
                Booking.session_id == session.id, Booking.state == BookingState.WAITLISTED
            )
        )
        or 0
    )


def promote_waiting(session: ProgrammeSession, edition) -> list[Booking]:
    """Give free seats to the people waiting, first come first served, and mail them.

    People who are no longer cleared, or who meanwhile booked an overlapping session, keep
    their place on the list and are skipped. Once the edition has a release, only seats the
    release holds are given (and the mail gives its time and room); seats added in the draft
    wait for the release that publishes them.
    """
    shown = as_released(edition, session)
    if shown is None or shown.is_cancelled or session.is_cancelled:
        return []
    versions = (shown, session) if shown is not session else (session,)
    if not all(v.booking_required for v in versions) or shown.starts_at <= utcnow():
        return []
    released_capacity = shown.capacity if shown is not session else None
    waiting = list(
        db.session.scalars(
            sa.select(Booking)
            .where(Booking.session_id == session.id, Booking.state == BookingState.WAITLISTED)
            .order_by(Booking.created_at, Booking.id)
            .options(so.joinedload(Booking.user))
        )
    )
    promoted = []
    for booking in waiting:
        person = booking.user
        if person is None or person.deleted_at is not None:
            continue
        if not all(Clearance(person, edition).may_attend(v) for v in versions):
            continue
        if booking_clash(person, session) is not None:
            continue
        if not _take_seat(session, released_capacity):
            break
        booking.state = BookingState.BOOKED
        booking.promoted_at = utcnow()
        audit.record(None, "booking.promote", booking, edition=edition, session_id=session.id)
        view = mail_view(shown, person, edition)
        mail.queue(
            person.email,
            "programme_booking_promoted",
            _l("You have a seat: %(title)s", title=view.title),
            edition=edition,
            person=person,
            title=view.title,
            withheld=withheld_from_mail(view),
            when=span(shown, edition),
            room=view.room.name if view.room else "",
            url=absolute_link("programme.agenda", year=edition.year),
        )
        promoted.append(booking)
    db.session.flush()
    return promoted


@on_release
def _promote_released(edition, changes: list[dict]) -> None:
    """After a release: the waiting people of each session whose released capacity grew (or
    became unlimited) get the seats now published."""
    grown = [
        c["session_id"]
        for c in changes
        if c["before"] is not None
        and c["after"] is not None
        and c["before"].get("capacity") is not None
        and (c["after"].get("capacity") is None or c["after"]["capacity"] > c["before"]["capacity"])
    ]
    for session_id in grown:
        session = db.session.get(ProgrammeSession, session_id)
        if session is not None:
            promote_waiting(session, edition)


def session_bookings(session: ProgrammeSession) -> list[Booking]:
    """All bookings of a session for its organisers: seats, then the waiting list, then history."""
    order = sa.case(
        (Booking.state == BookingState.BOOKED, 0),
        (Booking.state == BookingState.WAITLISTED, 1),
        else_=2,
    )
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(Booking.session_id == session.id)
            .options(so.joinedload(Booking.user))
            .order_by(order, Booking.created_at, Booking.id)
        )
    )


def release_bookings(user_id: int, edition, *, reason: str) -> int:
    """Cancel all live bookings of a person in ``edition`` (promoting waiting people)."""
    bookings = list(
        db.session.scalars(
            sa.select(Booking).where(
                Booking.user_id == user_id,
                Booking.edition_id == edition.id,
                Booking.state != BookingState.CANCELLED,
            )
        )
    )
    for booking in bookings:
        cancel_booking(None, edition, booking, reason=reason)
    return len(bookings)
