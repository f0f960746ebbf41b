"""Demo data for the programme committee of 2027 (runs after the submissions step).

Six reviewers (``reviewer@demo.test`` among them) with expertise across the tracks, some
declared and automatic conflicts, an automatic assignment, reviews in progress (submitted and
drafts) and a few decisions, not all published, so that ``reviewer@demo.test`` and
``chair@demo.test`` have work. Idempotent: the assignment, reviews and decisions are made only
once (when 2027 has no assignment yet).

Then the review of 2027 is put in the discussion phase, the score criteria get the chairs'
descriptors, and a few submissions (one reviewed by ``reviewer@demo.test``) get a discussion
between their reviewers and the chair — each only once.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from conference.accounts import services as accounts
from conference.accounts.models import Role
from conference.db import utcnow
from conference.extensions import db
from conference.permissions import can
from conference.review import services
from conference.review.assignment import ReviewerProfile, SubmissionSlot, propose
from conference.review.models import (
    Conflict,
    ConflictSource,
    DiscussionComment,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewerExpertise,
    ReviewPhase,
    ReviewSettings,
)
from conference.submissions.models import Decision

REVIEWERS = [
    ("reviewer@demo.test", "Rita Reviewer", "Demo organisation"),
    ("pc.amara@demo.test", "Amara Okafor", "University of Ghent"),
    ("pc.bjorn@demo.test", "Björn Lindqvist", "KTH Royal Institute of Technology"),
    ("pc.chiara@demo.test", "Chiara Rossi", "Politecnico di Milano"),
    ("pc.dariusz@demo.test", "Dariusz Nowak", "University of Warsaw"),
    ("pc.elena@demo.test", "Elena García", "CSIC Madrid"),
]

COMMENTS = [
    "A timely topic; the abstract would benefit from a concrete case study.",
    "Well structured. Please state the intended take-aways for practitioners.",
    "Interesting, but the scope overlaps with last year's programme.",
    "Strong proposal with clear relevance for research-performing organisations.",
    "The methodology is unclear from the abstract; please clarify the data used.",
]
CONFIDENTIAL = [
    "Could fit the policy track better.",
    "Speaker quality unknown to me; abstract is fine.",
    "Borderline; I would accept if there is room.",
    "",
]


def seed(demo) -> None:
    _seed_committee(demo)
    db.session.flush()
    _seed_phase_and_discussion(demo)


def _seed_committee(demo) -> None:
    edition = demo.editions[2027]
    if not edition.conflict_free_domains:
        # A large institution whose staff are not conflicted with each other for that alone.
        edition.conflict_free_domains = "ec.europa.eu"
    reviewers = []
    for email, name, organisation in REVIEWERS:
        user = demo.user(email, name, organisation=organisation, country="BE")
        accounts.grant_role(user, edition, Role.REVIEWER)
        reviewers.append(user)
    db.session.flush()

    tracks = services.tracks(edition)
    for index, reviewer in enumerate(reviewers):
        if not tracks:
            break
        wanted = {tracks[index % len(tracks)].id, tracks[(index + 1) % len(tracks)].id}
        have = services.expertise_of(reviewer, edition)
        for track_id in sorted(wanted - have):
            db.session.add(
                ReviewerExpertise(edition_id=edition.id, user_id=reviewer.id, track_id=track_id)
            )
    db.session.flush()

    submissions = services.reviewable_submissions(edition)
    if not submissions:
        return
    # Declared conflicts: two reviewers know the people behind a few submissions, and the chair
    # one (so that the chair's lists show that a conflicted submission is left out).
    declared = [
        (reviewers[1], submissions[0]),
        (reviewers[2], submissions[len(submissions) // 2]),
        (reviewers[0], submissions[-1]),
    ]
    if demo.users.get("chair@demo.test") is not None and len(submissions) > 1:
        declared.append((demo.users["chair@demo.test"], submissions[1]))
    for reviewer, submission in declared:
        exists = db.session.scalar(
            sa.select(Conflict.id).where(
                Conflict.reviewer_id == reviewer.id, Conflict.submission_id == submission.id
            )
        )
        if exists is None:
            db.session.add(
                Conflict(
                    edition_id=edition.id,
                    reviewer_id=reviewer.id,
                    submission_id=submission.id,
                    source=ConflictSource.DECLARED,
                    reason="Close collaborator of a speaker",
                )
            )
    db.session.flush()
    services.refresh_automatic_conflicts(edition)

    already = db.session.scalar(
        sa.select(ReviewAssignment.id).where(ReviewAssignment.edition_id == edition.id).limit(1)
    )
    if already is not None:
        return
    chair = demo.users.get("chair@demo.test")
    expertise = services.expertise_map(edition)
    proposal = propose(
        [SubmissionSlot(s.id, s.track_id) for s in submissions],
        [ReviewerProfile(r.id, frozenset(expertise.get(r.id, ()))) for r in reviewers],
        edition.reviewers_per_submission,
        conflicts=services.conflict_pairs(edition),
        existing=services.existing_assignments(edition),
    )
    for submission_id, reviewer_id in proposal.pairs:
        db.session.add(
            ReviewAssignment(
                edition_id=edition.id,
                submission_id=submission_id,
                reviewer_id=reviewer_id,
                assigned_by_id=chair.id if chair else None,
            )
        )
    db.session.flush()

    rng = random.Random(2027)  # noqa: S311 (demo data)
    now = utcnow()
    recommendations = list(Recommendation)
    rita = reviewers[0]
    rita_left = 0
    for submission_id, reviewer_id in proposal.pairs:
        roll = rng.random()
        if reviewer_id == rita.id and rita_left < 4:
            # leave reviewer@demo.test some work: not started or a draft
            rita_left += 1
            if rita_left % 2:
                continue
            roll = 0.75
        if roll > 0.85:
            continue  # not started
        base = rng.randint(2, 5)
        review = Review(
            edition_id=edition.id,
            submission_id=submission_id,
            reviewer_id=reviewer_id,
            relevance=min(5, max(1, base + rng.randint(-1, 1))),
            quality=min(5, max(1, base + rng.randint(-1, 1))),
            originality=min(5, max(1, base + rng.randint(-1, 1))),
            recommendation=recommendations[min(3, max(0, 5 - base + rng.randint(-1, 0)))],
            comments_to_authors=rng.choice(COMMENTS),
            confidential_comments=rng.choice(CONFIDENTIAL),
        )
        if roll > 0.7:
            review.quality = None  # an unfinished draft
            review.recommendation = None
        else:
            review.submitted_at = now
        db.session.add(review)
    db.session.flush()

    # A few decisions on fully reviewed, still pending submissions; two of them published.
    pending = [s for s in submissions if s.decision == Decision.PENDING]
    decided = 0
    plan = [Decision.ACCEPTED, Decision.ACCEPTED, Decision.REJECTED, Decision.WAITLISTED]
    for submission in pending:
        if decided >= len(plan):
            break
        reviews = db.session.scalars(
            sa.select(Review).where(
                Review.submission_id == submission.id, Review.submitted_at.is_not(None)
            )
        ).all()
        if len(reviews) < 2:
            continue
        submission.decision = plan[decided]
        submission.decided_at = now
        if decided < 2:
            submission.decision_published_at = now
        decided += 1
    db.session.flush()


DEMO_CRITERIA = {
    "relevance": (
        "Does it help research-performing organisations protect their work?",
        ["Off topic", "Loosely related", "Useful to some", "Clearly on topic", "Must be heard"],
    ),
    "quality": (
        "Is the proposal sound, specific and well argued?",
        ["Vague", "Thin evidence", "Sound with gaps", "Solid", "Exemplary"],
    ),
    "originality": (
        "Would the audience learn something new?",
        ["Heard it all", "Mostly familiar", "Some new angles", "Fresh", "Groundbreaking"],
    ),
}

DISCUSSION = [
    "The case study is the strongest part; the rest of the abstract stays general. Could we "
    "suggest a shorter format rather than a full talk?",
    "Agreed on the case study. The abstract promises more than 20 minutes can hold: a "
    "lightning talk would work for me.",
    "Thank you both. I will note a lightning talk for the decision.",
]


def _seed_phase_and_discussion(demo) -> None:
    edition = demo.editions[2027]
    chair = demo.users.get("chair@demo.test")
    existing = {
        c.key
        for c in db.session.scalars(
            sa.select(ReviewCriterion).where(ReviewCriterion.edition_id == edition.id)
        )
    }
    for key, (description, texts) in DEMO_CRITERIA.items():
        if key in existing:
            continue
        criterion = ReviewCriterion(edition_id=edition.id, key=key, description=description)
        for n, text in enumerate(texts, start=1):
            setattr(criterion, f"descriptor_{n}", text)
        db.session.add(criterion)
    settings = db.session.scalar(
        sa.select(ReviewSettings).where(ReviewSettings.edition_id == edition.id)
    )
    if settings is None:
        db.session.add(
            ReviewSettings(
                edition_id=edition.id,
                phase=ReviewPhase.DISCUSSION,
                reviewer_names_visible=False,
                phase_changed_at=utcnow(),
                phase_changed_by_id=chair.id if chair else None,
            )
        )
    db.session.flush()
    started = db.session.scalar(
        sa.select(DiscussionComment.id).where(DiscussionComment.edition_id == edition.id).limit(1)
    )
    if started is not None:
        return
    submitted: dict[int, list[int]] = {}
    for review in db.session.scalars(
        sa.select(Review)
        .where(Review.edition_id == edition.id, Review.submitted_at.is_not(None))
        .order_by(Review.id)
    ):
        submitted.setdefault(review.submission_id, []).append(review.reviewer_id)
    rita = demo.users.get("reviewer@demo.test")
    candidates = sorted(
        (sid for sid, people in submitted.items() if len(people) >= 2),
        key=lambda sid: (rita is None or rita.id not in submitted[sid], sid),
    )
    now = utcnow()
    for submission_id in candidates[:3]:
        submission = services.get_submission(edition, submission_id)
        if submission.decision != Decision.PENDING:
            continue
        people = [services.get_user(uid) for uid in submitted[submission_id][:2]]
        if chair is not None and can(chair, "review.discussion.read", submission):
            people.append(chair)
        for offset, (person, text) in enumerate(zip(people, DISCUSSION, strict=False)):
            db.session.add(
                DiscussionComment(
                    edition_id=edition.id,
                    submission_id=submission_id,
                    author_id=person.id,
                    body=text,
                    created_at=now - dt.timedelta(hours=len(people) - offset),
                )
            )
    db.session.flush()
