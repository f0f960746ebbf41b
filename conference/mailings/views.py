"""Mailing pages under ``/<year>/admin/mailings``: they parse, ask permissions, call the
services and render."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from conference import audit, confirm
from conference.accounts.models import Role
from conference.accreditation.services import ORGANISATION_TYPES, STATE_LABELS, categories
from conference.errors import DomainError
from conference.extensions import db
from conference.mailings import bp
from conference.mailings.forms import MailingForm, PreviewForm
from conference.mailings.models import Mailing, MailingState
from conference.mailings.services import groups, placeholders, sending
from conference.permissions import can, deny, require
from conference.text import ngettext

ROLE_LABELS = {
    Role.ORGANISER: _l("Organisers"),
    Role.CHAIR: _l("Programme chairs"),
    Role.REVIEWER: _l("Reviewers"),
    Role.STAFF: _l("Door staff"),
}
MAILING_STATE_LABELS = {
    MailingState.DRAFT: _l("Draft"),
    MailingState.SENDING: _l("Sending"),
    MailingState.STOPPED: _l("Stopped"),
    MailingState.SENT: _l("Sent"),
}
# The state of one recipient's message (outbox statuses, and the two of mailings).
DELIVERY_LABELS = {
    sending.HELD: _l("Waiting"),
    sending.SENDING: _l("Being sent"),
    "pending": _l("Refused once, will be retried"),
    "sent": _l("Delivered"),
    "failed": _l("Failed"),
}
# A draft's recipients page and preview choices list at most this many people.
LIST_LIMIT = 2000


def _mailing(mailing_id: int, action: str = "mailing.view") -> Mailing:
    mailing = sending.get_mailing(g.edition, mailing_id)
    if not can(current_user, action, mailing, edition=g.edition):
        abort(403)
    return mailing


def _form(mailing: Mailing | None = None) -> MailingForm:
    edition = g.edition
    form = MailingForm(obj=None)
    form.kind.choices = [
        SelectChoice(kind, groups.KIND_LABELS[kind])
        for kind in groups.KINDS
        if can(current_user, "mailing.write", kind, edition=edition)
    ]
    form.states.choices = [SelectChoice(state, label) for state, label in STATE_LABELS.items()]
    form.category_ids.choices = [SelectChoice(str(c.id), c.name) for c in categories(edition)]
    form.organisation_types.choices = [
        SelectChoice(value, label) for value, label in ORGANISATION_TYPES
    ]
    form.session_id.choices = [SelectChoice("", _("Any (no session filter)"))] + [
        SelectChoice(str(i), title) for i, title in groups.session_choices(edition)
    ]
    form.speaker_states.choices = [
        SelectChoice(state, label) for state, label in groups.SPEAKER_STATE_LABELS.items()
    ]
    form.role.choices = [SelectChoice(role, label) for role, label in ROLE_LABELS.items()]
    if request.method == "GET" and mailing is not None:
        audience = mailing.audience or {}
        form.kind.data = audience.get("kind")
        form.subject.data, form.body.data = mailing.subject, mailing.body
        if audience.get("kind") == "registrations":
            form.states.data = audience.get("states", [])
            form.category_ids.data = [str(i) for i in audience.get("category_ids", [])]
            form.countries.data = ", ".join(audience.get("countries", []))
            form.organisation_types.data = audience.get("organisation_types", [])
            form.session_id.data = str(audience.get("session_id") or "")
            form.session_mode.data = audience.get("session_mode", "booked")
        elif audience.get("kind") == "speakers":
            form.speaker_states.data = audience.get("states", [])
        elif audience.get("kind") == "reviewers":
            form.unfinished_only.data = audience.get("unfinished_only", False)
        elif audience.get("kind") == "role":
            form.role.data = audience.get("role")
    elif request.method == "GET":
        form.kind.data = form.kind.choices[0].value if form.kind.choices else None
        form.states.data = ["accredited"]
    return form


def _audience(form: MailingForm, mailing: Mailing | None) -> dict:
    kind = form.kind.data
    if kind == "registrations":
        return {
            "kind": kind,
            "states": form.states.data or [],
            "category_ids": form.category_ids.data or [],
            "countries": [c.strip() for c in (form.countries.data or "").split(",")],
            "organisation_types": form.organisation_types.data or [],
            "session_id": form.session_id.data or None,
            "session_mode": form.session_mode.data,
        }
    if kind == "speakers":
        return {"kind": kind, "states": form.speaker_states.data or []}
    if kind == "reviewers":
        return {"kind": kind, "unfinished_only": form.unfinished_only.data}
    if kind == "role":
        return {"kind": kind, "role": form.role.data}
    upload = form.csv_file.data
    if upload and getattr(upload, "filename", ""):
        ids = groups.registration_ids_from_csv(upload.read(groups.MAX_CSV_BYTES + 1))
    elif mailing is not None and (mailing.audience or {}).get("kind") == "csv":
        ids = mailing.audience.get("registration_ids", [])
    else:
        raise DomainError(_("Choose the CSV file exported from the registrations page."))
    return {"kind": kind, "registration_ids": ids}


def _edit(mailing: Mailing | None):
    form = _form(mailing)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            kind = form.kind.data
            if not can(current_user, "mailing.write", kind, edition=g.edition):
                return deny()
            try:
                saved = sending.save_draft(
                    current_user,
                    g.edition,
                    form.subject.data,
                    form.body.data,
                    _audience(form, mailing),
                    mailing,
                )
            except DomainError as exc:
                flash(exc.message, "error")
                status = exc.status_code
            else:
                flash(_("The draft is saved."), "success")
                return redirect(url_for("mailings.detail", mailing_id=saved.id), 303)
        else:
            status = 400
    return render_template(
        "mailings/edit.html",
        form=form,
        mailing=mailing,
        placeholders=placeholders.PLACEHOLDERS,
    ), status


@bp.get("/<int:year>/admin/mailings")
@require("mailing.view")
def index():
    kinds = None if can(current_user, "edition.manage", edition=g.edition) else groups.CHAIR_KINDS
    mailings = sending.list_mailings(g.edition, kinds)
    return render_template(
        "mailings/index.html",
        mailings=mailings,
        progress={m.id: sending.progress(m) for m in mailings if m.state != MailingState.DRAFT},
        state_labels=MAILING_STATE_LABELS,
        kind_labels=groups.KIND_LABELS,
        may_write=can(current_user, "mailing.write", edition=g.edition),
    )


@bp.route("/<int:year>/admin/mailings/new", methods=["GET", "POST"])
@require("mailing.write")
def new():
    return _edit(None)


@bp.route("/<int:year>/admin/mailings/<int:mailing_id>/edit", methods=["GET", "POST"])
@require("mailing.write")
def edit(mailing_id: int):
    mailing = _mailing(mailing_id, "mailing.write")
    if mailing.state != MailingState.DRAFT:
        flash(_("This mailing has been sent and can no longer be changed."), "error")
        return redirect(url_for("mailings.detail", mailing_id=mailing.id), 303)
    return _edit(mailing)


def _current_recipients(mailing: Mailing) -> list[groups.Recipient]:
    if mailing.state == MailingState.DRAFT:
        return groups.recipients(g.edition, mailing.audience)
    return [
        groups.Recipient(row.to, row.name, row.user_id)
        for row, _message in sending.recipient_states(mailing)
    ]


@bp.get("/<int:year>/admin/mailings/<int:mailing_id>")
@require("mailing.view")
def detail(mailing_id: int):
    mailing = _mailing(mailing_id)
    recipients = _current_recipients(mailing)
    preview_form = PreviewForm(request.args)
    preview_form.recipient.choices = [
        SelectChoice(r.to, f"{r.name} <{r.to}>" if r.name else r.to)
        for r in recipients[:LIST_LIMIT]
    ]
    chosen = next((r for r in recipients if r.to == preview_form.recipient.data), None)
    if chosen is None and recipients:
        chosen = recipients[0]
        preview_form.recipient.data = chosen.to
    preview = None
    preview_error = None
    if chosen is not None:
        try:
            preview = sending.preview(mailing, chosen)
        except DomainError as exc:
            preview_error = exc.message
    return render_template(
        "mailings/detail.html",
        mailing=mailing,
        recipients=recipients,
        preview_form=preview_form,
        preview=preview,
        preview_error=preview_error,
        progress=None if mailing.state == MailingState.DRAFT else sending.progress(mailing),
        state_labels=MAILING_STATE_LABELS,
        kind_labels=groups.KIND_LABELS,
        audience_lines=_audience_lines(mailing),
        may_write=can(current_user, "mailing.write", mailing, edition=g.edition),
    )


def _audience_lines(mailing: Mailing) -> list[str]:
    """The group's filters in words."""
    audience = mailing.audience or {}
    kind = audience.get("kind")
    lines = [str(groups.KIND_LABELS.get(kind, kind))]
    if kind == "registrations":
        if audience.get("states"):
            states = ", ".join(str(STATE_LABELS.get(s, s)) for s in audience["states"])
            lines.append(_("State: %(states)s", states=states))
        if audience.get("category_ids"):
            names = {c.id: c.name for c in categories(g.edition)}
            chosen = ", ".join(names.get(i, str(i)) for i in audience["category_ids"])
            lines.append(_("Category: %(categories)s", categories=chosen))
        if audience.get("countries"):
            lines.append(_("Country: %(countries)s", countries=", ".join(audience["countries"])))
        if audience.get("organisation_types"):
            labels = dict(ORGANISATION_TYPES)
            types = ", ".join(str(labels.get(t, t)) for t in audience["organisation_types"])
            lines.append(_("Organisation type: %(types)s", types=types))
        if audience.get("session_id"):
            titles = dict(groups.session_choices(g.edition))
            title = titles.get(audience["session_id"], "?")
            if audience.get("session_mode") == "attended":
                lines.append(_("Attended: %(session)s", session=title))
            else:
                lines.append(_("Booked: %(session)s", session=title))
    elif kind == "speakers" and audience.get("states"):
        states = ", ".join(str(groups.SPEAKER_STATE_LABELS[s]) for s in audience["states"])
        lines.append(_("Submissions: %(states)s", states=states))
    elif kind == "reviewers" and audience.get("unfinished_only"):
        lines.append(_("Only reviewers with unfinished reviews"))
    elif kind == "role":
        lines.append(str(ROLE_LABELS.get(audience.get("role"), audience.get("role"))))
    elif kind == "csv":
        count = len(audience.get("registration_ids", []))
        lines.append(ngettext("%(num)d registration listed", "%(num)d registrations listed", count))
    return lines


@bp.get("/<int:year>/admin/mailings/<int:mailing_id>/recipients")
@require("mailing.view")
def recipients(mailing_id: int):
    mailing = _mailing(mailing_id)
    if mailing.state == MailingState.DRAFT:
        rows = [(r, None) for r in groups.recipients(g.edition, mailing.audience)]
    else:
        rows = sending.recipient_states(mailing)
    return render_template(
        "mailings/recipients.html",
        mailing=mailing,
        rows=rows[:LIST_LIMIT],
        total=len(rows),
        limit=LIST_LIMIT,
        delivery_labels=DELIVERY_LABELS,
    )


@bp.post("/<int:year>/admin/mailings/<int:mailing_id>/test")
@require("mailing.write")
def test(mailing_id: int):
    mailing = _mailing(mailing_id, "mailing.write")
    recipients = _current_recipients(mailing)
    wanted = request.form.get("recipient", "")
    chosen = next((r for r in recipients if r.to == wanted), None)
    if chosen is None:
        chosen = recipients[0] if recipients else placeholders.SAMPLE
    sending.send_test(current_user, mailing, chosen)
    flash(_("A test message has been sent to %(address)s.", address=current_user.email), "success")
    return redirect(url_for("mailings.detail", mailing_id=mailing.id), 303)


@bp.route("/<int:year>/admin/mailings/<int:mailing_id>/send", methods=["GET", "POST"])
@require("mailing.write")
def send(mailing_id: int):
    mailing = _mailing(mailing_id, "mailing.write")
    if mailing.state != MailingState.DRAFT:
        raise DomainError(_("This mailing has already been sent."), status_code=409)
    recipients = groups.recipients(g.edition, mailing.audience)
    mails = []
    if recipients:
        subject, text = sending.preview(mailing, recipients[0])
        mails = [confirm.MailPreview(recipients[0].to, subject, text)]
    page = confirm.check(
        confirm.Confirmation(
            title=_("Send “%(subject)s”?", subject=mailing.subject),
            consequences=[
                ngettext(
                    "One message will be sent to %(num)d person.",
                    "One message each will be sent to %(num)d people.",
                    len(recipients),
                ),
                _("Delivery can be stopped and resumed; a sent mailing cannot be changed."),
            ],
            subject=[mailing.id, [r.to for r in recipients]],
            submit_label=_("Send the mailing"),
            cancel_url=url_for("mailings.detail", mailing_id=mailing.id),
            people=[(r.name, r.to) for r in recipients[:50]],
            people_heading=_("Recipients"),
            mails=mails,
            mails_total=len(recipients),
            blocked=None if recipients else _("The mailing has no recipients."),
            danger=False,
        )
    )
    if page is not None:
        return page
    count = sending.send(current_user, mailing)
    flash(
        ngettext(
            "%(num)d message is queued and being delivered.",
            "%(num)d messages are queued and being delivered.",
            count,
        ),
        "success",
    )
    return redirect(url_for("mailings.detail", mailing_id=mailing.id), 303)


@bp.post("/<int:year>/admin/mailings/<int:mailing_id>/stop")
@require("mailing.write")
def stop(mailing_id: int):
    mailing = _mailing(mailing_id, "mailing.write")
    sending.stop(current_user, mailing)
    flash(_("Delivery is stopped. Messages not sent yet wait until you resume."), "success")
    return redirect(url_for("mailings.detail", mailing_id=mailing.id), 303)


@bp.post("/<int:year>/admin/mailings/<int:mailing_id>/resume")
@require("mailing.write")
def resume(mailing_id: int):
    mailing = _mailing(mailing_id, "mailing.write")
    sending.resume(current_user, mailing)
    flash(_("Delivery continues."), "success")
    return redirect(url_for("mailings.detail", mailing_id=mailing.id), 303)


@bp.route("/<int:year>/admin/mailings/<int:mailing_id>/delete", methods=["GET", "POST"])
@require("mailing.write")
def delete(mailing_id: int):
    mailing = _mailing(mailing_id, "mailing.write")
    page = confirm.check(
        confirm.Confirmation(
            title=_("Delete the draft “%(subject)s”?", subject=mailing.subject),
            consequences=[_("The draft is deleted; nothing is sent.")],
            subject=[mailing.id, mailing.state],
            submit_label=_("Delete the draft"),
            cancel_url=url_for("mailings.detail", mailing_id=mailing.id),
            blocked=None
            if mailing.state == MailingState.DRAFT
            else _("Only a draft can be deleted."),
        )
    )
    if page is not None:
        return page
    sending.delete_draft(current_user, mailing)
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("mailings.index"), 303)


@bp.get("/<int:year>/admin/mailings/<int:mailing_id>/progress.json")
@require("mailing.view")
def progress(mailing_id: int):
    mailing = _mailing(mailing_id)
    return jsonify(state=mailing.state, **sending.progress(mailing))


# --- names in the audit log ----------------------------------------------------------------


@audit.describes("Mailing")
def _describe_mailings(ids: list[int]) -> dict:
    edition = g.edition
    found = {}
    for mailing in db.session.scalars(
        sa.select(Mailing).where(Mailing.id.in_(ids), Mailing.edition_id == edition.id)
    ):
        may_open = can(current_user, "mailing.view", mailing, edition=edition)
        url = url_for("mailings.detail", mailing_id=mailing.id) if may_open else None
        found[mailing.id] = (_("Mailing “%(subject)s”", subject=mailing.subject), url)
    return found
