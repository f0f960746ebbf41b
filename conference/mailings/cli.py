"""``flask mailings …``: deliver mailings from cron or after a worker was stopped."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from conference.mailings.services import sending

cli = AppGroup("mailings", help="Mailings to groups of participants.")


@cli.command("deliver")
@click.option(
    "--enqueue",
    is_flag=True,
    help="Hand each mailing to the background worker instead of sending in this process.",
)
def deliver(enqueue):
    """Continue every mailing being sent (run it from cron, or after restarting a worker)."""
    ids = sending.deliver_all(enqueue=enqueue)
    if not ids:
        click.echo("No mailing is being sent.")
    for mailing_id in ids:
        click.echo(f"mailing {mailing_id}: {'handed to the worker' if enqueue else 'delivered'}")
