"""Review's handlers of other areas' signals."""

from __future__ import annotations

import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import Track
from conference.review.models import ReviewerExpertise
from conference.signals import roles_carried


@roles_carried.connect
def carry_expertise(edition, *, source, granted, **_kwargs) -> None:
    """Reviewers carried into a cloned edition keep their expertise, on the tracks of the same
    name (in the confirming transaction)."""
    track_by_name = {
        t.name: t
        for t in db.session.scalars(sa.select(Track).where(Track.edition_id == edition.id))
    }
    for user, role in granted:
        if role != "reviewer":
            continue
        names = db.session.execute(
            sa.select(Track.name)
            .join(ReviewerExpertise, ReviewerExpertise.track_id == Track.id)
            .where(ReviewerExpertise.user_id == user.id, ReviewerExpertise.edition_id == source.id)
        ).scalars()
        existing = set(
            db.session.scalars(
                sa.select(ReviewerExpertise.track_id).where(
                    ReviewerExpertise.user_id == user.id,
                    ReviewerExpertise.edition_id == edition.id,
                )
            )
        )
        for name in names:
            track = track_by_name.get(name)
            if track is not None and track.id not in existing:
                db.session.add(
                    ReviewerExpertise(edition_id=edition.id, user_id=user.id, track_id=track.id)
                )
