"""``flask gdpr …``: data-protection chores for the organisers' operations team."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from conference import jobs
from conference.accreditation import privacy
from conference.accreditation.services import waitlist
from conference.editions.services import get_edition
from conference.errors import DomainError
from conference.extensions import db

cli = AppGroup("gdpr", help="Data protection: retention purges.")


@cli.command("purge")
@click.option("--edition", "year", type=int, required=True, help="Edition year, e.g. 2025.")
@click.option(
    "--older-than-days",
    "days",
    type=click.IntRange(min=0),
    required=True,
    help="Retention period: days after the edition's last day.",
)
@click.option("--dry-run", is_flag=True, help="Only say how many registrations would change.")
def purge(year, days, dry_run):
    """Anonymise the registrations of a past edition after the retention period."""
    try:
        edition = get_edition(year)
        count = privacy.purge_edition(edition, days)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message)
    if dry_run:
        db.session.rollback()
        click.echo(f"Would anonymise {count} registrations of the {year} edition (dry run).")
        return
    db.session.commit()
    click.echo(f"Anonymised {count} registrations of the {year} edition.")


# --- the waiting list ---------------------------------------------------------------------

waitlist_cli = AppGroup("waitlist", help="The waiting list for accreditation.")

WAITLIST_JOB = "conference.accreditation.services.waitlist.run_waitlist"


@waitlist_cli.command("run")
@click.option(
    "--background",
    is_flag=True,
    help="Hand the work to the background worker (RQ) instead of doing it here.",
)
def waitlist_run(background):
    """Lapse offers not taken in time and give every free place to the next person waiting.

    Run it from cron every few minutes (or with --background, on the worker)."""
    if background:
        how = jobs.enqueue(WAITLIST_JOB)
        click.echo(f"Waiting-list job {'queued for the worker' if how == 'queued' else 'run'}.")
        return
    result = waitlist.run_waitlist()
    click.echo(
        f"Waiting list: {result['lapsed']} offers lapsed, {result['released']} reserved places "
        f"released, {result['promoted']} places given."
    )
