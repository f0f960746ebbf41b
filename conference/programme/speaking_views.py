"""Speakers' page after acceptance: when they can present, and confirming their talks' slots
(``/<year>/me/speaking``). Views only parse, call ``services`` and render."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import can, login_required
from conference.programme import bp, services
from conference.programme.forms import AvailabilityForm


def _time(value: str) -> dt.time | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value[:8])
    except ValueError:
        abort(400, _("Enter times as HH:MM."))


def _entries(days) -> list[services.DayAvailability]:
    entries = []
    for day in days:
        key = day.isoformat()
        mode = request.form.get(f"mode-{key}", "all")
        if mode not in ("all", "times", "none"):
            abort(400, _("Choose all day, between two times, or not available."))
        entries.append(
            services.DayAvailability(
                day,
                mode,
                _time(request.form.get(f"from-{key}", "")),
                _time(request.form.get(f"until-{key}", "")),
            )
        )
    return entries


@bp.route("/<int:year>/me/speaking", methods=["GET", "POST"])
@login_required
def speaking():
    """The talks a speaker presents (with slot confirmation) and their availability."""
    edition = g.edition
    if not can(current_user, "programme.state_availability", edition=edition) and not (
        services.my_talks(current_user, edition)
    ):
        abort(403)
    form = AvailabilityForm()
    days = services.edition_days(edition)
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.save_availability(current_user, edition, _entries(days))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status_code
        else:
            flash(_("Your availability is saved."), "success")
            return redirect(url_for("programme.speaking"), 303)
    return (
        render_template(
            "programme/speaking.html",
            form=form,
            days=days,
            stated=services.availability_of(current_user, edition),
            talks=services.my_talks(current_user, edition),
        ),
        status,
    )


@bp.post("/<int:year>/me/speaking/talks/<int:contribution_id>/confirm")
@login_required
def confirm_slot(contribution_id: int):
    """The speaker confirms the current slot of their talk."""
    form = AvailabilityForm()
    if not form.validate_on_submit():
        abort(400)
    contribution = services.confirm_slot(current_user, g.edition, contribution_id)
    db.session.commit()
    flash(_("You confirmed the slot of “%(title)s”.", title=contribution.title), "success")
    return redirect(url_for("programme.speaking"), 303)


@bp.record_once
def _register_speaking_globals(state) -> None:
    """``unconfirmed_talks(session)`` for the organisers' session page."""
    state.app.jinja_env.globals["unconfirmed_talks"] = services.unconfirmed
