"""Accreditation rules: categories, registering, the decision workflow, quotas and nominations.

Every state change goes through ``transition``: it checks the workflow, locks what a limit
depends on, records a ``RegistrationEvent`` and an audit entry, queues a mail to the attendee
and sends ``conference.signals.registration_changed`` (badges, bookings… react to it). The
caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, has_request_context
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from conference import audit, countries, mail
from conference.accounts.models import User
from conference.accounts.services import ORGANISATION_TYPES as _PROFILE_ORGANISATION_TYPES
from conference.accreditation.models import (
    AccreditationCategory,
    EndorsementState,
    Registration,
    RegistrationEvent,
)
from conference.accreditation.models import RegistrationState as S
from conference.db import utcnow
from conference.editions.models import Edition, EditionState
from conference.editions.services import ensure_writable
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.query_args import DB_INT_MAX, BadArgument, arg_choice, arg_id, arg_str
from conference.signals import registration_changed
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
NOMINATION_SALT = "accreditation-nomination"
NOMINATION_MAX_AGE = 60 * 60 * 24 * 90
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RegistrationError(DomainError):
    """A rule about what a person entered; ``field`` names the form field concerned."""

    def __init__(
        self, message: str, *, field: str | None = None, errors: dict | None = None, **kwargs
    ):
        super().__init__(message, **kwargs)
        self.field = field
        self.errors = errors if errors is not None else {field or "": message}


# --- helpers ------------------------------------------------------------------------------


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


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


# --- categories ---------------------------------------------------------------------------


def categories(edition: Edition) -> list[AccreditationCategory]:
    return list(
        db.session.scalars(
            sa.select(AccreditationCategory)
            .where(AccreditationCategory.edition_id == edition.id)
            .order_by(AccreditationCategory.position, AccreditationCategory.name)
        )
    )


def requestable_categories(edition: Edition) -> list[AccreditationCategory]:
    """Categories a person may ask for (speaker and staff categories are given, not asked)."""
    return [c for c in categories(edition) if not c.is_speaker_category and not c.is_staff_category]


def get_category(edition: Edition, category_id) -> AccreditationCategory:
    try:
        category_id = int(category_id)
    except (TypeError, ValueError):
        raise NotFound("There is no such category.") from None
    if not 0 < category_id <= DB_INT_MAX:  # the database cannot even look it up
        raise NotFound("There is no such category in this edition.")
    category = db.session.get(AccreditationCategory, category_id)
    if category is None or category.edition_id != edition.id:
        raise NotFound("There is no such category in this edition.")
    return category


def speaker_category(edition: Edition) -> AccreditationCategory | None:
    return db.session.scalar(
        sa.select(AccreditationCategory)
        .where(
            AccreditationCategory.edition_id == edition.id,
            AccreditationCategory.is_speaker_category.is_(True),
        )
        .order_by(AccreditationCategory.position, AccreditationCategory.id)
        .limit(1)
    )


def category_usage(category: AccreditationCategory) -> dict[str, int]:
    """How many registrations and sessions refer to ``category``."""
    from conference.programme.models import session_categories

    registrations = db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            sa.or_(
                Registration.requested_category_id == category.id,
                Registration.category_id == category.id,
            )
        )
    )
    sessions = db.session.scalar(
        sa.select(sa.func.count()).where(session_categories.c.category_id == category.id)
    )
    return {"registrations": registrations or 0, "sessions": sessions or 0}


def save_category(
    edition: Edition, actor, values: dict, category: AccreditationCategory | None = None
) -> AccreditationCategory:
    """Create or update a category after checking its values."""
    ensure_writable(actor, edition)
    name = _clean(values.get("name"), "name", "name", max_len=100, required=True)
    code = _clean(values.get("code"), "code", "short code", max_len=20, required=True).upper()
    if not _CODE.match(code):
        raise RegistrationError(
            "The short code may contain only letters, digits, '-' and '_'.", field="code"
        )
    colour = (values.get("colour") or "#1f4e79").strip()
    if not _HEX.match(colour):
        raise RegistrationError("The colour must look like #1f4e79.", field="colour")
    quota = values.get("quota")
    if quota in ("", None):
        quota = None
    else:
        try:
            quota = int(quota)
        except (TypeError, ValueError):
            raise RegistrationError("The quota must be a whole number.", field="quota") from None
        if quota < 0 or quota > 1_000_000:
            raise RegistrationError("The quota must be between 0 and 1,000,000.", field="quota")
    try:
        position = int(values.get("position") or 0)
    except (TypeError, ValueError):
        raise RegistrationError("The position must be a whole number.", field="position") from None
    if abs(position) > 10_000:
        raise RegistrationError("The position must be between -10000 and 10000.", field="position")
    description = _clean(values.get("description"), "description", "description", max_len=MAX_TEXT)
    clash = db.session.scalar(
        sa.select(AccreditationCategory.id).where(
            AccreditationCategory.edition_id == edition.id,
            sa.func.upper(AccreditationCategory.code) == code,
            AccreditationCategory.id != (category.id if category else -1),
        )
    )
    if clash is not None:
        raise RegistrationError(
            f"Another category of this edition already has the code {code}.", field="code"
        )
    creating = category is None
    before = None if creating else _category_snapshot(category)
    db.session.flush()
    try:
        with db.session.begin_nested():
            if creating:
                category = AccreditationCategory(edition_id=edition.id)
                db.session.add(category)
            category.name = name
            category.code = code
            category.colour = colour
            category.description = description
            category.requires_nomination = bool(values.get("requires_nomination"))
            category.quota = quota
            category.position = position
            category.is_speaker_category = bool(values.get("is_speaker_category"))
            category.is_staff_category = bool(values.get("is_staff_category"))
    except IntegrityError:
        raise Conflict(f"Another category of this edition already has the code {code}.") from None
    audit.record(
        actor,
        "category.create" if creating else "category.update",
        category,
        edition=edition,
        before=before,
        after=_category_snapshot(category),
    )
    return category


def _category_snapshot(category: AccreditationCategory) -> dict:
    return {
        "name": category.name,
        "code": category.code,
        "colour": category.colour,
        "requires_nomination": category.requires_nomination,
        "quota": category.quota,
        "position": category.position,
        "is_speaker_category": category.is_speaker_category,
        "is_staff_category": category.is_staff_category,
    }


def delete_category(category: AccreditationCategory, actor) -> None:
    """Delete a category that no registration or session uses."""
    ensure_writable(actor, category_edition(category))
    usage = category_usage(category)
    if usage["registrations"] or usage["sessions"]:
        raise Conflict(
            f"The category {category.name} is in use ({usage['registrations']} registrations, "
            f"{usage['sessions']} sessions) and cannot be deleted."
        )
    audit.record(
        actor,
        "category.delete",
        category,
        edition=category.edition_id,
        **_category_snapshot(category),
    )
    db.session.delete(category)


def category_edition(category: AccreditationCategory) -> Edition:
    return db.session.get(Edition, category.edition_id)


# --- looking registrations up -------------------------------------------------------------


def registration_from_profile(edition, user, category, **values) -> Registration:
    """A new submitted registration in ``category`` with the person's profile copied in."""
    return Registration(
        edition_id=edition.id,
        user_id=user.id,
        state=S.SUBMITTED,
        requested_category_id=category.id,
        full_name=user.full_name,
        email=user.email,
        organisation=user.organisation,
        organisation_type=user.organisation_type,
        country=user.country,
        position=user.position,
        **values,
    )


def registration_for(user, edition: Edition) -> Registration | None:
    """The user's registration for ``edition`` (any state), or None. For every area to use."""
    if user is None or not getattr(user, "is_authenticated", False) or edition is None:
        return None
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.edition_id == edition.id, Registration.user_id == user.id
        )
    )


def is_accredited(user, edition: Edition) -> bool:
    registration = registration_for(user, edition)
    return registration is not None and registration.state == S.ACCREDITED


def get_registration(edition: Edition, registration_id) -> Registration:
    try:
        registration_id = int(registration_id)
    except (TypeError, ValueError):
        raise NotFound("There is no such registration.") from None
    if not 0 < registration_id <= DB_INT_MAX:
        raise NotFound("There is no such registration in this edition.")
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.edition_id != edition.id:
        raise NotFound("There is no such registration in this edition.")
    return registration


def previous_registration(user, edition: Edition) -> Registration | None:
    """The person's most recent registration in an earlier edition (for pre-filling)."""
    return db.session.scalar(
        sa.select(Registration)
        .join(Edition, Edition.id == Registration.edition_id)
        .where(Registration.user_id == user.id, Edition.year < edition.year)
        .order_by(Edition.year.desc())
        .limit(1)
    )


def prefill(user, edition: Edition) -> dict:
    """Form defaults: the profile first, completed from the latest earlier registration."""
    values = {
        "full_name": user.full_name,
        "organisation": user.organisation,
        "organisation_type": user.organisation_type,
        "country": user.country,
        "position": user.position,
    }
    earlier = previous_registration(user, edition)
    if earlier is not None:
        for key in ("organisation", "organisation_type", "country", "position"):
            if not values[key]:
                values[key] = getattr(earlier, key)
        values["nominating_authority"] = earlier.nominating_authority
        values["nominator_email"] = earlier.nominator_email
        previous_code = (earlier.category or earlier.requested_category).code
        for category in requestable_categories(edition):
            if category.code == previous_code:
                values["requested_category"] = category.id
    return values


# --- registering --------------------------------------------------------------------------


def registration_closed_reason(edition: Edition, now=None) -> str | None:
    """Why nobody can register for ``edition`` now, or None when the window is open."""
    now = now or utcnow()
    if edition.state == EditionState.ARCHIVED:
        return f"The {edition.year} edition is archived: registration is closed for good."
    if edition.state == EditionState.CLOSED:
        return f"Registration for the {edition.year} edition is closed."
    if edition.state == EditionState.DRAFT:
        return f"The {edition.year} edition is still being prepared; registration is not open."
    if edition.registration_opens_at is None or edition.registration_closes_at is None:
        return "The organisers have not announced the registration period yet."
    if now < edition.registration_opens_at:
        opens = edition.local(edition.registration_opens_at)
        return f"Registration opens on {opens:%d %B %Y at %H:%M} ({edition.timezone})."
    if now >= edition.registration_closes_at:
        closes = edition.local(edition.registration_closes_at)
        return f"Registration closed on {closes:%d %B %Y at %H:%M} ({edition.timezone})."
    return None


@dataclass
class RegistrationInput:
    """What a person enters on the registration form, checked by ``_validate``."""

    category: AccreditationCategory
    full_name: str
    organisation: str
    organisation_type: str
    country: str
    position: str
    nominating_authority: str
    nominator_email: str
    dietary_needs: str
    accessibility_needs: str
    special_data_consent: bool


def _validate(edition: Edition, data: dict, *, allowed_category_ids=None) -> RegistrationInput:
    """The checked values, or a RegistrationError naming every problem at once
    (``errors``: field name → message) so that the form shows them all together."""
    errors: dict[str, str] = {}

    def check(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RegistrationError as exc:
            errors.setdefault(exc.field or "", exc.message)
            return None

    category = check(_requested_category, edition, data, allowed_category_ids)
    org_type = (data.get("organisation_type") or "").strip()
    if org_type not in ORGANISATION_TYPE_LABELS:
        errors["organisation_type"] = "Please choose the type of your organisation."
    country = (data.get("country") or "").strip().upper()
    if not countries.is_valid(country):
        errors["country"] = "Please choose your country."
    authority = check(
        _clean, data.get("nominating_authority"), "nominating_authority", "nominating authority"
    )
    nominator = (
        check(
            _clean,
            data.get("nominator_email"),
            "nominator_email",
            "nominating contact's e-mail",
            max_len=254,
        )
        or ""
    ).lower()
    if category is not None and category.requires_nomination:
        if not authority:
            errors.setdefault(
                "nominating_authority",
                f"The category {category.name} needs a nominating authority.",
            )
        if not nominator:
            errors.setdefault(
                "nominator_email",
                "Please give the e-mail address of your contact at the nominating authority.",
            )
    if nominator and not _EMAIL.match(nominator):
        errors.setdefault(
            "nominator_email", "The nominating contact's e-mail address is not valid."
        )
    dietary = check(
        _clean, data.get("dietary_needs"), "dietary_needs", "dietary needs", max_len=1000
    )
    access = check(
        _clean,
        data.get("accessibility_needs"),
        "accessibility_needs",
        "accessibility needs",
        max_len=1000,
    )
    special_consent = bool(data.get("special_data_consent"))
    if (dietary or access) and not special_consent:
        errors["special_data_consent"] = (
            "Dietary and accessibility needs can be health-related information: we can only "
            "keep them with your explicit consent. Tick the consent box or leave both fields "
            "empty."
        )
    if not data.get("privacy_consent"):
        errors["privacy_consent"] = "Please confirm that you have read the privacy notice."
    full_name = check(_clean, data.get("full_name"), "full_name", "full name", required=True)
    organisation = check(
        _clean, data.get("organisation"), "organisation", "organisation", required=True
    )
    position = check(_clean, data.get("position"), "position", "position", required=True)
    if errors:
        field, message = next(iter(errors.items()))
        raise RegistrationError(message, field=field or None, errors=errors)
    return RegistrationInput(
        category=category,
        full_name=full_name,
        organisation=organisation,
        organisation_type=org_type,
        country=country,
        position=position,
        nominating_authority=authority,
        nominator_email=nominator,
        dietary_needs=dietary,
        accessibility_needs=access,
        special_data_consent=special_consent,
    )


def _requested_category(edition: Edition, data: dict, allowed_category_ids=None):
    try:
        category = get_category(edition, data.get("requested_category"))
    except NotFound:
        raise RegistrationError(
            "Please choose a category of this edition.", field="requested_category"
        ) from None
    allowed = allowed_category_ids or {c.id for c in requestable_categories(edition)}
    if category.id not in allowed:
        raise RegistrationError(
            "That category is given by the organisers and cannot be requested.",
            field="requested_category",
        )
    return category


def registration_problems(edition: Edition, data: dict, *, allowed_category_ids=None) -> dict:
    """Every problem with ``data`` (field name → message), for a form that also failed its own
    checks: the person sees all of them at once."""
    try:
        _validate(edition, data, allowed_category_ids=allowed_category_ids)
    except RegistrationError as exc:
        return exc.errors
    return {}


def _apply(registration: Registration, user: User, values: RegistrationInput) -> None:
    now = utcnow()
    registration.requested_category_id = values.category.id
    registration.requested_category = values.category
    registration.full_name = values.full_name
    registration.email = user.email
    registration.organisation = values.organisation
    registration.organisation_type = values.organisation_type
    registration.country = values.country
    registration.position = values.position
    registration.nominating_authority = values.nominating_authority
    registration.nominator_email = values.nominator_email
    registration.dietary_needs = values.dietary_needs
    registration.accessibility_needs = values.accessibility_needs
    if values.dietary_needs or values.accessibility_needs:
        registration.special_data_consent_at = registration.special_data_consent_at or now
    else:
        registration.special_data_consent_at = None
    registration.privacy_consent_at = now
    # The profile keeps what the person gave, for the next edition.
    user.full_name = values.full_name
    user.organisation = values.organisation
    user.organisation_type = values.organisation_type
    user.country = values.country
    user.position = values.position


def register(user: User, edition: Edition, data: dict) -> Registration:
    """Register ``user`` for ``edition``; one registration per person and edition."""
    reason = registration_closed_reason(edition)
    if reason:
        raise NotAllowed(reason, code="registration_closed")
    if registration_for(user, edition) is not None:
        raise Conflict(
            f"You have already registered for the {edition.year} edition.", code="duplicate"
        )
    if user.email_verified_at is None:
        raise NotAllowed(
            "Please confirm your e-mail address first (see the link we sent you, or ask for a "
            "new one on your account page).",
            code="unverified",
        )
    values = _validate(edition, data)
    registration = Registration(edition_id=edition.id, user_id=user.id, state=S.SUBMITTED)
    registration.edition = edition
    registration.user = user
    _apply(registration, user, values)
    registration.endorsement = (
        EndorsementState.PENDING if values.category.requires_nomination
        else EndorsementState.NOT_NEEDED
    )  # fmt: skip
    db.session.flush()
    try:
        # A savepoint: a parallel request that got there first makes only this insert fail.
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        raise Conflict(
            f"You have already registered for the {edition.year} edition.", code="duplicate"
        ) from None
    _event(registration, None, S.SUBMITTED, user, "")
    audit.record(user, "registration.submit", registration, edition=edition,
                 category=values.category.code)  # fmt: skip
    _mail_attendee(registration, "accreditation_submitted",
                   f"Registration received: {edition.acronym or edition.title}")  # fmt: skip
    if registration.endorsement == EndorsementState.PENDING:
        _mail_nominator(registration)
    registration_changed.send(
        registration,
        from_state=None,
        to_state=S.SUBMITTED,
        actor=user,
    )
    return registration


def update_registration(registration: Registration, user: User, data: dict) -> Registration:
    """The attendee edits a registration that is still waiting for a decision."""
    if registration.user_id != getattr(user, "id", None):
        raise NotAllowed("This is not your registration.")
    edition = registration.edition
    ensure_writable(user, edition)
    if registration.state != S.SUBMITTED:
        raise Conflict(
            f"Your registration is {state_label(registration.state).lower()}; it can only be "
            "changed while it is waiting for a decision."
        )
    reason = registration_closed_reason(edition)
    if reason:
        raise NotAllowed(reason, code="registration_closed")
    allowed = {c.id for c in requestable_categories(edition)} | {registration.requested_category_id}
    before_nominator = (registration.nominator_email, registration.requested_category_id)
    values = _validate(edition, data, allowed_category_ids=allowed)
    _apply(registration, user, values)
    changed_nomination = before_nominator != (values.nominator_email, values.category.id)
    if not values.category.requires_nomination:
        registration.endorsement = EndorsementState.NOT_NEEDED
        registration.endorsement_at = None
        registration.endorsement_note = ""
    elif changed_nomination or registration.endorsement == EndorsementState.NOT_NEEDED:
        registration.endorsement = EndorsementState.PENDING
        registration.endorsement_at = None
        registration.endorsement_note = ""
        _mail_nominator(registration)
    _event(registration, registration.state, registration.state, user, "Details updated.")
    audit.record(user, "registration.update", registration, edition=edition,
                 category=values.category.code)  # fmt: skip
    return registration


# --- the workflow -------------------------------------------------------------------------


def _event(registration, from_state, to_state, actor, reason) -> RegistrationEvent:
    event = RegistrationEvent(
        from_state=from_state,
        to_state=to_state,
        actor_id=getattr(actor, "id", None),
        reason=reason or "",
    )
    registration.events.append(event)
    return event


def _lock_edition(edition: Edition) -> Edition:
    return db.session.scalars(
        sa.select(Edition)
        .where(Edition.id == edition.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _lock_registration(registration: Registration) -> Registration:
    return db.session.scalars(
        sa.select(Registration)
        .where(Registration.id == registration.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _lock_category(category: AccreditationCategory) -> AccreditationCategory:
    return db.session.scalars(
        sa.select(AccreditationCategory)
        .where(AccreditationCategory.id == category.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def accredited_count(edition_id: int, category_id: int | None = None) -> int:
    stmt = sa.select(sa.func.count(Registration.id)).where(
        Registration.edition_id == edition_id, Registration.state == S.ACCREDITED
    )
    if category_id is not None:
        stmt = stmt.where(Registration.category_id == category_id)
    return db.session.scalar(stmt) or 0


def _check_limits(edition: Edition, category: AccreditationCategory) -> None:
    """Refuse an accreditation past the category's quota or the edition's capacity.

    Called with the edition and category rows locked (PostgreSQL), so that two parallel
    accreditations count one after the other.
    """
    if category.quota is not None and accredited_count(edition.id, category.id) >= category.quota:
        raise Conflict(
            f"The quota of the category {category.name} ({category.quota}) is reached.",
            code="quota_reached",
        )
    if edition.capacity is not None and accredited_count(edition.id) >= edition.capacity:
        raise Conflict(
            f"The edition's capacity ({edition.capacity} accredited attendees) is reached.",
            code="capacity_reached",
        )


def needs_decision_note(registration: Registration, category: AccreditationCategory) -> bool:
    """Accrediting without an endorsement where a nomination is required needs a reason."""
    required = registration.requested_category.requires_nomination or category.requires_nomination
    return required and registration.endorsement != EndorsementState.ENDORSED


def transition(
    registration: Registration,
    to_state: str,
    actor,
    *,
    reason: str = "",
    category: AccreditationCategory | None = None,
    notify: bool = True,
) -> Registration:
    """Move ``registration`` to ``to_state`` if the workflow and the limits allow it."""
    reason = (reason or "").strip()
    if len(reason) > MAX_TEXT:
        raise DomainError(f"The reason is too long (at most {MAX_TEXT} characters).")
    edition = registration.edition
    ensure_writable(actor, edition)
    # Lock order everywhere: edition, then category, then registration (no deadlocks).
    edition = _lock_edition(edition)
    if to_state == S.ACCREDITED:
        category = category or registration.category or registration.requested_category
        if category.edition_id != edition.id:
            raise NotFound("There is no such category in this edition.")
        category = _lock_category(category)
    registration = _lock_registration(registration)
    from_state = registration.state
    if to_state not in TRANSITIONS.get(from_state, frozenset()):
        raise Conflict(
            f"A registration that is {state_label(from_state).lower()} cannot be "
            f"{state_label(to_state).lower()}.",
            code="invalid_transition",
        )
    if to_state in REASON_REQUIRED and not reason:
        raise DomainError("Please give a reason: it is sent to the attendee.", code="reason_needed")
    now = utcnow()
    if to_state == S.ACCREDITED:
        if needs_decision_note(registration, category) and not reason:
            raise DomainError(
                "This category needs a nomination and the nominating authority has not "
                "endorsed this registration: record why you accredit it anyway.",
                code="note_needed",
            )
        _check_limits(edition, category)
        registration.category_id = category.id
        registration.category = category
    registration.state = to_state
    if to_state != S.CANCELLED:
        registration.decided_at = now
        registration.decision_reason = reason
    db.session.flush()
    _event(registration, from_state, to_state, actor, reason)
    audit.record(
        actor,
        f"registration.{to_state}",
        registration,
        edition=edition,
        from_state=from_state,
        category=registration.category.code if registration.category else None,
        reason=reason,
    )
    if notify:
        _mail_attendee(
            registration,
            f"accreditation_{to_state}",
            _SUBJECTS[to_state].format(edition=edition.acronym or edition.title),
            reason=reason,
        )
    registration_changed.send(
        registration,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
    )
    return registration


_SUBJECTS = {
    S.ACCREDITED: "You are accredited: {edition}",
    S.REJECTED: "Your registration was not accepted: {edition}",
    S.WAITLISTED: "Your registration is on the waiting list: {edition}",
    S.REVOKED: "Your accreditation was withdrawn: {edition}",
    S.CANCELLED: "Your registration is cancelled: {edition}",
}


def decide(
    registration: Registration,
    action: str,
    actor,
    *,
    reason: str = "",
    category: AccreditationCategory | None = None,
) -> Registration:
    """An organiser's decision: accredit (as ``category``), reject, waitlist or revoke."""
    to_state = DECISIONS.get(action)
    if to_state is None:
        raise DomainError("Choose accredit, reject, waitlist or revoke.", code="bad_action")
    return transition(registration, to_state, actor, reason=reason, category=category)


def cancel(registration: Registration, user) -> Registration:
    """The attendee cancels their own open registration."""
    if registration.user_id != getattr(user, "id", None):
        raise NotAllowed("This is not your registration.")
    if registration.state not in OPEN_STATES:
        raise Conflict(
            f"Your registration is already {state_label(registration.state).lower()}.",
            code="invalid_transition",
        )
    return transition(registration, S.CANCELLED, user)


@dataclass
class BulkResult:
    done: list[Registration]
    failed: list[tuple[int, str, str]]  # (registration id, name, why)


def bulk_decide(
    edition: Edition,
    registration_ids: Iterable,
    action: str,
    actor,
    *,
    reason: str = "",
    category: AccreditationCategory | None = None,
) -> BulkResult:
    """Decide several registrations; each succeeds or is reported with the reason it failed."""
    if action not in ("accredit", "reject", "waitlist"):
        raise DomainError("Bulk decisions are accredit, reject or waitlist.", code="bad_action")
    ids: list[int] = []
    for raw in registration_ids:
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise DomainError("The selection contains an invalid registration.") from None
        if not 0 < value <= DB_INT_MAX:
            raise DomainError("The selection contains an invalid registration.")
        if value not in ids:
            ids.append(value)
    if not ids:
        raise DomainError("Select at least one registration.", code="empty_selection")
    if len(ids) > 1000:
        raise DomainError("Select at most 1000 registrations at a time.")
    result = BulkResult(done=[], failed=[])
    for registration_id in sorted(ids):
        registration = db.session.get(Registration, registration_id)
        if registration is None or registration.edition_id != edition.id:
            result.failed.append((registration_id, "", "not a registration of this edition"))
            continue
        name = registration.full_name or f"#{registration.id}"
        try:
            with db.session.begin_nested():
                decide(registration, action, actor, reason=reason, category=category)
        except DomainError as exc:
            db.session.refresh(registration)
            result.failed.append((registration_id, name, exc.message))
        else:
            result.done.append(registration)
    audit.record(
        actor,
        "registration.bulk",
        ("Edition", edition.id),
        edition=edition,
        decision=action,
        category=category.code if category else None,
        done=[r.id for r in result.done],
        failed=[f[0] for f in result.failed],
    )
    return result


@dataclass
class BulkPlanRow:
    """One registration of a bulk decision as its confirmation shows it."""

    registration: Registration
    category: AccreditationCategory | None  # the category it would be accredited as
    problem: str  # why it would fail ("" when it would go through)


def bulk_plan(
    edition: Edition,
    registration_ids: Iterable[int],
    action: str,
    *,
    reason: str = "",
    category: AccreditationCategory | None = None,
) -> list[BulkPlanRow]:
    """What ``bulk_decide`` would do to each registration (nothing is changed).

    Registrations of other editions are left out; the rows say who would be decided, as which
    category, and who would be skipped and why (the workflow, a missing reason or note).
    """
    to_state = DECISIONS.get(action)
    rows: list[BulkPlanRow] = []
    taken: dict[int, int] = {}  # accreditations this plan adds, per category
    capacity_left = (
        edition.capacity - accredited_count(edition.id) if edition.capacity is not None else None
    )
    for registration_id in sorted(set(registration_ids)):
        registration = db.session.get(Registration, registration_id)
        if registration is None or registration.edition_id != edition.id:
            continue
        target = None
        if to_state == S.ACCREDITED:
            target = category or registration.category or registration.requested_category
        problem = ""
        if to_state not in TRANSITIONS.get(registration.state, frozenset()):
            problem = f"skipped: it is {state_label(registration.state).lower()}"
        elif to_state in REASON_REQUIRED and not reason.strip():
            problem = "skipped: a reason is needed"
        elif (
            target is not None and needs_decision_note(registration, target) and not reason.strip()
        ):
            problem = "skipped: not endorsed by the nominating authority and no note given"
        elif target is not None:
            used = accredited_count(edition.id, target.id) + taken.get(target.id, 0)
            if target.quota is not None and used >= target.quota:
                problem = f"skipped: the quota of {target.name} ({target.quota}) is reached"
            elif capacity_left is not None and capacity_left <= 0:
                problem = f"skipped: the edition's capacity ({edition.capacity}) is reached"
            else:
                taken[target.id] = taken.get(target.id, 0) + 1
                if capacity_left is not None:
                    capacity_left -= 1
        rows.append(BulkPlanRow(registration, target, problem))
    return rows


# --- nominations --------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=NOMINATION_SALT)


def nomination_token(registration: Registration) -> str:
    return _serializer().dumps({"r": registration.id, "e": registration.nominator_email.lower()})


def registration_for_token(token: str) -> Registration:
    """The registration a nomination link names, if the link is genuine and still current."""
    invalid = DomainError(
        "This nomination link is not valid (any more). Please ask the registrant to send "
        "a new one, or contact the organisers.",
        code="invalid_token",
    )
    if not token or len(token) > 500:
        raise invalid
    try:
        payload = _serializer().loads(token, max_age=NOMINATION_MAX_AGE)
    except SignatureExpired:
        raise DomainError(
            "This nomination link has expired. Please contact the organisers.", code="expired"
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
        raise DomainError(f"The note is too long (at most {MAX_TEXT} characters).")
    registration = _lock_registration(registration)
    if registration.endorsement in (EndorsementState.ENDORSED, EndorsementState.DECLINED):
        raise Conflict(
            "You have already answered for this registration "
            f"({ENDORSEMENT_LABELS[registration.endorsement].lower()}).",
            code="already_answered",
        )
    if registration.state not in OPEN_STATES or registration.edition.is_archived:
        raise Conflict(
            "This registration is no longer open, so no endorsement is needed.", code="closed"
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
        f"Please confirm a nomination: {edition.acronym or edition.title}",
        edition=edition,
        registration=registration,
        link=_link(
            "accreditation.nomination", year=edition.year, token=nomination_token(registration)
        ),  # fmt: skip
    )


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


# --- speakers -----------------------------------------------------------------------------


def accreditation_category_offer(
    user: User, edition: Edition, category: AccreditationCategory | None, actor
) -> Registration:
    """Offer the speaker category to ``user`` (called when their abstract is accepted).

    Creates a submitted registration in that category when the person has none, or records the
    offer on the existing one (moving an undecided one to the offered category). The
    accreditation itself still follows the workflow.
    """
    category = category or speaker_category(edition)
    if category is None:
        raise DomainError(
            f"The {edition.year} edition has no speaker category; create one first.",
            code="no_speaker_category",
        )
    if category.edition_id != edition.id:
        raise NotFound("There is no such category in this edition.")
    registration = registration_for(user, edition)
    label = edition.acronym or edition.title
    if registration is None:
        registration = registration_from_profile(
            edition, user, category, endorsement=EndorsementState.NOT_NEEDED
        )
        registration.edition = edition
        registration.user = user
        registration.requested_category = category
        db.session.flush()
        try:
            with db.session.begin_nested():
                db.session.add(registration)
        except IntegrityError:
            registration = registration_for(user, edition)
            if registration is None:
                raise
            return _record_offer(registration, category, actor, label)
        _event(registration, None, S.SUBMITTED, actor,
               f"Offered the {category.name} category (contribution accepted).")  # fmt: skip
        audit.record(actor, "registration.offer", registration, edition=edition,
                     category=category.code, created=True)  # fmt: skip
        _mail_attendee(registration, "accreditation_speaker_offer",
                       f"Your speaker registration: {label}", category=category,
                       created=True)  # fmt: skip
        registration_changed.send(
            registration,
            from_state=None,
            to_state=S.SUBMITTED,
            actor=actor,
        )
        return registration
    return _record_offer(registration, category, actor, label)


def _record_offer(registration, category, actor, label) -> Registration:
    """Note the offer on an existing registration without changing what the person asked for.

    Speaking never changes a registration's requested category or its nomination: a pending
    Member State expert stays a Member State expert with the nomination still pending. Being
    a speaker is shown next to the registration instead (``speaking_in``).
    """
    _event(registration, registration.state, registration.state, actor,
           f"Offered the {category.name} category (contribution accepted); the requested "
           f"category {registration.requested_category.name} is unchanged.")  # fmt: skip
    audit.record(actor, "registration.offer", registration, edition=registration.edition_id,
                 category=category.code, created=False, moved=False)  # fmt: skip
    _mail_attendee(registration, "accreditation_speaker_offer",
                   f"Your speaker registration: {label}", category=category,
                   created=False)  # fmt: skip
    return registration


def speaking_in(
    edition: Edition, user_ids: Iterable[int | None], viewer=None
) -> dict[int, list[str]]:
    """{user id: titles of the sessions they speak at} for the given people in ``edition``.

    Cancelled sessions do not count. For the organisers' queue, the registration detail and
    the person's own page: being a speaker is a fact shown next to the registration. A
    restricted session that ``viewer`` may not see in detail is named "a restricted session"
    (a speaker whose registration is not accredited is not cleared by speaking alone).
    """
    # The programme sits above accreditation; this read is the one way down.
    from conference.permissions import can
    from conference.programme.models import ProgrammeSession, SessionSpeaker, SessionState

    wanted = {i for i in user_ids if i is not None}
    if not wanted or edition is None:
        return {}
    rows = db.session.execute(
        sa.select(SessionSpeaker.user_id, ProgrammeSession)
        .join(ProgrammeSession, ProgrammeSession.id == SessionSpeaker.session_id)
        .where(
            ProgrammeSession.edition_id == edition.id,
            ProgrammeSession.state != SessionState.CANCELLED,
            SessionSpeaker.user_id.in_(wanted),
        )
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
    )
    out: dict[int, list[str]] = {}
    for user_id, session in rows:
        visible = viewer is None or can(viewer, "session.view_details", session, edition=edition)
        out.setdefault(user_id, []).append(session.title if visible else "a restricted session")
    return out


# --- the organisers' queue ----------------------------------------------------------------


@dataclass
class QueueFilters:
    state: str = ""
    category: int | None = None
    country: str = ""
    organisation_type: str = ""
    search: str = ""
    sort: str = "newest"

    @classmethod
    def from_args(cls, args) -> QueueFilters:
        """The filters of a query string; an unusable argument is a ``BadArgument`` (400)."""
        country = arg_str("country", max_len=2, args=args).upper()
        if country and not countries.is_valid(country):
            raise BadArgument("The country argument must be a two-letter country code.")
        return cls(
            state=arg_choice("state", STATE_LABELS, args=args),
            category=arg_id("category", args=args),
            country=country,
            organisation_type=arg_choice("organisation_type", ORGANISATION_TYPE_LABELS, args=args),
            search=arg_str("q", max_len=200, args=args),
            sort=arg_choice("sort", ["newest", "oldest"], "newest", args=args),
        )

    def as_args(self) -> dict:
        return {
            k: v
            for k, v in {
                "state": self.state,
                "category": self.category,
                "country": self.country,
                "organisation_type": self.organisation_type,
                "q": self.search,
                "sort": self.sort if self.sort != "newest" else "",
            }.items()
            if v
        }


def queue_query(edition: Edition, filters: QueueFilters):
    stmt = sa.select(Registration).where(Registration.edition_id == edition.id)
    if filters.state:
        stmt = stmt.where(Registration.state == filters.state)
    if filters.category:
        stmt = stmt.where(
            sa.or_(
                Registration.category_id == filters.category,
                sa.and_(
                    Registration.category_id.is_(None),
                    Registration.requested_category_id == filters.category,
                ),
            )
        )
    if filters.country:
        stmt = stmt.where(Registration.country == filters.country)
    if filters.organisation_type:
        stmt = stmt.where(Registration.organisation_type == filters.organisation_type)
    if filters.search:
        escaped = (
            filters.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        )
        pattern = f"%{escaped}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Registration.full_name).like(pattern, escape="\\"),
                sa.func.lower(Registration.email).like(pattern, escape="\\"),
                sa.func.lower(Registration.organisation).like(pattern, escape="\\"),
            )
        )
    order = Registration.created_at.asc() if filters.sort == "oldest" else (
        Registration.created_at.desc())  # fmt: skip
    return stmt.order_by(order, Registration.id)


def matching_ids(edition: Edition, filters: QueueFilters) -> list[int]:
    """The ids of every registration the queue's filters match, in the queue's order
    ("apply to all matching", previous/next on the registration page)."""
    return list(
        db.session.scalars(queue_query(edition, filters).with_only_columns(Registration.id))
    )


def queue_neighbours(
    edition: Edition, filters: QueueFilters, registration_id: int
) -> tuple[int | None, int | None, int | None, int]:
    """(previous id, next id, 1-based position, total) of a registration in the filtered
    queue; the position is None when the filters no longer match it."""
    ids = matching_ids(edition, filters)
    try:
        index = ids.index(registration_id)
    except ValueError:
        return None, None, None, len(ids)
    previous = ids[index - 1] if index > 0 else None
    following = ids[index + 1] if index + 1 < len(ids) else None
    return previous, following, index + 1, len(ids)


def queue_counts(edition: Edition) -> dict:
    """Counts per state and per category (granted, or requested while undecided)."""
    per_state = dict.fromkeys(STATE_LABELS, 0)
    for state, count in db.session.execute(
        sa.select(Registration.state, sa.func.count())
        .where(Registration.edition_id == edition.id)
        .group_by(Registration.state)
    ):
        per_state[state] = count
    effective = sa.func.coalesce(Registration.category_id, Registration.requested_category_id)
    rows = db.session.execute(
        sa.select(effective, Registration.state, sa.func.count())
        .where(Registration.edition_id == edition.id)
        .group_by(effective, Registration.state)
    )
    per_category: dict[int, dict[str, int]] = {}
    for category_id, state, count in rows:
        per_category.setdefault(category_id, {})[state] = count
    return {
        "states": per_state,
        "total": sum(per_state.values()),
        "categories": [
            {
                "category": category,
                "accredited": per_category.get(category.id, {}).get(S.ACCREDITED, 0),
                "open": sum(per_category.get(category.id, {}).get(s, 0) for s in UNDECIDED_STATES),
                "total": sum(per_category.get(category.id, {}).values()),
            }
            for category in categories(edition)
        ],
        "accredited": per_state[S.ACCREDITED],
        "capacity": edition.capacity,
    }


CSV_HEADER = [
    "id", "state", "submitted at (UTC)", "decided at (UTC)", "full name", "e-mail",
    "organisation", "organisation type", "country", "position", "requested category",
    "accredited category", "nominating authority", "nominating contact", "endorsement",
    "dietary needs", "accessibility needs", "decision reason",
]  # fmt: skip


def csv_rows(edition: Edition, filters: QueueFilters):
    for r in db.session.scalars(queue_query(edition, filters)):
        yield [
            r.id,
            r.state,
            r.created_at.strftime("%Y-%m-%d %H:%M"),
            r.decided_at.strftime("%Y-%m-%d %H:%M") if r.decided_at else "",
            r.full_name,
            attendee_email(r),
            r.organisation,
            ORGANISATION_TYPE_LABELS.get(r.organisation_type, r.organisation_type),
            countries.name(r.country),
            r.position,
            r.requested_category.code,
            r.category.code if r.category else "",
            r.nominating_authority,
            r.nominator_email,
            r.endorsement,
            r.dietary_needs,
            r.accessibility_needs,
            r.decision_reason,
        ]


def next_steps(registration: Registration) -> str:
    """What happens next, in the attendee's words."""
    state = registration.state
    if state == S.SUBMITTED:
        text = "The organisers will review your registration and let you know by e-mail."
        if registration.endorsement == EndorsementState.PENDING:
            text += (
                " We have asked your nominating authority to confirm your nomination; "
                "the organisers see their answer."
            )
        return text
    if state == S.WAITLISTED:
        return (
            "You are on the waiting list. If a place becomes free, the organisers may still "
            "accredit you; you will be told by e-mail."
        )
    if state == S.ACCREDITED:
        return (
            "You are accredited. Bring your badge (shown on this page once issued) and an "
            "identity document to the venue."
        )
    if state == S.REJECTED:
        return "Your registration was not accepted. Contact the organisers if you have questions."
    if state == S.REVOKED:
        return "Your accreditation was withdrawn. Contact the organisers if you have questions."
    return "Your registration is cancelled. Contact the organisers if you wish to attend after all."
