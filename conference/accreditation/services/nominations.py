"""Nominations: the signed link a nominating authority uses to endorse or decline."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from conference import audit, mail
from conference.accreditation.models import EndorsementState, Registration
from conference.accreditation.services.common import (
    ENDORSEMENT_LABELS,
    MAX_TEXT,
    OPEN_STATES,
    _event,
    _link,
)
from conference.accreditation.services.workflow import _lock_registration
from conference.db import utcnow
from conference.errors import Conflict, DomainError
from conference.extensions import db

NOMINATION_SALT = "accreditation-nomination"
NOMINATION_MAX_AGE = 60 * 60 * 24 * 90


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=NOMINATION_SALT)


def nomination_token(registration: Registration) -> str:
    return _serializer().dumps({"r": registration.id, "e": registration.nominator_email.lower()})


def registration_for_token(token: str) -> Registration:
    """The registration a nomination link names, if the link is genuine and still current."""
    invalid = DomainError(
        _(
            "This nomination link is not valid (any more). Please ask the registrant to send "
            "a new one, or contact the organisers."
        ),
        code="invalid_token",
    )
    if not token or len(token) > 500:
        raise invalid
    try:
        payload = _serializer().loads(token, max_age=NOMINATION_MAX_AGE)
    except SignatureExpired:
        raise DomainError(
            _("This nomination link has expired. Please contact the organisers."), code="expired"
        ) from None
    except BadSignature:
        raise invalid from None
    if not isinstance(payload, dict):
        raise invalid
    registration = db.session.get(Registration, payload.get("r"))
    if (
        registration is None
        or registration.anonymised_at is not None
        or not registration.nominator_email
        or registration.nominator_email.lower() != payload.get("e")
    ):
        raise invalid
    return registration


def answer_nomination(token: str, endorse: bool, note: str = "") -> Registration:
    """The nominating contact endorses or declines a registration (through the signed link)."""
    registration = registration_for_token(token)
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise DomainError(_("The note is too long (at most %(max)d characters).", max=MAX_TEXT))
    registration = _lock_registration(registration)
    if registration.endorsement in (EndorsementState.ENDORSED, EndorsementState.DECLINED):
        raise Conflict(
            _(
                "You have already answered for this registration (%(answer)s).",
                answer=str(ENDORSEMENT_LABELS[registration.endorsement]).lower(),
            ),
            code="already_answered",
        )
    if registration.state not in OPEN_STATES or registration.edition.is_archived:
        raise Conflict(
            _("This registration is no longer open, so no endorsement is needed."),
            code="closed",
        )
    registration.endorsement = EndorsementState.ENDORSED if endorse else EndorsementState.DECLINED
    registration.endorsement_at = utcnow()
    registration.endorsement_note = note
    verb = "endorsed" if endorse else "declined"
    authority = registration.nominating_authority
    text = f"Nomination {verb} by {authority} ({registration.nominator_email})"
    _event(registration, registration.state, registration.state, None,
           text + (f": {note}" if note else "."))  # fmt: skip
    audit.record(
        None,
        f"registration.nomination_{verb}",
        registration,
        edition=registration.edition_id,
        authority=registration.nominating_authority,
    )
    return registration


def _mail_nominator(registration: Registration) -> None:
    edition = registration.edition
    mail.queue(
        registration.nominator_email,
        "accreditation_nomination",
        _l("Please confirm a nomination: %(edition)s", edition=edition.acronym or edition.title),
        edition=edition,
        registration=registration,
        link=_link(
            "accreditation.nomination", year=edition.year, token=nomination_token(registration)
        ),  # fmt: skip
    )
