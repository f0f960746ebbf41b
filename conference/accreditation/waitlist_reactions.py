"""Reactions of the waiting list and the invitations.

The waiting list follows every registration's state change (``registration_changed``).

A registration that is waitlisted joins its category's list; one that leaves the waitlisted
state leaves it. A place freed (an accredited registration cancelled or revoked, an offered
place declined, a reserving invitation's registration rejected or cancelled) goes to the next
person waiting, in the same transaction, with the edition locked: see ``services.waitlist``.

Invitations hold an address, a name and a note: they are in the person's data download
(``personal_data_requested``) and erased with the account (``account_deleting``).
"""

from __future__ import annotations

from conference.accreditation import privacy
from conference.accreditation.models import RegistrationState as S
from conference.accreditation.services import invitations, waitlist
from conference.signals import account_deleting, personal_data_requested, registration_changed

_GONE = frozenset({S.REVOKED, S.CANCELLED, S.REJECTED})


@registration_changed.connect
def follow_the_waiting_list(registration, *, from_state, to_state, **_kwargs) -> None:
    """Join or leave the list; a place this registration held goes to the next person."""
    freed = None  # the category in which this change frees a place
    if from_state == S.WAITLISTED and to_state != S.WAITLISTED:
        entry = waitlist.entry_for(registration)
        if entry is not None and entry.state == "offered" and to_state != S.ACCREDITED:
            freed = entry.category  # an offered place declined (cancelled) or refused
        waitlist.leave(registration)
    if to_state == S.WAITLISTED and from_state != S.WAITLISTED:
        waitlist.join(registration)
    elif to_state in _GONE and from_state == S.ACCREDITED:
        freed = registration.category
    elif to_state in _GONE and from_state == S.SUBMITTED:
        held = invitations.reserving_invitation(registration)
        freed = held.category if held is not None else None
    if freed is not None:
        waitlist.fill_places(registration.edition, freed, places=1)


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
