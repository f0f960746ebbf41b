"""The waiting list follows every registration's state change (``registration_changed``).

A registration that is waitlisted joins its category's list; one that leaves the waitlisted
state leaves it. A place freed (an accredited registration cancelled or revoked, a reserving
invitation's registration decided otherwise) goes to the next person waiting, in the same
transaction, with the edition locked: see ``services.waitlist``.
"""

from __future__ import annotations

from conference.accreditation.models import RegistrationState as S
from conference.accreditation.services import waitlist
from conference.signals import registration_changed

# Leaving these states can free a place (an accreditation, or a place held by an invitation).
_FREES_A_PLACE = frozenset({S.ACCREDITED, S.SUBMITTED})


@registration_changed.connect
def follow_the_waiting_list(registration, *, from_state, to_state, **_kwargs) -> None:
    if from_state == S.WAITLISTED and to_state != S.WAITLISTED:
        waitlist.leave(registration)
    if to_state == S.WAITLISTED and from_state != S.WAITLISTED:
        waitlist.join(registration)
    elif from_state in _FREES_A_PLACE and to_state in (S.REVOKED, S.CANCELLED, S.REJECTED):
        waitlist.fill_places(registration.edition)
