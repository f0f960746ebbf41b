"""Who reviews what: reviewers' track expertise, the automatic assignment (the pure rule is
``conference.review.assignment.propose``; here it is fed from the database and its proposal
checked again before saving), assignment by hand, and why a submission stays short.
"""

from __future__ import annotations

import sqlalchemy as sa

from conference import audit, mail
from conference.accounts.models import User
from conference.editions.models import Edition
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import can, edition_writable
from conference.review.assignment import Proposal, ReviewerProfile, SubmissionSlot, propose
from conference.review.models import Conflict as ConflictOfInterest
from conference.review.models import ConflictSource, Review, ReviewAssignment, ReviewerExpertise
from conference.review.services.conflicts import (
    _domain,
    conflict_pairs,
    refresh_automatic_conflicts,
)
from conference.review.services.lookups import (
    _commit,
    _flush,
    _require,
    blinded,
    reviewable_submissions,
    reviewers,
    tracks,
)
from conference.review.services.reviews import _review_row
from conference.submissions.models import Submission
from conference.urls import external_url


def expertise_of(user: User, edition: Edition) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(ReviewerExpertise.track_id).where(
                ReviewerExpertise.user_id == user.id, ReviewerExpertise.edition_id == edition.id
            )
        )
    )


def expertise_map(edition: Edition) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for user_id, track_id in db.session.execute(
        sa.select(ReviewerExpertise.user_id, ReviewerExpertise.track_id).where(
            ReviewerExpertise.edition_id == edition.id
        )
    ):
        out.setdefault(user_id, set()).add(track_id)
    return out


def set_expertise(actor, user: User, edition: Edition, track_ids) -> set[int]:
    """Replace ``user``'s track expertise (their own, or anyone's for chairs)."""
    if actor.id == user.id:
        _require(actor, "review.participate", edition=edition)
        if not edition_writable(actor, edition):
            raise NotAllowed(f"The {edition.year} edition is archived and read-only.")
    else:
        _require(actor, "review.manage", edition=edition)
        if not can(user, "review.participate", edition=edition):
            raise DomainError(f"{user.display_name} is not on the programme committee.")
    valid = {t.id for t in tracks(edition)}
    wanted = {int(t) for t in track_ids}
    if not wanted <= valid:
        raise DomainError("Choose tracks of this edition only.")
    current = expertise_of(user, edition)
    for track_id in current - wanted:
        db.session.execute(
            sa.delete(ReviewerExpertise).where(
                ReviewerExpertise.user_id == user.id, ReviewerExpertise.track_id == track_id
            )
        )
    for track_id in sorted(wanted - current):
        db.session.add(ReviewerExpertise(edition_id=edition.id, user_id=user.id, track_id=track_id))
    audit.record(actor, "review.expertise", user, edition=edition, tracks=sorted(wanted))
    db.session.commit()
    return wanted


def shortage_reasons(edition: Edition, proposal: Proposal, n: int) -> dict[int, str]:
    """{submission id: why it cannot get ``n`` reviewers}, for the assignment preview.

    E.g. "all 5 reviewers conflicted (3 by e-mail domain ec.europa.eu, 2 by organisation)".
    """
    if not proposal.short:
        return {}
    pool = {r.id: r for r in reviewers(edition)}
    assigned: dict[int, int] = {}
    for reviewer_id, submission_id in existing_assignments(edition):
        if reviewer_id in pool:
            assigned[submission_id] = assigned.get(submission_id, 0) + 1
    by_submission: dict[int, list[ConflictOfInterest]] = {}
    for row in db.session.scalars(
        sa.select(ConflictOfInterest).where(
            ConflictOfInterest.edition_id == edition.id,
            ConflictOfInterest.submission_id.in_(list(proposal.short)),
        )
    ):
        if row.reviewer_id in pool:
            by_submission.setdefault(row.submission_id, []).append(row)
    out = {}
    for submission_id in proposal.short:
        rows = by_submission.get(submission_id, [])
        kinds: dict[str, int] = {}
        for row in rows:
            if row.source == ConflictSource.SAME_DOMAIN:
                label = f"by e-mail domain {_domain(pool[row.reviewer_id].email)}"
            elif row.source == ConflictSource.SAME_ORGANISATION:
                label = "by organisation"
            elif row.source == ConflictSource.DECLARED:
                label = "declared"
            else:
                label = "speakers of it"
            kinds[label] = kinds.get(label, 0) + 1
        details = ", ".join(
            f"{count} {label}" for label, count in sorted(kinds.items(), key=lambda i: -i[1])
        )
        total = len(pool)
        conflicted = len(rows)
        parts = []
        if total == 0:
            parts.append("there are no reviewers on the committee")
        elif conflicted and conflicted == total:
            parts.append(f"all {total} reviewers conflicted ({details})")
        else:
            if conflicted:
                parts.append(f"{conflicted} of {total} reviewers conflicted ({details})")
            if assigned.get(submission_id):
                parts.append(f"{assigned[submission_id]} already assigned")
            if total < n:
                parts.append(f"only {total} reviewers on the committee")
        out[submission_id] = "; ".join(parts) or "not enough eligible reviewers"
    return out


def existing_assignments(edition: Edition) -> set[tuple[int, int]]:
    """(reviewer_id, submission_id) of every assignment of the edition."""
    return {
        (r, s)
        for r, s in db.session.execute(
            sa.select(ReviewAssignment.reviewer_id, ReviewAssignment.submission_id).where(
                ReviewAssignment.edition_id == edition.id
            )
        )
    }


def propose_assignments(actor, edition: Edition, n: int) -> Proposal:
    """Refresh automatic conflicts, then run the automatic assignment (nothing is saved)."""
    _require(actor, "review.manage", edition=edition)
    if not 1 <= n <= 20:
        raise DomainError("Choose between 1 and 20 reviewers per submission.")
    refresh_automatic_conflicts(edition, actor)
    db.session.commit()
    expertise = expertise_map(edition)
    slots = [SubmissionSlot(s.id, s.track_id) for s in reviewable_submissions(edition)]
    profiles = [
        ReviewerProfile(r.id, frozenset(expertise.get(r.id, ()))) for r in reviewers(edition)
    ]
    return propose(
        slots,
        profiles,
        n,
        conflicts=conflict_pairs(edition),
        existing=existing_assignments(edition),
    )


def parse_pairs(values) -> list[tuple[int, int]]:
    """Form values ``"<submission id>:<reviewer id>"`` → pairs (400 on anything else)."""
    pairs = []
    for value in values:
        left, sep, right = str(value).partition(":")
        if not sep or not left.isdigit() or not right.isdigit() or len(value) > 40:
            raise DomainError("The proposal was damaged; please run the assignment again.")
        pairs.append((int(left), int(right)))
    if len(pairs) > 50_000:
        raise DomainError("The proposal is too large.")
    return pairs


def save_assignments(actor, edition: Edition, pairs: list[tuple[int, int]]) -> int:
    """Save (submission_id, reviewer_id) pairs after checking each again on the server.

    Refused as a whole when any pair names a submission not under review in this edition,
    someone not on the committee, or a conflicted reviewer. Pairs already assigned are skipped.
    """
    _require(actor, "review.manage", edition=edition)
    refresh_automatic_conflicts(edition, actor)
    submissions = {s.id: s for s in reviewable_submissions(edition)}
    pool = {r.id: r for r in reviewers(edition)}
    conflicts = conflict_pairs(edition)
    existing = existing_assignments(edition)
    new: list[tuple[int, int]] = []
    for submission_id, reviewer_id in dict.fromkeys(pairs):
        if submission_id not in submissions:
            raise DomainError(f"Submission #{submission_id} is not under review in this edition.")
        if reviewer_id not in pool:
            raise DomainError(f"Person #{reviewer_id} is not a reviewer of this edition.")
        if (reviewer_id, submission_id) in conflicts:
            raise Conflict(
                f"{pool[reviewer_id].display_name} has a conflict of interest with "
                f"submission #{submission_id}; run the assignment again."
            )
        if (reviewer_id, submission_id) in existing:
            continue
        new.append((submission_id, reviewer_id))
    for submission_id, reviewer_id in new:
        db.session.add(
            ReviewAssignment(
                edition_id=edition.id,
                submission_id=submission_id,
                reviewer_id=reviewer_id,
                assigned_by_id=actor.id,
            )
        )
    _flush("The assignments changed at the same time elsewhere; please run it again.")
    if new:
        audit.record(
            actor,
            "review.assigned",
            edition,
            edition=edition,
            pairs=[list(p) for p in new],
            count=len(new),
        )
        _notify_reviewers(edition, new, submissions, pool)
    _commit("The assignments changed at the same time elsewhere; please run it again.")
    return len(new)


def _notify_reviewers(edition, pairs, submissions, pool) -> None:
    """One mail per reviewer with the (blinded) titles newly assigned to them."""
    by_reviewer: dict[int, list[dict]] = {}
    for submission_id, reviewer_id in pairs:
        by_reviewer.setdefault(reviewer_id, []).append(blinded(submissions[submission_id]))
    for reviewer_id, items in by_reviewer.items():
        reviewer = pool[reviewer_id]
        mail.queue(
            reviewer.email,
            "review_assigned",
            f"{edition.acronym or edition.title}: new submissions to review",
            edition=edition,
            reviewer_name=reviewer.display_name,
            submissions=items,
            link=external_url("review.my_reviews", year=edition.year),
            deadline=edition.local(edition.review_deadline),
        )


def assign(actor, submission: Submission, reviewer: User) -> None:
    """Assign one reviewer by hand (same checks as the automatic assignment)."""
    edition = db.session.get(Edition, submission.edition_id)
    count = save_assignments(actor, edition, [(submission.id, reviewer.id)])
    if count == 0:
        raise Conflict(f"{reviewer.display_name} is already assigned to this submission.")


def unassign(actor, submission: Submission, reviewer: User) -> None:
    """Remove an assignment; refused once the reviewer has submitted their review."""
    edition = db.session.get(Edition, submission.edition_id)
    _require(actor, "review.manage", edition=edition)
    assignment = db.session.scalar(
        sa.select(ReviewAssignment).where(
            ReviewAssignment.submission_id == submission.id,
            ReviewAssignment.reviewer_id == reviewer.id,
        )
    )
    if assignment is None:
        raise NotFound("This reviewer is not assigned to this submission.")
    review = _review_row(reviewer, submission)
    if review is not None and review.submitted_at is not None:
        raise Conflict("This reviewer has already submitted a review; it cannot be unassigned.")
    if review is not None:
        db.session.delete(review)
    db.session.delete(assignment)
    audit.record(actor, "review.unassigned", submission, edition=edition, reviewer_id=reviewer.id)
    db.session.commit()


def assignments_of(submission: Submission) -> list[tuple[User, Review | None]]:
    """(reviewer, review) of a submission, for chairs."""
    out = []
    for assignment in db.session.scalars(
        sa.select(ReviewAssignment)
        .where(ReviewAssignment.submission_id == submission.id)
        .order_by(ReviewAssignment.id)
    ):
        reviewer = db.session.get(User, assignment.reviewer_id)
        out.append((reviewer, _review_row(reviewer, submission)))
    return out


def eligible_reviewers(submission: Submission) -> list[User]:
    """Committee members who could be assigned by hand (not conflicted, not yet assigned)."""
    edition = db.session.get(Edition, submission.edition_id)
    conflicted = {r for r, s in conflict_pairs(edition) if s == submission.id}
    assigned = {r for r, s in existing_assignments(edition) if s == submission.id}
    return [r for r in reviewers(edition) if r.id not in conflicted | assigned]
