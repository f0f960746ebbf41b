"""Submissions' handlers of other areas' signals."""

from __future__ import annotations

import sqlalchemy as sa

from conference.db import copy_row
from conference.extensions import db
from conference.signals import edition_cloned
from conference.submissions.models import SubmissionType


@edition_cloned.connect
def copy_for_new_edition(edition, *, source, mapping, **_kwargs) -> dict[str, int]:
    """A cloned edition gets the source's submission types; the call's settings are the
    edition's own columns, copied by editions (in the cloning transaction)."""
    mapping["submission_types"] = {}
    for kind in db.session.scalars(
        sa.select(SubmissionType).where(SubmissionType.edition_id == source.id)
    ):
        copy = copy_row(kind, edition_id=edition.id)
        db.session.add(copy)
        mapping["submission_types"][kind.id] = copy
    return {"submission_types": len(mapping["submission_types"])}
