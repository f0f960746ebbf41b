"""Speakers after acceptance: when they can present (availability) and confirming the slot
of their talk. The organisers' side: which talks are not confirmed, and a speaker scheduled
outside the times they stated (a warning, like the other clashes).

A confirmation holds for the times confirmed: when the talk moves (its session moves, or the
running order changes), it counts as unconfirmed again until the speaker confirms anew.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from conference import audit
from conference.db import utcnow
from conference.errors import DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import can
from conference.programme.models import (
    Contribution,
    ProgrammeSession,
    SessionSpeaker,
    SlotConfirmation,
    SpeakerAvailability,
)
from conference.programme.services.common import span
from conference.programme.services.contributions import contribution_times

AVAILABILITY_MODES = ("all", "times", "none")


@dataclasses.dataclass(frozen=True)
class DayAvailability:
    """What a speaker entered for one day: all day, between two times, or not available."""

    day: dt.date
    mode: str = "all"
    from_time: dt.time | None = None
    until_time: dt.time | None = None


def edition_days(edition) -> list[dt.date]:
    days, day = [], edition.start_date
    while day <= edition.end_date and len(days) < 31:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


def availability_of(user, edition) -> dict[dt.date, SpeakerAvailability]:
    """The days ``user`` stated for ``edition`` (empty: nothing stated, no constraint)."""
    return {
        a.day: a
        for a in db.session.scalars(
            sa.select(SpeakerAvailability).where(
                SpeakerAvailability.edition_id == edition.id,
                SpeakerAvailability.user_id == user.id,
            )
        )
    }


def save_availability(user, edition, days: list[DayAvailability]) -> None:
    """Replace ``user``'s availability for ``edition`` (the caller commits)."""
    if not can(user, "programme.state_availability", edition=edition):
        raise NotAllowed(_("Only speakers of accepted talks state their availability."))
    allowed = set(edition_days(edition))
    seen = set()
    for entry in days:
        if entry.day not in allowed or entry.day in seen:
            raise DomainError(_("Choose days of the edition."), code="invalid")
        seen.add(entry.day)
        if entry.mode not in AVAILABILITY_MODES:
            raise DomainError(_("Choose all day, between two times, or not available."))
        if entry.mode == "times" and (
            entry.from_time is None
            or entry.until_time is None
            or entry.until_time <= entry.from_time
        ):
            raise DomainError(
                _("On %(day)s, give a start and a later end time.", day=entry.day.isoformat()),
                code="invalid",
            )
    db.session.execute(
        sa.delete(SpeakerAvailability).where(
            SpeakerAvailability.edition_id == edition.id, SpeakerAvailability.user_id == user.id
        )
    )
    for entry in days:
        db.session.add(
            SpeakerAvailability(
                edition_id=edition.id,
                user_id=user.id,
                day=entry.day,
                available=entry.mode != "none",
                from_time=entry.from_time if entry.mode == "times" else None,
                until_time=entry.until_time if entry.mode == "times" else None,
            )
        )
    db.session.flush()
    audit.record(user, "programme.availability", user, edition=edition, days=len(days))


def _fits(stated: dict, starts: dt.datetime, ends: dt.datetime, tz) -> bool:
    """Whether the time from ``starts`` to ``ends`` is inside the stated availability."""
    if not stated:
        return True
    local_start, local_end = starts.astimezone(tz), ends.astimezone(tz)
    day = local_start.date()
    row = stated.get(day)
    if row is None or not row.available:
        return False
    if local_end.date() != day and not (local_end.time() == dt.time(0) and row.until_time is None):
        return False
    if row.from_time is not None and local_start.time() < row.from_time:
        return False
    return row.until_time is None or local_end.time() <= row.until_time


def unavailability_warnings(session, edition) -> list[str]:
    """Speakers of ``session`` scheduled outside the times they stated (one query)."""
    people = {s.user_id: s.name for s in session.speakers if s.user_id}
    if not people:
        return []
    stated: dict[int, dict] = {}
    for row in db.session.scalars(
        sa.select(SpeakerAvailability).where(
            SpeakerAvailability.edition_id == edition.id,
            SpeakerAvailability.user_id.in_(list(people)),
        )
    ):
        stated.setdefault(row.user_id, {})[row.day] = row
    warnings = []
    for user_id, name in people.items():
        if not _fits(stated.get(user_id, {}), session.starts_at, session.ends_at, edition.tz):
            warnings.append(
                _(
                    "%(name)s stated they cannot present at this time (%(when)s).",
                    name=name,
                    when=span(session, edition),
                )
            )
    return warnings


@dataclasses.dataclass
class MyTalk:
    """A talk the person presents, its slot, and whether they confirmed it."""

    contribution: Contribution
    session: ProgrammeSession
    starts_at: dt.datetime
    ends_at: dt.datetime
    confirmed: bool


def my_talks(user, edition) -> list[MyTalk]:
    """The contributions ``user`` presents in ``edition`` (the organisers' current plan)."""
    contributions = db.session.scalars(
        sa.select(Contribution)
        .join(SessionSpeaker, SessionSpeaker.contribution_id == Contribution.id)
        .join(ProgrammeSession, ProgrammeSession.id == Contribution.session_id)
        .where(
            SessionSpeaker.user_id == user.id,
            ProgrammeSession.edition_id == edition.id,
        )
        .order_by(ProgrammeSession.starts_at)
    ).unique()
    talks = []
    for contribution in contributions:
        starts, ends = _times(contribution)
        confirmation = db.session.scalar(
            sa.select(SlotConfirmation).where(
                SlotConfirmation.contribution_id == contribution.id,
                SlotConfirmation.user_id == user.id,
            )
        )
        talks.append(
            MyTalk(
                contribution,
                contribution.session,
                starts,
                ends,
                confirmation is not None and _matches(confirmation, starts, ends),
            )
        )
    return talks


def _times(contribution: Contribution) -> tuple[dt.datetime, dt.datetime]:
    for c, starts, ends in contribution_times(contribution.session):
        if c is contribution:
            return starts, ends
    raise NotFound(_("There is no such contribution in this session."))


def _matches(confirmation: SlotConfirmation, starts, ends) -> bool:
    return confirmation.starts_at == starts and confirmation.ends_at == ends


def confirm_slot(user, edition, contribution_id) -> Contribution:
    """``user`` confirms the current slot of a talk they present (the caller commits)."""
    contribution = (
        db.session.get(Contribution, contribution_id) if isinstance(contribution_id, int) else None
    )
    if contribution is None or contribution.session.edition_id != edition.id:
        raise NotFound(_("There is no such talk in this edition."))
    if not can(user, "programme.confirm_slot", contribution, edition=edition):
        raise NotAllowed(_("Only the talk's speakers confirm its slot."))
    starts, ends = _times(contribution)
    confirmation = db.session.scalar(
        sa.select(SlotConfirmation).where(
            SlotConfirmation.contribution_id == contribution.id,
            SlotConfirmation.user_id == user.id,
        )
    )
    if confirmation is None:
        confirmation = SlotConfirmation(contribution_id=contribution.id, user_id=user.id)
        db.session.add(confirmation)
    confirmation.starts_at, confirmation.ends_at = starts, ends
    confirmation.confirmed_at = utcnow()
    db.session.flush()
    audit.record(
        user,
        "programme.slot_confirmed",
        contribution.session,
        edition=edition,
        contribution=contribution.title,
        starts_at=starts.isoformat(),
    )
    return contribution


def unconfirmed(session) -> dict[int, list[str]]:
    """For each contribution of ``session`` with presenters: the names of those with an
    account who have not confirmed its current slot (fully confirmed ones are left out)."""
    talks = [(c, s, e) for c, s, e in contribution_times(session) if c.speakers]
    if not talks:
        return {}
    confirmations = {
        (c.contribution_id, c.user_id): c
        for c in db.session.scalars(
            sa.select(SlotConfirmation).where(
                SlotConfirmation.contribution_id.in_([c.id for c, _s, _e in talks])
            )
        )
    }
    missing: dict[int, list[str]] = {}
    for contribution, starts, ends in talks:
        for speaker in contribution.speakers:
            if speaker.user_id is None:
                continue
            found = confirmations.get((contribution.id, speaker.user_id))
            if found is None or not _matches(found, starts, ends):
                missing.setdefault(contribution.id, []).append(speaker.name)
    return missing
