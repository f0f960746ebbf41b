"""The programme's handlers of other areas' signals (connected by ``conference.programme``).

They run inside the acting transaction: the seats freed here are committed with the
registration's change, or rolled back with it.
"""

from __future__ import annotations

from conference.editions.models import Edition
from conference.extensions import db
from conference.programme.services.bookings import release_bookings
from conference.signals import registration_changed

RELEASING_STATES = {"revoked", "cancelled", "rejected"}


@registration_changed.connect
def _on_registration_changed(sender, registration=None, to_state=None, **_details) -> None:
    """A revoked, cancelled or rejected registration frees the person's seats."""
    registration = registration if registration is not None else sender
    user_id = getattr(registration, "user_id", None)
    if to_state not in RELEASING_STATES or user_id is None:
        return
    edition = db.session.get(Edition, registration.edition_id)
    if edition is not None:
        release_bookings(user_id, edition, reason=f"registration {to_state}")
