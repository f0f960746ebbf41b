"""``flask review …``: the automatic assignment, exports, the phase and reminders."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from conference.audit import AuditEntry
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.review.models import ReviewAssignment, ReviewerReminder, ReviewSettings
from tests.review.factories import assign, make_review, make_submission


def _assignments() -> set[tuple[int, int]]:
    return set(
        db.session.execute(sa.select(ReviewAssignment.submission_id, ReviewAssignment.reviewer_id))
    )


def test_assign_auto_dry_run_then_for_real(world, runner):
    second = make_submission(world.edition, title="Another one")
    base = ["review", "assign", "--edition", "2027", "--as", world.chair.email, "--auto"]
    dry = runner.invoke(args=[*base, "--per-submission", "2", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 4 new assignments proposed, none saved." in dry.output
    assert _assignments() == set()
    done = runner.invoke(args=[*base, "--per-submission", "2"])
    assert done.exit_code == 0, done.output
    assert "Saved 4 new assignments" in done.output
    pairs = _assignments()
    assert {s for s, _ in pairs} == {world.submission.id, second.id}
    # never the author or co-speaker (they are not reviewers anyway), chair included
    assert all(r in {world.reviewer.id, world.other_reviewer.id, world.chair.id} for _, r in pairs)
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "review.assigned"))
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "review_assigned")
    ).all()
    assert mails


def test_assign_one_by_hand_and_refusals(world, runner):
    base = ["review", "assign", "--edition", "2027"]
    ok = runner.invoke(
        args=[
            *base,
            "--as",
            world.chair.email,
            "--submission",
            str(world.submission.id),
            "--reviewer",
            world.reviewer.email,
        ]
    )
    assert ok.exit_code == 0, ok.output
    assert _assignments() == {(world.submission.id, world.reviewer.id)}
    # a reviewer may not act as a chair
    refused = runner.invoke(args=[*base, "--as", world.reviewer.email, "--auto"])
    assert refused.exit_code != 0 and "may not do this" in refused.output
    # neither or both modes
    assert runner.invoke(args=[*base, "--as", world.chair.email]).exit_code == 2
    unknown = runner.invoke(
        args=["review", "assign", "--edition", "1999", "--as", "x@y.z", "--auto"]
    )
    assert unknown.exit_code != 0
    assert _assignments() == {(world.submission.id, world.reviewer.id)}


def test_export_overview_reviews_and_progress(world, runner, tmp_path):
    assign(world.submission, world.reviewer)
    make_review(world.submission, world.reviewer, confidential_comments="For chairs")
    base = ["review", "export", "--edition", "2027", "--as", world.chair.email]
    overview = runner.invoke(args=base)
    assert overview.exit_code == 0, overview.output
    rows = list(csv.reader(io.StringIO(overview.output)))
    assert rows[0][0] == "Submission" and rows[1][1] == "Securing open laboratories"
    target = tmp_path / "reviews.csv"
    reviews = runner.invoke(args=[*base, "--what", "reviews", "-o", str(target)])
    assert reviews.exit_code == 0, reviews.output
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[1][2] == "Rita Reviewer" and "For chairs" in rows[1]
    progress = runner.invoke(args=[*base, "--what", "progress"])
    rows = list(csv.reader(io.StringIO(progress.output)))
    assert ["Rita Reviewer", world.reviewer.email, "1", "1", "0", ""] in rows
    assert (
        runner.invoke(
            args=["review", "export", "--edition", "2027", "--as", world.reviewer.email]
        ).exit_code
        != 0
    )


def test_phase_show_and_switch(world, runner):
    base = ["review", "phase", "--edition", "2027", "--as", world.chair.email]
    assert runner.invoke(args=base).output.strip() == "reviewing"
    switched = runner.invoke(args=[*base, "discussion"])
    assert switched.exit_code == 0 and "discussion" in switched.output
    assert db.session.scalar(sa.select(ReviewSettings.phase)) == "discussion"
    assert runner.invoke(args=[*base, "nonsense"]).exit_code == 2
    refused = runner.invoke(
        args=["review", "phase", "--edition", "2027", "--as", world.reviewer.email, "decisions"]
    )
    assert refused.exit_code != 0
    assert db.session.scalar(sa.select(ReviewSettings.phase)) == "discussion"


def test_remind_everyone_outstanding(world, runner):
    assign(world.submission, world.reviewer)
    assign(world.submission, world.other_reviewer)
    make_review(world.submission, world.other_reviewer)
    base = ["review", "remind", "--edition", "2027", "--as", world.chair.email]
    result = runner.invoke(args=base)
    assert result.exit_code == 0, result.output
    assert "1 reminders queued" in result.output
    reminders = db.session.scalars(sa.select(ReviewerReminder)).all()
    assert [r.reviewer_id for r in reminders] == [world.reviewer.id]
    again = runner.invoke(args=base)
    assert "0 reminders queued" in again.output and "less than an hour" in again.output
