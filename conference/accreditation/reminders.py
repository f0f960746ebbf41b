"""The accreditation area's reminders, registered in ``editions.reminders`` on import:

- ``registration_unfinished``: people who created an account while registration is open but
  have not finished: their address is not confirmed, or they have not registered. Once per
  person and edition, N days after they signed up, while registration is still open.
- ``attendee_week_before``: accredited attendees, N days (a week) before the conference, with
  the links to their badge and their calendar. Once per registration.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from conference import mail
from conference.accounts.models import RoleAssignment, User
from conference.accounts.services import email_token
from conference.accreditation.models import Registration, RegistrationState
from conference.editions.reminders import Reminder, ReminderKind, register
from conference.extensions import db
from conference.urls import external_url


def unfinished_registrants(edition, signed_up_before: dt.datetime) -> list[User]:
    """Accounts created since the edition's registration opened (and before
    ``signed_up_before``) with no registration in it, and no role in it (the committee and
    staff are not registrants)."""
    if edition.registration_opens_at is None:
        return []
    registered = sa.select(Registration.user_id).where(
        Registration.edition_id == edition.id, Registration.user_id.is_not(None)
    )
    with_role = sa.select(RoleAssignment.user_id).where(RoleAssignment.edition_id == edition.id)
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.deleted_at.is_(None),
                User.is_admin.is_(False),
                User.created_at >= edition.registration_opens_at,
                User.created_at <= signed_up_before,
                User.id.not_in(registered),
                User.id.not_in(with_role),
            )
            .order_by(User.id)
        )
    )


def _unfinished_due(edition, now: dt.datetime, days: int | None):
    opens, closes = edition.registration_opens_at, edition.registration_closes_at
    if opens is None or now < opens or (closes is not None and now >= closes):
        return
    register_link = external_url("accreditation.register", year=edition.year)
    for user in unfinished_registrants(edition, now - dt.timedelta(days=days or 0)):

        def send(user=user):
            verify_link = None
            if user.email_verified_at is None:
                verify_link = external_url(
                    "accounts.verify_email",
                    token=email_token(user),
                    next=f"/{edition.year}/register",
                )
            mail.queue(
                user.email,
                "accreditation_unfinished_reminder",
                _l("Finish your registration for %(edition)s", edition=edition.title),
                edition=edition,
                user=user,
                verify_link=verify_link,
                register_link=register_link,
                closes=closes,
            )

        yield Reminder(f"user:{user.id}", user.email, send)


def _conference_starts(edition) -> dt.datetime:
    """Midnight of the first day, in the edition's time zone."""
    return dt.datetime.combine(edition.start_date, dt.time(0), edition.tz)


def _attendee_due(edition, now: dt.datetime, days: int | None):
    starts = _conference_starts(edition)
    if now >= starts or now < starts - dt.timedelta(days=days or 0):
        return
    registrations = db.session.scalars(
        sa.select(Registration)
        .join(User, User.id == Registration.user_id)
        .where(
            Registration.edition_id == edition.id,
            Registration.state == RegistrationState.ACCREDITED,
            User.deleted_at.is_(None),
        )
        .order_by(Registration.id)
    )
    links = {
        "badge_link": external_url("badges.my_badge_screen", year=edition.year),
        "calendar_link": external_url("calendar.me"),
        "programme_link": external_url("programme.programme", year=edition.year),
    }
    for registration in registrations:
        user = registration.user

        def send(registration=registration, user=user):
            mail.queue(
                user.email,
                "accreditation_week_before",
                _l("%(edition)s: see you soon", edition=edition.title),
                edition=edition,
                user=user,
                registration=registration,
                **links,
            )

        yield Reminder(str(registration.id), user.email, send)


register(
    ReminderKind(
        key="registration_unfinished",
        label=_l("Remind people who signed up but have not finished registering"),
        help=_l("Sent once, while registration is open, to accounts without a registration."),
        days_label=_l("Days after signing up"),
        default_days=2,
        due=_unfinished_due,
        position=10,
    )
)

register(
    ReminderKind(
        key="attendee_week_before",
        label=_l("Tell accredited attendees before the conference, with their badge and calendar"),
        help=_l("Sent once to each accredited attendee."),
        days_label=_l("Days before the conference"),
        default_days=7,
        due=_attendee_due,
        position=20,
    )
)
