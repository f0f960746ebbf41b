"""Part 4: automatic reviewer assignment for 600 submissions and 40 reviewers (3 each), with
track expertise and a few conflicts of interest: seconds for the review area's assignment
rule (``conference.review.assignment.propose``), median of several runs, and a check that
every submission got its reviewers and no conflicted reviewer was proposed."""

from __future__ import annotations

import os
import random
import statistics
import time

from bench.common import Skip, figure, note

SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "600"))
REVIEWERS = int(os.environ.get("BENCH_REVIEWERS", "40"))
PER_SUBMISSION = 3
TRACKS = 6
RUNS = 7


def run() -> None:
    try:
        import conference.accounts  # noqa: F401 (the areas import each other in this order)
        from conference.review.assignment import ReviewerProfile, SubmissionSlot, propose
    except ImportError as exc:
        raise Skip(f"the review assignment function is missing ({exc})") from None
    rng = random.Random(2027)
    submissions = [SubmissionSlot(id=i, track_id=rng.randrange(TRACKS)) for i in range(SUBMISSIONS)]
    reviewers = [
        ReviewerProfile(id=10_000 + r, tracks=frozenset(rng.sample(range(TRACKS), k=2)))
        for r in range(REVIEWERS)
    ]
    conflicts = {
        (rng.choice(reviewers).id, rng.randrange(SUBMISSIONS)) for _ in range(SUBMISSIONS // 10)
    }
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        proposal = propose(submissions, reviewers, PER_SUBMISSION, conflicts=conflicts)
        timings.append(time.perf_counter() - started)
    per_submission = proposal.by_submission
    complete = all(len(per_submission.get(s.id, [])) == PER_SUBMISSION for s in submissions)
    conflicted = sum(1 for s, r in proposal.pairs if (r, s) in conflicts)
    loads = list(proposal.loads.values())
    note(
        f"review: {SUBMISSIONS} submissions x {REVIEWERS} reviewers, {PER_SUBMISSION} each, "
        f"{len(conflicts)} conflicts; median of {RUNS} runs"
    )
    figure("review_assignment_seconds", statistics.median(timings), "s")
    figure("review_assignment_complete", "yes" if complete else "NO")
    figure("review_assignment_conflicted_pairs", conflicted)
    figure("review_assignment_load_spread", max(loads) - min(loads))
    if not complete or conflicted:
        raise RuntimeError("the assignment broke its own rules")
