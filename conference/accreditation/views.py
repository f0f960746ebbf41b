"""Accreditation pages: registering, the attendee's page, the organisers' queue and categories,
the nominating authority's answer page, and the personal-data download and account deletion."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from conference import audit, confirm, countries, crud, i18n
from conference.accreditation import bp, privacy, question_views, services
from conference.accreditation.forms import (
    CancelForm,
    CategoryForm,
    DecisionForm,
    DeleteAccountForm,
    NominationForm,
    RegistrationForm,
)
from conference.accreditation.models import EndorsementState, Registration, RegistrationState
from conference.accreditation.services import questions as question_services
from conference.accreditation.services.queue import csv_header
from conference.confirm import Confirmation
from conference.editions import mail_log
from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.permissions import can, is_verified, login_required, require
from conference.query_args import arg_choice, arg_page
from conference.text import csv_response, ngettext

QUEUE_PAGE_SIZE = 100


def _attach_error(form, exc: DomainError) -> None:
    """Show a service's complaints next to the fields they concern (or at the top)."""
    errors = getattr(exc, "errors", None) or {getattr(exc, "field", None) or "": exc.message}
    _attach_problems(form, errors)


def _attach_problems(form, errors: dict) -> None:
    for field, message in errors.items():
        if field and field in form:
            if message not in form[field].errors:
                form[field].errors = [*form[field].errors, message]
        else:
            flash(message, "error")


def _add_rule_problems(form, edition, categories) -> None:
    """A form that failed its own checks also shows the rules' complaints: every error at
    once, instead of one more after each attempt."""
    problems = services.registration_problems(
        edition, _form_data(form), allowed_category_ids={c.id for c in categories}
    )
    _attach_problems(form, {k: v for k, v in problems.items() if k in form and not form[k].errors})


def _form_data(form) -> dict:
    return {name: field.data for name, field in form._fields.items()}


# --- registering --------------------------------------------------------------------------


@bp.route("/<int:year>/register", methods=["GET", "POST"])
@login_required
def register():
    edition = g.edition
    existing = services.registration_for(current_user, edition)
    if existing is not None and request.method == "GET":
        flash(_("You have already registered for the %(year)s edition.", year=edition.year), "info")
        return redirect(url_for("accreditation.me"))
    if not is_verified(current_user):
        # Say so before the form, not after it has been filled in.
        status = 403 if request.method == "POST" else 200
        return render_template(
            "accreditation/register.html", unconfirmed=True, closed=None, form=None
        ), status
    closed = services.registration_closed_reason(edition)
    categories = services.requestable_categories(edition)
    if closed or not categories:
        reason = closed or _("The organisers have not opened any category for registration yet.")
        status = 403 if request.method == "POST" else 200
        return render_template("accreditation/register.html", closed=reason, form=None), status
    form_class, edition_questions = question_views.registration_form_class(
        RegistrationForm, edition
    )
    form = form_class(data=None if request.method == "POST" else services.prefill(
        current_user, edition))  # fmt: skip
    form.set_choices(categories)
    status = 200
    if request.method == "POST":
        answers, question_errors = question_views.question_problems(
            form, edition, edition_questions
        )
        if form.validate() and not question_errors:
            try:
                registration = services.register(current_user, edition, _form_data(form))
                question_services.save_answers(registration, answers)
                db.session.commit()
            except services.RegistrationError as exc:
                db.session.rollback()
                _attach_error(form, exc)
                status = 400
            except Conflict as exc:
                db.session.rollback()
                flash(exc.message, "error")
                return render_template(
                    "accreditation/register.html", closed=None, form=None, duplicate=True
                ), 409
            else:
                flash(
                    _(
                        "Thank you: your registration is submitted. We have sent you a "
                        "confirmation by e-mail."
                    ),
                    "success",
                )
                return redirect(url_for("accreditation.me"))
        else:
            _add_rule_problems(form, edition, categories)
            _attach_problems(form, question_errors)
            status = 400
    return render_template(
        "accreditation/register.html",
        form=form,
        closed=None,
        nomination_ids=[c.id for c in categories if c.requires_nomination],
        categories=categories,
        **question_views.question_context(form, edition_questions, categories),
    ), status


@bp.get("/<int:year>/me")
@login_required
def me():
    edition = g.edition
    registration = services.registration_for(current_user, edition)
    return render_template(
        "accreditation/me.html",
        registration=registration,
        closed=services.registration_closed_reason(edition),
        next_steps=services.next_steps(registration) if registration else "",
        speaking=services.speaking_in(edition, [current_user.id], viewer=current_user).get(
            current_user.id, []
        ),
        cancel_form=CancelForm(),
        S=RegistrationState,
    )


def _own_registration():
    registration = services.registration_for(current_user, g.edition)
    if registration is None:
        flash(_("You have not registered for this edition."), "info")
        return None
    if not can(current_user, "registration.change_own", registration, edition=g.edition):
        abort(403, _("This edition is archived: registrations can no longer be changed."))
    return registration


@bp.route("/<int:year>/me/edit", methods=["GET", "POST"])
@login_required
def edit():
    edition = g.edition
    registration = _own_registration()
    if registration is None:
        return redirect(url_for("accreditation.register"))
    if registration.state != RegistrationState.SUBMITTED:
        abort(409, _("Your registration can only be changed while it is waiting for a decision."))
    closed = services.registration_closed_reason(edition)
    if closed:
        abort(403, closed)
    categories = services.requestable_categories(edition)
    if registration.requested_category not in categories:
        categories = [registration.requested_category, *categories]
    form_class, edition_questions = question_views.registration_form_class(
        RegistrationForm, edition
    )
    if request.method == "POST":
        form = form_class()
    else:
        data = {
            name: getattr(registration, name)
            for name in (
                "full_name",
                "organisation",
                "organisation_type",
                "country",
                "position",
                "nominating_authority",
                "nominator_email",
                "dietary_needs",
                "accessibility_needs",
            )  # fmt: skip
        }
        data["requested_category"] = registration.requested_category_id
        data["special_data_consent"] = registration.special_data_consent_at is not None
        data["privacy_consent"] = registration.privacy_consent_at is not None
        data.update(question_services.form_values(registration))
        form = form_class(data=data)
    form.set_choices(categories)
    form.submit.label.text = _("Save changes")
    status = 200
    if request.method == "POST":
        answers, question_errors = question_views.question_problems(
            form, edition, edition_questions, registration
        )
        if form.validate() and not question_errors:
            try:
                services.update_registration(registration, current_user, _form_data(form))
                question_services.save_answers(registration, answers)
                db.session.commit()
            except services.RegistrationError as exc:
                db.session.rollback()
                _attach_error(form, exc)
                status = 400
            else:
                flash(_("Your registration is updated."), "success")
                return redirect(url_for("accreditation.me"))
        else:
            _add_rule_problems(form, edition, categories)
            _attach_problems(form, question_errors)
            status = 400
    return render_template(
        "accreditation/register.html",
        form=form,
        closed=None,
        editing=True,
        nomination_ids=[c.id for c in categories if c.requires_nomination],
        categories=categories,
        **question_views.question_context(form, edition_questions, categories),
        existing_answers=question_services.existing_answers(registration),
    ), status


@bp.route("/<int:year>/me/cancel", methods=["GET", "POST"])
@login_required
def cancel():
    registration = _own_registration()
    if registration is None:
        return redirect(url_for("accreditation.me"))
    form = CancelForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            services.cancel(registration, current_user)
            db.session.commit()
            flash(_("Your registration is cancelled."), "success")
            return redirect(url_for("accreditation.me"))
        status = 400
    if registration.state not in services.OPEN_STATES:
        abort(409, _("Your registration is no longer open."))
    return render_template(
        "accreditation/cancel.html", registration=registration, form=form
    ), status


# --- nominating authorities ---------------------------------------------------------------


@bp.route("/<int:year>/nomination/<token>", methods=["GET", "POST"])
def nomination(token):
    registration = services.registration_for_token(token)
    if registration.edition_id != g.edition.id:
        raise DomainError(_("This nomination link is not valid."), code="invalid_token")
    form = NominationForm()
    if request.method == "POST":
        decision = request.form.get("decision")
        if decision not in ("endorse", "decline") or not form.validate():
            flash(_("Please choose to endorse or to decline."), "error")
            return render_template(
                "accreditation/nomination.html", registration=registration, form=form
            ), 400
        services.answer_nomination(token, decision == "endorse", form.note.data or "")
        db.session.commit()
        flash(
            _("Thank you: your answer is recorded and the organisers can see it.")
            if decision == "endorse"
            else _("Thank you: the organisers will see that you declined this nomination."),
            "success",
        )
        return redirect(url_for("accreditation.nomination", token=token))
    return render_template("accreditation/nomination.html", registration=registration, form=form)


# --- the organisers' queue ----------------------------------------------------------------


def _queue_context(filters):
    edition = g.edition
    query = services.queue_query(edition, filters)
    page = arg_page()
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    registrations = list(
        db.session.scalars(query.limit(QUEUE_PAGE_SIZE).offset((page - 1) * QUEUE_PAGE_SIZE))
    )
    categories = services.categories(edition)
    decision_form = DecisionForm()
    decision_form.set_categories(categories)
    return dict(
        filters=filters,
        registrations=registrations,
        counts=services.queue_counts(edition),
        categories=categories,
        page=page,
        pages=max((total + QUEUE_PAGE_SIZE - 1) // QUEUE_PAGE_SIZE, 1),
        total=total,
        country_choices=countries.choices(),
        organisation_types=services.ORGANISATION_TYPES,
        state_labels=services.STATE_LABELS,
        decision_form=decision_form,
        may_decide=can(current_user, "registration.decide", edition=edition),
        speaking=services.speaking_in(edition, [r.user_id for r in registrations]),
        questions=question_services.questions(edition),
    )


@bp.get("/<int:year>/admin/registrations")
@require("registration.view_all")
def queue():
    filters = services.QueueFilters.from_args(request.args)
    return render_template("accreditation/queue.html", **_queue_context(filters))


@bp.get("/<int:year>/admin/registrations.csv")
@require("registration.view_all")
def export_csv():
    edition = g.edition
    filters = services.QueueFilters.from_args(request.args)
    # Answers to sensitive questions only when asked for (``?sensitive=1``).
    sensitive = arg_choice("sensitive", ["0", "1"], "0") == "1"
    if sensitive:
        # Who downloaded answers to sensitive questions is on record.
        audit.record(current_user, "registration.export_sensitive", ("Edition", edition.id),
                     edition=edition, filters=filters.as_args())  # fmt: skip
        db.session.commit()
    return csv_response(
        f"registrations-{edition.year}.csv",
        csv_header(edition, include_sensitive=sensitive),
        list(services.csv_rows(edition, filters, include_sensitive=sensitive)),
    )


_BULK_ACTIONS = ("accredit", "reject", "waitlist")


def _bulk_text(action: str, text: str, num: int, details: str = "") -> str:
    """The sentences of a bulk decision, one whole sentence per decision (translators need
    the verb inside the sentence): ``text`` is "title", "consequence", "blocked", "submit",
    "done" or "failed" (which lists ``details``)."""
    texts = {
        "accredit": {
            "title": ngettext(
                "Accredited: %(num)d registration?", "Accredited: %(num)d registrations?", num
            ),
            "consequence": ngettext(
                "%(num)d registration will be accredited; each person is told by e-mail.",
                "%(num)d registrations will be accredited; each person is told by e-mail.",
                num,
            ),
            "blocked": _("None of the selected registrations can be accredited."),
            "submit": _("Accredit %(num)d", num=num),
            "done": ngettext(
                "%(num)d registration accredited.", "%(num)d registrations accredited.", num
            ),
            "failed": ngettext(
                "%(num)d could not be accredited: %(details)s",
                "%(num)d could not be accredited: %(details)s",
                num,
                details=details,
            ),
        },
        "reject": {
            "title": ngettext(
                "Rejected: %(num)d registration?", "Rejected: %(num)d registrations?", num
            ),
            "consequence": ngettext(
                "%(num)d registration will be rejected; each person is told by e-mail.",
                "%(num)d registrations will be rejected; each person is told by e-mail.",
                num,
            ),
            "blocked": _("None of the selected registrations can be rejected."),
            "submit": _("Reject %(num)d", num=num),
            "done": ngettext(
                "%(num)d registration rejected.", "%(num)d registrations rejected.", num
            ),
            "failed": ngettext(
                "%(num)d could not be rejected: %(details)s",
                "%(num)d could not be rejected: %(details)s",
                num,
                details=details,
            ),
        },
        "waitlist": {
            "title": ngettext(
                "Waitlisted: %(num)d registration?", "Waitlisted: %(num)d registrations?", num
            ),
            "consequence": ngettext(
                "%(num)d registration will be waitlisted; each person is told by e-mail.",
                "%(num)d registrations will be waitlisted; each person is told by e-mail.",
                num,
            ),
            "blocked": _("None of the selected registrations can be waitlisted."),
            "submit": _("Waitlist %(num)d", num=num),
            "done": ngettext(
                "%(num)d registration waitlisted.", "%(num)d registrations waitlisted.", num
            ),
            "failed": ngettext(
                "%(num)d could not be waitlisted: %(details)s",
                "%(num)d could not be waitlisted: %(details)s",
                num,
                details=details,
            ),
        },
    }
    return texts[action][text]


def _bulk_confirmation(edition, ids, action, category, reason, back) -> Confirmation:
    """The confirmation of a bulk decision: every person affected and their category."""
    rows = services.bulk_plan(edition, ids, action, reason=reason, category=category)
    going = [row for row in rows if not row.problem]
    consequences = [_bulk_text(action, "consequence", len(going))]
    if action == "accredit":
        consequences.append(
            _(
                "They are accredited as %(name)s (%(code)s).",
                name=category.name,
                code=category.code,
            )
            if category
            else _("Each is accredited as the category shown below (the one they asked for).")
        )
    if reason.strip():
        consequences.append(_("The reason sent to each: “%(reason)s”", reason=reason.strip()))
    skipped = len(rows) - len(going)
    if skipped:
        consequences.append(
            ngettext(
                "%(num)d of the selected will be left as they are (the reason is shown below).",
                "%(num)d of the selected will be left as they are (the reason is shown below).",
                skipped,
            )
        )
    people = []
    for row in rows:
        r = row.registration
        detail = services.state_label(r.state)
        if row.category is not None:
            detail += f" → {row.category.name} ({row.category.code})"
        elif r.category or r.requested_category:
            current = r.category or r.requested_category
            detail += f" · {current.name} ({current.code})"
        if row.problem:
            detail += f" — {row.problem}"
        people.append((f"{r.full_name or '#' + str(r.id)} <{r.email}>", detail))
    back_url = url_for("accreditation.queue") + (back if back.startswith("?") else "")
    return Confirmation(
        title=_bulk_text(action, "title", len(going)),
        consequences=consequences,
        people=people,
        people_heading=_("The selected registrations"),
        blocked=None if going else _bulk_text(action, "blocked", 0),
        subject=[
            action,
            category.id if category else None,
            reason.strip(),
            [
                [
                    row.registration.id,
                    row.registration.state,
                    row.category and row.category.id,
                    row.problem,
                ]
                for row in rows
            ],
        ],  # fmt: skip
        submit_label=_bulk_text(action, "submit", len(going)),
        cancel_url=back_url,
        fields=[
            ("action", action),
            ("category", category.id if category else None),
            ("reason", reason),
            ("back", back),
            ("ids", [row.registration.id for row in rows]),
        ],
        danger=action != "accredit",
    )


@bp.route("/<int:year>/admin/registrations/bulk", methods=["GET", "POST"])
@require("registration.decide")
def bulk():
    """Decide the selected registrations, after a confirmation listing every one of them."""
    edition = g.edition
    values = request.values
    action = values.get("action", "")
    if action not in _BULK_ACTIONS:
        raise DomainError(_("Bulk decisions are accredit, reject or waitlist."), code="bad_action")
    try:
        ids = confirm.id_list(_bulk_ids(edition))
    except ValueError:
        raise DomainError(_("The selection was damaged or too large (at most 1000).")) from None
    if not ids:
        raise DomainError(_("Select at least one registration."), code="empty_selection")
    category = None
    if action == "accredit" and values.get("category"):
        category = services.get_category(edition, values.get("category"))
    reason = values.get("reason", "")
    back = values.get("back", "")
    if not (back.startswith("?") and "\n" not in back and "\r" not in back):
        back = ""
    step = confirm.check(_bulk_confirmation(edition, ids, action, category, reason, back))
    if step is not None:
        return step
    result = services.bulk_decide(
        edition,
        ids,
        action,
        current_user,
        reason=reason,
        category=category,
    )
    db.session.commit()
    if result.done:
        flash(_bulk_text(action, "done", len(result.done)), "success")
    if result.failed:
        details = "; ".join(
            f"#{rid}{' ' + name if name else ''}: {why}" for rid, name, why in result.failed
        )
        flash(_bulk_text(action, "failed", len(result.failed), details), "error")
    return redirect(url_for("accreditation.queue") + back)


def _bulk_ids(edition) -> list:
    """The registrations a bulk decision is about: the ticked rows, every row of the page, or
    every registration the queue's filters match (``scope``; filters sent as ``match_*``).

    The confirmation step re-posts the resolved list as ``ids`` (scope "selected"), so what is
    decided is exactly what the confirmation page listed."""
    values = request.values
    scope = values.get("scope", "selected")
    if scope == "page":
        return values.getlist("page_ids")
    if scope == "matching":
        args = {k.removeprefix("match_"): v for k, v in values.items() if k.startswith("match_")}
        matching = services.matching_ids(edition, services.QueueFilters.from_args(args))
        return [str(i) for i in matching]
    return values.getlist("ids")


def _mails_to(registration) -> list | None:
    """The edition's mail to this person (None when the viewer may not read the mail log)."""
    if not can(current_user, "outbox.read", edition=g.edition):
        return None
    addresses = {registration.email, getattr(registration.user, "email", "")} - {""}
    found = {m.id: m for a in addresses for m in mail_log.messages_to(a, g.edition)}
    return sorted(found.values(), key=lambda m: (m.created_at, m.id), reverse=True)


def _detail(registration, form=None, status=200):
    categories = services.categories(g.edition)
    form = form or DecisionForm()
    form.set_categories(categories)
    if not form.is_submitted():
        form.category.data = registration.category_id or registration.requested_category_id
    allowed = services.TRANSITIONS.get(registration.state, frozenset())
    allowed_choices = [
        choice
        for choice in form.action.choices
        if choice.value in services.DECISIONS and services.DECISIONS[choice.value] in allowed
    ]
    # No decision is preselected (after accrediting, "revoke" would otherwise be the default).
    form.action.choices = (
        [SelectChoice("", _("Choose…")), *allowed_choices] if allowed_choices else []
    )
    filters = services.QueueFilters.from_args(request.args)
    previous_id, next_id, position, matching = services.queue_neighbours(
        g.edition, filters, registration.id
    )
    return render_template(
        "accreditation/detail.html",
        registration=registration,
        form=form,
        queue_args=filters.as_args(),
        previous_id=previous_id,
        next_id=next_id,
        position=position,
        matching=matching,
        may_decide=can(current_user, "registration.decide", edition=g.edition)
        and bool(form.action.choices),
        mails=_mails_to(registration),
        mail_states=mail_log.STATES,
        mail_state_of=mail_log.state_of,
        needs_note=registration.endorsement
        in (EndorsementState.PENDING, EndorsementState.DECLINED),
        organisation_types=services.ORGANISATION_TYPE_LABELS,
        previous=services.previous_registration(registration.user, g.edition)
        if registration.user
        else None,
        speaking=services.speaking_in(g.edition, [registration.user_id]).get(
            registration.user_id, []
        ),
    ), status


@bp.get("/<int:year>/admin/registrations/<int:registration_id>")
@require("registration.view_all")
def detail(registration_id):
    return _detail(services.get_registration(g.edition, registration_id))


@bp.post("/<int:year>/admin/registrations/<int:registration_id>/decide")
@require("registration.decide")
def decide(registration_id):
    registration = services.get_registration(g.edition, registration_id)
    form = DecisionForm()
    form.set_categories(services.categories(g.edition))
    if not form.validate():
        flash(_("Please choose a decision."), "error")
        return _detail(registration, form, 400)
    category = None
    if form.action.data == "accredit" and form.category.data:
        category = services.get_category(g.edition, form.category.data)
    try:
        services.decide(
            registration, form.action.data, current_user, reason=form.reason.data or "",
            category=category,
        )  # fmt: skip
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _detail(db.session.get(type(registration), registration_id), form, exc.status_code)
    flash(
        _(
            "%(name)s: %(state)s.",
            name=registration.full_name,
            state=services.state_label(registration.state).lower(),
        ),
        "success",
    )
    return redirect(
        url_for(
            "accreditation.detail",
            registration_id=registration.id,
            **services.QueueFilters.from_args(request.args).as_args(),
        )
    )


# --- categories ---------------------------------------------------------------------------


@bp.get("/<int:year>/admin/categories")
@require("category.view")
def categories():
    edition = g.edition
    items = services.categories(edition)
    return render_template(
        "accreditation/categories.html",
        categories=items,
        usage={c.id: services.category_usage(c) for c in items},
        accredited={c.id: services.accredited_count(edition.id, c.id) for c in items},
        may_manage=can(current_user, "category.manage", edition=edition),
    )


def _build_category_form(category=None) -> CategoryForm:
    """The category form with a name and a description field per translation language."""
    form_class = i18n.with_translation_fields(
        CategoryForm,
        {
            "name": (StringField, _l("Name"), 100),
            "description": (TextAreaField, _l("Description"), 2000),
        },
        i18n.translation_languages(g.edition),
    )
    form = form_class(obj=category)
    if category is not None and request.method == "GET":
        i18n.fill_translations(form, "name", category.name_translations)
        i18n.fill_translations(form, "description", category.description_translations)
    return form


def _category_form_page(form, category=None, status=200):
    return render_template("accreditation/category_form.html", form=form, category=category), status


def _save_category(form, category=None):
    old_quota = category.quota if category is not None else None
    saved = services.save_category(g.edition, current_user, _form_data(form), category)
    i18n.store_translations(saved, form, ("name", "description"))
    if old_quota is not None and saved.quota is not None and saved.quota > old_quota:
        # A raised quota gives its new places to the people waiting.
        services.fill_places(g.edition, saved, places=saved.quota - old_quota)
    return saved


def _category_form(form, category=None):
    """New or edited category: the service's complaints are shown next to their fields."""

    def refused(exc: DomainError) -> int:
        if isinstance(exc, services.RegistrationError):
            _attach_error(form, exc)
            return 400
        if isinstance(exc, Conflict):
            form.code.errors = [*form.code.errors, exc.message]
            return 409
        raise exc

    return crud.save_form(
        form,
        page=lambda status=200: _category_form_page(form, category, status),
        save=lambda: _save_category(form, category),
        message=lambda saved: _("The category %(name)s is saved.", name=saved.name),
        done=url_for("accreditation.categories"),
        refused=refused,
    )


@bp.route("/<int:year>/admin/categories/new", methods=["GET", "POST"])
@require("category.manage")
def category_new():
    return _category_form(_build_category_form())


@bp.route("/<int:year>/admin/categories/<int:category_id>", methods=["GET", "POST"])
@require("category.manage")
def category_edit(category_id):
    category = services.get_category(g.edition, category_id)
    return _category_form(_build_category_form(category), category)


@bp.route("/<int:year>/admin/categories/<int:category_id>/delete", methods=["GET", "POST"])
@require("category.manage")
def category_delete(category_id):
    category = services.get_category(g.edition, category_id)
    name = category.name
    usage = services.category_usage(category)
    in_use = usage["registrations"] or usage["sessions"]
    return crud.confirm_delete(
        Confirmation(
            title=_("Delete the category %(name)s (%(code)s)?", name=name, code=category.code),
            consequences=[
                _(
                    "The accreditation category %(name)s (%(code)s) is deleted for good.",
                    name=name,
                    code=category.code,
                ),
                _("Nobody can register in it any more; no registration or session uses it now."),
            ],
            blocked=(
                _(
                    "The category %(name)s is in use (%(registrations)d registrations, "
                    "%(sessions)d sessions) and cannot be deleted.",
                    name=name,
                    registrations=usage["registrations"],
                    sessions=usage["sessions"],
                )
                if in_use
                else None
            ),
            subject=["category", category.id],
            submit_label=_("Delete %(name)s", name=name),
            cancel_url=url_for("accreditation.categories"),
        ),
        delete=lambda: services.delete_category(category, current_user),
        message=_("The category %(name)s is deleted.", name=name),
        done=url_for("accreditation.categories"),
    )


# --- personal data ------------------------------------------------------------------------


@bp.get("/me/data.json")
@login_required
def data_export():
    payload = json.dumps(privacy.personal_data(current_user), indent=2, ensure_ascii=False)
    return Response(
        payload,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-personal-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/me/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                privacy.delete_account(current_user, form.password.data)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                form.password.errors = [*form.password.errors, exc.message]
                status = exc.status_code
            else:
                logout_user()
                session.clear()
                flash(_("Your account is deleted and your personal data erased."), "success")
                return redirect(url_for("editions.home"))
        else:
            status = 400
    return render_template("accreditation/delete_account.html", form=form), status


# --- names in the audit log ----------------------------------------------------------------


@audit.describes("Registration")
def _describe_registrations(ids: list[int]) -> dict:
    edition = g.edition
    may_open = can(current_user, "registration.view_all", edition=edition)
    found = {}
    for registration in db.session.scalars(
        sa.select(Registration).where(
            Registration.id.in_(ids), Registration.edition_id == edition.id
        )
    ):
        url = url_for("accreditation.detail", registration_id=registration.id) if may_open else None
        found[registration.id] = (
            _("Registration of %(name)s", name=registration.full_name),
            url,
        )
    return found


@bp.app_template_global("registration_state_label")
def registration_state_label(state: str) -> str:
    """A registration's state in the reader's language (the stored value stays the code)."""
    return services.state_label(state)
