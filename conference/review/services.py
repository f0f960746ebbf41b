"""Programme-committee rules: expertise, conflicts, assignments, reviews, decisions.

Everything a reviewer is shown passes through ``blinded()``, which copies only the fields a
double-blind review may reveal (never the author, co-speakers, organisations or e-mails).
Chairs get the full submission. Permission questions are asked in ``conference.permissions``.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from jinja2 import TemplateError
from jinja2.sandbox import SecurityError
from sqlalchemy.exc import IntegrityError

from conference import audit, mail
from conference.accounts.models import Role, RoleAssignment, User
from conference.db import utcnow
from conference.editions.models import Edition, MailTemplate
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import can, committee_conflicts, edition_writable
from conference.programme.models import Track
from conference.review.assignment import Proposal, ReviewerProfile, SubmissionSlot, propose
from conference.review.models import (
    Conflict as ConflictOfInterest,
)
from conference.review.models import (
    ConflictOverride,
    ConflictSource,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewerExpertise,
)
from conference.signals import session_changed
from conference.submissions.models import Decision, Submission, SubmissionState

SCORE_FIELDS = ("relevance", "quality", "originality")
RECOMMENDATION_LABELS = {
    Recommendation.ACCEPT: "Accept",
    Recommendation.WEAK_ACCEPT: "Weak accept",
    Recommendation.WEAK_REJECT: "Weak reject",
    Recommendation.REJECT: "Reject",
}
ACCEPT_SIDE = {Recommendation.ACCEPT, Recommendation.WEAK_ACCEPT}
REJECT_SIDE = {Recommendation.WEAK_REJECT, Recommendation.REJECT}
DISAGREEMENT_SPREAD = 2.0
MAX_COMMENT = 20_000

# Domains shared by unrelated people: a common webmail domain is no conflict of interest.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "aol.com",
        "mail.com",
        "yandex.com",
        "example.org",
        "example.com",
    }
)

DECISION_LABELS = {
    Decision.PENDING: "Pending",
    Decision.ACCEPTED: "Accepted",
    Decision.REJECTED: "Rejected",
    Decision.WAITLISTED: "Waitlisted",
}
DECISION_TEMPLATE_KEYS = {
    Decision.ACCEPTED: "decision_accepted",
    Decision.REJECTED: "decision_rejected",
    Decision.WAITLISTED: "decision_waitlisted",
}
DEFAULT_TEMPLATES = {
    "decision_accepted": (
        "Your submission to {{ edition_title }} has been accepted",
        "Dear {{ speaker_name }},\n\n"
        "we are pleased to tell you that “{{ title }}” has been accepted for "
        "{{ edition_title }}.\n\n"
        "{% if comments_to_authors %}Comments from the programme committee:\n\n"
        "{{ comments_to_authors }}\n\n{% endif %}"
        "You can follow your submission here: {{ link }}\n\n"
        "With kind regards,\nThe programme committee",
    ),
    "decision_rejected": (
        "Your submission to {{ edition_title }}",
        "Dear {{ speaker_name }},\n\n"
        "thank you for submitting “{{ title }}” to {{ edition_title }}. We regret that we "
        "could not include it in this year's programme.\n\n"
        "{% if comments_to_authors %}Comments from the programme committee:\n\n"
        "{{ comments_to_authors }}\n\n{% endif %}"
        "Your submission: {{ link }}\n\n"
        "With kind regards,\nThe programme committee",
    ),
    "decision_waitlisted": (
        "Your submission to {{ edition_title }} is on the waiting list",
        "Dear {{ speaker_name }},\n\n"
        "“{{ title }}” is on the waiting list for {{ edition_title }}. We will write again "
        "if a place in the programme becomes free.\n\n"
        "{% if comments_to_authors %}Comments from the programme committee:\n\n"
        "{{ comments_to_authors }}\n\n{% endif %}"
        "Your submission: {{ link }}\n\n"
        "With kind regards,\nThe programme committee",
    ),
}
TEMPLATE_VARIABLES = (
    "title",
    "speaker_name",
    "comments_to_authors",
    "edition_title",
    "edition_year",
    "link",
)


# --- lookups -------------------------------------------------------------------------------


def get_submission(edition: Edition, submission_id: int) -> Submission:
    """A submission of ``edition`` (404 for other editions' or unknown ids)."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.edition_id != edition.id:
        raise NotFound("There is no such submission in this edition.")
    return submission


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such person.")
    return user


def reviewable_submissions(edition: Edition) -> list[Submission]:
    """Submitted (not draft, not withdrawn) submissions of ``edition``, by id."""
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(
                Submission.edition_id == edition.id,
                Submission.state == SubmissionState.SUBMITTED,
            )
            .options(so.selectinload(Submission.co_speakers), so.selectinload(Submission.author))
            .order_by(Submission.id)
        )
    )


def reviewers(edition: Edition) -> list[User]:
    """The programme committee: everyone with the reviewer role in ``edition``."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.edition_id == edition.id,
                RoleAssignment.role == Role.REVIEWER,
                User.deleted_at.is_(None),
            )
            .order_by(User.id)
        )
    )


def is_pool_member(user: User, edition: Edition) -> bool:
    return (
        db.session.scalar(
            sa.select(RoleAssignment.id).where(
                RoleAssignment.edition_id == edition.id,
                RoleAssignment.user_id == user.id,
                RoleAssignment.role == Role.REVIEWER,
            )
        )
        is not None
    )


def tracks(edition: Edition) -> list[Track]:
    return list(
        db.session.scalars(
            sa.select(Track)
            .where(Track.edition_id == edition.id)
            .order_by(Track.position, Track.name)
        )
    )


def _require(actor, action: str, obj=None, *, edition=None) -> None:
    if not can(actor, action, obj, edition=edition):
        raise NotAllowed("You do not have permission to do this.")


def _flush(message: str) -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message) from None


def _commit(message: str) -> None:
    """Commit; a unique-constraint race (two tabs, two chairs) becomes a 409, not a 500."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message) from None


# --- blinding ------------------------------------------------------------------------------


def blinded(submission: Submission) -> dict:
    """The only fields of a submission a reviewer may see (double-blind)."""
    return {
        "id": submission.id,
        "title": submission.title,
        "type": submission.type.name if submission.type else None,
        "type_id": submission.type_id,
        "track": submission.track.name if submission.track else None,
        "track_id": submission.track_id,
        "abstract": submission.abstract,
        "keywords": submission.keywords,
        "audience": submission.audience,
        "state": submission.state,
        "submitted_at": submission.submitted_at,
    }


def speakers(submission: Submission) -> list[dict]:
    """Author and confirmed co-speakers (chairs only): name, e-mail, organisation, user."""
    out = []
    if submission.author is not None:
        out.append(
            {
                "name": submission.author.display_name,
                "email": submission.author.email,
                "organisation": submission.author.organisation,
                "user": submission.author,
                "role": "author",
            }
        )
    for co in submission.co_speakers:
        if co.confirmed_at is None:
            continue
        user = co.user
        out.append(
            {
                "name": co.name or (user.display_name if user else co.email),
                "email": co.email,
                "organisation": user.organisation if user else "",
                "user": user,
                "role": "co-speaker",
            }
        )
    return out


# --- expertise -----------------------------------------------------------------------------


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


# --- conflicts -----------------------------------------------------------------------------


def _organisation(value: str | None) -> str:
    return " ".join((value or "").split()).casefold()


def _domain(email: str | None) -> str:
    _, _, domain = (email or "").strip().lower().rpartition("@")
    return domain


def detect_conflicts(edition: Edition) -> dict[tuple[int, int], tuple[str, str]]:
    """Automatic conflicts: {(reviewer_id, submission_id): (source, reason)}.

    A reviewer is conflicted with a submission they wrote or co-speak on (matched by account
    or e-mail), whose author or any co-speaker works at the same organisation (compared
    case-insensitively, spaces trimmed), or shares their e-mail domain (common webmail
    domains and the edition's shared domains excepted). Reasons never name the author:
    reviewers may read them.
    """
    pool = reviewers(edition)
    shared = PUBLIC_MAIL_DOMAINS | set(shared_domains(edition))
    found: dict[tuple[int, int], tuple[str, str]] = {}
    for submission in reviewable_submissions(edition):
        people: list[tuple[int | None, str, str]] = []  # (user id, e-mail, organisation)
        if submission.author is not None:
            people.append(
                (submission.author.id, submission.author.email, submission.author.organisation)
            )
        for co in submission.co_speakers:
            people.append((co.user_id, co.email, co.user.organisation if co.user else ""))
        for reviewer in pool:
            key = (reviewer.id, submission.id)
            email = reviewer.email.lower()
            org = _organisation(reviewer.organisation)
            domain = _domain(reviewer.email)
            for index, (user_id, their_email, their_org) in enumerate(people):
                if user_id == reviewer.id or (their_email or "").lower() == email:
                    source = ConflictSource.AUTHOR if index == 0 else ConflictSource.CO_SPEAKER
                    found[key] = (source, "You are a speaker of this submission.")
                    break
                if org and org == _organisation(their_org):
                    found.setdefault(
                        key,
                        (ConflictSource.SAME_ORGANISATION, "A speaker shares your organisation."),
                    )
                elif domain and domain not in shared and domain == _domain(their_email):
                    found.setdefault(
                        key, (ConflictSource.SAME_DOMAIN, "A speaker shares your e-mail domain.")
                    )
    return found


@dataclass
class ConflictRefresh:
    added: int = 0
    removed: int = 0
    unassigned: list[tuple[int, int]] = field(default_factory=list)


def refresh_automatic_conflicts(edition: Edition, actor=None) -> ConflictRefresh:
    """Bring the automatic conflicts up to date and drop assignments they now forbid.

    Declared conflicts are left alone. Runs before every assignment (manual or automatic).
    """
    wanted = detect_conflicts(edition)
    for key, source in overrides(edition).items():
        if key in wanted and wanted[key][0] == source:
            del wanted[key]
    rows = list(
        db.session.scalars(
            sa.select(ConflictOfInterest).where(ConflictOfInterest.edition_id == edition.id)
        )
    )
    result = ConflictRefresh()
    existing = {(c.reviewer_id, c.submission_id): c for c in rows}
    for key, row in existing.items():
        if row.source != ConflictSource.DECLARED and key not in wanted:
            db.session.delete(row)
            result.removed += 1
    for key, (source, reason) in wanted.items():
        row = existing.get(key)
        if row is None:
            db.session.add(
                ConflictOfInterest(
                    edition_id=edition.id,
                    reviewer_id=key[0],
                    submission_id=key[1],
                    source=source,
                    reason=reason,
                )
            )
            result.added += 1
        elif row.source != ConflictSource.DECLARED and row.source != source:
            row.source, row.reason = source, reason
    db.session.flush()
    result.unassigned = _drop_conflicted_assignments(edition, actor)
    if result.added or result.removed or result.unassigned:
        audit.record(
            actor,
            "review.conflicts_refreshed",
            edition,
            edition=edition,
            added=result.added,
            removed=result.removed,
            unassigned=[list(p) for p in result.unassigned],
        )
    return result


def _drop_conflicted_assignments(edition: Edition, actor) -> list[tuple[int, int]]:
    rows = db.session.execute(
        sa.select(ReviewAssignment)
        .join(
            ConflictOfInterest,
            sa.and_(
                ConflictOfInterest.reviewer_id == ReviewAssignment.reviewer_id,
                ConflictOfInterest.submission_id == ReviewAssignment.submission_id,
            ),
        )
        .where(ReviewAssignment.edition_id == edition.id)
    ).scalars()
    dropped = []
    for assignment in rows:
        dropped.append((assignment.reviewer_id, assignment.submission_id))
        db.session.delete(assignment)
    db.session.flush()
    return dropped


# --- shared domains and overrides ----------------------------------------------------------

OVERRIDABLE_SOURCES = frozenset({ConflictSource.SAME_ORGANISATION, ConflictSource.SAME_DOMAIN})
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def shared_domains(edition: Edition) -> list[str]:
    """The edition's e-mail domains that create no conflict (one per line or comma)."""
    text = edition.conflict_free_domains or ""
    return sorted({d for d in re.split(r"[\s,;]+", text.lower()) if d})


def save_conflict_rules(actor, edition: Edition, domains_text: str, withdrawn_talks: str) -> None:
    """Organisers: the shared domains and what a withdrawn talk does to the programme.

    The automatic conflicts are refreshed at once (assignments they now forbid are dropped).
    """
    if not can(actor, "edition.edit", edition=edition):
        raise NotAllowed("Only the edition's organisers may change these rules.")
    if withdrawn_talks not in ("cancel", "remove"):
        raise DomainError("Choose what happens to a withdrawn talk's session.")
    domains = sorted({d.lstrip("@") for d in re.split(r"[\s,;]+", domains_text.lower()) if d})
    bad = [d for d in domains if not _DOMAIN_RE.match(d)]
    if bad:
        raise DomainError(
            "These are not e-mail domains (write them like ec.europa.eu): " + ", ".join(bad)
        )
    if len(domains) > 200:
        raise DomainError("List at most 200 shared domains.")
    before = (shared_domains(edition), edition.withdrawn_talks)
    edition.conflict_free_domains = "\n".join(domains)
    edition.withdrawn_talks = withdrawn_talks
    if before == (domains, withdrawn_talks):
        return
    audit.record(
        actor,
        "review.conflict_rules",
        edition,
        edition=edition,
        shared_domains=domains,
        withdrawn_talks=withdrawn_talks,
    )
    db.session.flush()
    if before[0] != domains:
        refresh_automatic_conflicts(edition, actor)
    db.session.commit()


def overrides(edition: Edition) -> dict[tuple[int, int], str]:
    """{(reviewer_id, submission_id): overridden source} of the edition."""
    return {
        (o.reviewer_id, o.submission_id): o.source
        for o in db.session.scalars(
            sa.select(ConflictOverride).where(ConflictOverride.edition_id == edition.id)
        )
    }


def overrides_of(submission: Submission) -> list[ConflictOverride]:
    return list(
        db.session.scalars(
            sa.select(ConflictOverride)
            .where(ConflictOverride.submission_id == submission.id)
            .order_by(ConflictOverride.id)
        )
    )


def override_conflict(actor, submission: Submission, reviewer: User, reason: str) -> None:
    """A chair lifts an automatic conflict (same organisation or e-mail domain) with a reason.

    Never a declared conflict, nor being a speaker of the submission. Written to the audit
    log; the automatic refresh skips the pair from then on (until the source changes).
    """
    edition = db.session.get(Edition, submission.edition_id)
    _require(actor, "review.decide", submission)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("Give the reason for the override.")
    if len(reason) > 400:
        raise DomainError("The reason may have at most 400 characters.")
    row = db.session.scalar(
        sa.select(ConflictOfInterest).where(
            ConflictOfInterest.reviewer_id == reviewer.id,
            ConflictOfInterest.submission_id == submission.id,
        )
    )
    if row is None:
        raise NotFound(f"{reviewer.display_name} has no conflict with this submission.")
    if row.source == ConflictSource.DECLARED:
        raise Conflict(
            f"{reviewer.display_name} declared this conflict; a declared conflict cannot be "
            "overridden (only the reviewer can withdraw it)."
        )
    if row.source not in OVERRIDABLE_SOURCES:
        raise Conflict(f"{reviewer.display_name} is a speaker of this submission.")
    existing = db.session.scalar(
        sa.select(ConflictOverride).where(
            ConflictOverride.reviewer_id == reviewer.id,
            ConflictOverride.submission_id == submission.id,
        )
    )
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    db.session.add(
        ConflictOverride(
            edition_id=edition.id,
            reviewer_id=reviewer.id,
            submission_id=submission.id,
            source=row.source,
            reason=reason,
            overridden_by_id=actor.id,
        )
    )
    db.session.delete(row)
    audit.record(
        actor,
        "review.conflict_overridden",
        submission,
        edition=edition,
        reviewer_id=reviewer.id,
        source=row.source,
        reason=reason,
    )
    _commit("The conflicts changed at the same time elsewhere; please reload the page.")


def restore_conflict(actor, submission: Submission, reviewer: User) -> None:
    """Take a chair's override back: the automatic conflict applies again."""
    edition = db.session.get(Edition, submission.edition_id)
    _require(actor, "review.decide", submission)
    row = db.session.scalar(
        sa.select(ConflictOverride).where(
            ConflictOverride.reviewer_id == reviewer.id,
            ConflictOverride.submission_id == submission.id,
        )
    )
    if row is None:
        raise NotFound("There is no override for this reviewer and submission.")
    db.session.delete(row)
    audit.record(
        actor, "review.conflict_restored", submission, edition=edition, reviewer_id=reviewer.id
    )
    db.session.flush()
    refresh_automatic_conflicts(edition, actor)
    db.session.commit()


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


def conflict_pairs(edition: Edition) -> set[tuple[int, int]]:
    """(reviewer_id, submission_id) of every conflict of the edition."""
    return {
        (r, s)
        for r, s in db.session.execute(
            sa.select(ConflictOfInterest.reviewer_id, ConflictOfInterest.submission_id).where(
                ConflictOfInterest.edition_id == edition.id
            )
        )
    }


def conflicts_of(user: User, edition: Edition) -> list[ConflictOfInterest]:
    return list(
        db.session.scalars(
            sa.select(ConflictOfInterest)
            .where(
                ConflictOfInterest.edition_id == edition.id,
                ConflictOfInterest.reviewer_id == user.id,
            )
            .order_by(ConflictOfInterest.submission_id)
        )
    )


def declare_conflict(actor, submission: Submission, reason: str = "") -> ConflictOfInterest:
    """A committee member declares a conflict; any assignment to it is removed."""
    edition = db.session.get(Edition, submission.edition_id)
    _require(actor, "review.participate", edition=edition)
    if not edition_writable(actor, edition):
        raise NotAllowed(f"The {edition.year} edition is archived and read-only.")
    if submission.state != SubmissionState.SUBMITTED:
        raise NotFound("There is no such submission under review.")
    reason = (reason or "").strip()[:400]
    row = db.session.scalar(
        sa.select(ConflictOfInterest).where(
            ConflictOfInterest.reviewer_id == actor.id,
            ConflictOfInterest.submission_id == submission.id,
        )
    )
    if row is None:
        row = ConflictOfInterest(
            edition_id=edition.id,
            reviewer_id=actor.id,
            submission_id=submission.id,
            source=ConflictSource.DECLARED,
            reason=reason,
        )
        db.session.add(row)
    else:
        row.source, row.reason = ConflictSource.DECLARED, reason or row.reason
    _flush("This conflict was declared at the same time elsewhere.")
    dropped = _drop_conflicted_assignments(edition, actor)
    audit.record(
        actor,
        "review.conflict_declared",
        submission,
        edition=edition,
        unassigned=bool(dropped),
    )
    _commit("This conflict was declared at the same time elsewhere.")
    return row


def withdraw_conflict(actor, submission: Submission) -> None:
    """Withdraw one's own declared conflict (automatic ones cannot be withdrawn)."""
    edition = db.session.get(Edition, submission.edition_id)
    _require(actor, "review.participate", edition=edition)
    row = db.session.scalar(
        sa.select(ConflictOfInterest).where(
            ConflictOfInterest.reviewer_id == actor.id,
            ConflictOfInterest.submission_id == submission.id,
        )
    )
    if row is None:
        raise NotFound("You have declared no conflict with this submission.")
    if row.source != ConflictSource.DECLARED:
        raise Conflict("This conflict was found automatically and cannot be withdrawn.")
    db.session.delete(row)
    audit.record(actor, "review.conflict_withdrawn", submission, edition=edition)
    db.session.commit()


# --- assignments ---------------------------------------------------------------------------


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
    from conference.urls import external_url

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


# --- reviews -------------------------------------------------------------------------------


def _review_row(reviewer: User, submission: Submission) -> Review | None:
    return db.session.scalar(
        sa.select(Review).where(
            Review.reviewer_id == reviewer.id, Review.submission_id == submission.id
        )
    )


def own_review(user: User, submission: Submission) -> Review | None:
    """The caller's review of a submission they may read (else NotAllowed)."""
    _require(user, "review.read", submission)
    return _review_row(user, submission)


def review_closed(edition: Edition, now: dt.datetime | None = None) -> bool:
    """True once the review deadline has passed (no deadline: never closed)."""
    return edition.review_deadline is not None and (now or utcnow()) >= edition.review_deadline


def _clean_score(name: str, value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DomainError(f"The {name} score must be a whole number from 1 to 5.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(f"The {name} score must be a whole number from 1 to 5.") from None
    if isinstance(value, float) and value != number:
        raise DomainError(f"The {name} score must be a whole number from 1 to 5.")
    if not 1 <= number <= 5:
        raise DomainError(f"The {name} score must be a whole number from 1 to 5.")
    return number


def _clean_text(name: str, value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError(f"The {name} must be text.")
    if len(value) > MAX_COMMENT:
        raise DomainError(f"The {name} may have at most {MAX_COMMENT} characters.")
    return value.replace("\r\n", "\n").strip()


def save_review(reviewer: User, submission: Submission, data: dict, *, submit: bool) -> Review:
    """Save the reviewer's draft or submit it; edits are possible until the review deadline.

    A submitted review stays submitted: later edits must still be complete.
    """
    edition = db.session.get(Edition, submission.edition_id)
    _require(reviewer, "review.write", submission)
    if review_closed(edition):
        raise Conflict("The review deadline has passed; reviews can no longer be changed.")
    if submission.state != SubmissionState.SUBMITTED:
        raise Conflict("This submission is no longer under review.")
    values = {name: _clean_score(name, data.get(name)) for name in SCORE_FIELDS}
    recommendation = data.get("recommendation") or None
    if recommendation is not None and recommendation not in set(Recommendation):
        raise DomainError("Choose accept, weak accept, weak reject or reject.")
    comments = _clean_text("comments to the authors", data.get("comments_to_authors"))
    confidential = _clean_text("confidential comments", data.get("confidential_comments"))
    review = _review_row(reviewer, submission)
    submit = submit or (review is not None and review.submitted_at is not None)
    if submit:
        missing = [n for n in SCORE_FIELDS if values[n] is None]
        if recommendation is None:
            missing.append("recommendation")
        if missing:
            raise DomainError(
                "To submit, give every score and a recommendation (missing: "
                + ", ".join(missing)
                + ")."
            )
    if review is None:
        review = Review(edition_id=edition.id, submission_id=submission.id, reviewer_id=reviewer.id)
        db.session.add(review)
    for name, value in values.items():
        setattr(review, name, value)
    review.recommendation = recommendation
    review.comments_to_authors = comments
    review.confidential_comments = confidential
    first_submission = submit and review.submitted_at is None
    if first_submission:
        review.submitted_at = utcnow()
    _flush("Your review was saved at the same time elsewhere; please reload the page.")
    audit.record(
        reviewer,
        "review.submitted" if first_submission else "review.saved",
        review,
        edition=edition,
        submission_id=submission.id,
        submitted=review.submitted_at is not None,
    )
    _commit("Your review was saved at the same time elsewhere; please reload the page.")
    return review


def review_score(review: Review, *, exact: bool = False) -> float | None:
    """A review's overall score: the mean of relevance, quality and originality (1–5)."""
    scores = [getattr(review, n) for n in SCORE_FIELDS]
    if any(s is None for s in scores):
        return None
    mean = sum(scores) / 3
    return mean if exact else round(mean, 2)


def visible_reviews(user: User, submission: Submission) -> list[dict]:
    """Other people's submitted reviews, if the caller may see them.

    Reviewers see them only after submitting their own, labelled "Reviewer 1, 2…";
    chairs see every submitted review with the reviewer's name.
    """
    if not can(user, "review.read_others", submission):
        return []
    chair = can(user, "review.chair", edition=db.session.get(Edition, submission.edition_id))
    rows = db.session.scalars(
        sa.select(Review)
        .where(Review.submission_id == submission.id, Review.submitted_at.is_not(None))
        .order_by(Review.id)
    )
    out = []
    for number, review in enumerate(rows, start=1):
        if review.reviewer_id == user.id and not chair:
            continue
        reviewer = db.session.get(User, review.reviewer_id) if chair else None
        out.append(
            {
                "label": reviewer.display_name if reviewer else f"Reviewer {number}",
                "own": review.reviewer_id == user.id,
                "relevance": review.relevance,
                "quality": review.quality,
                "originality": review.originality,
                "score": review_score(review),
                "recommendation": review.recommendation,
                "comments_to_authors": review.comments_to_authors,
                "confidential_comments": review.confidential_comments,
                "submitted_at": review.submitted_at,
            }
        )
    return out


@dataclass
class AssignmentRow:
    submission: dict  # blinded
    review: Review | None

    @property
    def status(self) -> str:
        if self.review is None:
            return "not started"
        return "submitted" if self.review.submitted_at else "draft"


def my_assignments(user: User, edition: Edition) -> list[AssignmentRow]:
    """The caller's assigned (and not conflicted) submissions, blinded, with review status."""
    conflicted = {s for r, s in conflict_pairs(edition) if r == user.id}
    assigned = db.session.scalars(
        sa.select(Submission)
        .join(ReviewAssignment, ReviewAssignment.submission_id == Submission.id)
        .where(ReviewAssignment.reviewer_id == user.id, ReviewAssignment.edition_id == edition.id)
        .order_by(Submission.id)
    )
    reviews = {
        r.submission_id: r
        for r in db.session.scalars(
            sa.select(Review).where(Review.reviewer_id == user.id, Review.edition_id == edition.id)
        )
    }
    return [
        AssignmentRow(blinded(s), reviews.get(s.id))
        for s in assigned
        if s.id not in conflicted and can(user, "review.read", s)
    ]


@dataclass
class AssignmentNeighbours:
    """Where a reviewer can go from one assignment: the one before and after in "My reviews",
    and the next one still waiting for their review (after this one, wrapping around)."""

    previous: dict | None = None
    next: dict | None = None
    next_open: dict | None = None
    position: int | None = None
    total: int = 0


def assignment_neighbours(user: User, edition: Edition, submission_id: int) -> AssignmentNeighbours:
    rows = my_assignments(user, edition)
    ids = [row.submission["id"] for row in rows]
    if submission_id not in ids:
        waiting = [row.submission for row in rows if row.status != "submitted"]
        return AssignmentNeighbours(next_open=waiting[0] if waiting else None, total=len(rows))
    index = ids.index(submission_id)
    after = rows[index + 1 :] + rows[:index]
    waiting = [row.submission for row in after if row.status != "submitted"]
    return AssignmentNeighbours(
        previous=rows[index - 1].submission if index > 0 else None,
        next=rows[index + 1].submission if index + 1 < len(rows) else None,
        next_open=waiting[0] if waiting else None,
        position=index + 1,
        total=len(rows),
    )


# --- chairs' dashboard ---------------------------------------------------------------------


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


# --- decisions -----------------------------------------------------------------------------


def decide(actor, submission: Submission, decision: str, *, commit: bool = True) -> bool:
    """Record a decision (accepted, rejected, waitlisted or back to pending).

    Changing a published decision makes it unpublished again, so that publishing sends the
    speakers the new decision. Returns whether anything changed.
    """
    edition = db.session.get(Edition, submission.edition_id)
    _require(actor, "review.decide", submission)
    if decision not in set(Decision):
        raise DomainError("Choose accepted, rejected, waitlisted or pending.")
    if submission.state != SubmissionState.SUBMITTED:
        raise Conflict(
            f"Submission #{submission.id} is not under review (it is {submission.state})."
        )
    if submission.decision == decision:
        return False
    previous = submission.decision
    submission.decision = decision
    submission.decided_at = utcnow() if decision != Decision.PENDING else None
    was_published = submission.decision_published_at is not None
    submission.decision_published_at = None
    audit.record(
        actor,
        "review.decision",
        submission,
        edition=edition,
        decision=decision,
        previous=previous,
        was_published=was_published,
    )
    if commit:
        db.session.commit()
    return True


def decide_many(actor, edition: Edition, submission_ids, decision: str) -> int:
    """The same decision for several submissions, all or nothing."""
    _require(actor, "review.manage", edition=edition)
    ids = sorted({int(i) for i in submission_ids})
    if not ids:
        raise DomainError("Select at least one submission.")
    changed = 0
    try:
        for submission_id in ids:
            changed += decide(actor, get_submission(edition, submission_id), decision, commit=False)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return changed


def mail_template(edition: Edition, key: str) -> tuple[str, str, bool]:
    """(subject, body, customised) of a decision template."""
    if key not in DEFAULT_TEMPLATES:
        raise NotFound("There is no such mail template.")
    row = db.session.scalar(
        sa.select(MailTemplate).where(
            MailTemplate.edition_id == edition.id, MailTemplate.key == key
        )
    )
    if row is None:
        return (*DEFAULT_TEMPLATES[key], False)
    return row.subject, row.body, True


SAMPLE_CONTEXT = {
    "title": "A sample submission",
    "speaker_name": "Sam Speaker",
    "comments_to_authors": "Review 1:\nA clear and timely proposal.",
    "edition_title": "Sample edition",
    "edition_year": 2027,
    "link": "https://example.org/2027/me/submissions",
}


def render_template_source(source: str, context: dict) -> str:
    """Render an organiser-edited template; a broken one becomes a readable DomainError."""
    try:
        return mail.render_sandboxed(source, **context)
    except SecurityError:
        raise DomainError("The template tries to use something that is not allowed.") from None
    except TemplateError as exc:
        raise DomainError(f"The template cannot be used: {exc}") from None


def save_mail_template(actor, edition: Edition, key: str, subject: str, body: str) -> None:
    _require(actor, "review.manage", edition=edition)
    mail_template(edition, key)  # 404 for unknown keys
    subject = (subject or "").strip()
    body = (body or "").replace("\r\n", "\n")
    if not subject or not body.strip():
        raise DomainError("Give both a subject and a body.")
    if len(subject) > 200 or len(body) > 20_000:
        raise DomainError("The subject may have 200 and the body 20,000 characters at most.")
    render_template_source(subject, SAMPLE_CONTEXT)
    render_template_source(body, SAMPLE_CONTEXT)
    row = db.session.scalar(
        sa.select(MailTemplate).where(
            MailTemplate.edition_id == edition.id, MailTemplate.key == key
        )
    )
    if row is None:
        row = MailTemplate(edition_id=edition.id, key=key, subject=subject, body=body)
        db.session.add(row)
    else:
        row.subject, row.body = subject, body
    audit.record(actor, "review.mail_template", ("MailTemplate", key), edition=edition, key=key)
    db.session.commit()


def comments_for_authors(submission: Submission) -> str:
    """The submitted reviews' comments to the authors, numbered, without reviewer names."""
    texts = db.session.scalars(
        sa.select(Review.comments_to_authors)
        .where(Review.submission_id == submission.id, Review.submitted_at.is_not(None))
        .order_by(Review.id)
    )
    parts = [t.strip() for t in texts if t and t.strip()]
    return "\n\n".join(f"Review {i}:\n{text}" for i, text in enumerate(parts, start=1))


def _speaker_link(edition: Edition, submission: Submission) -> str:
    """Where a speaker reads the decision: their submission page (or their list)."""
    from conference.urls import external_url

    if "submissions.show" in current_app.view_functions:
        return external_url("submissions.show", year=edition.year, submission_id=submission.id)
    if "submissions.mine" in current_app.view_functions:
        return external_url("submissions.mine", year=edition.year)
    return external_url("editions.edition_home", year=edition.year)


def decision_mails(submission: Submission) -> list[tuple[str, str, str]]:
    """(to, subject, body) for each speaker: the author and confirmed co-speakers."""
    edition = db.session.get(Edition, submission.edition_id)
    key = DECISION_TEMPLATE_KEYS[Decision(submission.decision)]
    subject_source, body_source, _ = mail_template(edition, key)
    comments = comments_for_authors(submission)
    link = _speaker_link(edition, submission)
    out = []
    seen = set()
    for person in speakers(submission):
        address = (person["email"] or "").lower()
        if not address or address in seen:
            continue
        seen.add(address)
        context = {
            "title": submission.title,
            "speaker_name": person["name"],
            "comments_to_authors": comments,
            "edition_title": edition.title,
            "edition_year": edition.year,
            "link": link,
        }
        out.append(
            (
                address,
                render_template_source(subject_source, context),
                render_template_source(body_source, context),
            )
        )
    return out


@dataclass
class PublicationMail:
    """One mail that publishing a decision sends."""

    submission: Submission
    to: str
    name: str
    subject: str
    body: str


def decisions_to_publish(actor, edition: Edition, submission_ids=None) -> list[Submission]:
    """The decided, unpublished submissions ``actor`` would publish (all, or those of the ids)."""
    _require(actor, "review.manage", edition=edition)
    stmt = sa.select(Submission).where(
        Submission.edition_id == edition.id,
        Submission.state == SubmissionState.SUBMITTED,
        Submission.decision != Decision.PENDING,
        Submission.decision_published_at.is_(None),
    )
    if submission_ids is not None:
        ids = {int(i) for i in submission_ids}
        if not ids:
            raise DomainError("Select at least one submission.")
        stmt = stmt.where(Submission.id.in_(ids))
    return [
        submission
        for submission in db.session.scalars(stmt.order_by(Submission.id)).all()
        if can(actor, "review.decide", submission)
    ]


def publication_mails(submissions: list[Submission]) -> list[PublicationMail]:
    """Every mail publishing ``submissions`` would send, rendered as it will be sent."""
    out = []
    for submission in submissions:
        names = {(p["email"] or "").lower(): p["name"] for p in speakers(submission)}
        for to, subject, body in decision_mails(submission):
            out.append(PublicationMail(submission, to, names.get(to, to), subject, body))
    return out


def publish_decisions(actor, edition: Edition, submission_ids=None) -> int:
    """Mail the speakers of decided, unpublished submissions and mark them published."""
    published = 0
    now = utcnow()
    for submission in decisions_to_publish(actor, edition, submission_ids):
        for to, subject, body in decision_mails(submission):
            mail.queue_rendered(to, subject, body, edition=edition, template="decision")
        submission.decision_published_at = now
        audit.record(
            actor,
            "review.decision_published",
            submission,
            edition=edition,
            decision=submission.decision,
        )
        published += 1
    db.session.commit()
    return published


# --- into the programme --------------------------------------------------------------------


def session_for(submission: Submission):
    from conference.programme.models import ProgrammeSession

    return db.session.scalar(
        sa.select(ProgrammeSession).where(ProgrammeSession.submission_id == submission.id)
    )


def matching_session_type(submission: Submission):
    """The programme session type matching the submission type (by code, then by name)."""
    from conference.programme.models import SessionType

    if submission.type is None:
        return None
    candidates = list(
        db.session.scalars(
            sa.select(SessionType).where(SessionType.edition_id == submission.edition_id)
        )
    )
    code = submission.type.code.casefold()
    name = submission.type.name.casefold()
    for candidate in candidates:
        if candidate.code.casefold() == code:
            return candidate
    for candidate in candidates:
        if candidate.name.casefold() == name:
            return candidate
    return None


class PlacementClash(Conflict):
    """Placing would create clashes and the chair did not choose to place despite them."""

    code = "clashes"

    def __init__(self, clashes: list[str]):
        super().__init__(
            "This placement clashes with the programme; nothing was saved. Tick “place "
            "despite the clashes” to save it anyway: " + " ".join(clashes)
        )
        self.clashes = clashes


def _placement_speakers(submission: Submission) -> list[tuple[int | None, str]]:
    return [(p["user"].id if p["user"] else None, p["name"][:200]) for p in speakers(submission)]


def placement_clashes(
    submission: Submission, *, starts_at: dt.datetime, duration_minutes: int, room_id: int | None
) -> list[str]:
    """Room, speaker and date clashes the placement would create (the programme's rules)."""
    from conference.programme.services import placement_clashes as programme_clashes

    edition = db.session.get(Edition, submission.edition_id)
    return programme_clashes(
        edition,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=duration_minutes),
        room_id=room_id,
        speakers=_placement_speakers(submission),
    )


def place_in_programme(
    actor,
    submission: Submission,
    *,
    starts_at: dt.datetime,
    duration_minutes: int,
    room_id: int | None,
    type_id: int | None,
    allow_clashes: bool = False,
):
    """Make an accepted submission a programme session with its speakers.

    Refused with the list of clashes (room, speakers, the edition's dates) unless the chair
    chose to place it despite them (``allow_clashes``); the audit log keeps the clashes.
    Speakers with an account and no registration are offered the edition's speaker
    accreditation category; an existing registration keeps its requested category and
    nomination. Speakers left without a registration get a mail with the way to register.
    """
    from conference.editions.services import touch_programme
    from conference.programme.models import ProgrammeSession, Room, SessionSpeaker, SessionType

    edition = db.session.get(Edition, submission.edition_id)
    _require(actor, "review.decide", submission)
    if submission.state != SubmissionState.SUBMITTED or submission.decision != Decision.ACCEPTED:
        raise Conflict("Only accepted submissions can be placed in the programme.")
    if session_for(submission) is not None:
        raise Conflict("This submission is already in the programme.")
    if starts_at.tzinfo is None:
        raise DomainError("The start time needs a time zone.")
    if not 5 <= duration_minutes <= 24 * 60:
        raise DomainError("The duration must be between 5 minutes and 24 hours.")
    if room_id is not None:
        room = db.session.get(Room, room_id)
        if room is None or room.edition_id != edition.id:
            raise DomainError("Choose a room of this edition.")
    if type_id is not None:
        session_type = db.session.get(SessionType, type_id)
        if session_type is None or session_type.edition_id != edition.id:
            raise DomainError("Choose a session type of this edition.")
    clashes = placement_clashes(
        submission, starts_at=starts_at, duration_minutes=duration_minutes, room_id=room_id
    )
    if clashes and not allow_clashes:
        raise PlacementClash(clashes)
    session = ProgrammeSession(
        edition_id=edition.id,
        title=submission.title,
        description=submission.abstract,
        track_id=submission.track_id,
        type_id=type_id,
        room_id=room_id,
        starts_at=starts_at.astimezone(dt.UTC),
        ends_at=(starts_at + dt.timedelta(minutes=duration_minutes)).astimezone(dt.UTC),
        submission_id=submission.id,
    )
    people = speakers(submission)
    for position, person in enumerate(people):
        user = person["user"]
        session.speakers.append(
            SessionSpeaker(
                user_id=user.id if user else None,
                name=person["name"][:200],
                organisation=(person["organisation"] or "")[:200],
                position=position,
            )
        )
    db.session.add(session)
    db.session.flush()
    offered = _offer_speaker_category(actor, edition, session)
    to_register = _invite_to_register(edition, session, people, offered)
    touch_programme(edition)
    audit.record(
        actor,
        "review.placed_in_programme",
        submission,
        edition=edition,
        session_id=session.id,
        offered=offered,
        invited_to_register=len(to_register),
        clashes=clashes,
        placed_despite_clashes=bool(clashes),
    )
    db.session.flush()
    session_changed.send(session, actor=actor)
    db.session.commit()
    return session


def _offer_speaker_category(actor, edition: Edition, session) -> list[int]:
    """Offer the speaker category to each speaker with an account; returns their ids.

    Without a speaker category in the edition nothing is offered (the page says so). The
    offer never changes an existing registration's category or nomination.
    """
    from conference.accreditation.services import accreditation_category_offer, speaker_category

    category = speaker_category(edition)
    if category is None:
        return []
    offered = []
    for speaker in session.speakers:
        if speaker.user_id is None:
            continue
        user = db.session.get(User, speaker.user_id)
        accreditation_category_offer(user, edition, category, actor)
        offered.append(user.id)
    return offered


def _invite_to_register(edition: Edition, session, people: list[dict], offered) -> list[str]:
    """Mail the speakers who still have no registration the way to register; returns the
    addresses written to."""
    from conference.accreditation.services import registration_for
    from conference.programme.services import span
    from conference.urls import external_url

    written = []
    for person in people:
        user = person["user"]
        if user is not None and (user.id in offered or registration_for(user, edition)):
            continue
        if not person["email"] or person["email"] in written:
            continue
        mail.queue(
            person["email"],
            "review_speaker_register",
            f"{edition.acronym or edition.title}: your talk is in the programme – please register",
            edition=edition,
            name=person["name"],
            session=session,
            when=span(session, edition),
            register_link=external_url("accreditation.register", year=edition.year),
        )
        written.append(person["email"])
    return written


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
