"""The version of what the public programme page shows, for the page cache.

The programme's own changes stamp ``edition.programme_changed_at`` (``touch_programme``), but
bookings do not, and the page shows the seats left: their aggregate is part of the version,
read in one query, so a booking or a cancellation shows at the next request.
"""

from __future__ import annotations

import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import Booking, BookingState


def booking_version(edition) -> tuple:
    """Changes whenever a booking of ``edition`` is made, cancelled, promoted or removed."""
    row = db.session.execute(
        sa.select(
            sa.func.count(Booking.id),
            sa.func.max(Booking.id),
            sa.func.count(Booking.id).filter(Booking.state == BookingState.BOOKED),
            sa.func.max(Booking.created_at),
            sa.func.max(Booking.cancelled_at),
            sa.func.max(Booking.promoted_at),
        ).where(Booking.edition_id == edition.id)
    ).one()
    return tuple(row)


def programme_version(edition) -> tuple:
    """Everything besides the URL and the day that the anonymous programme page depends on."""
    return (
        edition.id,
        edition.programme_changed_at,
        edition.updated_at,
        edition.timezone,
        booking_version(edition),
    )
