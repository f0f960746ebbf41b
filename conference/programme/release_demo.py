"""Demo of the draft and released schedule (issue 19): 2027 has a released version 1.0, and
later draft changes organisers have not released yet (one session moved, one new session, four
more seats in the booked workshop), so that the release page shows a diff and the public
programme still shows version 1.0: the workshop's page still offers 12 seats, and the added
seats go to its waiting list only once released.

Runs after the programme, submissions and review steps (the release includes the running
orders). Idempotent: nothing happens once 2027 has a release.

Before releasing, one item of a CLEAR panel's running order gets a stricter TLP label
(AMBER: the reform proposal is a draft), so that the released version carries it too.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conference.extensions import db
from conference.programme import services
from conference.programme.models import Contribution, ProgrammeSession, Room

MOVED = "Talent programmes and conflicts of interest"
WORKSHOP = "Workshop: running a due-diligence check in practice"
NEW = "Lightning talks: research security offices introduce themselves"
# (session title, contribution title, its own TLP label: stricter than the session's)
STRICTER_CONTRIBUTION = (
    "Panel: export control reform and the research community",
    "The reform proposal, presented by DG RTD",
    "AMBER",
)


def _label_contribution(edition) -> None:
    session_title, title, label = STRICTER_CONTRIBUTION
    contribution = db.session.scalar(
        sa.select(Contribution)
        .join(ProgrammeSession, ProgrammeSession.id == Contribution.session_id)
        .where(
            ProgrammeSession.edition_id == edition.id,
            ProgrammeSession.title == session_title,
            Contribution.title == title,
        )
    )
    if contribution is not None and contribution.tlp is None:
        contribution.tlp = label
        db.session.flush()


def _local(edition, day: int, hour: int, minute: int = 0) -> dt.datetime:
    date = edition.start_date + dt.timedelta(days=day)
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=edition.tz).astimezone(dt.UTC)


def seed(demo) -> None:
    edition = demo.editions.get(2027)
    organiser = demo.users.get("organiser@demo.test")
    if edition is None or organiser is None or services.latest_release(edition) is not None:
        return
    _label_contribution(edition)
    services.release(
        organiser,
        edition,
        "1.0",
        "The first full programme: two days, four rooms, chaired sessions with their talks.",
    )
    db.session.commit()
    moved = db.session.scalar(
        sa.select(ProgrammeSession).where(
            ProgrammeSession.edition_id == edition.id, ProgrammeSession.title == MOVED
        )
    )
    if moved is not None:
        services.save_session(
            organiser,
            edition,
            services.SessionData(
                title=moved.title,
                description=moved.description,
                starts_at=_local(edition, 1, 10, 0),
                ends_at=moved.ends_at,
                type_id=moved.type_id,
                track_id=moved.track_id,
                room_id=moved.room_id,
                speakers=[
                    services.SpeakerSpec(s.name, s.organisation, s.user) for s in moved.speakers
                ],
            ),
            moved,
        )
    workshop = db.session.scalar(
        sa.select(ProgrammeSession).where(
            ProgrammeSession.edition_id == edition.id, ProgrammeSession.title == WORKSHOP
        )
    )
    if workshop is not None and workshop.capacity is not None:
        services.save_session(
            organiser,
            edition,
            services.session_data_of(workshop, capacity=workshop.capacity + 4),
            workshop,
        )
    room = db.session.scalar(
        sa.select(Room).where(Room.edition_id == edition.id, Room.name == "Room Bruegel")
    )
    services.save_session(
        organiser,
        edition,
        services.SessionData(
            title=NEW,
            description="Five minutes each for the research security offices opened since 2025.",
            starts_at=_local(edition, 0, 17, 0),
            ends_at=_local(edition, 0, 18, 0),
            room_id=room.id if room else None,
        ),
    )
    db.session.commit()
