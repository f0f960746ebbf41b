"""Each recipient's message: the organiser's subject and body rendered in the mail sandbox
with that person's placeholders.

The values are plain strings (the sandbox gets no objects). ``sessions`` lists the person's
sessions (booked, speaking, chairing) as the released programme shows them (a draft change
never appears in a mailing), and only those the clearance rule of
``conference.permissions`` lets them see in detail: a restricted session they are not cleared
for never appears in their message, whatever the mailing's group; a session whose TLP label
keeps it out of mails (RED always; AMBER unless they are cleared) is listed by its time and
the placeholder title only (``programme.mail_view``, the mail channel).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import mail
from conference.accounts.models import User
from conference.accreditation.models import AccreditationCategory, Registration, RegistrationState
from conference.editions.models import Edition
from conference.errors import DomainError
from conference.extensions import db
from conference.mailings.services.groups import Recipient
from conference.programme import services as programme
from conference.programme.services import sessions_of_person
from conference.urls import external_url

MAX_SUBJECT = 200
MAX_BODY = 20_000

# (name, what it holds): shown beside the editor.
PLACEHOLDERS = (
    ("name", _l("the recipient's name")),
    ("email", _l("the recipient's e-mail address")),
    ("edition_title", _l("the edition's title")),
    ("edition_year", _l("the edition's year")),
    ("edition_dates", _l("the edition's dates")),
    ("venue", _l("the venue")),
    ("registration_state", _l("the state of the recipient's registration (empty if none)")),
    ("category", _l("the recipient's accreditation category (empty if none)")),
    ("registration_link", _l("the link to the recipient's registration")),
    ("badge_link", _l("the link to the badge (empty unless accredited)")),
    ("programme_link", _l("the link to the programme")),
    (
        "sessions",
        _l("the recipient's sessions (booked, speaking, chairing) that they are cleared to see"),
    ),
)

SAMPLE = Recipient("sam.sample@example.org", "Sam Sample", None)


def _session_lines(user: User | None, edition: Edition) -> str:
    """The person's sessions as the released programme shows them (never a draft change)."""
    if user is None:
        return ""
    lines = []
    for session in sessions_of_person(user, edition):
        # As a mail may carry it to this person: the access rule, then the TLP label.
        view = programme.mail_view(session, user, edition)
        if not view.cleared:
            continue
        starts, ends = edition.local(session.starts_at), edition.local(session.ends_at)
        room = f" ({view.room.name})" if view.room is not None else ""
        lines.append(f"- {starts:%Y-%m-%d %H:%M}–{ends:%H:%M} {view.title}{room}")
    return "\n".join(lines)


def context_for(edition: Edition, recipient: Recipient) -> dict:
    """The placeholders' values for ``recipient`` (plain strings only)."""
    user = db.session.get(User, recipient.user_id) if recipient.user_id else None
    registration = None
    if recipient.registration_id is not None:
        registration = db.session.get(Registration, recipient.registration_id)
    elif user is not None:
        registration = db.session.scalar(
            sa.select(Registration).where(
                Registration.edition_id == edition.id, Registration.user_id == user.id
            )
        )
    category = ""
    accredited = registration is not None and registration.state == RegistrationState.ACCREDITED
    if registration is not None:
        category_id = registration.category_id or registration.requested_category_id
        row = db.session.get(AccreditationCategory, category_id)
        category = row.name if row is not None else ""
    return {
        "name": recipient.name or recipient.to,
        "email": recipient.to,
        "edition_title": edition.title,
        "edition_year": str(edition.year),
        "edition_dates": f"{edition.start_date:%Y-%m-%d} – {edition.end_date:%Y-%m-%d}",
        "venue": edition.venue,
        "registration_state": registration.state if registration is not None else "",
        "category": category,
        "registration_link": external_url("accreditation.me", year=edition.year),
        "badge_link": (
            external_url("badges.my_badge_pdf", year=edition.year) if accredited else ""
        ),
        "programme_link": external_url("programme.programme", year=edition.year),
        "sessions": _session_lines(user, edition),
    }


def render_for(edition: Edition, subject: str, body: str, recipient: Recipient) -> tuple[str, str]:
    """(subject, text) of the message to ``recipient``; a broken template is a DomainError."""
    context = context_for(edition, recipient)
    rendered_subject = " ".join(mail.render_sandboxed(subject, **context).split())
    return rendered_subject[:300], mail.render_sandboxed(body, **context)


def check_template(edition: Edition, subject: str, body: str) -> tuple[str, str]:
    """Refuse an empty, too long or broken subject or body (rendered for a sample person)."""
    subject = (subject or "").strip()
    body = (body or "").replace("\r\n", "\n")
    if not subject or not body.strip():
        raise DomainError(_("Give both a subject and a message."))
    if len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
        raise DomainError(_("The subject may have 200 and the message 20,000 characters at most."))
    context = {name: f"[{name}]" for name, _label in PLACEHOLDERS}
    context.update(name=SAMPLE.name, email=SAMPLE.to)
    mail.render_sandboxed(subject, **context)
    mail.render_sandboxed(body, **context)
    return subject, body
