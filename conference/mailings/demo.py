"""Demo mailings in 2027 (after the accreditation, programme and submissions steps): one sent
to the accredited attendees, delivered, and a draft to the speakers of accepted talks, so that
the organiser sees the list, a mailing's progress and recipients, and can preview and send the
draft. Idempotent."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from conference import mail
from conference.accounts import services as accounts
from conference.db import utcnow
from conference.extensions import db
from conference.mailings.models import Mailing, MailingMessage, MailingState
from conference.mailings.services import groups, placeholders

SENT_SUBJECT = "Practical information for {{ edition_title }}"
SENT_BODY = """Dear {{ name }},

{{ edition_title }} takes place on {{ edition_dates }} at {{ venue }}.

{% if sessions %}Your sessions:
{{ sessions }}

{% endif %}{% if badge_link %}Your badge (print it, or show it on your phone): {{ badge_link }}
{% endif %}The programme: {{ programme_link }}

With kind regards,
The organising team
"""
DRAFT_SUBJECT = "Your talk at {{ edition_title }}: slides and timing"
DRAFT_BODY = """Dear {{ name }},

thank you again for speaking at {{ edition_title }}. Please send us your slides one week
before the conference and check your slot in the programme: {{ programme_link }}

{% if sessions %}Your sessions:
{{ sessions }}
{% endif %}
With kind regards,
The programme committee
"""


def seed(demo) -> None:
    edition = demo.editions[2027]
    organiser = accounts.find_user("organiser@demo.test")
    exists = db.session.scalar(
        sa.select(Mailing.id).where(Mailing.edition_id == edition.id).limit(1)
    )
    if exists is not None or organiser is None:
        return
    sent = Mailing(
        edition_id=edition.id,
        created_by_id=organiser.id,
        subject=SENT_SUBJECT,
        body=SENT_BODY,
        audience=groups.normalise({"kind": "registrations", "states": ["accredited"]}),
        state=MailingState.SENT,
    )
    db.session.add(sent)
    db.session.flush()
    when = utcnow() - dt.timedelta(days=2)
    with current_app.test_request_context():
        recipients = groups.recipients(edition, sent.audience)
        for recipient in recipients:
            subject, text = placeholders.render_for(edition, sent.subject, sent.body, recipient)
            message = mail.queue_rendered(
                recipient.to, subject, text, edition=edition, template="mailing"
            )
            message.status, message.attempts = "sent", 1
            message.created_at = message.next_attempt_at = message.sent_at = when
            db.session.flush()
            db.session.add(
                MailingMessage(
                    mailing_id=sent.id,
                    outbox_id=message.id,
                    to=recipient.to,
                    name=recipient.name[:200],
                    user_id=recipient.user_id,
                )
            )
    sent.recipient_count = len(recipients)
    sent.created_at = sent.queued_at = sent.finished_at = when
    db.session.add(
        Mailing(
            edition_id=edition.id,
            created_by_id=organiser.id,
            subject=DRAFT_SUBJECT,
            body=DRAFT_BODY,
            audience=groups.normalise({"kind": "speakers", "states": ["accepted"]}),
        )
    )
    db.session.commit()
