"""Speakers: the speaker category offered on acceptance, and who speaks where."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from conference import audit
from conference.accounts.models import User
from conference.accreditation.models import AccreditationCategory, EndorsementState, Registration
from conference.accreditation.models import RegistrationState as S
from conference.accreditation.services.category_rules import speaker_category
from conference.accreditation.services.common import _event, _mail_attendee
from conference.accreditation.services.registering import (
    registration_for,
    registration_from_profile,
)
from conference.editions.models import Edition
from conference.errors import DomainError, NotFound
from conference.extensions import db
from conference.signals import registration_changed, speaker_sessions_requested


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
            _(
                "The %(year)s edition has no speaker category; create one first.",
                year=edition.year,
            ),
            code="no_speaker_category",
        )
    if category.edition_id != edition.id:
        raise NotFound(_("There is no such category in this edition."))
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
                       _l("Your speaker registration: %(edition)s", edition=label),
                       category=category, created=True)  # fmt: skip
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
                   _l("Your speaker registration: %(edition)s", edition=label),
                   category=category, created=False)  # fmt: skip
    return registration


def speaking_in(
    edition: Edition, user_ids: Iterable[int | None], viewer=None
) -> dict[int, list[str]]:
    """{user id: titles of the sessions they speak at} for the given people in ``edition``.

    Cancelled sessions do not count. For the organisers' queue, the registration detail and
    the person's own page: being a speaker is a fact shown next to the registration. A
    restricted session that ``viewer`` may not see in detail is named "a restricted session"
    (a speaker whose registration is not accredited is not cleared by speaking alone). The
    programme answers ``speaker_sessions_requested`` with the titles.
    """
    wanted = {i for i in user_ids if i is not None}
    if not wanted or edition is None:
        return {}
    out: dict[int, list[str]] = {}
    for _handler, found in speaker_sessions_requested.send(edition, user_ids=wanted, viewer=viewer):
        for user_id, titles in found.items():
            out.setdefault(user_id, []).extend(titles)
    return out
