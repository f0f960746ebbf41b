"""What the edition's page tells a visitor: the key dates in order (registration, the call
for abstracts, the conference itself), each as past, open or coming, and what can be done now.

The page's links themselves come from ``navigation.EDITION_LINKS`` (each with its permission);
this module only reads the edition's dates, so the same answer holds for every visitor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel.dates import format_datetime
from flask_babel import get_locale
from flask_babel import gettext as _

from conference.db import utcnow
from conference.editions.models import Edition, EditionState


@dataclass(frozen=True)
class KeyDate:
    label: str
    starts: dt.datetime | dt.date | None
    ends: dt.datetime | dt.date | None
    status: str  # "past", "open" or "coming"


def _status(opens, closes, now) -> str:
    if closes is not None and now >= closes:
        return "past"
    if opens is not None and now < opens:
        return "coming"
    return "open"


def key_dates(edition: Edition, now: dt.datetime | None = None) -> list[KeyDate]:
    """The registration window, the call for abstracts and the conference days, in order."""
    now = now or utcnow()
    dates = []
    if edition.registration_opens_at and edition.registration_closes_at:
        dates.append(
            KeyDate(
                _("Registration"),
                edition.registration_opens_at,
                edition.registration_closes_at,
                _status(edition.registration_opens_at, edition.registration_closes_at, now),
            )
        )
    if edition.cfp_opens_at and edition.cfp_closes_at:
        dates.append(
            KeyDate(
                _("Call for abstracts"),
                edition.cfp_opens_at,
                edition.cfp_closes_at,
                _status(edition.cfp_opens_at, edition.cfp_closes_at, now),
            )
        )
    first = dt.datetime.combine(edition.start_date, dt.time.min, tzinfo=edition.tz)
    after = dt.datetime.combine(edition.end_date, dt.time.max, tzinfo=edition.tz)
    dates.append(
        KeyDate(_("The conference"), edition.start_date, edition.end_date,
                _status(first, after, now))
    )  # fmt: skip
    return sorted(dates, key=lambda d: _moment(d.starts, edition))


def _moment(value, edition) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time.min, tzinfo=edition.tz)


def visitor_news(edition: Edition, now: dt.datetime | None = None) -> list[str]:
    """Sentences saying what a visitor can do now and what comes next."""
    now = now or utcnow()
    news: list[str] = []
    if edition.state == EditionState.ARCHIVED:
        return [_("This edition is over; its programme stays available for reference.")]
    ended = now > dt.datetime.combine(edition.end_date, dt.time.max, tzinfo=edition.tz)
    if ended:
        news.append(_("This edition is over; its programme stays available."))
    if edition.registration_open(now):
        news.append(
            _(
                "Registration is open until %(moment)s: attendance is by accreditation, and "
                "the organisers review every registration.",
                moment=_when(edition, edition.registration_closes_at),
            )
        )
    elif (
        edition.state == EditionState.OPEN
        and edition.registration_opens_at
        and now < edition.registration_opens_at
    ):
        news.append(
            _(
                "Registration opens on %(moment)s.",
                moment=_when(edition, edition.registration_opens_at),
            )
        )
    elif not ended and edition.registration_closes_at and now >= edition.registration_closes_at:
        news.append(_("Registration is closed."))
    if edition.cfp_open(now):
        news.append(
            _(
                "The call for abstracts is open until %(moment)s.",
                moment=_when(edition, edition.cfp_closes_at),
            )
        )
    elif edition.state == EditionState.OPEN and edition.cfp_opens_at and now < edition.cfp_opens_at:
        news.append(
            _(
                "The call for abstracts opens on %(moment)s.",
                moment=_when(edition, edition.cfp_opens_at),
            )
        )
    if not ended:
        news.append(
            _(
                "You can browse the programme and subscribe to its calendar; restricted "
                "sessions show their details to accredited attendees only."
            )
        )
    return news


def _when(edition: Edition, moment: dt.datetime) -> str:
    """A moment in the edition's zone and the reader's language: "12 May 2027, 18:00 (Europe/
    Brussels)"."""
    local = edition.local(moment)
    text = format_datetime(local, "dd MMMM yyyy, HH:mm", tzinfo=local.tzinfo,
                           locale=get_locale() or "en")  # fmt: skip
    return f"{text} ({edition.timezone})"
