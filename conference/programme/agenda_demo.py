"""Demo stars (``flask seed-demo``): the demo attendee's own agenda.

Anna Attendee (a Member State expert) stars the first keynote, the experts' roundtable she is
cleared for — which overlaps the workshop she booked, so the agenda shows an overlap — and the
second day's keynote. Idempotent like every demo step.
"""

from __future__ import annotations

import sqlalchemy as sa

from conference.errors import DomainError
from conference.extensions import db
from conference.programme import services
from conference.programme.models import ProgrammeSession

DEMO_STARS = [
    "Keynote: safeguarding openness in an age of strategic competition",
    "Member State experts' roundtable on national frameworks",
    "Keynote: trusted research and open science",
]


def seed(demo) -> None:
    edition = demo.editions.get(2027)
    attendee = demo.users.get("attendee@demo.test")
    if edition is None or attendee is None:
        return
    sessions = db.session.scalars(
        sa.select(ProgrammeSession).where(
            ProgrammeSession.edition_id == edition.id, ProgrammeSession.title.in_(DEMO_STARS)
        )
    )
    for session in sessions:
        try:
            services.star(attendee, edition, session.id)
        except DomainError:
            continue  # not cleared in this data set: the rule holds for the demo too
    db.session.flush()
