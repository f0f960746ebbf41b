"""Organisers' pages for a session's running order: add, edit, reorder and remove
contributions (every action is a plain form; no JavaScript needed).

Views only parse, call ``services`` and render.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference import tlp
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import require
from conference.programme import bp, services
from conference.programme.forms import ContributionForm


def _session(session_id: int):
    return services.get_session(g.edition, session_id, draft=True)


def _back(session):
    return redirect(
        url_for("programme.admin_session", session_id=session.id) + "#running-order", 303
    )


def _offer_labels(form, session) -> None:
    """Offer the session's label and the stricter ones only (the service refuses the rest)."""
    form.tlp.choices = [
        choice
        for choice in form.tlp.choices
        if choice.value == "" or tlp.at_least(choice.value, session.tlp)
    ]


def _page(form, session, contribution=None, status=200):
    _offer_labels(form, session)
    return (
        render_template(
            "programme/admin/contribution_form.html",
            form=form,
            session=session,
            contribution=contribution,
            free=services.free_minutes(session),
        ),
        status,
    )


@bp.route(
    "/<int:year>/admin/programme/sessions/<int:session_id>/contributions/new",
    methods=["GET", "POST"],
)
@require("programme.manage")
def admin_contribution_new(session_id: int):
    """Add a free item to the end of the running order (talks come from the placement)."""
    session = _session(session_id)
    form = ContributionForm()
    if request.method == "GET":
        form.duration_minutes.data = min(max(services.free_minutes(session), 1), 15)
        return _page(form, session)
    if not form.validate_on_submit():
        return _page(form, session, status=400)
    try:
        services.add_contribution(
            current_user,
            session,
            g.edition,
            services.ContributionSpec(
                title=form.title.data,
                duration_minutes=form.duration_minutes.data,
                description=form.description.data or "",
                tlp=form.tlp.data or None,
            ),
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _page(form, _session(session_id), status=exc.status_code)
    flash(_("“%(title)s” is added to the running order.", title=form.title.data), "success")
    return _back(session)


@bp.route(
    "/<int:year>/admin/programme/sessions/<int:session_id>/contributions/<int:contribution_id>",
    methods=["GET", "POST"],
)
@require("programme.manage")
def admin_contribution_edit(session_id: int, contribution_id: int):
    """Change a contribution's title, length and description."""
    session = _session(session_id)
    contribution = services.get_contribution(session, contribution_id)
    form = ContributionForm(obj=contribution)
    if request.method == "GET":
        form.tlp.data = contribution.tlp or ""
    if request.method == "GET":
        return _page(form, session, contribution)
    if not form.validate_on_submit():
        return _page(form, session, contribution, 400)
    try:
        services.update_contribution(
            current_user,
            session,
            g.edition,
            contribution,
            title=form.title.data,
            minutes=form.duration_minutes.data,
            description=form.description.data or "",
            label=form.tlp.data or None,
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        session = _session(session_id)
        return _page(
            form, session, services.get_contribution(session, contribution_id), exc.status_code
        )
    flash(_("The running order is saved."), "success")
    return _back(session)


@bp.post(
    "/<int:year>/admin/programme/sessions/<int:session_id>/contributions/<int:contribution_id>"
    "/<any(up,down):direction>"
)
@require("programme.manage")
def admin_contribution_move(session_id: int, contribution_id: int, direction: str):
    """Move a contribution one place earlier or later."""
    session = _session(session_id)
    contribution = services.get_contribution(session, contribution_id)
    services.move_contribution(
        current_user, session, g.edition, contribution, -1 if direction == "up" else 1
    )
    db.session.commit()
    return _back(session)


@bp.post(
    "/<int:year>/admin/programme/sessions/<int:session_id>/contributions/<int:contribution_id>"
    "/remove"
)
@require("programme.manage")
def admin_contribution_remove(session_id: int, contribution_id: int):
    """Take a contribution out of the running order (a talk goes back to the unplaced ones)."""
    session = _session(session_id)
    contribution = services.get_contribution(session, contribution_id)
    title = contribution.title
    services.remove_contribution(current_user, session, g.edition, contribution)
    db.session.commit()
    flash(_("“%(title)s” is taken out of the running order.", title=title), "success")
    return _back(session)
