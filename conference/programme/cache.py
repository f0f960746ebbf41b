"""The version of what the public programme page shows, for the page cache.

The programme's own changes stamp ``edition.programme_changed_at`` (``touch_programme``), but
bookings do not, and the page shows the seats left: their aggregate is part of the version,
read in one query, so a booking or a cancellation shows at the next request.
"""

from __future__ import annotations

import zoneinfo

import sqlalchemy as sa

from conference.editions.models import Edition
from conference.extensions import db
from conference.programme import services
from conference.programme.models import Booking, BookingState


def _booking_aggregate() -> tuple:
    return (
        sa.func.count(Booking.id),
        sa.func.max(Booking.id),
        sa.func.count(Booking.id).filter(Booking.state == BookingState.BOOKED),
        sa.func.max(Booking.created_at),
        sa.func.max(Booking.cancelled_at),
        sa.func.max(Booking.promoted_at),
    )


def booking_version(edition) -> tuple:
    """Changes whenever a booking of ``edition`` is made, cancelled, promoted or removed."""
    row = db.session.execute(
        sa.select(*_booking_aggregate()).where(Booking.edition_id == edition.id)
    ).one()
    return tuple(row)


def early_version(connection: sa.Connection, year: int) -> tuple | None:
    """The page's version for an early answer (``pagecache.early_route``), in one statement:
    the edition's state and changes, the bookings' aggregate, and today's date in the
    edition's zone (the default day follows the clock). None when there is no such edition."""
    row = connection.execute(_EARLY_VERSION, {"year": year}).first()
    if row is None:
        return None
    today = services.utcnow().astimezone(zoneinfo.ZoneInfo(row.timezone)).date()
    return (*row, today)


_EARLY_VERSION = (
    sa.select(
        Edition.id,
        Edition.state,
        Edition.programme_changed_at,
        Edition.updated_at,
        Edition.timezone,
        *_booking_aggregate(),
    )
    .select_from(Edition)
    .outerjoin(Booking, Booking.edition_id == Edition.id)
    .where(Edition.year == sa.bindparam("year"))
    .group_by(Edition.id)
)


def programme_version(edition) -> tuple:
    """Everything besides the URL and the day that the anonymous programme page depends on."""
    return (
        edition.id,
        edition.programme_changed_at,
        edition.updated_at,
        edition.timezone,
        booking_version(edition),
    )
