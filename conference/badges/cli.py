"""``flask badges …``: signing keys and badge issuing."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from conference.badges import services, signing
from conference.editions.services import get_edition
from conference.errors import DomainError
from conference.extensions import db

cli = AppGroup("badges", help="Badge signing keys and badges.")


@cli.command("keygen")
@click.option("--edition", "year", type=int, required=True, help="Edition year, e.g. 2027.")
@click.option("--rotate", is_flag=True, help="Replace an existing key (old badges keep working).")
@click.option(
    "--compromised",
    is_flag=True,
    help="With --rotate: forget the old public keys too (every badge must be printed again).",
)
def keygen(year, rotate, compromised):
    """Create the Ed25519 key that signs the badges of an edition."""
    if compromised and not rotate:
        raise click.UsageError("--compromised only makes sense with --rotate.")
    if not 2000 <= year <= 2200:
        raise click.BadParameter("give a year between 2000 and 2200", param_hint="--edition")
    try:
        path = signing.generate_key(year, rotate=rotate, keep_previous=not compromised)
    except DomainError as exc:
        raise click.ClickException(exc.message)
    public = signing.b64url(signing.raw_public(signing.require_private_key(year).public_key()))
    click.echo(f"Wrote {path} (mode 0600). Public key (base64url): {public}")
    if rotate and compromised:
        click.echo("Old keys forgotten: print every badge of this edition again.")
    elif rotate:
        click.echo("The old public key is kept as 'previous': printed badges keep working.")


@cli.command("show-key")
@click.option("--edition", "year", type=int, required=True, help="Edition year.")
def show_key(year):
    """Print the public keys that verify an edition's badges."""
    try:
        keys = signing.public_keys(year)
    except DomainError as exc:
        raise click.ClickException(exc.message)
    if not keys:
        raise click.ClickException(f"No key for {year}: run flask badges keygen --edition {year}.")
    for key, current in keys:
        label = "current " if current else "previous"
        click.echo(f"{label} {signing.b64url(signing.raw_public(key))}")


@cli.command("issue-missing")
@click.option("--edition", "year", type=int, required=True, help="Edition year.")
def issue_missing(year):
    """Issue a badge to every accredited registration that has none."""
    try:
        count = services.issue_missing(get_edition(year))
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message)
    click.echo(f"Issued {count} badge(s).")
