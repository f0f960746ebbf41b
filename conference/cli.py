"""CLI commands that span areas: seed-demo, create-admin, roles, tokens, mail, jobs."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from conference import backup, jobs, mailcatcher
from conference.accounts import services
from conference.accounts.models import RoleAssignment, User
from conference.accreditation.cli import cli as accreditation_cli
from conference.accreditation.cli import waitlist_cli
from conference.badges.cli import cli as badges_cli
from conference.demo import DEMO_ACCOUNTS, seed_demo
from conference.editions import reminders
from conference.editions.cli import cli as editions_cli
from conference.editions.models import Edition
from conference.editions.services import get_edition
from conference.errors import DomainError
from conference.extensions import db
from conference.mail import send_pending
from conference.mailings.cli import cli as mailings_cli
from conference.review.cli import cli as review_cli

# Areas' own command groups.
AREA_CLIS: list[AppGroup] = [
    editions_cli,
    accreditation_cli,
    badges_cli,
    mailings_cli,
    review_cli,
    waitlist_cli,
]


def _fail(exc: Exception):
    raise click.ClickException(str(exc))


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(roles_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(backup_cli)
    for group in AREA_CLIS:
        app.cli.add_command(group)


@click.command("seed-demo")
def seed_demo_command():
    """Create the demo editions, accounts and data (idempotent) and print the logins."""
    demo = seed_demo()
    click.echo(f"Demo data ready. Log in at {current_app.config['BASE_URL']}/login with:")
    for email, _name, label, role in DEMO_ACCOUNTS:
        second = "  + TOTP code" if role is not None or email == "admin@demo.test" else ""
        click.echo(f"  {label:<28} {email:<24} password: {demo.password}{second}")
    click.echo(
        f"Accounts marked '+ TOTP code' give a code at the second login step: add the TOTP "
        f"secret {demo.totp_secret} (DEMO_TOTP_SECRET) to an authenticator app, or run "
        f"python -c \"import pyotp; print(pyotp.TOTP('{demo.totp_secret}').now())\"."
    )


@click.command("create-admin")
@click.argument("email")
@click.option("--password", help="Password for a new account (asked for when omitted).")
def create_admin_command(email, password):
    """Make EMAIL a site administrator (creating the account if needed)."""
    user = services.find_user(email)
    try:
        if user is None:
            if not password:
                password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            user = services.create_user(email, password, verified=True)
        services.set_admin(user, True)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    click.echo(f"{user.email} is a site administrator.")


roles_cli = AppGroup("roles", help="Grant, revoke and list roles.")


@roles_cli.command("grant")
@click.argument("email")
@click.argument("role")
@click.option("--edition", "year", type=int, help="Edition year (not for 'admin').")
def roles_grant(email, role, year):
    """Grant ROLE (organiser, reviewer, chair, staff, admin) to EMAIL."""
    try:
        user = services.get_user_by_email(email)
        if role.strip().lower() == "admin":
            services.set_admin(user, True)
        else:
            if year is None:
                raise DomainError("Give the edition with --edition YEAR.")
            services.grant_role(user, get_edition(year), role, notify=True)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    click.echo(f"Granted {role} to {user.email}" + (f" for {year}." if year else "."))


@roles_cli.command("revoke")
@click.argument("email")
@click.argument("role")
@click.option("--edition", "year", type=int, help="Edition year (not for 'admin').")
def roles_revoke(email, role, year):
    """Revoke ROLE from EMAIL."""
    try:
        user = services.get_user_by_email(email)
        revoked = True
        if role.strip().lower() == "admin":
            services.set_admin(user, False)
        else:
            if year is None:
                raise DomainError("Give the edition with --edition YEAR.")
            revoked = services.revoke_role(user, get_edition(year), role)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    if revoked:
        click.echo(f"Revoked {role} from {user.email}.")
    else:
        click.echo(f"{user.email} did not have the role {role} in {year}; nothing changed.")


@roles_cli.command("list")
@click.option("--edition", "year", type=int, help="Only this edition.")
def roles_list(year):
    """List role assignments."""
    stmt = (
        sa.select(User.email, Edition.year, RoleAssignment.role)
        .join(RoleAssignment.user)
        .join(RoleAssignment.edition)
        .order_by(Edition.year, RoleAssignment.role, User.email)
    )
    if year:
        stmt = stmt.where(Edition.year == year)
    for email in db.session.scalars(sa.select(User.email).where(User.is_admin.is_(True))):
        click.echo(f"{email}\tadmin\t-")
    for email, ed_year, role in db.session.execute(stmt):
        click.echo(f"{email}\t{role}\t{ed_year}")


tokens_cli = AppGroup("tokens", help="Personal API tokens.")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="A name to recognise the token by.")
@click.option(
    "--scope",
    type=click.Choice(["checkin", "read", "full"]),
    default="read",
    show_default=True,
    help="checkin: a door scanner (check-in API of one edition); read: GET on the API; "
    "full: the whole API.",
)
@click.option(
    "--edition",
    "year",
    type=int,
    help="Edition of a checkin token (default: the newest where EMAIL may scan badges).",
)
@click.option(
    "--expires",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last day the token works (YYYY-MM-DD). Default: checkin tokens, the day after "
    "their edition ends; others never.",
)
def tokens_create(email, name, scope, year, expires):
    """Create an API token for EMAIL and print it (shown once, on the last line)."""
    try:
        user = services.get_user_by_email(email)
        edition = None
        if year is not None:
            edition = db.session.scalar(sa.select(Edition).where(Edition.year == year))
            if edition is None:
                raise DomainError(f"There is no edition {year}.")
        token, plain = services.create_api_token(
            user, name, scope, expires=expires.date() if expires else None, edition=edition
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    details = [f"scope {token.scope}"]
    if token.edition is not None:
        details.append(f"edition {token.edition.year}")
    expiry = token.expires_at.strftime("%Y-%m-%d %H:%M UTC") if token.expires_at else "never"
    details.append(f"expires {expiry}")
    click.echo(f"Token “{token.name}” for {user.email}: {', '.join(details)}.")
    click.echo(plain)


mail_cli = AppGroup("mail", help="The mail outbox.")


@mail_cli.command("send-pending")
@click.option("--include-failed", is_flag=True, help="Also retry messages marked failed.")
def mail_send_pending(include_failed):
    """Send the mail waiting in the outbox."""
    total_sent = total_failed = 0
    while True:
        sent, failed = send_pending(include_failed=include_failed)
        total_sent += sent
        total_failed += failed
        if sent == 0 or failed:
            break
    click.echo(f"sent {total_sent}, failed {total_failed}")


@mail_cli.command("reminders")
@click.option("--edition", "year", type=int, help="Only this edition (default: every current one).")
@click.option(
    "--queue-only", is_flag=True, help="Queue the reminders; leave sending to the worker."
)
def mail_reminders(year, queue_only):
    """Send the reminders due now (for cron); each is sent at most once."""
    editions = None
    if year is not None:
        try:
            editions = [get_edition(year)]
        except DomainError as exc:
            _fail(exc)
    counts = reminders.send_due(editions=editions)
    for kind, count in counts.items():
        click.echo(f"{kind}: {count}")
    if not queue_only and any(counts.values()):
        sent = failed = 0
        while True:
            batch_sent, batch_failed = send_pending()
            sent, failed = sent + batch_sent, failed + batch_failed
            if batch_sent == 0 or batch_failed:
                break
        click.echo(f"sent {sent}, failed {failed}")


@mail_cli.command("catcher")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8025, show_default=True, type=int, help="SMTP port.")
@click.option(
    "--directory",
    type=click.Path(file_okay=False),
    help="Where each message is written (default: instance/mail).",
)
def mail_catcher(host, port, directory):
    """Development only: an SMTP server keeping every message as a file (make run starts it)."""
    target = Path(directory) if directory else Path(current_app.config["INSTANCE_DIR"]) / "mail"
    controller = mailcatcher.start(target, host=host, port=port, report=click.echo)
    click.echo(f"Mail catcher on {host}:{port}; messages are written to {target}/")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    try:
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


jobs_cli = AppGroup("jobs", help="Background jobs (RQ on Redis).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option(
    "--fork/--no-fork",
    default=True,
    help="Run each job in a forked process (default) or in the worker process itself.",
)
def jobs_worker(burst, fork):
    """Run a worker for the background queue (needs REDIS_URL)."""
    try:
        jobs.work(burst=burst, fork=fork)
    except RuntimeError as exc:
        _fail(exc)


@click.group("backup", cls=AppGroup, invoke_without_command=True)
@click.pass_context
def backup_cli(ctx):
    """Back up (or restore) the database (SQLite, or PostgreSQL with pg_dump) and the badge keys.

    ``flask backup`` alone is ``flask backup create``."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(backup_create)


@backup_cli.command("create")
@click.option("--dir", "root", type=click.Path(file_okay=False), help="Default: BACKUP_DIR.")
def backup_create(root=None):
    """Write a timestamped backup directory (database, badge keys, manifest)."""
    try:
        target = backup.create_backup(root)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Backup written to {target}")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def backup_restore(source, yes):
    """Replace the database and badge keys with the backup in SOURCE."""
    if not yes:
        click.confirm("This replaces the current database and badge keys. Continue?", abort=True)
    try:
        counts = backup.restore_backup(source)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Restored {sum(counts.values())} rows in {len(counts)} tables from {source}")
