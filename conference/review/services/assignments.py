"""Who reviews what: reviewers' track expertise, the automatic assignment (the pure rule is
``conference.review.assignment.propose``; here it is fed from the database and its proposal
checked again before saving), assignment by hand, and why a submission stays short.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
from conference.text import ngettext
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
            raise NotAllowed(
                _("The %(year)s edition is archived and read-only.", year=edition.year)
            )
    else:
        _require(actor, "review.manage", edition=edition)
        if not can(user, "review.participate", edition=edition):
            raise DomainError(
                _("%(name)s is not on the programme committee.", name=user.display_name)
            )
    valid = {t.id for t in tracks(edition)}
    wanted = {int(t) for t in track_ids}
    if not wanted <= valid:
        raise DomainError(_("Choose tracks of this edition only."))
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
        kinds: dict[tuple[str, str], int] = {}  # (kind, e-mail domain or "") -> count
        for row in rows:
            if row.source == ConflictSource.SAME_DOMAIN:
                kind = ("domain", _domain(pool[row.reviewer_id].email))
            elif row.source in _SHORTAGE_KINDS:
                kind = (row.source, "")
            else:
                kind = ("speaker", "")
            kinds[kind] = kinds.get(kind, 0) + 1
        details = ", ".join(
            _shortage_kind(kind, domain, count)
            for (kind, domain), count in sorted(kinds.items(), key=lambda i: -i[1])
        )
        total = len(pool)
        conflicted = len(rows)
        parts = []
        if total == 0:
            parts.append(_("there are no reviewers on the committee"))
        elif conflicted and conflicted == total:
            parts.append(
                ngettext(
                    "all %(num)d reviewers conflicted (%(details)s)",
                    "all %(num)d reviewers conflicted (%(details)s)",
                    total,
                    details=details,
                )
            )
        else:
            if conflicted:
                parts.append(
                    ngettext(
                        "%(conflicted)d of %(num)d reviewers conflicted (%(details)s)",
                        "%(conflicted)d of %(num)d reviewers conflicted (%(details)s)",
                        total,
                        conflicted=conflicted,
                        details=details,
                    )
                )
            if assigned.get(submission_id):
                parts.append(
                    ngettext(
                        "%(num)d already assigned",
                        "%(num)d already assigned",
                        assigned[submission_id],
                    )
                )
            if total < n:
                parts.append(
                    ngettext(
                        "only %(num)d reviewers on the committee",
                        "only %(num)d reviewers on the committee",
                        total,
                    )
                )
        out[submission_id] = "; ".join(parts) or _("not enough eligible reviewers")
    return out


_SHORTAGE_KINDS = {ConflictSource.SAME_ORGANISATION, ConflictSource.DECLARED}


def _shortage_kind(kind: str, domain: str, count: int) -> str:
    """E.g. "3 by e-mail domain ec.europa.eu": how many reviewers one kind of conflict holds."""
    if kind == "domain":
        return ngettext(
            "%(num)d by e-mail domain %(domain)s",
            "%(num)d by e-mail domain %(domain)s",
            count,
            domain=domain,
        )
    if kind == ConflictSource.SAME_ORGANISATION:
        return ngettext("%(num)d by organisation", "%(num)d by organisation", count)
    if kind == ConflictSource.DECLARED:
        return ngettext("%(num)d declared", "%(num)d declared", count)
    return ngettext("%(num)d speakers of it", "%(num)d speakers of it", count)


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
        raise DomainError(_("Choose between 1 and 20 reviewers per submission."))
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
            raise DomainError(_("The proposal was damaged; please run the assignment again."))
        pairs.append((int(left), int(right)))
    if len(pairs) > 50_000:
        raise DomainError(_("The proposal is too large."))
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
            raise DomainError(
                _(
                    "Submission #%(id)d is not under review in this edition.",
                    id=submission_id,
                )
            )
        if reviewer_id not in pool:
            raise DomainError(
                _("Person #%(id)d is not a reviewer of this edition.", id=reviewer_id)
            )
        if (reviewer_id, submission_id) in conflicts:
            raise Conflict(
                _(
                    "%(name)s has a conflict of interest with submission #%(id)d; run the "
                    "assignment again.",
                    name=pool[reviewer_id].display_name,
                    id=submission_id,
                )
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
    _flush(_("The assignments changed at the same time elsewhere; please run it again."))
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
    _commit(_("The assignments changed at the same time elsewhere; please run it again."))
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
            _l("%(edition)s: new submissions to review", edition=edition.acronym or edition.title),
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
        raise Conflict(
            _("%(name)s is already assigned to this submission.", name=reviewer.display_name)
        )


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
        raise NotFound(_("This reviewer is not assigned to this submission."))
    review = _review_row(reviewer, submission)
    if review is not None and review.submitted_at is not None:
        raise Conflict(_("This reviewer has already submitted a review; it cannot be unassigned."))
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
