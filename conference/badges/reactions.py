"""Badges follow accreditation: connected to ``registration_changed`` by the package.

The handler runs inside accreditation's transaction, so a badge is issued or revoked
together with the state change that caused it (or not at all).
"""

from __future__ import annotations

from conference.badges import services
from conference.signals import registration_changed


@registration_changed.connect
def on_registration_changed(registration, *, from_state=None, to_state=None, actor=None, **_):
    """Accreditation issues a badge; revocation, cancellation (any other state) revokes it."""
    services.follow_registration(registration, to_state or registration.state, actor=actor)
