"""Accreditation pages: registering, the attendee's page, the organisers' queue and categories,
the nominating authority's answer page, and the personal-data download and account deletion."""

from __future__ import annotations

import json

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
from flask_login import current_user, logout_user

from conference import countries
from conference.accreditation import bp, privacy, services
from conference.accreditation.forms import (
    CancelForm,
    CategoryForm,
    DecisionForm,
    DeleteAccountForm,
    NominationForm,
    RegistrationForm,
)
from conference.accreditation.models import EndorsementState, RegistrationState
from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.permissions import can, login_required, require
from conference.query_args import arg_page
from conference.text import csv_response

QUEUE_PAGE_SIZE = 100


def _attach_error(form, exc: DomainError) -> None:
    """Show a service's complaint next to the field it concerns (or at the top)."""
    field = getattr(exc, "field", None)
    if field and field in form:
        form[field].errors = [*form[field].errors, exc.message]
    else:
        flash(exc.message, "error")


def _form_data(form) -> dict:
    return {name: field.data for name, field in form._fields.items()}


# --- registering --------------------------------------------------------------------------


@bp.route("/<int:year>/register", methods=["GET", "POST"])
@login_required
def register():
    edition = g.edition
    existing = services.registration_for(current_user, edition)
    if existing is not None and request.method == "GET":
        flash(f"You have already registered for the {edition.year} edition.", "info")
        return redirect(url_for("accreditation.me"))
    closed = services.registration_closed_reason(edition)
    categories = services.requestable_categories(edition)
    if closed or not categories:
        reason = closed or "The organisers have not opened any category for registration yet."
        status = 403 if request.method == "POST" else 200
        return render_template("accreditation/register.html", closed=reason, form=None), status
    form = RegistrationForm(data=None if request.method == "POST" else services.prefill(
        current_user, edition))  # fmt: skip
    form.set_choices(categories)
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                services.register(current_user, edition, _form_data(form))
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
                    "Thank you: your registration is submitted. We have sent you a confirmation "
                    "by e-mail.",
                    "success",
                )
                return redirect(url_for("accreditation.me"))
        else:
            status = 400
    return render_template(
        "accreditation/register.html",
        form=form,
        closed=None,
        nomination_ids=[c.id for c in categories if c.requires_nomination],
        categories=categories,
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
        cancel_form=CancelForm(),
        S=RegistrationState,
    )


def _own_registration():
    registration = services.registration_for(current_user, g.edition)
    if registration is None:
        flash("You have not registered for this edition.", "info")
        return None
    if not can(current_user, "registration.change_own", registration, edition=g.edition):
        abort(403, "This edition is archived: registrations can no longer be changed.")
    return registration


@bp.route("/<int:year>/me/edit", methods=["GET", "POST"])
@login_required
def edit():
    edition = g.edition
    registration = _own_registration()
    if registration is None:
        return redirect(url_for("accreditation.register"))
    if registration.state != RegistrationState.SUBMITTED:
        abort(409, "Your registration can only be changed while it is waiting for a decision.")
    closed = services.registration_closed_reason(edition)
    if closed:
        abort(403, closed)
    categories = services.requestable_categories(edition)
    if registration.requested_category not in categories:
        categories = [registration.requested_category, *categories]
    if request.method == "POST":
        form = RegistrationForm()
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
        form = RegistrationForm(data=data)
    form.set_choices(categories)
    form.submit.label.text = "Save changes"
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                services.update_registration(registration, current_user, _form_data(form))
                db.session.commit()
            except services.RegistrationError as exc:
                db.session.rollback()
                _attach_error(form, exc)
                status = 400
            else:
                flash("Your registration is updated.", "success")
                return redirect(url_for("accreditation.me"))
        else:
            status = 400
    return render_template(
        "accreditation/register.html",
        form=form,
        closed=None,
        editing=True,
        nomination_ids=[c.id for c in categories if c.requires_nomination],
        categories=categories,
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
            flash("Your registration is cancelled.", "success")
            return redirect(url_for("accreditation.me"))
        status = 400
    if registration.state not in services.OPEN_STATES:
        abort(409, "Your registration is no longer open.")
    return render_template(
        "accreditation/cancel.html", registration=registration, form=form
    ), status


# --- nominating authorities ---------------------------------------------------------------


@bp.route("/<int:year>/nomination/<token>", methods=["GET", "POST"])
def nomination(token):
    registration = services.registration_for_token(token)
    if registration.edition_id != g.edition.id:
        raise DomainError("This nomination link is not valid.", code="invalid_token")
    form = NominationForm()
    if request.method == "POST":
        decision = request.form.get("decision")
        if decision not in ("endorse", "decline") or not form.validate():
            flash("Please choose to endorse or to decline.", "error")
            return render_template(
                "accreditation/nomination.html", registration=registration, form=form
            ), 400
        services.answer_nomination(token, decision == "endorse", form.note.data or "")
        db.session.commit()
        flash(
            "Thank you: your answer is recorded and the organisers can see it."
            if decision == "endorse"
            else "Thank you: the organisers will see that you declined this nomination.",
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
    return csv_response(
        f"registrations-{edition.year}.csv",
        services.CSV_HEADER,
        list(services.csv_rows(edition, filters)),
    )


@bp.post("/<int:year>/admin/registrations/bulk")
@require("registration.decide")
def bulk():
    edition = g.edition
    action = request.form.get("action", "")
    category = None
    if action == "accredit" and request.form.get("category"):
        category = services.get_category(edition, request.form.get("category"))
    reason = request.form.get("reason", "")
    result = services.bulk_decide(
        edition,
        request.form.getlist("ids"),
        action,
        current_user,
        reason=reason,
        category=category,
    )
    db.session.commit()
    verb = {"accredit": "accredited", "reject": "rejected", "waitlist": "waitlisted"}[action]
    if result.done:
        flash(f"{len(result.done)} registration(s) {verb}.", "success")
    if result.failed:
        details = "; ".join(
            f"#{rid}{' ' + name if name else ''}: {why}" for rid, name, why in result.failed
        )
        flash(f"{len(result.failed)} could not be {verb}: {details}", "error")
    back = request.form.get("back", "")
    if back.startswith("?") and "\n" not in back and "\r" not in back:
        return redirect(url_for("accreditation.queue") + back)
    return redirect(url_for("accreditation.queue"))


def _detail(registration, form=None, status=200):
    categories = services.categories(g.edition)
    form = form or DecisionForm()
    form.set_categories(categories)
    if not form.is_submitted():
        form.category.data = registration.category_id or registration.requested_category_id
    allowed = services.TRANSITIONS.get(registration.state, frozenset())
    form.action.choices = [
        choice for choice in form.action.choices if services.DECISIONS[choice.value] in allowed
    ]
    return render_template(
        "accreditation/detail.html",
        registration=registration,
        form=form,
        may_decide=can(current_user, "registration.decide", edition=g.edition)
        and bool(form.action.choices),
        needs_note=registration.endorsement
        in (EndorsementState.PENDING, EndorsementState.DECLINED),
        organisation_types=services.ORGANISATION_TYPE_LABELS,
        previous=services.previous_registration(registration.user, g.edition)
        if registration.user
        else None,
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
        flash("Please choose a decision.", "error")
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
        f"{registration.full_name}: {services.state_label(registration.state).lower()}.",
        "success",
    )
    return redirect(url_for("accreditation.detail", registration_id=registration.id))


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


def _category_form_page(form, category=None, status=200):
    return render_template("accreditation/category_form.html", form=form, category=category), status


def _save_category(form, category=None):
    if not form.validate():
        return _category_form_page(form, category, 400)
    try:
        saved = services.save_category(g.edition, current_user, _form_data(form), category)
        db.session.commit()
    except services.RegistrationError as exc:
        db.session.rollback()
        _attach_error(form, exc)
        return _category_form_page(form, category, 400)
    except Conflict as exc:
        db.session.rollback()
        form.code.errors = [*form.code.errors, exc.message]
        return _category_form_page(form, category, 409)
    flash(f"The category {saved.name} is saved.", "success")
    return redirect(url_for("accreditation.categories"))


@bp.route("/<int:year>/admin/categories/new", methods=["GET", "POST"])
@require("category.manage")
def category_new():
    form = CategoryForm()
    if request.method == "POST":
        return _save_category(form)
    return _category_form_page(form)


@bp.route("/<int:year>/admin/categories/<int:category_id>", methods=["GET", "POST"])
@require("category.manage")
def category_edit(category_id):
    category = services.get_category(g.edition, category_id)
    form = CategoryForm(obj=category)
    if request.method == "POST":
        return _save_category(form, category)
    return _category_form_page(form, category)


@bp.post("/<int:year>/admin/categories/<int:category_id>/delete")
@require("category.manage")
def category_delete(category_id):
    category = services.get_category(g.edition, category_id)
    name = category.name
    services.delete_category(category, current_user)
    db.session.commit()
    flash(f"The category {name} is deleted.", "success")
    return redirect(url_for("accreditation.categories"))


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
                flash("Your account is deleted and your personal data erased.", "success")
                return redirect(url_for("editions.home"))
        else:
            status = 400
    return render_template("accreditation/delete_account.html", form=form), status
