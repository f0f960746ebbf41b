"""The decision mails: default templates, organisers' own versions (rendered sandboxed, a
broken one refused when saved) and the rendered mail for each speaker of a submission."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from jinja2 import TemplateError
from jinja2.sandbox import SecurityError

from conference import audit, mail
from conference.editions.models import Edition, MailTemplate
from conference.errors import DomainError, NotFound
from conference.extensions import db
from conference.review.models import Review
from conference.review.services.lookups import _require, speakers
from conference.submissions.models import Decision, Submission
from conference.urls import external_url

DECISION_TEMPLATE_KEYS = {
    Decision.ACCEPTED: "decision_accepted",
    Decision.REJECTED: "decision_rejected",
    Decision.WAITLISTED: "decision_waitlisted",
}


DEFAULT_TEMPLATES = {
    "decision_accepted": (
        "Your submission to {{ edition_title }} has been accepted",
        "Dear {{ speaker_name }},\n\n"
        "we are pleased to tell you that “{{ title }}” has been accepted for "
        "{{ edition_title }}.\n\n"
        "{% if comments_to_authors %}Comments from the programme committee:\n\n"
        "{{ comments_to_authors }}\n\n{% endif %}"
        "You can follow your submission here: {{ link }}\n\n"
        "With kind regards,\nThe programme committee",
    ),
    "decision_rejected": (
        "Your submission to {{ edition_title }}",
        "Dear {{ speaker_name }},\n\n"
        "thank you for submitting “{{ title }}” to {{ edition_title }}. We regret that we "
        "could not include it in this year's programme.\n\n"
        "{% if comments_to_authors %}Comments from the programme committee:\n\n"
        "{{ comments_to_authors }}\n\n{% endif %}"
        "Your submission: {{ link }}\n\n"
        "With kind regards,\nThe programme committee",
    ),
    "decision_waitlisted": (
        "Your submission to {{ edition_title }} is on the waiting list",
        "Dear {{ speaker_name }},\n\n"
        "“{{ title }}” is on the waiting list for {{ edition_title }}. We will write again "
        "if a place in the programme becomes free.\n\n"
        "{% if comments_to_authors %}Comments from the programme committee:\n\n"
        "{{ comments_to_authors }}\n\n{% endif %}"
        "Your submission: {{ link }}\n\n"
        "With kind regards,\nThe programme committee",
    ),
}


TEMPLATE_VARIABLES = (
    "title",
    "speaker_name",
    "comments_to_authors",
    "edition_title",
    "edition_year",
    "link",
)


def mail_template(edition: Edition, key: str) -> tuple[str, str, bool]:
    """(subject, body, customised) of a decision template."""
    if key not in DEFAULT_TEMPLATES:
        raise NotFound(_("There is no such mail template."))
    row = db.session.scalar(
        sa.select(MailTemplate).where(
            MailTemplate.edition_id == edition.id, MailTemplate.key == key
        )
    )
    if row is None:
        return (*DEFAULT_TEMPLATES[key], False)
    return row.subject, row.body, True


SAMPLE_CONTEXT = {
    "title": "A sample submission",
    "speaker_name": "Sam Speaker",
    "comments_to_authors": "Review 1:\nA clear and timely proposal.",
    "edition_title": "Sample edition",
    "edition_year": 2027,
    "link": "https://example.org/2027/me/submissions",
}


def render_template_source(source: str, context: dict) -> str:
    """Render an organiser-edited template; a broken one becomes a readable DomainError."""
    try:
        return mail.render_sandboxed(source, **context)
    except SecurityError:
        raise DomainError(_("The template tries to use something that is not allowed.")) from None
    except TemplateError as exc:
        raise DomainError(_("The template cannot be used: %(error)s", error=exc)) from None


def save_mail_template(actor, edition: Edition, key: str, subject: str, body: str) -> None:
    _require(actor, "review.manage", edition=edition)
    mail_template(edition, key)  # 404 for unknown keys
    subject = (subject or "").strip()
    body = (body or "").replace("\r\n", "\n")
    if not subject or not body.strip():
        raise DomainError(_("Give both a subject and a body."))
    if len(subject) > 200 or len(body) > 20_000:
        raise DomainError(_("The subject may have 200 and the body 20,000 characters at most."))
    render_template_source(subject, SAMPLE_CONTEXT)
    render_template_source(body, SAMPLE_CONTEXT)
    row = db.session.scalar(
        sa.select(MailTemplate).where(
            MailTemplate.edition_id == edition.id, MailTemplate.key == key
        )
    )
    if row is None:
        row = MailTemplate(edition_id=edition.id, key=key, subject=subject, body=body)
        db.session.add(row)
    else:
        row.subject, row.body = subject, body
    audit.record(actor, "review.mail_template", ("MailTemplate", key), edition=edition, key=key)
    db.session.commit()


def comments_for_authors(submission: Submission) -> str:
    """The submitted reviews' comments to the authors, numbered, without reviewer names."""
    texts = db.session.scalars(
        sa.select(Review.comments_to_authors)
        .where(Review.submission_id == submission.id, Review.submitted_at.is_not(None))
        .order_by(Review.id)
    )
    parts = [t.strip() for t in texts if t and t.strip()]
    return "\n\n".join(f"Review {i}:\n{text}" for i, text in enumerate(parts, start=1))


def _speaker_link(edition: Edition, submission: Submission) -> str:
    """Where a speaker reads the decision: their submission page (or their list)."""
    if "submissions.show" in current_app.view_functions:
        return external_url("submissions.show", year=edition.year, submission_id=submission.id)
    if "submissions.mine" in current_app.view_functions:
        return external_url("submissions.mine", year=edition.year)
    return external_url("editions.edition_home", year=edition.year)


def decision_mails(submission: Submission) -> list[tuple[str, str, str]]:
    """(to, subject, body) for each speaker: the author and confirmed co-speakers."""
    edition = db.session.get(Edition, submission.edition_id)
    key = DECISION_TEMPLATE_KEYS[Decision(submission.decision)]
    subject_source, body_source, _customised = mail_template(edition, key)
    comments = comments_for_authors(submission)
    link = _speaker_link(edition, submission)
    out = []
    seen = set()
    for person in speakers(submission):
        address = (person["email"] or "").lower()
        if not address or address in seen:
            continue
        seen.add(address)
        context = {
            "title": submission.title,
            "speaker_name": person["name"],
            "comments_to_authors": comments,
            "edition_title": edition.title,
            "edition_year": edition.year,
            "link": link,
        }
        out.append(
            (
                address,
                render_template_source(subject_source, context),
                render_template_source(body_source, context),
            )
        )
    return out
