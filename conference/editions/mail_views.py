"""The mail log pages: an edition's mail for its organisers (``/<year>/admin/mail``), all
mail for site administrators (``/admin/mail``); one message as sent; resend and retry.

Views only parse, ask ``permissions`` and call ``editions.mail_log``."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from conference.editions import bp, mail_log
from conference.editions.forms import MailFilterForm
from conference.errors import NotFound
from conference.extensions import db
from conference.mail import linked_text
from conference.permissions import can, deny, require
from conference.query_args import arg_choice, arg_page, arg_str

MAIL_PER_PAGE = 50


def _log_page(edition):
    form = MailFilterForm(request.args)
    kinds = mail_log.templates_used(edition)
    form.state.choices = [SelectChoice("", _("All states"))] + [
        SelectChoice(key, str(label)) for key, label in mail_log.STATES.items()
    ]
    form.template.choices = [SelectChoice("", _("All kinds"))] + [
        SelectChoice(kind, render_kw={"translate": "no"}) for kind in kinds
    ]
    state = arg_choice("state", list(mail_log.STATES))
    template = arg_choice("template", kinds)
    query = arg_str("q", max_len=254)
    page = arg_page()
    messages, total = mail_log.search(
        edition,
        state=state,
        query=query,
        template=template,
        page=page,
        per_page=MAIL_PER_PAGE,
    )
    pages = max((total + MAIL_PER_PAGE - 1) // MAIL_PER_PAGE, 1)
    filters = {"state": state or None, "template": template or None, "q": query or None}
    prefix = "editions.edition_mail" if edition is not None else "editions.admin_mail"
    return render_template(
        "editions/mail_log.html",
        edition=edition,
        form=form,
        messages=messages,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        prefix=prefix,
        failed_count=mail_log.search(edition, state="failed", per_page=1)[1],
        state_of=mail_log.state_of,
        states=mail_log.STATES,
        can_resend=can(current_user, "outbox.resend", edition=edition)
        if edition is not None
        else True,
    )


def _message(message_id: int, edition):
    try:
        return mail_log.get_message(message_id, edition)
    except NotFound as exc:
        abort(404, exc.message)


def _message_page(message, edition):
    prefix = "editions.edition_mail" if edition is not None else "editions.admin_mail"
    text, html = message.text_body, message.html_body
    if not current_app.config["MAIL_LOG_SHOW_SECRET_LINKS"]:
        text, html = mail_log.hide_secret_links(text), html and mail_log.hide_secret_links(html)
    return render_template(
        "editions/mail_message.html",
        edition=edition,
        message=message,
        text_body=text,
        html_body=html,
        prefix=prefix,
        state=mail_log.state_of(message),
        states=mail_log.STATES,
        linked_text=linked_text,
        can_resend=can(current_user, "outbox.resend", message, edition=edition),
    )


def _resend(message, edition):
    if not can(current_user, "outbox.resend", message, edition=edition):
        return deny()
    copy = mail_log.resend(message, actor=current_user)
    db.session.commit()  # queued: sent after the request, as every mail
    flash(_("The message is queued again for %(address)s.", address=message.to), "success")
    prefix = "editions.edition_mail" if edition is not None else "editions.admin_mail"
    return redirect(url_for(f"{prefix}_message", message_id=copy.id))


def _retry(edition):
    raw = request.form.getlist("message_id")
    ids = None
    if raw:
        try:
            ids = [int(value) for value in raw[:500]]
        except ValueError:
            abort(400, _("That is not a message of the log."))
    count = mail_log.retry(edition, ids=ids, actor=current_user)
    db.session.commit()
    if count:
        g.mail_queued = True  # send after the request, as for newly queued mail
        flash(
            ngettext(
                "%(num)d failed message is queued again.",
                "%(num)d failed messages are queued again.",
                count,
            ),
            "success",
        )
    else:
        flash(_("There was no failed message to retry."), "info")
    prefix = "editions.edition_mail" if edition is not None else "editions.admin_mail"
    if ids and len(ids) == 1:
        return redirect(url_for(f"{prefix}_message", message_id=ids[0]))
    return redirect(url_for(f"{prefix}_log"))


# --- an edition's mail (organisers) ----------------------------------------------------------


@bp.get("/<int:year>/admin/mail")
@require("outbox.read")
def edition_mail_log():
    return _log_page(g.edition)


@bp.get("/<int:year>/admin/mail/<int:message_id>")
@require("outbox.read")
def edition_mail_message(message_id):
    return _message_page(_message(message_id, g.edition), g.edition)


@bp.post("/<int:year>/admin/mail/<int:message_id>/resend")
@require("outbox.read")
def edition_mail_resend(message_id):
    return _resend(_message(message_id, g.edition), g.edition)


@bp.post("/<int:year>/admin/mail/retry")
@require("outbox.resend")
def edition_mail_retry():
    return _retry(g.edition)


# --- all mail (site administrators) ----------------------------------------------------------


@bp.get("/admin/mail")
@require("site.admin")
def admin_mail_log():
    return _log_page(None)


@bp.get("/admin/mail/<int:message_id>")
@require("site.admin")
def admin_mail_message(message_id):
    return _message_page(_message(message_id, None), None)


@bp.post("/admin/mail/<int:message_id>/resend")
@require("site.admin")
def admin_mail_resend(message_id):
    return _resend(_message(message_id, None), None)


@bp.post("/admin/mail/retry")
@require("site.admin")
def admin_mail_retry():
    return _retry(None)
