"""Finding a person's registration, and registering or editing it through the form."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from conference import audit, countries
from conference.accounts.models import User
from conference.accreditation.models import AccreditationCategory, EndorsementState, Registration
from conference.accreditation.models import RegistrationState as S
from conference.accreditation.services.category_rules import get_category, requestable_categories
from conference.accreditation.services.common import (
    ORGANISATION_TYPE_LABELS,
    RegistrationError,
    _clean,
    _event,
    _mail_attendee,
    state_label,
)
from conference.accreditation.services.nominations import _mail_nominator
from conference.db import utcnow
from conference.editions.models import Edition, EditionState
from conference.editions.services import ensure_writable
from conference.errors import Conflict, NotAllowed, NotFound
from conference.extensions import db
from conference.query_args import DB_INT_MAX
from conference.signals import registration_changed

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

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
        raise NotFound(_("There is no such registration.")) from None
    if not 0 < registration_id <= DB_INT_MAX:
        raise NotFound(_("There is no such registration in this edition."))
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.edition_id != edition.id:
        raise NotFound(_("There is no such registration in this edition."))
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
        return _(
            "The %(year)s edition is archived: registration is closed for good.", year=edition.year
        )
    if edition.state == EditionState.CLOSED:
        return _("Registration for the %(year)s edition is closed.", year=edition.year)
    if edition.state == EditionState.DRAFT:
        return _(
            "The %(year)s edition is still being prepared; registration is not open.",
            year=edition.year,
        )
    if edition.registration_opens_at is None or edition.registration_closes_at is None:
        return _("The organisers have not announced the registration period yet.")
    if now < edition.registration_opens_at:
        opens = edition.local(edition.registration_opens_at)
        return _(
            "Registration opens on %(date)s at %(time)s (%(zone)s).",
            date=_long_date(opens),
            time=f"{opens:%H:%M}",
            zone=edition.timezone,
        )
    if now >= edition.registration_closes_at:
        closes = edition.local(edition.registration_closes_at)
        return _(
            "Registration closed on %(date)s at %(time)s (%(zone)s).",
            date=_long_date(closes),
            time=f"{closes:%H:%M}",
            zone=edition.timezone,
        )
    return None


def _long_date(moment) -> str:
    """ "05 March 2025" in the current language (the local date as given, no zone change)."""
    return format_date(moment.date(), "dd MMMM yyyy", locale=get_locale() or "en")


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


def _validate(
    edition: Edition, data: dict, *, allowed_category_ids=None, nomination_needed: bool = True
) -> RegistrationInput:
    """The checked values, or a RegistrationError naming every problem at once
    (``errors``: field name → message) so that the form shows them all together.
    ``nomination_needed=False``: an organiser's invitation stands in for the nomination."""
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
        errors["organisation_type"] = _("Please choose the type of your organisation.")
    country = (data.get("country") or "").strip().upper()
    if not countries.is_valid(country):
        errors["country"] = _("Please choose your country.")
    authority = check(
        _clean, data.get("nominating_authority"), "nominating_authority", _l("nominating authority")
    )
    nominator = (
        check(
            _clean,
            data.get("nominator_email"),
            "nominator_email",
            _l("nominating contact's e-mail"),
            max_len=254,
        )
        or ""
    ).lower()
    if category is not None and category.requires_nomination and nomination_needed:
        if not authority:
            errors.setdefault(
                "nominating_authority",
                _("The category %(name)s needs a nominating authority.", name=category.name),
            )
        if not nominator:
            errors.setdefault(
                "nominator_email",
                _("Please give the e-mail address of your contact at the nominating authority."),
            )
    if nominator and not _EMAIL.match(nominator):
        errors.setdefault(
            "nominator_email", _("The nominating contact's e-mail address is not valid.")
        )
    dietary = check(
        _clean, data.get("dietary_needs"), "dietary_needs", _l("dietary needs"), max_len=1000
    )
    access = check(
        _clean,
        data.get("accessibility_needs"),
        "accessibility_needs",
        _l("accessibility needs"),
        max_len=1000,
    )
    special_consent = bool(data.get("special_data_consent"))
    if (dietary or access) and not special_consent:
        errors["special_data_consent"] = _(
            "Dietary and accessibility needs can be health-related information: we can only "
            "keep them with your explicit consent. Tick the consent box or leave both fields "
            "empty."
        )
    if not data.get("privacy_consent"):
        errors["privacy_consent"] = _("Please confirm that you have read the privacy notice.")
    full_name = check(_clean, data.get("full_name"), "full_name", _l("full name"), required=True)
    organisation = check(
        _clean, data.get("organisation"), "organisation", _l("organisation"), required=True
    )
    position = check(_clean, data.get("position"), "position", _l("position"), required=True)
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
            _("Please choose a category of this edition."), field="requested_category"
        ) from None
    allowed = allowed_category_ids or {c.id for c in requestable_categories(edition)}
    if category.id not in allowed:
        raise RegistrationError(
            _("That category is given by the organisers and cannot be requested."),
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
            _("You have already registered for the %(year)s edition.", year=edition.year),
            code="duplicate",
        )
    if user.email_verified_at is None:
        raise NotAllowed(
            _(
                "Please confirm your e-mail address first (see the link we sent you, or ask "
                "for a new one on your account page)."
            ),
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
            _("You have already registered for the %(year)s edition.", year=edition.year),
            code="duplicate",
        ) from None
    _event(registration, None, S.SUBMITTED, user, "")
    audit.record(user, "registration.submit", registration, edition=edition,
                 category=values.category.code)  # fmt: skip
    _mail_attendee(registration, "accreditation_submitted",
                   _l("Registration received: %(edition)s",
                      edition=edition.acronym or edition.title))  # fmt: skip
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
        raise NotAllowed(_("This is not your registration."))
    edition = registration.edition
    ensure_writable(user, edition)
    if registration.state != S.SUBMITTED:
        raise Conflict(
            _(
                "Your registration is %(state)s; it can only be changed while it is waiting "
                "for a decision.",
                state=state_label(registration.state).lower(),
            )
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
