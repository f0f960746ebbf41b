"""Bookings: seats in sessions that require them, the waiting list, and the mails they send.

Capacity holds under parallel requests: the session row is locked and a seat taken with a
conditional UPDATE (``_take_seat``).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, mail
from conference.accounts.models import User
from conference.db import utcnow
from conference.errors import Conflict, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import Clearance, clearance
from conference.programme.models import Booking, BookingState, ProgrammeSession, SessionState
from conference.programme.services.common import absolute_link, span
from conference.programme.services.visibility import mail_view, withheld_from_mail


def notify_cancelled(session: ProgrammeSession, edition, *, removed: bool = False) -> None:
    """Tell everyone holding a seat or waiting for one that the session is cancelled."""
    bookings = db.session.scalars(
        sa.select(Booking)
        .where(Booking.session_id == session.id, Booking.state != BookingState.CANCELLED)
        .options(so.joinedload(Booking.user))
    )
    for booking in bookings:
        if booking.user is None or booking.user.deleted_at is not None:
            continue
        # The session as the mail may carry it to this person (its TLP label, their clearance).
        view = mail_view(session, booking.user, edition)
        mail.queue(
            booking.user.email,
            "programme_session_cancelled",
            _l("Cancelled: %(title)s", title=view.title),
            edition=edition,
            person=booking.user,
            title=view.title,
            withheld=withheld_from_mail(view),
            when=span(session, edition),
            reason=view.cancel_reason,
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


def _take_seat(session: ProgrammeSession) -> bool:
    """Add one booked seat if one is free; atomic in the database, whatever else runs."""
    result = db.session.execute(
        sa.update(ProgrammeSession)
        .where(
            ProgrammeSession.id == session.id,
            sa.or_(
                ProgrammeSession.capacity.is_(None),
                ProgrammeSession.booked_count < ProgrammeSession.capacity,
            ),
        )
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
    """Another session the user has a seat in that overlaps ``session``, if any."""
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


def book(user, edition, session_id: int) -> Booking:
    """Book a seat in a session that requires booking, or join its waiting list when full.

    The session row is locked and the seat taken with a conditional UPDATE, so the capacity
    holds under any number of parallel requests. The caller commits.
    """
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed(_("Log in to book a session."))
    if edition.is_archived:
        raise NotAllowed(
            _("The %(year)s edition is archived: bookings are closed.", year=edition.year)
        )
    # One person's bookings are serialised (their row locked first, then the session's), so
    # two parallel requests for overlapping sessions cannot both pass the clash check.
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    session = _locked_session(edition, session_id)
    viewer = clearance(user, edition)
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
    seated = _take_seat(session)
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
    their place on the list and are skipped.
    """
    if not session.booking_required or session.starts_at <= utcnow():
        return []
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
        if not Clearance(person, edition).may_attend(session):
            continue
        if booking_clash(person, session) is not None:
            continue
        if not _take_seat(session):
            break
        booking.state = BookingState.BOOKED
        booking.promoted_at = utcnow()
        audit.record(None, "booking.promote", booking, edition=edition, session_id=session.id)
        view = mail_view(session, person, edition)
        mail.queue(
            person.email,
            "programme_booking_promoted",
            _l("You have a seat: %(title)s", title=view.title),
            edition=edition,
            person=person,
            title=view.title,
            withheld=withheld_from_mail(view),
            when=span(session, edition),
            room=view.room.name if view.room else "",
            url=absolute_link("programme.agenda", year=edition.year),
        )
        promoted.append(booking)
    db.session.flush()
    return promoted


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
