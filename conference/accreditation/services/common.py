"""What every accreditation topic module shares: labels, the workflow table, the
registration error, the attendee's mail and the event log of a registration."""

from __future__ import annotations

from flask import current_app, has_request_context

from conference import mail
from conference.accounts.services import ORGANISATION_TYPES as _PROFILE_ORGANISATION_TYPES
from conference.accreditation.models import EndorsementState, Registration, RegistrationEvent
from conference.accreditation.models import RegistrationState as S
from conference.errors import DomainError
from conference.urls import external_url

# The profile's list, without its empty "choose" entry.
ORGANISATION_TYPES: list[tuple[str, str]] = [t for t in _PROFILE_ORGANISATION_TYPES if t[0]]
ORGANISATION_TYPE_LABELS = dict(ORGANISATION_TYPES)

STATE_LABELS = {
    S.SUBMITTED: "Submitted",
    S.ACCREDITED: "Accredited",
    S.REJECTED: "Rejected",
    S.WAITLISTED: "Waitlisted",
    S.REVOKED: "Revoked",
    S.CANCELLED: "Cancelled",
}
ENDORSEMENT_LABELS = {
    EndorsementState.NOT_NEEDED: "Not needed",
    EndorsementState.PENDING: "Awaiting the nominating authority",
    EndorsementState.ENDORSED: "Endorsed",
    EndorsementState.DECLINED: "Declined by the nominating authority",
}

# The workflow: which states each state may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.ACCREDITED, S.REJECTED, S.WAITLISTED, S.CANCELLED}),
    S.WAITLISTED: frozenset({S.ACCREDITED, S.REJECTED, S.CANCELLED}),
    S.ACCREDITED: frozenset({S.REVOKED, S.CANCELLED}),
}
OPEN_STATES = frozenset({S.SUBMITTED, S.WAITLISTED, S.ACCREDITED})
UNDECIDED_STATES = frozenset({S.SUBMITTED, S.WAITLISTED})
# Decisions organisers take (the attendee alone cancels).
DECISIONS = {"accredit": S.ACCREDITED, "reject": S.REJECTED, "waitlist": S.WAITLISTED,
             "revoke": S.REVOKED}  # fmt: skip
REASON_REQUIRED = frozenset({S.REJECTED, S.REVOKED})

MAX_TEXT = 2000


class RegistrationError(DomainError):
    """A rule about what a person entered; ``field`` names the form field concerned."""

    def __init__(
        self, message: str, *, field: str | None = None, errors: dict | None = None, **kwargs
    ):
        super().__init__(message, **kwargs)
        self.field = field
        self.errors = errors if errors is not None else {field or "": message}


# --- helpers ------------------------------------------------------------------------------


def _link(endpoint: str, **values) -> str:
    """An absolute link for a mail, also outside a request (CLI, demo, background jobs)."""
    if has_request_context():
        return external_url(endpoint, **values)
    with current_app.test_request_context():
        return external_url(endpoint, **values)


def _clean(value, field: str, label: str, *, max_len: int = 200, required: bool = False) -> str:
    text = " ".join(str(value or "").split()) if max_len <= 254 else str(value or "").strip()
    if required and not text:
        raise RegistrationError(f"Please give your {label}.", field=field)
    if len(text) > max_len:
        raise RegistrationError(
            f"The {label} is too long (at most {max_len} characters).", field=field
        )
    return text


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def attendee_email(registration: Registration) -> str:
    """Where to write to the attendee: the account's current address, else the snapshot."""
    user = registration.user
    if user is not None and user.deleted_at is None:
        return user.email
    return registration.email


def _event(registration, from_state, to_state, actor, reason) -> RegistrationEvent:
    event = RegistrationEvent(
        from_state=from_state,
        to_state=to_state,
        actor_id=getattr(actor, "id", None),
        reason=reason or "",
    )
    registration.events.append(event)
    return event


def _mail_attendee(registration: Registration, template: str, subject: str, **context) -> None:
    to = attendee_email(registration)
    if not to:
        return
    edition = registration.edition
    mail.queue(
        to,
        template,
        subject,
        edition=edition,
        registration=registration,
        state_label=state_label(registration.state),
        me_link=_link("accreditation.me", year=edition.year),
        **context,
    )
