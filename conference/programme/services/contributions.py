"""A session's running order: talks and free items, each with its own duration.

The rules: a contribution lasts between 1 minute and 24 hours; the contributions of a session
run one after the other from the session's start and together never last longer than the
session (so a session cannot be shortened below them either). A talk (an accepted
submission) is presented by the submission's speakers; they are also listed among the
session's speakers, so that clash checks, agendas and badges see them. A contribution may
carry its own TLP label, at least as strict as its session's (``check_label``); without one
it has the session's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import tlp
from conference.errors import Conflict, DomainError, NotFound
from conference.extensions import db
from conference.programme.models import (
    Contribution,
    ContributionKind,
    ProgrammeSession,
    SessionSpeaker,
)
from conference.programme.services.common import clean_text, ensure_manage, record_change
from conference.text import ngettext

MAX_CONTRIBUTIONS = 50


@dataclasses.dataclass(frozen=True)
class ContributionSpec:
    """What an organiser (or a chair placing a talk) enters for a contribution."""

    title: str
    duration_minutes: int
    description: str = ""
    kind: str = ContributionKind.ITEM
    submission_id: int | None = None
    # (user id or None, name, organisation) of each presenter.
    speakers: tuple[tuple[int | None, str, str], ...] = ()
    # Its own TLP label (never less strict than the session's), or None: the session's.
    tlp: str | None = None


def session_minutes(session: ProgrammeSession) -> int:
    return int((session.ends_at - session.starts_at).total_seconds() // 60)


def planned_minutes(session: ProgrammeSession, *, leaving_out: Contribution | None = None) -> int:
    """The minutes the session's contributions take together (one of them left out)."""
    return sum(c.duration_minutes for c in session.contributions if c is not leaving_out)


def contribution_times(session) -> list[tuple[object, dt.datetime, dt.datetime]]:
    """``(contribution, start, end)`` in running order, from the session's start."""
    start = session.starts_at
    times = []
    for contribution in session.contributions:
        end = start + dt.timedelta(minutes=contribution.duration_minutes)
        times.append((contribution, start, end))
        start = end
    return times


def free_minutes(session: ProgrammeSession) -> int:
    """Minutes of the session not yet taken by contributions."""
    return session_minutes(session) - planned_minutes(session)


def check_fits(session: ProgrammeSession, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """Conflict when the session's contributions would not fit between the new times."""
    needed = planned_minutes(session)
    available = int((ends_at - starts_at).total_seconds() // 60)
    if needed > available:
        raise Conflict(
            ngettext(
                "The contributions of this session take %(num)d minute: the session cannot be "
                "shorter. Shorten or remove contributions first.",
                "The contributions of this session take %(num)d minutes: the session cannot be "
                "shorter. Shorten or remove contributions first.",
                needed,
            )
        )


def _check_duration(session: ProgrammeSession, minutes, leaving_out=None) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 1440:
        raise DomainError(_("The duration must be between 1 minute and 24 hours."), code="invalid")
    left = session_minutes(session) - planned_minutes(session, leaving_out=leaving_out)
    if minutes > left:
        raise Conflict(
            ngettext(
                "This does not fit in the session: %(num)d minute is left.",
                "This does not fit in the session: %(num)d minutes are left.",
                max(left, 0),
            )
        )
    return minutes


def _renumber(session: ProgrammeSession) -> None:
    """Positions 0…n-1 for contributions; speakers: the session's own, then by contribution."""
    for position, contribution in enumerate(session.contributions):
        contribution.position = position
    presenting = [s for c in session.contributions for s in c.speakers]
    taken = {id(s) for s in presenting}
    own = [s for s in session.speakers if id(s) not in taken and s.contribution_id is None]
    for position, speaker in enumerate(own + presenting):
        speaker.position = position


def check_label(session: ProgrammeSession, label: str | None) -> str | None:
    """A contribution's own TLP label as stored: None (or "") for the session's label; else
    one of the five labels, refused when less strict than the session's (what is said in a
    session can be more sensitive than the session, never less)."""
    if label is None or label == "":
        return None
    value = tlp.normalise(label)
    if value is None:
        raise DomainError(
            _("Choose one of the TLP labels: CLEAR, GREEN, AMBER, AMBER+STRICT, RED."),
            code="invalid",
        )
    if not tlp.at_least(value, session.tlp):
        raise DomainError(
            _(
                "A contribution cannot be less strict than its session: the session is "
                "TLP:%(session)s, so choose TLP:%(session)s or a stricter label.",
                session=session.tlp,
            ),
            code="invalid",
        )
    return value


def get_contribution(session: ProgrammeSession, contribution_id) -> Contribution:
    """One contribution of ``session``, or NotFound (also for another session's)."""
    for contribution in session.contributions:
        if contribution.id == contribution_id:
            return contribution
    raise NotFound(_("There is no such contribution in this session."))


def add_contribution(
    actor, session: ProgrammeSession, edition, spec: ContributionSpec, *, position=None
) -> Contribution:
    """Add a talk or free item to the running order (at the end unless ``position``)."""
    ensure_manage(actor, edition)
    if session.edition_id != edition.id:
        raise NotFound(_("There is no such session in this edition."))
    contribution = append_contribution(session, spec, position=position)
    record_change(
        session,
        actor,
        "session.contribution_add",
        edition,
        title=session.title,
        contribution=contribution.title,
        minutes=contribution.duration_minutes,
        **({"tlp_to": contribution.tlp} if contribution.tlp else {}),
    )
    return contribution


def append_contribution(
    session: ProgrammeSession, spec: ContributionSpec, *, position=None
) -> Contribution:
    """The rules of adding a contribution, without permission check or bookkeeping.

    For callers that checked their own permission and record the change themselves (review
    places an accepted talk in a session: the chair decides that, not the organisers).
    """
    if len(session.contributions) >= MAX_CONTRIBUTIONS:
        raise Conflict(_("A session holds at most %(num)d contributions.", num=MAX_CONTRIBUTIONS))
    if spec.kind not in set(ContributionKind):
        raise DomainError(_("Choose a talk or a free item."), code="invalid")
    if spec.kind == ContributionKind.TALK and spec.submission_id is None:
        raise DomainError(_("A talk needs an accepted submission."), code="invalid")
    title = clean_text(spec.title, _l("The title"), 300, required=True)
    description = clean_text(spec.description, _l("The description"), 20000)
    minutes = _check_duration(session, spec.duration_minutes)
    contribution = Contribution(
        kind=spec.kind,
        submission_id=spec.submission_id if spec.kind == ContributionKind.TALK else None,
        title=title,
        description=description,
        duration_minutes=minutes,
        tlp=check_label(session, spec.tlp),
    )
    index = len(session.contributions) if position is None else max(0, int(position))
    session.contributions.insert(min(index, len(session.contributions)), contribution)
    for user_id, name, organisation in spec.speakers:
        speaker = SessionSpeaker(user_id=user_id, name=name[:200], organisation=organisation[:200])
        session.speakers.append(speaker)
        contribution.speakers.append(speaker)
    _renumber(session)
    db.session.flush()
    return contribution


def update_contribution(
    actor,
    session: ProgrammeSession,
    edition,
    contribution: Contribution,
    *,
    title,
    minutes,
    description=None,
    label=...,
) -> Contribution:
    """Change a contribution's title, duration (it must still fit), description and TLP
    label (``label``: "" or None for the session's; left alone when not given)."""
    ensure_manage(actor, edition)
    if contribution.session_id != session.id or session.edition_id != edition.id:
        raise NotFound(_("There is no such contribution in this session."))
    before = contribution.tlp
    if label is not ...:
        contribution.tlp = check_label(session, label)
    contribution.title = clean_text(title, _l("The title"), 300, required=True)
    if description is not None:
        contribution.description = clean_text(description, _l("The description"), 20000)
    contribution.duration_minutes = _check_duration(session, minutes, leaving_out=contribution)
    db.session.flush()
    record_change(
        session,
        actor,
        "session.contribution_update",
        edition,
        title=session.title,
        contribution=contribution.title,
        minutes=contribution.duration_minutes,
        **({"tlp_from": before, "tlp_to": contribution.tlp} if before != contribution.tlp else {}),
    )
    return contribution


def move_contribution(
    actor, session: ProgrammeSession, edition, contribution: Contribution, offset: int
) -> None:
    """Move a contribution earlier (``offset`` -1) or later (+1) in the running order."""
    ensure_manage(actor, edition)
    if contribution.session_id != session.id or session.edition_id != edition.id:
        raise NotFound(_("There is no such contribution in this session."))
    order = list(session.contributions)
    index = order.index(contribution)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(order):
        return
    order[index], order[target] = order[target], order[index]
    for position, item in enumerate(order):
        item.position = position
    session.contributions.sort(key=lambda c: c.position)
    _renumber(session)
    db.session.flush()
    record_change(
        session,
        actor,
        "session.contribution_move",
        edition,
        title=session.title,
        contribution=contribution.title,
        position=contribution.position,
    )


def remove_contribution(
    actor, session: ProgrammeSession, edition, contribution: Contribution
) -> None:
    """Take a contribution (and its presenters) out of the session's running order."""
    ensure_manage(actor, edition)
    if contribution.session_id != session.id or session.edition_id != edition.id:
        raise NotFound(_("There is no such contribution in this session."))
    detach_contribution(session, contribution)
    record_change(
        session,
        actor,
        "session.contribution_remove",
        edition,
        title=session.title,
        contribution=contribution.title,
    )


def detach_contribution(session: ProgrammeSession, contribution: Contribution) -> None:
    """Remove ``contribution`` and its presenters from ``session`` (no bookkeeping)."""
    for speaker in list(contribution.speakers):
        if speaker in session.speakers:
            session.speakers.remove(speaker)
    session.contributions.remove(contribution)
    db.session.flush()
    _renumber(session)
    db.session.flush()
