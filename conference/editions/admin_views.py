"""Edition administration: create an edition (site admins), edit its settings, manage its
roles and read its audit log (organisers)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import StringField
from wtforms.fields.choices import SelectChoice

from conference import audit, confirm, i18n
from conference.accounts import services as accounts
from conference.accounts.models import RoleAssignment, User
from conference.confirm import Confirmation
from conference.editions import bp, reminders, services
from conference.editions.forms import (
    DATETIME_FIELDS,
    AuditFilterForm,
    EditionRoleForm,
    EditionSettingsForm,
    NewEditionForm,
)
from conference.errors import DomainError, NotAllowed
from conference.extensions import db
from conference.permissions import can, clear_role_cache, edition_writable, is_admin, require
from conference.query_args import arg_choice, arg_page, arg_str

AUDIT_PER_PAGE = 50


@bp.route("/admin/editions/new", methods=["GET", "POST"])
@require("edition.create")
def new_edition():
    form = NewEditionForm()
    if form.validate_on_submit():
        values = {
            name: getattr(form, name).data
            for name in ("title", "acronym", "venue", "address", "start_date", "end_date", "state")
        }
        values["timezone"] = form.timezone.data.strip()
        values["acronym"] = values["acronym"] or ""
        try:
            edition = services.create_edition(current_user, year=form.year.data, **values)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("editions/admin_new.html", form=form), exc.status_code
        db.session.commit()
        flash(
            _("Edition %(year)s created. Set its windows and details below.", year=edition.year),
            "success",
        )
        return redirect(url_for("editions.settings", year=edition.year))
    status = 400 if form.errors else 200
    return render_template("editions/admin_new.html", form=form), status


def _settings_form_for(edition) -> EditionSettingsForm:
    form_class = i18n.with_translation_fields(
        EditionSettingsForm,
        {"title": (StringField, _("Title"), 200)},
        i18n.translation_languages(edition),
    )
    form = reminders.with_reminder_fields(form_class)(obj=edition)
    if request.method == "GET":
        reminders.fill_form(form, edition)
        i18n.fill_translations(form, "title", edition.title_translations)
        for name in DATETIME_FIELDS:
            moment = getattr(edition, name)
            getattr(form, name).data = (
                edition.local(moment).replace(tzinfo=None) if moment else None
            )
    return form


@bp.route("/<int:year>/admin/settings", methods=["GET", "POST"])
@require("edition.manage")
def settings():
    edition = g.edition
    writable = edition_writable(current_user, edition)
    form = _settings_form_for(edition)
    if request.method == "POST":
        if not writable:
            raise NotAllowed(
                _("The %(year)s edition is archived and read-only.", year=edition.year)
            )
        if form.validate():
            tz_name = form.timezone.data.strip()
            values = {
                name: getattr(form, name).data for name in services.SETTINGS_FIELDS if name in form
            }
            values["timezone"] = tz_name
            values["languages"] = ",".join(i18n.parse_languages(values["languages"]))
            values["title_translations"] = i18n.merged_translations(edition, form, "title")
            for name in ("acronym", "venue", "address", "badge_footer", "description"):
                values[name] = (values[name] or "").strip()
            try:
                for name in DATETIME_FIELDS:
                    moment = services.local_to_utc(values[name], tz_name)
                    stored = getattr(edition, name)
                    # The form shows minutes: an untouched field keeps its stored seconds.
                    if stored and moment == stored.replace(second=0, microsecond=0):
                        moment = stored
                    values[name] = moment
                changes = services.update_settings(current_user, edition, **values)
                changes = reminders.save_form(form, edition, actor=current_user) or changes
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                return render_template(
                    "editions/admin_settings.html",
                    form=form,
                    writable=writable,
                    reminder_fields=reminders.reminder_fields(form),
                ), exc.status_code
            db.session.commit()
            flash(_("The settings are saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for("editions.settings"))
        return render_template(
            "editions/admin_settings.html",
            form=form,
            writable=writable,
            reminder_fields=reminders.reminder_fields(form),
        ), 400
    return render_template(
        "editions/admin_settings.html",
        form=form,
        writable=writable,
        reminder_fields=reminders.reminder_fields(form),
    )


@bp.route("/<int:year>/admin/roles", methods=["GET", "POST"])
@require("roles.grant")
def roles():
    edition = g.edition
    writable = edition_writable(current_user, edition)
    form = EditionRoleForm()
    status = 200
    if form.validate_on_submit():
        if not writable:
            raise NotAllowed(
                _("The %(year)s edition is archived and read-only.", year=edition.year)
            )
        user = accounts.find_user(form.email.data)
        if user is None or not user.is_active:
            form.email.errors = [*form.email.errors, _("There is no account with this address.")]
            status = 400
        else:
            accounts.grant_role(user, edition, form.role.data, actor=current_user, notify=True)
            db.session.commit()
            flash(
                _(
                    "%(email)s is now %(role)s for %(year)s.",
                    email=user.email,
                    role=accounts.role_name(form.role.data),
                    year=edition.year,
                ),
                "success",
            )
            return redirect(url_for("editions.roles"))
    elif form.errors:
        status = 400
    assignments = db.session.execute(
        sa.select(RoleAssignment, User)
        .join(RoleAssignment.user)
        .where(RoleAssignment.edition_id == edition.id)
        .order_by(RoleAssignment.role, User.email)
    ).all()
    return render_template(
        "editions/admin_roles.html", form=form, assignments=assignments, writable=writable
    ), status


@bp.route("/<int:year>/admin/roles/<int:assignment_id>/revoke", methods=["GET", "POST"])
@require("roles.grant")
def revoke_role(assignment_id):
    edition = g.edition
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.edition_id != edition.id:
        abort(404, _("There is no such role assignment in this edition."))
    if not edition_writable(current_user, edition):
        raise NotAllowed(_("The %(year)s edition is archived and read-only.", year=edition.year))
    user = assignment.user
    if user.id == current_user.id and assignment.role == "organiser" and not is_admin(current_user):
        raise NotAllowed(_("You cannot remove your own organiser role; ask another organiser."))
    step = confirm.check(
        Confirmation(
            title=_(
                "Revoke %(name)s’s role %(role)s in %(year)s?",
                name=user.display_name,
                role=accounts.role_name(assignment.role),
                year=edition.year,
            ),
            consequences=accounts.role_revocation_consequences(user, edition, assignment.role),
            subject=["role.revoke", assignment.id],
            submit_label=_("Revoke %(role)s", role=accounts.role_name(assignment.role)),
            cancel_url=url_for("editions.roles"),
        )
    )
    if step is not None:
        return step
    accounts.revoke_role(user, edition, assignment.role, actor=current_user)
    db.session.commit()
    clear_role_cache()
    flash(
        _(
            "%(email)s is no longer %(role)s for %(year)s.",
            email=user.email,
            role=accounts.role_name(assignment.role),
            year=edition.year,
        ),
        "success",
    )
    if not can(current_user, "roles.grant", edition=edition):
        return redirect(url_for("editions.edition_home"))
    return redirect(url_for("editions.roles"))


@bp.get("/<int:year>/admin/audit")
@require("audit.read")
def audit_log():
    edition = g.edition
    form = AuditFilterForm(request.args)
    actions = services.audit_actions(edition)
    # Action names are codes (as in the table), the same in every language.
    form.action.choices = [SelectChoice("", _("All actions"))] + [
        SelectChoice(a, render_kw={"translate": "no"}) for a in actions
    ]
    action = arg_choice("action", actions)
    actor = arg_str("actor", max_len=254)
    page = arg_page()
    entries, total = services.audit_entries(
        edition, action=action, actor=actor, page=page, per_page=AUDIT_PER_PAGE
    )
    pages = max((total + AUDIT_PER_PAGE - 1) // AUDIT_PER_PAGE, 1)
    return render_template(
        "editions/admin_audit.html",
        form=form,
        entries=entries,
        names=audit.describe_targets(entries),
        readable_details=audit.readable_details,
        total=total,
        page=page,
        pages=pages,
        action=action,
        actor=actor,
    )
