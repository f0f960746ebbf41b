"""Demo running orders: chaired sessions holding two to four contributions (issue 19).

In 2027 the chaired panel on due diligence opens with the chair's introduction, presents the
accepted talks (those the review demo accepted) and ends with a discussion; the export-control
panel has free items only. In 2025 two accepted talks are presented in the toolkit workshop.
Runs after the review demo (it needs its decisions). Idempotent: a session that already has
a running order is left alone.
"""

from __future__ import annotations

import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import Contribution, ContributionKind, ProgrammeSession
from conference.programme.services import ContributionSpec, append_contribution
from conference.review.services.lookups import speakers
from conference.submissions.models import Decision, Submission, SubmissionState

# session title → running order: ("item", title, minutes) or ("talk", submission title or
# None for "the next accepted talk", minutes)
RUNNING_ORDERS = {
    2027: {
        "Panel: due diligence for international partnerships": [
            ("item", "Introduction by the chair", 10),
            ("talk", None, 25),
            ("talk", None, 25),
            ("item", "Discussion with the audience", 30),
        ],
        "Panel: export control reform and the research community": [
            ("item", "Opening remarks", 10),
            ("item", "The reform proposal, presented by DG RTD", 30),
            ("item", "Questions from the floor", 35),
        ],
    },
    2025: {
        "Due diligence toolkits compared": [
            ("talk", "Research security in practice: the first national guidelines", 30),
            ("talk", "Export control for universities: lessons learnt", 30),
            ("item", "Comparing the toolkits: discussion", 30),
        ],
    },
}


def _accepted_unplaced(edition) -> list[Submission]:
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(
                Submission.edition_id == edition.id,
                Submission.state == SubmissionState.SUBMITTED,
                Submission.decision == Decision.ACCEPTED,
            )
            .order_by(Submission.id)
        )
    )


def _talk_spec(submission: Submission, minutes: int) -> ContributionSpec:
    return ContributionSpec(
        title=submission.title[:300],
        duration_minutes=minutes,
        kind=ContributionKind.TALK,
        submission_id=submission.id,
        speakers=tuple(
            (p["user"].id if p["user"] else None, p["name"][:200], (p["organisation"] or "")[:200])
            for p in speakers(submission)
        ),
    )


def _placed_ids() -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Contribution.submission_id).where(Contribution.submission_id.is_not(None))
        )
    )


def seed(demo) -> None:
    for year, orders in RUNNING_ORDERS.items():
        edition = demo.editions.get(year)
        if edition is None:
            continue
        placed = _placed_ids()
        available = [s for s in _accepted_unplaced(edition) if s.id not in placed]
        for title, order in orders.items():
            session = db.session.scalar(
                sa.select(ProgrammeSession).where(
                    ProgrammeSession.edition_id == edition.id, ProgrammeSession.title == title
                )
            )
            if session is None or session.contributions:
                continue
            for kind, name, minutes in order:
                if kind == "item":
                    spec = ContributionSpec(title=name, duration_minutes=minutes)
                    append_contribution(session, spec)
                    continue
                chosen = [s for s in available if name is None or s.title == name][:1]
                if not chosen:
                    continue  # the review demo accepted fewer talks: the session has room left
                available.remove(chosen[0])
                append_contribution(session, _talk_spec(chosen[0], minutes))
    db.session.commit()
