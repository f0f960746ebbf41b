"""The outbox: every mail is queued in the database, then sent over SMTP.

``queue`` adds a message to the current transaction, so a mail exists exactly when the change
that caused it is committed. ``send_pending`` delivers what is due; a failure leaves the message
in the outbox with a later retry time, so no mail is ever lost.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, g, render_template
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from jinja2 import TemplateError, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from limits import parse_many
from markupsafe import Markup, escape

from conference.db import UTCDateTime, utcnow
from conference.errors import DomainError
from conference.extensions import db
from conference.i18n import offered_languages
from conference.signals import recipient_locale_requested

MAX_ATTEMPTS = 8


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_status_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_to_created", "to", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="SET NULL"), index=True
    )
    to: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    text_body: so.Mapped[str] = so.mapped_column(sa.Text())
    html_body: so.Mapped[str | None] = so.mapped_column(sa.Text())
    template: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    # pending → sent; after MAX_ATTEMPTS failures → failed (still retried on request).
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="pending")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    sent_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    # The person who made the application send this mail to an address they typed (a
    # co-speaker invitation): counted by the mail throttle. None for the application's own mail.
    requested_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


def render(template: str, subject: str, *, edition=None, **context) -> tuple[str, str]:
    """The text of ``templates/mail/<template>.txt`` and the HTML part made from it.

    Every mail's HTML part is the text part laid out by ``text_to_html`` (one way for all,
    organiser-edited mail included), so that both parts always say the same."""
    context.setdefault("base_url", current_app.config["BASE_URL"])
    context.setdefault("edition", edition)
    text = render_template(f"mail/{template}.txt", subject=subject, **context)
    return text, text_to_html(text, subject)


_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def linked_text(text: str) -> Markup:
    """``text`` escaped for HTML, its http(s) links made live."""
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(Markup('<a href="{0}">{0}</a>').format(match.group(0)))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def text_to_html(text: str, subject: str = "", lang: str | None = None) -> str:
    """The HTML part of a mail: the text part, escaped, in paragraphs, with its links live.

    The text is the reference (what every client shows); the HTML part only adds live links
    and readable paragraphs, in the language the text was rendered in."""
    lang = lang or str(get_locale() or "en").replace("_", "-")

    def linked(block: str) -> str:
        return Markup("<br>\n").join(linked_text(block).split("\n"))

    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    paragraphs = Markup("\n").join(
        Markup("<p>{}</p>").format(linked(block)) for block in blocks if block.strip()
    )
    return str(
        Markup(
            '<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            "<title>{subject}</title></head>\n"
            '<body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a">\n'
            "{paragraphs}\n</body></html>\n"
        ).format(lang=lang, subject=subject, paragraphs=paragraphs)
    )


def recipient_locale(to: str, edition=None) -> str | None:
    """The language the account with address ``to`` chose, if it is offered (else None).

    Accounts (a layer above) answers ``recipient_locale_requested``."""
    offered = offered_languages(edition if hasattr(edition, "languages") else None)
    for _handler, chosen in recipient_locale_requested.send(to.strip().lower()):
        if chosen and chosen in offered:
            return chosen
    return None


def queue(
    to: str,
    template: str,
    subject: str,
    *,
    edition=None,
    requested_by=None,
    locale: str | None = None,
    **context,
) -> OutboxMessage:
    """Render ``templates/mail/<template>.txt`` (and ``.html`` if present) into the outbox.

    Rendered in ``locale``, else the language the recipient's account chose, else the
    request's (a lazily translated ``subject`` is translated the same way).
    ``requested_by`` is the person who asked for a mail to an address they typed; such mails
    are throttled (``check_throttle``), and ``MailThrottled`` is raised over the limits.
    """
    if requested_by is not None:
        check_throttle(to, requested_by)
    locale = locale or recipient_locale(to, edition)
    in_locale = force_locale(locale.replace("-", "_")) if locale else contextlib.nullcontext()
    with in_locale:
        subject = str(subject)
        text, html = render(template, subject, edition=edition, **context)
    return queue_rendered(
        to, subject, text, html, edition=edition, template=template, requested_by=requested_by
    )


def queue_rendered(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    edition=None,
    template: str = "",
    requested_by=None,
) -> OutboxMessage:
    """Queue an already rendered mail (for organiser-edited templates)."""
    subject = " ".join(subject.split())[:300]
    message = OutboxMessage(
        edition_id=getattr(edition, "id", edition),
        to=to,
        subject=subject,
        text_body=text,
        html_body=html if html is not None else text_to_html(text, subject),
        template=template,
        requested_by_id=getattr(requested_by, "id", requested_by),
    )
    db.session.add(message)
    g.setdefault("mail_queued", True)
    g.setdefault("queued_messages", []).append(message)
    return message


# --- throttling the mails people make the application send -------------------------------


class MailThrottled(DomainError):
    """Too many mails requested recently by one person, or to one address (a 429)."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _wait_phrase(seconds: int) -> str:
    """ "5 minutes", "3 hours": the wait, rounded up, in the request's language."""
    minutes = max((seconds + 59) // 60, 1)
    if minutes < 120:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    return ngettext("%(num)d hour", "%(num)d hours", (minutes + 59) // 60)


def _over_limit(condition, limits: str) -> int | None:
    """Seconds until the outbox rows matching ``condition`` are back under every limit in
    ``limits`` ("10 per hour;30 per day", as Flask-Limiter writes them), or None if under."""
    now = utcnow()
    wait = None
    for item in parse_many(limits or ""):
        since = now - dt.timedelta(seconds=item.get_expiry())
        times = list(
            db.session.scalars(
                sa.select(OutboxMessage.created_at)
                .where(condition, OutboxMessage.created_at > since)
                .order_by(OutboxMessage.created_at.desc())
                .limit(item.amount)
            )
        )
        if len(times) >= item.amount:
            # Under the limit again once the oldest of the last ``amount`` rows drops out.
            seconds = int((times[-1] - since).total_seconds()) + 1
            wait = max(wait or 0, seconds)
    return wait


def check_throttle(to: str, requested_by) -> None:
    """Refuse a requested mail when its sender or its recipient had too many lately.

    Counted in the outbox over sliding windows: ``MAIL_LIMIT_PER_SENDER`` (every mail this
    person requested) and ``MAIL_LIMIT_PER_RECIPIENT`` (every requested mail to this
    address, whoever asked). Raises ``MailThrottled`` with the time to wait.
    """
    db.session.flush()
    sender_id = getattr(requested_by, "id", requested_by)
    config = current_app.config
    wait = _over_limit(OutboxMessage.requested_by_id == sender_id, config["MAIL_LIMIT_PER_SENDER"])
    if wait is not None:
        raise MailThrottled(
            _(
                "You have sent too many invitations recently. Please try again in %(wait)s.",
                wait=_wait_phrase(wait),
            ),
            wait,
        )
    wait = _over_limit(
        sa.and_(OutboxMessage.to == to, OutboxMessage.requested_by_id.is_not(None)),
        config["MAIL_LIMIT_PER_RECIPIENT"],
    )
    if wait is not None:
        raise MailThrottled(
            _(
                "%(address)s has received too many invitations recently. "
                "Please try again in %(wait)s.",
                address=to,
                wait=_wait_phrase(wait),
            ),
            wait,
        )


MAX_TEMPLATE_LENGTH = 50_000
MAX_RENDERED_LENGTH = 200_000
# The work one render may do: loop iterations plus calls (of functions, methods, macros and
# filters). A decision mail needs a few hundred; nested loops that would run for minutes stop
# at this count within a fraction of a second.
MAX_OPERATIONS = 100_000
# Characters written by all ``{{ … }}`` of a render, including into ``{% set %}`` blocks and
# macros, whose output is not the mail itself (doubling a block is exponential).
MAX_WORK_CHARACTERS = 5 * MAX_RENDERED_LENGTH
# A printf or str.format width or precision of six digits or more (or “*”) builds huge strings.
_HUGE_FORMAT = re.compile(r"%[-#0 +]*(\*|\d{6,}|\d*\.(\*|\d{6,}))|\{[^}]*:[^}]*\d{6,}")


class _Budget:
    """The work left to one render (see ``render_sandboxed``)."""

    def __init__(self):
        self.operations = 0
        self.characters = 0

    def spend(self, operations: int = 1, characters: int = 0) -> None:
        self.operations += operations
        self.characters += characters
        if self.operations > MAX_OPERATIONS:
            raise SecurityError(
                f"it does too much work (more than {MAX_OPERATIONS:,} loop steps and calls)"
            )
        if self.characters > MAX_WORK_CHARACTERS:
            raise SecurityError("it writes far too much text")


_budget: contextvars.ContextVar[_Budget] = contextvars.ContextVar("mail_template_budget")


def _spend(operations: int = 1, characters: int = 0) -> None:
    budget = _budget.get(None)
    if budget is None:  # rendering outside render_sandboxed: give it a budget of its own
        budget = _Budget()
        _budget.set(budget)
    budget.spend(operations, characters)


def _counted(iterable):
    """Every ``{% for %}`` of a mail template iterates through this: one operation a step."""
    for item in iterable:
        _spend()
        yield item


def _check_size(length: int, what: str = "text") -> None:
    if length > MAX_RENDERED_LENGTH:
        raise SecurityError(f"{what} too large")


def _check_arguments(args, kwargs) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool):
            _check_size(abs(value), "a number argument")


def _check_text_call(name: str, text: str, args, kwargs) -> list:
    """Refuse string operations whose result would dwarf their inputs."""
    args = list(args)
    if name in ("format", "format_map") and _HUGE_FORMAT.search(text):
        raise SecurityError("format width too large")
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str):
        old, new = args[0], args[1]
        count = len(text) + 1 if old == "" else text.count(old)
        _check_size(len(text) + count * len(str(new)))
    if name == "join" and args:
        args[0] = list(_counted(args[0]))
        _check_size(len(text) * len(args[0]) + sum(len(str(a)) for a in args[0]))
    if name == "indent":
        width = args[0] if args else kwargs.get("width", 4)
        width = len(width) if isinstance(width, str) else width
        if isinstance(width, int):
            _check_size(len(text) + (text.count("\n") + 1) * abs(width))
    return args


def _checked_filter(name, function):
    """A filter that spends one operation and refuses arguments that build huge values."""
    skip = 0 if getattr(function, "jinja_pass_arg", None) is None else 1

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        _spend()
        if len(args) <= skip:
            return function(*args, **kwargs)
        head, value, rest = args[:skip], args[skip], list(args[skip + 1 :])
        _check_arguments(rest, kwargs)
        if name == "join" and not isinstance(value, str):
            value = list(_counted(value))
            separator = str(rest[0] if rest else kwargs.get("d", ""))
            _check_size(len(separator) * len(value) + sum(len(str(v)) for v in value))
        elif name in ("replace", "indent") and isinstance(value, str):
            rest = _check_text_call(name, value, rest, kwargs)
        elif name == "format" and isinstance(value, str) and _HUGE_FORMAT.search(value):
            raise SecurityError("format width too large")
        return function(*head, value, *rest, **kwargs)

    return wrapper


class _BudgetedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a concatenation that refuses huge results."""

    def visit_Concat(self, node, frame):
        self.write("environment.concat_checked((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _MailSandbox(ImmutableSandboxedEnvironment):
    """The sandbox for organiser-edited mail: no internals, no huge values, bounded work.

    Every loop step and every call spends from a per-render budget (``MAX_OPERATIONS``), and
    every operation that can build a big value (``*``, ``+``, ``~``, ``%``, ``**``, format,
    replace, join, indent, number arguments) is checked before it runs, so that neither time
    nor memory depends on anything but these limits.
    """

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BudgetedCodeGenerator

    def __init__(self, **options):
        options.setdefault("finalize", self._finalize)
        super().__init__(**options)
        self.filters = {name: _checked_filter(name, f) for name, f in self.filters.items()}

    @staticmethod
    def _finalize(value):
        _spend(0, len(value) if isinstance(value, str) else 8)
        return value

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            if loop.recursive:
                raise SecurityError("recursive loops are not allowed")
            loop.iter = nodes.Call(
                nodes.ImportedName("conference.mail._counted"),
                [loop.iter],
                [],
                None,
                None,
                lineno=loop.lineno,
            )
        return tree

    def wrap_str_format(self, value):
        owner = getattr(value, "__self__", None)
        name = getattr(value, "__name__", "")
        formatting = isinstance(owner, str) and name in ("format", "format_map")
        if formatting and _HUGE_FORMAT.search(owner):
            raise SecurityError("format width too large")
        return super().wrap_str_format(value)

    def concat_checked(self, parts):
        parts = [str(part) for part in parts]
        _check_size(sum(map(len, parts)))
        return "".join(parts)

    def unsafe_undefined(self, obj, attribute):
        # The stock sandbox returns an Undefined that only fails when used further; refuse
        # at once so that ``{{ x.__class__ }}`` is an error, not a silent empty string.
        raise SecurityError(f"access to {attribute!r} of a {type(obj).__name__} is not allowed")

    def call(__self, __context, __obj, *args, **kwargs):
        _spend()
        _check_arguments(args, kwargs)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            args = _check_text_call(getattr(__obj, "__name__", ""), owner, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int | float) and abs(right) > 100:
            raise SecurityError("exponent too large")
        if operator == "*":
            for value, times in ((left, right), (right, left)):
                sequence = isinstance(value, str | list | tuple) and isinstance(times, int)
                if sequence and len(value) * times > MAX_RENDERED_LENGTH:
                    raise SecurityError("repetition too large")
        if operator == "+" and isinstance(left, str | list | tuple):
            _check_size(len(left) + (len(right) if hasattr(right, "__len__") else 0))
        if operator == "%" and isinstance(left, str) and _HUGE_FORMAT.search(left):
            raise SecurityError("format width too large")
        return super().call_binop(context, operator, left, right)


_sandbox = _MailSandbox(autoescape=False)
_sandbox.globals.pop("lipsum", None)


def render_sandboxed(source: str, **context) -> str:
    """Render an organiser-edited template with no access to objects' internals.

    Only plain values (strings, numbers, dicts of them) should be passed in ``context``.
    A template that breaks the rules, does not parse, fails to render or would do more work
    than its budget (``MAX_OPERATIONS``) raises a ``DomainError`` (a 400 with a message for
    the organiser), never a 500, and never ties up the worker.
    """
    if len(source or "") > MAX_TEMPLATE_LENGTH:
        raise DomainError(
            _(
                "The template is too long (at most %(max)d characters).",
                max=MAX_TEMPLATE_LENGTH,
            )
        )
    budget = _budget.set(_Budget())
    try:
        template = _sandbox.from_string(source or "")
        parts: list[str] = []
        size = 0
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > MAX_RENDERED_LENGTH:
                raise DomainError(_("The template produces a text that is far too long."))
            parts.append(chunk)
    except SecurityError as exc:
        raise DomainError(
            _(
                "The template uses something that is not allowed in mail templates (%(problem)s).",
                problem=exc,
            ),
            code="template_not_allowed",
        ) from None
    except TemplateSyntaxError as exc:
        raise DomainError(
            _(
                "The template has an error on line %(line)s: %(problem)s",
                line=exc.lineno,
                problem=exc.message,
            ),
            code="template_invalid",
        ) from None
    except RecursionError:
        raise DomainError(
            _("The template calls itself too deeply to be rendered."),
            code="template_not_allowed",
        ) from None
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        if isinstance(exc, DomainError):
            raise
        raise DomainError(
            _("The template could not be rendered: %(problem)s", problem=exc),
            code="template_invalid",
        ) from None
    finally:
        _budget.reset(budget)
    return "".join(parts)


def _smtp_send(messages: list[OutboxMessage]) -> dict[int, str]:
    """Send ``messages`` over one SMTP connection; return {id: error} for failures."""
    cfg = current_app.config
    errors: dict[int, str] = {}
    try:
        smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
    except (OSError, smtplib.SMTPException) as exc:
        return {m.id: f"connect: {exc}" for m in messages}
    try:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        for message in messages:
            email = EmailMessage()
            email["From"] = cfg["MAIL_DEFAULT_SENDER"]
            email["To"] = message.to
            email["Subject"] = message.subject
            email["Date"] = formatdate(localtime=False)
            email["Message-ID"] = make_msgid(domain="conference")
            email.set_content(message.text_body)
            if message.html_body:
                email.add_alternative(message.html_body, subtype="html")
            try:
                smtp.send_message(email)
            except (OSError, smtplib.SMTPException) as exc:
                errors[message.id] = str(exc)
    except (OSError, smtplib.SMTPException) as exc:
        for message in messages:
            errors.setdefault(message.id, str(exc))
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()
    return errors


def send_pending(limit: int = 200, include_failed: bool = False) -> tuple[int, int]:
    """Send due messages; return (sent, failed). Safe to run from several workers at once."""
    now = utcnow()
    statuses = ["pending", "failed"] if include_failed else ["pending"]
    stmt = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.status.in_(statuses))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if not include_failed:
        stmt = stmt.where(OutboxMessage.next_attempt_at <= now)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    messages = list(db.session.scalars(stmt))
    if not messages:
        db.session.rollback()
        return 0, 0
    errors = _smtp_send(messages)
    sent = failed = 0
    for message in messages:
        message.attempts += 1
        if message.id in errors:
            failed += 1
            message.last_error = errors[message.id][:2000]
            delay = min(2**message.attempts * 30, 6 * 3600)
            message.next_attempt_at = now + dt.timedelta(seconds=delay)
            message.status = "failed" if message.attempts >= MAX_ATTEMPTS else "pending"
        else:
            sent += 1
            message.status = "sent"
            message.sent_at = utcnow()
            message.last_error = ""
    db.session.commit()
    return sent, failed


def outbox_counts(edition_id: int | None = None) -> dict[str, int]:
    """Counts per outbox status (for health pages and the dashboard)."""
    stmt = sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    if edition_id is not None:
        stmt = stmt.where(OutboxMessage.edition_id == edition_id)
    counts = {"pending": 0, "sent": 0, "failed": 0}
    counts.update(dict(db.session.execute(stmt).all()))
    return counts


def send_now(message: OutboxMessage) -> str | None:
    """Send one message over SMTP at once; the error, or None when the server accepted it.

    For senders that claim their own messages and record the result themselves (mailings,
    which deliver at a rate and must never send a message twice)."""
    return _smtp_send([message]).get(message.id)
