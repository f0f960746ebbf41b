"""Invitations to register (``RegistrationInvitation``): the organisers invite people by address,
in a pre-set category, with a signed link sent through the outbox; the link registers once.

The link's token is ``itsdangerous``-signed ``{"i": invitation id, "e": address}`` (salt
``registration-invitation``); the expiry, revocation and single use are checked against the
database row, so a revoked or used link is refused even though its signature is still good.
An invitation either counts against the category's quota only when used, or reserves a place
from the moment it is sent (``reserves_place``; see ``holds``). Every action is audited.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from conference import audit, mail
from conference.accounts.models import User
from conference.accreditation.models import (
    AccreditationCategory,
    EndorsementState,
    Registration,
    RegistrationInvitation,
)
from conference.accreditation.models import RegistrationState as S
from conference.accreditation.services.common import (
    MAX_TEXT,
    RegistrationError,
    _event,
    _link,
    _mail_attendee,
)
from conference.accreditation.services.invitation_lists import Recipient
from conference.accreditation.services.registering import _apply, _validate, registration_for
from conference.accreditation.services.waitlist import fill_places, free_places
from conference.accreditation.services.workflow import _lock_category, _lock_edition, transition
from conference.db import utcnow
from conference.editions.models import Edition, EditionState
from conference.editions.services import ensure_writable
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.query_args import DB_INT_MAX
from conference.signals import registration_changed

INVITATION_SALT = "registration-invitation"
MAX_VALIDITY_DAYS = 366

INVITATION_STATES = {
    "sent": _l("Sent"),
    "opened": _l("Opened"),
    "used": _l("Used"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
}


def invitation_state(invitation: RegistrationInvitation, now=None) -> str:
    """sent, opened, used, expired or revoked."""
    now = now or utcnow()
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.used_at is not None:
        return "used"
    if invitation.expires_at <= now:
        return "expired"
    if invitation.opened_at is not None:
        return "opened"
    return "sent"


# --- the signed link ----------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def invitation_token(invitation: RegistrationInvitation) -> str:
    return _serializer().dumps({"i": invitation.id, "e": invitation.email})


def invitation_for_token(edition: Edition, token: str, *, now=None) -> RegistrationInvitation:
    """The invitation a link names, if it is genuine, of this edition and still usable."""
    invalid = NotFound(
        _("This invitation link is not valid. Please check that you copied all of it."),
        code="invalid_invitation",
    )
    if not token or len(token) > 500:
        raise invalid
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        raise invalid from None
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int):
        raise invalid
    if not 0 < payload["i"] <= DB_INT_MAX:
        raise invalid
    invitation = db.session.get(RegistrationInvitation, payload["i"])
    if (
        invitation is None
        or invitation.edition_id != edition.id
        or invitation.email != payload.get("e")
    ):
        raise invalid
    state = invitation_state(invitation, now)
    if state == "revoked":
        raise DomainError(
            _("This invitation has been withdrawn. Please contact the organisers."),
            code="invitation_revoked",
            status_code=410,
        )
    if state == "used":
        raise DomainError(
            _(
                "This invitation has already been used to register. Your registration is on "
                "your conference page."
            ),
            code="invitation_used",
            status_code=410,
        )
    if state == "expired":
        raise DomainError(
            _(
                "This invitation has expired. Please ask the organisers for a new one if you "
                "still wish to attend."
            ),
            code="invitation_expired",
            status_code=410,
        )
    return invitation


def mark_opened(invitation: RegistrationInvitation, now=None) -> None:
    """The first visit of the link is recorded (the list shows "opened")."""
    if invitation.opened_at is None:
        invitation.opened_at = now or utcnow()


# --- creating -----------------------------------------------------------------------------


def default_expiry_date(edition: Edition, now=None) -> dt.date:
    """The form's suggestion: the day registration closes, else two weeks from today."""
    now = now or utcnow()
    closes = edition.registration_closes_at
    if closes is not None and now < closes <= now + dt.timedelta(days=MAX_VALIDITY_DAYS):
        return edition.local(closes).date()
    return edition.local(now + dt.timedelta(days=14)).date()


def expiry_from_date(edition: Edition, day: dt.date | None, now=None) -> dt.datetime:
    """The end of ``day`` in the edition's zone, as UTC; it must lie ahead (within a year)."""
    now = now or utcnow()
    if day is None:
        raise RegistrationError(
            _("Please give the date the invitation expires."), field="expires_on"
        )
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=edition.tz).astimezone(dt.UTC)
    if end <= now:
        raise RegistrationError(_("The expiry date must be in the future."), field="expires_on")
    if end > now + dt.timedelta(days=MAX_VALIDITY_DAYS):
        raise RegistrationError(
            _("An invitation can be valid for at most a year."), field="expires_on"
        )
    return end


def create_invitations(
    edition: Edition,
    actor,
    recipients: list[Recipient],
    category: AccreditationCategory,
    *,
    expires_at: dt.datetime,
    note: str = "",
    accredit_at_once: bool = False,
    reserves_place: bool = False,
) -> list[RegistrationInvitation]:
    """Invite each recipient; refused as a whole when one of them cannot be invited."""
    ensure_writable(actor, edition)
    if category.edition_id != edition.id:
        raise NotFound(_("There is no such category in this edition."))
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise RegistrationError(
            _("The note is too long (at most %(max)d characters).", max=MAX_TEXT), field="note"
        )
    edition = _lock_edition(edition)
    category = _lock_category(category)
    emails = [r.email for r in recipients]
    already = set(
        db.session.scalars(
            sa.select(RegistrationInvitation.email).where(
                RegistrationInvitation.edition_id == edition.id,
                RegistrationInvitation.revoked_at.is_(None),
                RegistrationInvitation.email.in_(emails),
            )
        )
    )
    registered = set(
        db.session.scalars(
            sa.select(sa.func.lower(User.email))
            .join(Registration, Registration.user_id == User.id)
            .where(Registration.edition_id == edition.id, sa.func.lower(User.email).in_(emails))
        )
    )
    if already or registered:
        parts = []
        if already:
            parts.append(_("already invited: %(addresses)s", addresses=", ".join(sorted(already))))
        if registered:
            parts.append(
                _("already registered: %(addresses)s", addresses=", ".join(sorted(registered)))
            )
        raise Conflict(
            _(
                "Nobody was invited: %(problems)s. Revoke an earlier invitation first to "
                "invite the address again.",
                problems="; ".join(parts),
            ),
            code="already_invited",
        )
    if reserves_place:
        free = free_places(edition, category)
        if free is not None and free < len(recipients):
            raise Conflict(
                _(
                    "Only %(free)d places of %(name)s are free: the invitations cannot reserve "
                    "%(num)d. Invite fewer people, or let the invitations count only when used.",
                    free=max(free, 0),
                    name=category.name,
                    num=len(recipients),
                ),
                code="quota_reached",
            )
    invitations = []
    for recipient in recipients:
        invitation = RegistrationInvitation(
            edition_id=edition.id,
            email=recipient.email,
            full_name=recipient.full_name,
            category_id=category.id,
            note=note,
            expires_at=expires_at,
            accredit_at_once=accredit_at_once,
            reserves_place=reserves_place,
            created_by_id=getattr(actor, "id", None),
        )
        invitation.category = category
        db.session.add(invitation)
        invitations.append(invitation)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _("Someone invited one of these addresses at the same moment; please try again."),
            code="already_invited",
        ) from None
    for invitation in invitations:
        audit.record(actor, "invitation.create", invitation, edition=edition,
                     email=invitation.email, category=category.code,
                     expires_at=expires_at.isoformat(), accredit_at_once=accredit_at_once,
                     reserves_place=reserves_place)  # fmt: skip
        _send(invitation, edition)
    return invitations


def _send(invitation: RegistrationInvitation, edition: Edition) -> None:
    mail.queue(
        invitation.email,
        "accreditation_invitation",
        _l("Invitation to register: %(edition)s", edition=edition.acronym or edition.title),
        edition=edition,
        invitation=invitation,
        category=invitation.category,
        link=_link(
            "accreditation.invitation", year=edition.year, token=invitation_token(invitation)
        ),  # fmt: skip
    )
    invitation.sent_at = utcnow()
    invitation.send_count = (invitation.send_count or 0) + 1


# --- the organisers' list -----------------------------------------------------------------


def get_invitation(edition: Edition, invitation_id) -> RegistrationInvitation:
    try:
        invitation_id = int(invitation_id)
    except (TypeError, ValueError):
        raise NotFound(_("There is no such invitation in this edition.")) from None
    invitation = (
        db.session.get(RegistrationInvitation, invitation_id)
        if 0 < invitation_id <= DB_INT_MAX
        else None
    )
    if invitation is None or invitation.edition_id != edition.id:
        raise NotFound(_("There is no such invitation in this edition."))
    return invitation


def invitations(edition: Edition, state: str | None = None) -> list[RegistrationInvitation]:
    """The edition's invitations, newest first; ``state`` filters by the derived state."""
    rows = list(
        db.session.scalars(
            sa.select(RegistrationInvitation)
            .where(RegistrationInvitation.edition_id == edition.id)
            .order_by(RegistrationInvitation.created_at.desc(), RegistrationInvitation.id.desc())
        )
    )
    if state in INVITATION_STATES:
        now = utcnow()
        rows = [r for r in rows if invitation_state(r, now) == state]
    return rows


def state_counts(edition: Edition) -> dict[str, int]:
    now = utcnow()
    counts = dict.fromkeys(INVITATION_STATES, 0)
    for invitation in invitations(edition):
        counts[invitation_state(invitation, now)] += 1
    return counts


def resend(invitation: RegistrationInvitation, actor) -> RegistrationInvitation:
    """Send the same link again (the invitation must still be open)."""
    edition = db.session.get(Edition, invitation.edition_id)
    ensure_writable(actor, edition)
    state = invitation_state(invitation)
    if state not in ("sent", "opened"):
        raise Conflict(
            _(
                "This invitation is %(state)s and cannot be sent again.",
                state=str(INVITATION_STATES[state]).lower(),
            ),
            code="invitation_closed",
        )
    _send(invitation, edition)
    audit.record(actor, "invitation.resend", invitation, edition=edition,
                 email=invitation.email, count=invitation.send_count)  # fmt: skip
    return invitation


def revoke(invitation: RegistrationInvitation, actor) -> RegistrationInvitation:
    """Withdraw an invitation not yet used: its link is refused and a reserved place frees."""
    edition = db.session.get(Edition, invitation.edition_id)
    ensure_writable(actor, edition)
    edition = _lock_edition(edition)
    invitation = _lock_invitation(invitation)
    state = invitation_state(invitation)
    if state in ("used", "revoked"):
        raise Conflict(
            _(
                "This invitation is %(state)s and cannot be revoked.",
                state=str(INVITATION_STATES[state]).lower(),
            ),
            code="invitation_closed",
        )
    invitation.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor, "invitation.revoke", invitation, edition=edition, email=invitation.email,
                 previous_state=state)  # fmt: skip
    if invitation.reserves_place and state != "expired":
        fill_places(edition, invitation.category, places=1)
    return invitation


def invitation_of(registration: Registration) -> RegistrationInvitation | None:
    """The invitation ``registration`` was made with, if any."""
    return db.session.scalar(
        sa.select(RegistrationInvitation).where(
            RegistrationInvitation.registration_id == registration.id
        )
    )


def reserving_invitation(registration: Registration) -> RegistrationInvitation | None:
    """The reserving invitation ``registration`` was made with (its place is held while the
    registration waits for the organisers' decision), if any."""
    return db.session.scalar(
        sa.select(RegistrationInvitation).where(
            RegistrationInvitation.registration_id == registration.id,
            RegistrationInvitation.reserves_place.is_(True),
            RegistrationInvitation.revoked_at.is_(None),
        )
    )


def _lock_invitation(invitation: RegistrationInvitation) -> RegistrationInvitation:
    return db.session.scalars(
        sa.select(RegistrationInvitation)
        .where(RegistrationInvitation.id == invitation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


# --- the invitee registers ----------------------------------------------------------------


def invitation_problem(invitation: RegistrationInvitation, user) -> str | None:
    """Why ``user`` cannot register with this invitation now (None: they can)."""
    edition = db.session.get(Edition, invitation.edition_id)
    if edition.state != EditionState.OPEN:
        return _("Registration for the %(year)s edition is not open.", year=edition.year)
    if (user.email or "").lower() != invitation.email:
        return _(
            "This invitation was sent to %(address)s. Please sign in with the account of that "
            "address (or create one with it).",
            address=invitation.email,
        )
    if registration_for(user, edition) is not None:
        return _("You have already registered for the %(year)s edition.", year=edition.year)
    return None


def register_invited(user, invitation: RegistrationInvitation, data: dict) -> Registration:
    """Register ``user`` through ``invitation``: the category is the invitation's, the link is
    used once; accredited at once or left to the organisers, as the invitation says."""
    edition = db.session.get(Edition, invitation.edition_id)
    problem = invitation_problem(invitation, user)
    if problem:
        raise NotAllowed(problem, code="invitation_refused")
    category = invitation.category
    data = {**data, "requested_category": category.id}
    values = _validate(edition, data, allowed_category_ids={category.id}, nomination_needed=False)
    edition = _lock_edition(edition)
    invitation = _lock_invitation(invitation)
    if invitation_state(invitation) not in ("sent", "opened"):
        raise Conflict(_("This invitation can no longer be used."), code="invitation_used")
    now = utcnow()
    if user.email_verified_at is None:
        # The link reached this address: that confirms it.
        user.email_verified_at = now
    registration = Registration(edition_id=edition.id, user_id=user.id, state=S.SUBMITTED)
    registration.edition = edition
    registration.user = user
    _apply(registration, user, values)
    if category.requires_nomination:
        # The organisers' invitation stands in for the nominating authority's endorsement.
        registration.endorsement = EndorsementState.ENDORSED
        registration.endorsement_at = now
        registration.endorsement_note = _("Invited by the organisers.")
    else:
        registration.endorsement = EndorsementState.NOT_NEEDED
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        raise Conflict(
            _("You have already registered for the %(year)s edition.", year=edition.year),
            code="duplicate",
        ) from None
    invitation.used_at = now
    invitation.registration_id = registration.id
    invitation.registration = registration
    mark_opened(invitation, now)
    db.session.flush()
    _event(registration, None, S.SUBMITTED, user, _("Registered through an invitation."))
    audit.record(user, "registration.submit", registration, edition=edition,
                 category=category.code)  # fmt: skip
    audit.record(user, "invitation.use", invitation, edition=edition, email=invitation.email,
                 registration=registration.id)  # fmt: skip
    registration_changed.send(registration, from_state=None, to_state=S.SUBMITTED, actor=user)
    if not invitation.accredit_at_once:
        _mail_attendee(registration, "accreditation_submitted",
                       _l("Registration received: %(edition)s",
                          edition=edition.acronym or edition.title))  # fmt: skip
        return registration
    try:
        with db.session.begin_nested():
            transition(registration, S.ACCREDITED, None, category=category,
                       reason=_("Accredited on the organisers' invitation."))  # fmt: skip
    except Conflict:
        # The category (or the edition) is full: the person waits for the next free place.
        transition(registration, S.WAITLISTED, None,
                   reason=_("The category is full: you are on the waiting list."))  # fmt: skip
    return registration


# --- personal data ------------------------------------------------------------------------


def invitations_for_address(email: str) -> list[RegistrationInvitation]:
    """The invitations sent to ``email`` (for the person's data download)."""
    return list(
        db.session.scalars(
            sa.select(RegistrationInvitation)
            .where(RegistrationInvitation.email == (email or "").lower())
            .order_by(RegistrationInvitation.id)
        )
    )


def erase_invitations(*, email: str | None = None, edition_id: int | None = None, now=None) -> int:
    """Wipe the address, name and note of the invitations sent to ``email`` (an account being
    deleted) or of an edition (the retention purge); an invitation still open is revoked."""
    now = now or utcnow()
    stmt = sa.select(RegistrationInvitation).where(
        RegistrationInvitation.email.not_like("erased-%@invalid")
    )
    if email is not None:
        stmt = stmt.where(RegistrationInvitation.email == email.lower())
    if edition_id is not None:
        stmt = stmt.where(RegistrationInvitation.edition_id == edition_id)
    count = 0
    for invitation in db.session.scalars(stmt):
        invitation.email = f"erased-{invitation.id}@invalid"
        invitation.full_name = ""
        invitation.note = ""
        if invitation.used_at is None and invitation.revoked_at is None:
            invitation.revoked_at = now
        count += 1
    return count
