"""Pages of the invitations and the waiting list: the organisers' list of invitations
(``/{year}/admin/invitations``), the invitee's page behind the signed link, the organisers'
waiting list with its setting, and taking an offered place. HTTP only: parse, ask
``permissions``, call ``services``, render or redirect."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference import audit, confirm
from conference.accreditation import bp, question_views, services
from conference.accreditation.forms import RegistrationForm
from conference.accreditation.invitation_forms import (
    AcceptPlaceForm,
    InvitationForm,
    WaitlistSettingsForm,
)
from conference.accreditation.models import RegistrationInvitation
from conference.accreditation.services import invitation_lists
from conference.accreditation.services import invitations as invitation_services
from conference.accreditation.services import questions as question_services
from conference.accreditation.services import waitlist as waitlist_services
from conference.accreditation.views import _attach_error, _attach_problems, _form_data
from conference.confirm import Confirmation
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import can, deny, login_required, require
from conference.query_args import arg_choice
from conference.text import ngettext

# --- the organisers' invitations ----------------------------------------------------------


def _invitations_page(form, status=200):
    edition = g.edition
    state = arg_choice("state", tuple(invitation_services.INVITATION_STATES), default="")
    rows = invitation_services.invitations(edition, state or None)
    return render_template(
        "accreditation/invitations.html",
        form=form,
        invitations=rows,
        state=state,
        counts=invitation_services.state_counts(edition),
        states=invitation_services.INVITATION_STATES,
        state_of=invitation_services.invitation_state,
        may_manage=can(current_user, "invitation.manage", edition=edition),
    ), status


def _invitation_form() -> InvitationForm:
    form = InvitationForm()
    form.set_categories(services.categories(g.edition))
    return form


@bp.route("/<int:year>/admin/invitations", methods=["GET", "POST"])
@require("invitation.view")
def invitations():
    """The list of invitations with their states, and the form that sends new ones."""
    edition = g.edition
    form = _invitation_form()
    if request.method == "GET":
        form.expires_on.data = invitation_services.default_expiry_date(edition)
        return _invitations_page(form)
    if not can(current_user, "invitation.manage", edition=edition):
        return deny()
    if not form.validate():
        return _invitations_page(form, 400)
    upload = form.csv_file.data
    csv_data = upload.read(invitation_lists.MAX_CSV_BYTES + 1) if upload else None
    try:
        recipients = invitation_lists.parse_recipients(form.addresses.data or "", csv_data)
        category = services.get_category(edition, form.category.data)
        created = invitation_services.create_invitations(
            edition,
            current_user,
            recipients,
            category,
            expires_at=invitation_services.expiry_from_date(edition, form.expires_on.data),
            note=form.note.data or "",
            accredit_at_once=form.decision.data == "accredit",
            reserves_place=form.quota.data == "reserve",
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _attach_error(form, exc)
        return _invitations_page(form, exc.status_code)
    flash(
        ngettext("%(num)d invitation sent.", "%(num)d invitations sent.", len(created)), "success"
    )
    return redirect(url_for("accreditation.invitations"))


@bp.post("/<int:year>/admin/invitations/<int:invitation_id>/resend")
@require("invitation.manage")
def invitation_resend(invitation_id):
    invitation = invitation_services.get_invitation(g.edition, invitation_id)
    invitation_services.resend(invitation, current_user)
    db.session.commit()
    flash(_("The invitation is sent again to %(address)s.", address=invitation.email), "success")
    return redirect(url_for("accreditation.invitations"))


@bp.route("/<int:year>/admin/invitations/<int:invitation_id>/revoke", methods=["GET", "POST"])
@require("invitation.manage")
def invitation_revoke(invitation_id):
    invitation = invitation_services.get_invitation(g.edition, invitation_id)
    state = invitation_services.invitation_state(invitation)
    closed = state in ("used", "revoked")
    consequences = [
        _("The invitation link sent to %(address)s stops working.", address=invitation.email)
    ]
    if invitation.reserves_place:
        consequences.append(_("The place it reserves is freed for others."))
    step = confirm.check(
        Confirmation(
            title=_("Revoke the invitation of %(address)s?", address=invitation.email),
            consequences=consequences,
            subject=["invitation", invitation.id, state],
            submit_label=_("Revoke the invitation"),
            cancel_url=url_for("accreditation.invitations"),
            blocked=_(
                "This invitation is %(state)s and cannot be revoked.",
                state=str(invitation_services.INVITATION_STATES[state]).lower(),
            )
            if closed
            else None,
        )
    )
    if step is not None:
        return step
    invitation_services.revoke(invitation, current_user)
    db.session.commit()
    flash(_("The invitation of %(address)s is revoked.", address=invitation.email), "success")
    return redirect(url_for("accreditation.invitations"))


# --- the invitee --------------------------------------------------------------------------


@bp.route("/<int:year>/invitation/<token>", methods=["GET", "POST"])
def invitation(token):
    """The page behind the signed link: who invites, in which category; the form to register
    once signed in with the invited address."""
    edition = g.edition
    invitation = invitation_services.invitation_for_token(edition, token)
    if request.method == "GET" and invitation.opened_at is None:
        invitation_services.mark_opened(invitation)
        db.session.commit()
    context = dict(invitation=invitation, token=token, category=invitation.category)
    if not current_user.is_authenticated:
        if request.method == "POST":
            abort(401)
        return render_template("accreditation/invitation.html", form=None, problem=None, **context)
    problem = invitation_services.invitation_problem(invitation, current_user)
    if problem:
        status = 403 if request.method == "POST" else 200
        return render_template(
            "accreditation/invitation.html", form=None, problem=problem, **context
        ), status
    # The edition's own questions are asked here too, as on the ordinary form.
    form_class, edition_questions = question_views.registration_form_class(
        RegistrationForm, edition
    )
    if request.method == "POST":
        form = form_class()
    else:
        values = services.prefill(current_user, edition)
        values["full_name"] = values.get("full_name") or invitation.full_name
        form = form_class(data=values)
    form.set_choices([invitation.category])
    form.requested_category.data = invitation.category_id
    status = 200
    if request.method == "POST":
        answers, question_errors = question_views.question_problems(
            form, edition, edition_questions
        )
        valid = form.validate()
        if valid and not question_errors:
            try:
                registration = invitation_services.register_invited(
                    current_user, invitation, _form_data(form)
                )
                question_services.save_answers(registration, answers)
                db.session.commit()
            except services.RegistrationError as exc:
                db.session.rollback()
                _attach_error(form, exc)
                status = 400
            else:
                flash(_registered_message(registration.state), "success")
                return redirect(url_for("accreditation.me"))
        else:
            _attach_problems(form, question_errors)
            status = 400
    return render_template(
        "accreditation/invitation.html",
        form=form,
        problem=None,
        **context,
        **question_views.question_context(form, edition_questions, [invitation.category]),
    ), status


def _registered_message(state: str) -> str:
    if state == "accredited":
        return _("Thank you: you are registered and accredited. We have sent you a confirmation.")
    if state == "waitlisted":
        return _(
            "Thank you: you are registered. The category is full at the moment, so you are on "
            "the waiting list; we will write to you when a place is yours."
        )
    return _(
        "Thank you: your registration is submitted. The organisers will write to you with "
        "their decision."
    )


# --- the waiting list ---------------------------------------------------------------------


@bp.route("/<int:year>/admin/waiting-list", methods=["GET", "POST"])
@require("waitlist.view")
def waiting_list():
    """The waiting list in order, per category, and what happens when a place frees."""
    edition = g.edition
    form = WaitlistSettingsForm(
        data=None
        if request.method == "POST"
        else {"mode": edition.waitlist_mode, "offer_days": edition.waitlist_offer_days}
    )
    status = 200
    if request.method == "POST":
        if not can(current_user, "waitlist.manage", edition=edition):
            return deny()
        if form.validate():
            try:
                waitlist_services.save_settings(
                    edition, current_user, form.mode.data, form.offer_days.data
                )
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                status = exc.status_code
            else:
                flash(_("The waiting list setting is saved."), "success")
                return redirect(url_for("accreditation.waiting_list"))
        else:
            status = 400
    entries = services.waiting_list(edition)
    categories = {}
    for entry in entries:
        categories.setdefault(entry.category, []).append(entry)
    return render_template(
        "accreditation/waiting_list.html",
        form=form,
        by_category=categories,
        free={c.id: waitlist_services.free_places(edition, c) for c in categories},
        may_manage=can(current_user, "waitlist.manage", edition=edition),
    ), status


@bp.post("/<int:year>/me/take-place")
@login_required
def take_place():
    """The person takes the place the waiting list offers them."""
    registration = services.registration_for(current_user, g.edition)
    if registration is None or not can(
        current_user, "registration.change_own", registration, edition=g.edition
    ):
        abort(403)
    form = AcceptPlaceForm()
    if not form.validate():
        abort(400)
    services.accept_offer(registration, current_user)
    db.session.commit()
    flash(_("The place is yours: you are accredited. See you at the conference!"), "success")
    return redirect(url_for("accreditation.me"))


@bp.app_template_global("waitlist_status")
def waitlist_status(registration):
    """Where a waitlisted registration stands (for the attendee's page)."""
    return services.waitlist_status(registration)


@bp.app_template_global("registration_invitation")
def registration_invitation(registration):
    """The invitation a registration was made with, if any (for the organisers' page)."""
    return invitation_services.invitation_of(registration)


@bp.app_template_global("accept_place_form")
def accept_place_form():
    return AcceptPlaceForm()


@audit.describes("RegistrationInvitation")
def _describe_invitations(ids: list[int]) -> dict:
    may_open = can(current_user, "invitation.view", edition=g.edition)
    url = url_for("accreditation.invitations") if may_open else None
    return {
        invitation.id: (_("Invitation of %(address)s", address=invitation.email), url)
        for invitation in db.session.scalars(
            sa.select(RegistrationInvitation).where(
                RegistrationInvitation.id.in_(ids),
                RegistrationInvitation.edition_id == g.edition.id,
            )
        )
    }
