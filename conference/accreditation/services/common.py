"""What every accreditation topic module shares: labels, the workflow table, the
registration error, the attendee's mail and the event log of a registration."""

from __future__ import annotations

from flask import current_app, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import mail
from conference.accounts.services import ORGANISATION_TYPES as _PROFILE_ORGANISATION_TYPES
from conference.accreditation.models import EndorsementState, Registration, RegistrationEvent
from conference.accreditation.models import RegistrationState as S
from conference.errors import DomainError
from conference.urls import external_url

# The profile's list, without its empty "choose" entry.
ORGANISATION_TYPES: list[tuple[str, str]] = [t for t in _PROFILE_ORGANISATION_TYPES if t[0]]
ORGANISATION_TYPE_LABELS = dict(ORGANISATION_TYPES)

# Labels are lazy: translated where they are shown; the keys (stored states) stay English.
STATE_LABELS = {
    S.SUBMITTED: _l("Submitted"),
    S.ACCREDITED: _l("Accredited"),
    S.REJECTED: _l("Rejected"),
    S.WAITLISTED: _l("Waitlisted"),
    S.REVOKED: _l("Revoked"),
    S.CANCELLED: _l("Cancelled"),
}
ENDORSEMENT_LABELS = {
    EndorsementState.NOT_NEEDED: _l("Not needed"),
    EndorsementState.PENDING: _l("Awaiting the nominating authority"),
    EndorsementState.ENDORSED: _l("Endorsed"),
    EndorsementState.DECLINED: _l("Declined by the nominating authority"),
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
    """``value`` tidied; ``label`` (a lazy translated word) names the field in the errors."""
    text = " ".join(str(value or "").split()) if max_len <= 254 else str(value or "").strip()
    if required and not text:
        raise RegistrationError(_("Please give your %(label)s.", label=label), field=field)
    if len(text) > max_len:
        raise RegistrationError(
            _("The %(label)s is too long (at most %(max)d characters).", label=label, max=max_len),
            field=field,
        )
    return text


def state_label(state: str) -> str:
    """The state as people read it, in the current language (the state itself if unknown)."""
    label = STATE_LABELS.get(state)
    return str(label) if label is not None else state


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


def _mail_attendee(registration: Registration, template: str, subject, **context) -> None:
    """Queue a mail to the attendee; ``subject`` and the state label are lazy, so they come
    out in the recipient's language."""
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
        state_label=STATE_LABELS.get(registration.state, registration.state),
        me_link=_link("accreditation.me", year=edition.year),
        **context,
    )
