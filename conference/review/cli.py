"""``flask review …``: the chairs' chores from the command line — the automatic assignment,
exports, the review phase and reminders — through the same services as the pages (the same
permission checks, with ``--as`` naming the chair who acts, recorded in the audit log)."""

from __future__ import annotations

import functools
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from conference.accounts.services import find_user
from conference.editions.services import get_edition
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import can
from conference.review import services
from conference.text import csv_text

cli = AppGroup("review", help="Programme committee: assignment, exports, phase, reminders.")

EDITION = click.option(
    "--edition", "year", type=int, required=True, help="Edition year, e.g. 2027."
)
ACTOR = click.option(
    "--as",
    "actor_email",
    required=True,
    help="E-mail of the chair acting (needs the chair, organiser or administrator role).",
)


def in_request(command):
    """Run ``command`` in a request context: mails link back with ``url_for`` (BASE_URL)."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        with current_app.test_request_context():
            return command(*args, **kwargs)

    return wrapped


def _context(year: int, actor_email: str, action: str = "review.manage"):
    try:
        edition = get_edition(year)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    actor = find_user(actor_email)
    if actor is None or actor.deleted_at is not None:
        raise click.ClickException(f"There is no account {actor_email}.")
    if not can(actor, action, edition=edition):
        raise click.ClickException(
            f"{actor.email} may not do this in {edition.year} (chairs only; archived editions "
            "are read-only)."
        )
    return edition, actor


@cli.command("assign")
@EDITION
@ACTOR
@click.option("--auto", is_flag=True, help="Run the automatic assignment over every submission.")
@click.option(
    "--per-submission",
    "n",
    type=click.IntRange(1, 20),
    help="Reviewers per submission (default: the edition's setting).",
)
@click.option("--submission", "submission_id", type=int, help="Assign one submission by hand.")
@click.option("--reviewer", "reviewer_email", help="With --submission: the reviewer's e-mail.")
@click.option("--dry-run", is_flag=True, help="Show the proposal without saving it.")
@in_request
def assign(year, actor_email, auto, n, submission_id, reviewer_email, dry_run):
    """Assign reviewers: --auto for everything (same rule as the chairs' page), or one
    --submission to one --reviewer. Reviewers are notified by mail, as on the page."""
    if auto == bool(submission_id or reviewer_email):
        raise click.UsageError("Give either --auto or both --submission and --reviewer.")
    edition, actor = _context(year, actor_email)
    try:
        if auto:
            n = n or edition.reviewers_per_submission
            proposal = services.propose_assignments(actor, edition, n)
            for sid, reviewers in sorted(proposal.by_submission.items()):
                click.echo(f"#{sid}: reviewer ids {', '.join(str(r) for r in reviewers)}")
            for sid, why in services.shortage_reasons(edition, proposal, n).items():
                click.echo(f"#{sid} is short of reviewers: {why}", err=True)
            if dry_run:
                click.echo(f"Dry run: {len(proposal.pairs)} new assignments proposed, none saved.")
                return
            count = services.save_assignments(actor, edition, list(proposal.pairs))
            click.echo(f"Saved {count} new assignments ({n} reviewers per submission).")
            return
        if not (submission_id and reviewer_email):
            raise click.UsageError("--submission needs --reviewer (and the other way round).")
        submission = services.get_submission(edition, submission_id)
        reviewer = find_user(reviewer_email)
        if reviewer is None:
            raise click.ClickException(f"There is no account {reviewer_email}.")
        if dry_run:
            click.echo(f"Dry run: would assign {reviewer.email} to #{submission.id}.")
            return
        services.assign(actor, submission, reviewer)
        click.echo(f"Assigned {reviewer.email} to #{submission.id}.")
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None


EXPORTS = ("overview", "reviews", "progress")


@cli.command("export")
@EDITION
@ACTOR
@click.option(
    "--what",
    type=click.Choice(EXPORTS),
    default="overview",
    show_default=True,
    help="overview: one row per submission with speakers and scores; reviews: every "
    "submitted review; progress: one row per reviewer.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File (default: stdout)."
)
@in_request
def export(year, actor_email, what, output):
    """Export the review as CSV (submissions the chair is conflicted with are left out)."""
    edition, actor = _context(year, actor_email, "review.chair")
    if what == "overview":
        rows, _people, _hidden = services.dashboard(actor, edition)
        text = csv_text(services.CHAIR_EXPORT_HEADER, services.chair_export_rows(edition, rows))
    elif what == "reviews":
        text = csv_text(
            services.REVIEWS_EXPORT_HEADER, services.reviews_export_rows(actor, edition)
        )
    else:
        people = services.committee_progress(actor, edition)
        text = csv_text(
            ["Reviewer", "E-mail", "Assigned", "Submitted", "Drafts", "Last reminded"],
            [
                [
                    p.reviewer.display_name,
                    p.reviewer.email,
                    p.total,
                    p.done,
                    p.drafts,
                    edition.local(p.last_reminded_at).strftime("%Y-%m-%d %H:%M")
                    if p.last_reminded_at
                    else "",
                ]
                for p in people
            ],
        )
    if output:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        click.echo(f"Wrote {output}.", err=True)
    else:
        sys.stdout.write(text)


@cli.command("phase")
@EDITION
@ACTOR
@click.argument("phase", required=False, type=click.Choice([p.value for p in services.PHASES]))
@in_request
def phase(year, actor_email, phase):
    """Show the review phase, or switch it to PHASE (assigning, reviewing, discussion,
    decisions)."""
    edition, actor = _context(
        year, actor_email, "review.chair" if phase is None else "review.manage"
    )
    if phase is None:
        click.echo(services.current_phase(edition))
        return
    try:
        changed = services.set_phase(actor, edition, phase)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"The review phase is {phase}." if changed else f"The phase was already {phase}.")


@cli.command("remind")
@EDITION
@ACTOR
@in_request
def remind(year, actor_email):
    """Remind every reviewer with outstanding reviews (skips those reminded in the last hour)."""
    edition, actor = _context(year, actor_email)
    sent = 0
    for person in services.committee_progress(actor, edition):
        if not person.outstanding:
            continue
        try:
            count = services.send_reminder(actor, edition, person.reviewer)
        except DomainError as exc:
            db.session.rollback()
            click.echo(f"{person.reviewer.email}: {exc.message}", err=True)
            continue
        sent += 1
        click.echo(f"{person.reviewer.email}: reminded of {count} outstanding reviews.")
    click.echo(f"{sent} reminders queued in the outbox.")
