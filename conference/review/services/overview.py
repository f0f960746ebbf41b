"""The chairs' overview: progress, scores and disagreement per submission, load per
reviewer, withdrawn submissions, and the CSV exports of chairs and reviewers."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference.accounts.models import User
from conference.editions.models import Edition
from conference.extensions import db
from conference.permissions import committee_conflicts
from conference.review.models import Recommendation, Review
from conference.review.services.assignments import existing_assignments, expertise_map
from conference.review.services.conflicts import conflict_pairs
from conference.review.services.lookups import (
    _require,
    reviewable_submissions,
    reviewers,
    speakers,
    tracks,
)
from conference.review.services.reviews import SCORE_FIELDS, AssignmentRow, review_score
from conference.submissions.models import Submission, SubmissionState

ACCEPT_SIDE = {Recommendation.ACCEPT, Recommendation.WEAK_ACCEPT}


REJECT_SIDE = {Recommendation.WEAK_REJECT, Recommendation.REJECT}


DISAGREEMENT_SPREAD = 2.0


@dataclass
class SubmissionStats:
    submission: Submission
    assigned: int = 0
    submitted: int = 0
    drafts: int = 0
    scores: list[float] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)

    @property
    def mean(self) -> float | None:
        return round(statistics.fmean(self.scores), 2) if self.scores else None

    @property
    def spread(self) -> float | None:
        """Max − min of the overall review scores."""
        return round(max(self.scores) - min(self.scores), 2) if self.scores else None

    @property
    def disagreement(self) -> bool:
        """Strong disagreement: both accept-side and reject-side recommendations, or a
        spread of overall scores of 2 or more."""
        recs = set(self.recommendations)
        return bool(recs & ACCEPT_SIDE and recs & REJECT_SIDE) or (
            self.spread is not None and self.spread >= DISAGREEMENT_SPREAD
        )


@dataclass
class ReviewerStats:
    reviewer: User
    expertise: list[str]
    assigned: int = 0
    submitted: int = 0
    drafts: int = 0
    conflicts: int = 0


SORTS = {
    "id": lambda r: r.submission.id,
    "title": lambda r: r.submission.title.casefold(),
    "track": lambda r: r.submission.track.name if r.submission.track else "",
    "mean": lambda r: (r.mean is None, r.mean or 0),
    "spread": lambda r: (r.spread is None, r.spread or 0),
    "progress": lambda r: r.submitted / r.assigned if r.assigned else 0,
}


def dashboard(
    user: User,
    edition: Edition,
    *,
    track_id: int | None = None,
    min_mean: float | None = None,
    max_mean: float | None = None,
    decision: str | None = None,
    disagreement_only: bool = False,
    sort: str = "id",
    descending: bool = False,
) -> tuple[list[SubmissionStats], list[ReviewerStats], int]:
    """Progress per submission and per reviewer; returns (rows, reviewers, hidden count).

    Submissions the chair is conflicted with are left out (their count is returned).
    """
    _require(user, "review.chair", edition=edition)
    all_submissions = reviewable_submissions(edition)
    conflicted = chair_conflicts(user, edition, all_submissions)
    visible = [s for s in all_submissions if s.id not in conflicted]
    hidden = len(all_submissions) - len(visible)
    stats = {s.id: SubmissionStats(s) for s in visible}
    pool = reviewers(edition)
    track_names = {t.id: t.name for t in tracks(edition)}
    expertise = expertise_map(edition)
    people = {
        r.id: ReviewerStats(r, sorted(track_names[t] for t in expertise.get(r.id, ())))
        for r in pool
    }
    for reviewer_id, submission_id in existing_assignments(edition):
        if submission_id in stats:
            stats[submission_id].assigned += 1
        if reviewer_id in people:
            people[reviewer_id].assigned += 1
    for reviewer_id, _ in conflict_pairs(edition):
        if reviewer_id in people:
            people[reviewer_id].conflicts += 1
    for review in db.session.scalars(sa.select(Review).where(Review.edition_id == edition.id)):
        row = stats.get(review.submission_id)
        person = people.get(review.reviewer_id)
        if review.submitted_at is None:
            if row:
                row.drafts += 1
            if person:
                person.drafts += 1
            continue
        if person:
            person.submitted += 1
        if row:
            row.submitted += 1
            score = review_score(review, exact=True)
            if score is not None:
                row.scores.append(score)
            row.recommendations.append(review.recommendation)
    rows = list(stats.values())
    if track_id is not None:
        rows = [r for r in rows if r.submission.track_id == track_id]
    if min_mean is not None:
        rows = [r for r in rows if r.mean is not None and r.mean >= min_mean]
    if max_mean is not None:
        rows = [r for r in rows if r.mean is not None and r.mean <= max_mean]
    if decision:
        rows = [r for r in rows if r.submission.decision == decision]
    if disagreement_only:
        rows = [r for r in rows if r.disagreement]
    rows.sort(key=SORTS.get(sort, SORTS["id"]), reverse=descending)
    return rows, list(people.values()), hidden


def withdrawn_submissions(user: User, edition: Edition) -> list[Submission]:
    """Submissions withdrawn after they were submitted, newest first, for the chairs'
    dashboard (a chair's own conflicts left out, as for the submissions under review)."""
    _require(user, "review.chair", edition=edition)
    rows = list(
        db.session.scalars(
            sa.select(Submission)
            .where(
                Submission.edition_id == edition.id,
                Submission.state == SubmissionState.WITHDRAWN,
                Submission.submitted_at.is_not(None),
            )
            .options(so.selectinload(Submission.co_speakers))
            .order_by(Submission.withdrawn_at.desc(), Submission.id.desc())
        )
    )
    conflicted = chair_conflicts(user, edition, rows)
    return [s for s in rows if s.id not in conflicted]


def chair_conflicts(user, edition: Edition, submissions: list[Submission]) -> set[int]:
    """Ids of the submissions ``user`` is conflicted with (in bulk, for the dashboard): the
    same rule as every other channel, ``permissions.committee_conflicts``."""
    return set(committee_conflicts(user, edition)) & {s.id for s in submissions}


REVIEWER_EXPORT_HEADER = [
    "Submission",
    "Title",
    "Track",
    "Type",
    "Review status",
    "Relevance",
    "Quality",
    "Originality",
    "Recommendation",
]


def reviewer_export_rows(rows: list[AssignmentRow]) -> list[list]:
    """CSV rows of the reviewer's own work: blinded submission fields and their own scores."""
    out = []
    for row in rows:
        review = row.review
        out.append(
            [
                row.submission["id"],
                row.submission["title"],
                row.submission["track"] or "",
                row.submission["type"] or "",
                row.status,
                *(getattr(review, n) if review else "" for n in SCORE_FIELDS),
                (review.recommendation or "") if review else "",
            ]
        )
    return out


CHAIR_EXPORT_HEADER = [
    "Submission",
    "Title",
    "Track",
    "Type",
    "Speakers",
    "Speakers' e-mails",
    "Organisations",
    "Reviews submitted",
    "Reviews assigned",
    "Mean",
    "Spread (max-min)",
    "Disagreement",
    "Recommendations",
    "Decision",
    "Decision published",
]


def chair_export_rows(edition: Edition, rows: list[SubmissionStats]) -> list[list]:
    out = []
    for row in rows:
        s = row.submission
        people = speakers(s)
        published = edition.local(s.decision_published_at)
        out.append(
            [
                s.id,
                s.title,
                s.track.name if s.track else "",
                s.type.name if s.type else "",
                "; ".join(p["name"] for p in people),
                "; ".join(p["email"] for p in people),
                "; ".join(sorted({p["organisation"] for p in people if p["organisation"]})),
                row.submitted,
                row.assigned,
                "" if row.mean is None else row.mean,
                "" if row.spread is None else row.spread,
                "yes" if row.disagreement else "",
                ", ".join(row.recommendations),
                s.decision,
                published.strftime("%Y-%m-%d %H:%M") if published else "",
            ]
        )
    return out


def review_state_counts(edition: Edition) -> dict[str, int]:
    """Numbers for overviews: submissions under review, assignments, reviews submitted."""
    return {
        "submissions": len(reviewable_submissions(edition)),
        "assignments": len(existing_assignments(edition)),
        "submitted": db.session.scalar(
            sa.select(sa.func.count(Review.id)).where(
                Review.edition_id == edition.id, Review.submitted_at.is_not(None)
            )
        )
        or 0,
    }


REVIEWS_EXPORT_HEADER = [
    "Submission",
    "Title",
    "Reviewer",
    "Reviewer e-mail",
    "Relevance",
    "Quality",
    "Originality",
    "Overall score",
    "Recommendation",
    "Comments to the authors",
    "Confidential comments",
    "Submitted",
]


def reviews_export_rows(user: User, edition: Edition) -> list[list]:
    """Every submitted review of the submissions ``user`` (a chair) may read, one row each;
    submissions the chair is conflicted with are left out, as on the dashboard."""
    _require(user, "review.chair", edition=edition)
    conflicted = committee_conflicts(user, edition)
    rows = db.session.execute(
        sa.select(Review, Submission, User)
        .join(Submission, Submission.id == Review.submission_id)
        .join(User, User.id == Review.reviewer_id)
        .where(
            Review.edition_id == edition.id,
            Review.submitted_at.is_not(None),
            Submission.state == SubmissionState.SUBMITTED,
        )
        .order_by(Submission.id, Review.id)
    )
    out = []
    for review, submission, reviewer in rows:
        if submission.id in conflicted:
            continue
        submitted = edition.local(review.submitted_at)
        out.append(
            [
                submission.id,
                submission.title,
                reviewer.display_name,
                reviewer.email,
                *(getattr(review, n) for n in SCORE_FIELDS),
                review_score(review),
                review.recommendation or "",
                review.comments_to_authors,
                review.confidential_comments,
                submitted.strftime("%Y-%m-%d %H:%M") if submitted else "",
            ]
        )
    return out
