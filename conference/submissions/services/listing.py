"""The organisers' and chairs' list of submissions, with filters, and its CSV export."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference.accounts.models import User
from conference.editions.models import Edition
from conference.extensions import db
from conference.permissions import committee_conflicts, conflicted_submissions
from conference.submissions.models import Decision, Submission, SubmissionState
from conference.submissions.services.limits import count_words


@dataclass
class SubmissionFilter:
    state: str = ""
    track_id: int | None = None
    type_id: int | None = None
    decision: str = ""
    q: str = ""


def list_submissions(
    viewer, edition: Edition, filters: SubmissionFilter | None = None
) -> list[Submission]:
    """The edition's submissions as ``viewer`` may read them as the committee, filtered
    (organisers' and chairs' list and export).

    Submissions the viewer has a conflict of interest with (``committee_conflicts``: declared,
    automatic, or being a speaker) are left out before any filter, so neither a row nor a count
    of a filtered list says anything about them. One query, whatever the number of conflicts.
    """
    filters = filters or SubmissionFilter()
    stmt = (
        sa.select(Submission)
        .where(
            Submission.edition_id == edition.id,
            Submission.id.not_in(conflicted_submissions(viewer, edition)),
        )
        .outerjoin(User, User.id == Submission.author_id)
        .options(
            so.selectinload(Submission.author),
            so.selectinload(Submission.type),
            so.selectinload(Submission.track),
            so.selectinload(Submission.co_speakers),
        )
        .order_by(Submission.id)
    )
    if filters.state in set(SubmissionState):
        stmt = stmt.where(Submission.state == filters.state)
    if filters.decision in set(Decision):
        stmt = stmt.where(Submission.decision == filters.decision)
    if filters.track_id is not None:
        stmt = stmt.where(Submission.track_id == filters.track_id)
    if filters.type_id is not None:
        stmt = stmt.where(Submission.type_id == filters.type_id)
    q = (filters.q or "").strip()[:200]
    if q:
        pattern = (
            "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Submission.title).like(pattern, escape="\\"),
                sa.func.lower(Submission.keywords).like(pattern, escape="\\"),
                sa.func.lower(User.full_name).like(pattern, escape="\\"),
                sa.func.lower(User.email).like(pattern, escape="\\"),
                sa.func.lower(User.organisation).like(pattern, escape="\\"),
            )
        )
    return list(db.session.scalars(stmt))


def hidden_by_conflicts(viewer, edition: Edition) -> int:
    """How many submissions ``list_submissions`` leaves out for ``viewer`` (independent of any
    filter, so that it reveals nothing about the hidden ones)."""
    return len(committee_conflicts(viewer, edition))


EXPORT_HEADER = [
    "id",
    "title",
    "type",
    "track",
    "state",
    "decision",
    "decision published",
    "author",
    "author e-mail",
    "organisation",
    "country",
    "co-speakers",
    "keywords",
    "audience",
    "words",
    "submitted at",
    "abstract",
]


def export_rows(edition: Edition, submissions: list[Submission]) -> list[list]:
    """Rows for the organisers' CSV (times in the edition's zone)."""
    rows = []
    for s in submissions:
        author = s.author
        co = "; ".join(
            (f"{c.name} <{c.email}>" if c.name else c.email)
            + ("" if c.confirmed_at else " (invited)")
            for c in s.co_speakers
        )
        submitted = edition.local(s.submitted_at)
        rows.append(
            [
                s.id,
                s.title,
                s.type.name if s.type else "",
                s.track.name if s.track else "",
                s.state,
                s.decision,
                "yes" if s.decision_published_at else "no",
                author.full_name if author else "",
                author.email if author else "",
                author.organisation if author else "",
                author.country if author else "",
                co,
                s.keywords,
                s.audience,
                count_words(s.abstract),
                submitted.strftime("%Y-%m-%d %H:%M") if submitted else "",
                s.abstract,
            ]
        )
    return rows
