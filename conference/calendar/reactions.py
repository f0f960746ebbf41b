"""How the calendar answers other areas' signals (connected by the package ``__init__``)."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation import privacy
from conference.calendar.models import CalendarToken
from conference.extensions import db
from conference.signals import account_deleting, personal_data_requested


@personal_data_requested.connect
def personal_data_calendar_feed(user, **_) -> tuple[str, dict | None]:
    """When the person's feed link was made and last used (never the secret itself)."""
    token = db.session.scalar(sa.select(CalendarToken).where(CalendarToken.user_id == user.id))
    if token is None:
        return "calendar_feed", None
    return "calendar_feed", privacy.row(token, "created_at", "last_used_at")


@account_deleting.connect
def forget_account(user, **_) -> None:
    """The personal feed link stops working."""
    db.session.execute(sa.delete(CalendarToken).where(CalendarToken.user_id == user.id))
