"""``flask gdpr …``: data-protection chores for the organisers' operations team."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from conference.accreditation import privacy
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
