"""``flask editions …``: clone an edition, list editions."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from conference.editions.cloning import clone_edition, confirm_roles, role_offers
from conference.editions.models import Edition
from conference.editions.services import get_edition
from conference.errors import DomainError
from conference.extensions import db

cli = AppGroup("editions", help="Editions: list and clone.")


@cli.command("list")
def list_editions():
    """List editions with their state."""
    for edition in db.session.scalars(sa.select(Edition).order_by(Edition.year)):
        click.echo(f"{edition.year}\t{edition.state}\t{edition.title}")


@cli.command("clone")
@click.argument("source_year", type=int)
@click.argument("new_year", type=int)
@click.option("--shift-days", type=int, help="Shift every date by N days (default: whole weeks).")
@click.option("--with-programme", is_flag=True, help="Also copy the programme skeleton.")
@click.option(
    "--roles",
    type=click.Choice(["ask", "all", "none"]),
    default="ask",
    show_default=True,
    help="Role assignments of the source edition: confirm each, grant all, or grant none.",
)
def clone(source_year, new_year, shift_days, with_programme, roles):
    """Create NEW_YEAR as a draft copy of SOURCE_YEAR's set-up."""
    try:
        source = get_edition(source_year)
        result = clone_edition(
            source, new_year, shift_days=shift_days, with_programme=with_programme
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    edition = result.edition
    summary = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in result.counts.items())
    click.echo(f"Created draft edition {edition.year} from {source_year}: {summary}.")
    offers = role_offers(edition)
    if not offers:
        return
    keys: set[str] = set()
    if roles == "all":
        keys = {o.key for o in offers}
    elif roles == "ask":
        for offer in offers:
            if click.confirm(f"Grant {offer.role} to {offer.user.email} in {edition.year}?"):
                keys.add(offer.key)
    granted = confirm_roles(edition, keys)
    for offer in granted:
        click.echo(f"Granted {offer.role} to {offer.user.email}.")
    left = len(offers) - len(granted)
    if left:
        click.echo(f"{left} role(s) not granted; grant them later in the admin pages.")
