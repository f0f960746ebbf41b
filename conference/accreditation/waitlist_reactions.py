"""Reactions of the waiting list and the invitations.

The waiting list follows every registration's state change (``registration_changed``).

A registration that is waitlisted joins its category's list; one that leaves the waitlisted
state leaves it. A place freed (an accredited registration cancelled or revoked, a reserving
invitation's registration decided otherwise) goes to the next person waiting, in the same
transaction, with the edition locked: see ``services.waitlist``.

Invitations hold an address, a name and a note: they are in the person's data download
(``personal_data_requested``) and erased with the account (``account_deleting``).
"""

from __future__ import annotations

from conference.accreditation import privacy
from conference.accreditation.models import RegistrationState as S
from conference.accreditation.services import invitations, waitlist
from conference.signals import account_deleting, personal_data_requested, registration_changed

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


@personal_data_requested.connect
def personal_data_invitations(user, **_kwargs) -> tuple[str, list]:
    """The invitations to register sent to the person's address."""
    years = privacy.edition_years()
    return "registration_invitations", [
        {
            "edition": years.get(i.edition_id),
            "category": i.category.code,
            **privacy.row(
                i,
                "email",
                "full_name",
                "note",
                "created_at",
                "expires_at",
                "opened_at",
                "used_at",
                "revoked_at",
            ),  # fmt: skip
        }
        for i in invitations.invitations_for_address(user.email)
    ]


@account_deleting.connect
def erase_invitations(user, **_kwargs) -> None:
    """An erased account's invitations lose the address, name and note (open ones revoked)."""
    invitations.erase_invitations(email=user.email)
