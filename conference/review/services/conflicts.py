"""Conflicts of interest: found automatically (speaker, same organisation, same e-mail
domain), declared by reviewers, lifted by a chair's override; the edition's shared domains.

A conflict always wins over an assignment: refreshing the automatic conflicts drops the
assignments they now forbid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit
from conference.accounts.models import User
from conference.editions.models import Edition
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import can, edition_writable
from conference.review.models import Conflict as ConflictOfInterest
from conference.review.models import ConflictOverride, ConflictSource, ReviewAssignment
from conference.review.services.lookups import (
    _commit,
    _flush,
    _require,
    reviewable_submissions,
    reviewers,
)
from conference.submissions.models import Submission, SubmissionState

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


# How the pages name a conflict's source (the stored value stays English).
CONFLICT_SOURCE_LABELS = {
    ConflictSource.DECLARED: _l("declared"),
    ConflictSource.SAME_ORGANISATION: _l("same organisation"),
    ConflictSource.SAME_DOMAIN: _l("same domain"),
    ConflictSource.CO_SPEAKER: _l("co speaker"),
    ConflictSource.AUTHOR: _l("author"),
}

# The stored reason of an automatic conflict (English, as ``detect_conflicts`` writes it),
# shown in the reader's language by ``conflict_reason``.
_AUTOMATIC_REASONS = {
    ConflictSource.AUTHOR: _l("You are a speaker of this submission."),
    ConflictSource.CO_SPEAKER: _l("You are a speaker of this submission."),
    ConflictSource.SAME_ORGANISATION: _l("A speaker shares your organisation."),
    ConflictSource.SAME_DOMAIN: _l("A speaker shares your e-mail domain."),
}


def conflict_reason(conflict: ConflictOfInterest) -> str:
    """A conflict's reason for display: an automatic one translated, a declared one as typed."""
    if conflict.source == ConflictSource.DECLARED:
        return conflict.reason
    return _AUTOMATIC_REASONS.get(conflict.source, conflict.reason)


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
        raise NotAllowed(_("Only the edition's organisers may change these rules."))
    if withdrawn_talks not in ("cancel", "remove"):
        raise DomainError(_("Choose what happens to a withdrawn talk's session."))
    domains = sorted({d.lstrip("@") for d in re.split(r"[\s,;]+", domains_text.lower()) if d})
    bad = [d for d in domains if not _DOMAIN_RE.match(d)]
    if bad:
        raise DomainError(
            _(
                "These are not e-mail domains (write them like ec.europa.eu): %(domains)s",
                domains=", ".join(bad),
            )
        )
    if len(domains) > 200:
        raise DomainError(_("List at most 200 shared domains."))
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
        raise DomainError(_("Give the reason for the override."))
    if len(reason) > 400:
        raise DomainError(_("The reason may have at most 400 characters."))
    row = db.session.scalar(
        sa.select(ConflictOfInterest).where(
            ConflictOfInterest.reviewer_id == reviewer.id,
            ConflictOfInterest.submission_id == submission.id,
        )
    )
    if row is None:
        raise NotFound(
            _("%(name)s has no conflict with this submission.", name=reviewer.display_name)
        )
    if row.source == ConflictSource.DECLARED:
        raise Conflict(
            _(
                "%(name)s declared this conflict; a declared conflict cannot be "
                "overridden (only the reviewer can withdraw it).",
                name=reviewer.display_name,
            )
        )
    if row.source not in OVERRIDABLE_SOURCES:
        raise Conflict(_("%(name)s is a speaker of this submission.", name=reviewer.display_name))
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
    _commit(_("The conflicts changed at the same time elsewhere; please reload the page."))


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
        raise NotFound(_("There is no override for this reviewer and submission."))
    db.session.delete(row)
    audit.record(
        actor, "review.conflict_restored", submission, edition=edition, reviewer_id=reviewer.id
    )
    db.session.flush()
    refresh_automatic_conflicts(edition, actor)
    db.session.commit()


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


def conflicts_on(submission: Submission) -> list[ConflictOfInterest]:
    """Every conflict with ``submission`` (for its chairs' page), oldest first."""
    return list(
        db.session.scalars(
            sa.select(ConflictOfInterest)
            .where(ConflictOfInterest.submission_id == submission.id)
            .order_by(ConflictOfInterest.id)
        )
    )


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
        raise NotAllowed(_("The %(year)s edition is archived and read-only.", year=edition.year))
    if submission.state != SubmissionState.SUBMITTED:
        raise NotFound(_("There is no such submission under review."))
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
    _flush(_("This conflict was declared at the same time elsewhere."))
    dropped = _drop_conflicted_assignments(edition, actor)
    audit.record(
        actor,
        "review.conflict_declared",
        submission,
        edition=edition,
        unassigned=bool(dropped),
    )
    _commit(_("This conflict was declared at the same time elsewhere."))
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
        raise NotFound(_("You have declared no conflict with this submission."))
    if row.source != ConflictSource.DECLARED:
        raise Conflict(_("This conflict was found automatically and cannot be withdrawn."))
    db.session.delete(row)
    audit.record(actor, "review.conflict_withdrawn", submission, edition=edition)
    db.session.commit()
