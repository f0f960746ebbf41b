"""Administrators clone an edition and confirm which roles carry over."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional

from conference.editions import bp
from conference.editions.cloning import clone_edition, confirm_roles, role_offers
from conference.editions.models import Edition
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import require
from conference.text import ngettext


class CloneForm(FlaskForm):
    source = SelectField(_l("Copy the set-up of"), coerce=int, validators=[DataRequired()])
    new_year = IntegerField(
        _l("Year of the new edition"), validators=[DataRequired(), NumberRange(2000, 2200)]
    )
    shift_days = IntegerField(
        _l("Shift dates by (days)"),
        validators=[Optional(), NumberRange(-3650, 3650)],
        description=_l("Leave empty to shift by whole weeks, keeping the weekdays."),
    )
    with_programme = BooleanField(
        _l("Also copy the programme skeleton (sessions without speakers)")
    )


@bp.route("/admin/editions/clone", methods=["GET", "POST"])
@require("edition.create")
def clone():
    form = CloneForm()
    editions = list(db.session.scalars(sa.select(Edition).order_by(Edition.year.desc())))
    form.source.choices = [SelectChoice(e.year, f"{e.year} – {e.title}") for e in editions]
    if request.method == "GET" and editions:
        form.source.data = editions[0].year
        form.new_year.data = editions[0].year + 2
    if form.validate_on_submit():
        source = db.session.scalar(sa.select(Edition).where(Edition.year == form.source.data))
        try:
            result = clone_edition(
                source,
                form.new_year.data,
                shift_days=form.shift_days.data,
                with_programme=form.with_programme.data,
                actor=current_user,
            )
        except DomainError as exc:
            flash(exc.message, "error")
            return render_template("editions/clone.html", form=form), exc.status_code
        flash(
            _(
                "Draft edition %(year)s created from %(source)s. "
                "Confirm below which roles carry over.",
                year=result.edition.year,
                source=source.year,
            ),
            "success",
        )
        return redirect(url_for("editions.role_offers_page", year=result.edition.year))
    status = 400 if form.errors else 200
    return render_template("editions/clone.html", form=form), status


@bp.route("/<int:year>/admin/role-offers", methods=["GET", "POST"])
@require("site.admin")
def role_offers_page():
    edition = g.edition
    offers = role_offers(edition)
    if request.method == "POST":
        keys = set(request.form.getlist("offer"))
        granted = confirm_roles(edition, keys, actor=current_user)
        flash(
            ngettext(
                "Granted %(num)d role in %(year)s.",
                "Granted %(num)d roles in %(year)s.",
                len(granted),
                year=edition.year,
            ),
            "success",
        )
        return redirect(url_for("editions.role_offers_page"))
    return render_template("editions/role_offers.html", offers=offers)
