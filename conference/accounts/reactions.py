"""How accounts answers other areas' signals (connected by create_app with the routes)."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accounts.models import User
from conference.extensions import db
from conference.signals import recipient_locale_requested


@recipient_locale_requested.connect
def chosen_language(address: str, **_) -> str | None:
    """The language the person with this address chose in their profile, if any."""
    return db.session.scalar(sa.select(User.locale).where(User.email == address))
