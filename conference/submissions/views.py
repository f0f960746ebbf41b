"""Pages of the call: the public call, speakers' submissions, invitations, organisers' pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from conference import audit, confirm, crud
from conference.accreditation.services import registration_for
from conference.confirm import Confirmation
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import can, is_verified, login_required, require
from conference.programme.speaker_forms import MaterialUploadForm
from conference.query_args import arg_choice, arg_id, arg_str
from conference.submissions import bp, services
from conference.submissions.forms import (
    CallForm,
    CoSpeakerForm,
    DeclineInvitationForm,
    SubmissionForm,
    SubmissionTypeForm,
    WithdrawForm,
)
from conference.submissions.models import Decision, Submission, SubmissionState
from conference.text import csv_response, ngettext

# --- public ------------------------------------------------------------------------------


@bp.get("/<int:year>/call")
def call():
    edition = g.edition
    return render_template(
        "submissions/call.html",
        status=services.call_status(edition),
        types=services.submission_types(edition),
        tracks=services.open_tracks(edition),
        accepted_count=len(services.accepted_abstracts(edition, current_user)),
        word_rule=services.WORD_RULE,
    )


@bp.get("/<int:year>/abstracts")
def accepted():
    return render_template(
        "submissions/accepted.html",
        submissions=services.accepted_abstracts(g.edition, current_user),
        speakers_of=services.speakers_of,
    )


# --- speakers ----------------------------------------------------------------------------


@bp.get("/<int:year>/me/submissions")
@login_required
def mine():
    edition = g.edition
    return render_template(
        "submissions/mine.html",
        entries=services.my_submissions(current_user, edition),
        status=services.call_status(edition),
    )


def _submission_form(submission=None) -> SubmissionForm:
    edition = g.edition
    form = SubmissionForm(obj=submission)
    tracks = services.open_tracks(edition)
    if submission is not None and submission.track is not None and submission.track not in tracks:
        tracks.append(submission.track)
    form.set_choices(services.submission_types(edition), tracks)
    return form


def _render_form(form, submission=None, status: int = 200):
    types = services.submission_types(g.edition)
    return (
        render_template(
            "submissions/form.html",
            form=form,
            submission=submission,
            types=types,
            limits={str(t.id): t.max_words for t in types},
            limits_text=", ".join(f"{t.name} {t.max_words}" for t in types) or _("none yet"),
            word_rule=services.WORD_RULE,
            call_status=services.call_status(g.edition),
        ),
        status,
    )


@bp.route("/<int:year>/me/submissions/new", methods=["GET", "POST"])
@require("submission.create")
def new():
    if not is_verified(current_user):
        # Say so before the form, not after the abstract has been written.
        return render_template(
            "submissions/form.html", unconfirmed=True, form=None, submission=None
        ), (403 if request.method == "POST" else 200)
    form = _submission_form()
    if request.method == "GET":
        return _render_form(form)
    if not form.validate_on_submit():
        return _render_form(form, status=400)
    try:
        submission = services.create_submission(
            current_user, g.edition, form.to_input(), submit=bool(form.submit.data)
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_form(form, status=exc.status_code)
    if submission.state == SubmissionState.SUBMITTED:
        flash(
            _("Your submission is submitted. You can still edit it until the deadline."), "success"
        )
    else:
        flash(_("Your draft is saved. Submit it before the deadline."), "success")
    return redirect(url_for("submissions.show", submission_id=submission.id))


def _show(submission, status: int = 200, invite_form=None):
    edition = g.edition
    may_change = (
        can(current_user, "submission.edit", submission, edition=edition)
        and submission.state != SubmissionState.WITHDRAWN
        and (edition.cfp_open() or can(current_user, "call.manage", edition=edition))
    )
    speaker_notice = None
    if current_user in services.speakers_of(submission) and (
        services.published_decision(submission) is not None
        and submission.decision == Decision.ACCEPTED
        and submission.state == SubmissionState.SUBMITTED
    ):
        speaker_notice = {"registration": registration_for(current_user, edition)}
    return (
        render_template(
            "submissions/show.html",
            speaker_notice=speaker_notice,
            submission=submission,
            decision=services.published_decision(submission),
            status_label=_status_text(services.status_label(submission)),
            words=services.count_words(submission.abstract),
            invite_form=invite_form or CoSpeakerForm(),
            call_status=services.call_status(g.edition),
            is_author=submission.author_id == current_user.id,
            may_change=may_change,
            # Issue 21: confirming the talk, its slot in the programme, files for the talk.
            may_confirm=can(current_user, "submission.confirm_participation", submission),
            slots=services.scheduled_slots(current_user, edition, submission),
            files=services.submission_files(submission),
            may_upload=can(current_user, "submission.materials", submission, edition=edition),
            upload_form=MaterialUploadForm(),
        ),
        status,
    )


@bp.get("/<int:year>/me/submissions/<int:submission_id>")
@login_required
def show(submission_id: int):
    return _show(services.visible_submission(current_user, g.edition, submission_id))


@bp.route("/<int:year>/me/submissions/<int:submission_id>/edit", methods=["GET", "POST"])
@login_required
def edit(submission_id: int):
    submission = services.editable_submission(current_user, g.edition, submission_id)
    form = _submission_form(submission)
    if request.method == "GET":
        return _render_form(form, submission)
    if not form.validate_on_submit():
        return _render_form(form, submission, status=400)
    try:
        services.update_submission(
            current_user, submission, form.to_input(), submit=bool(form.submit.data)
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_form(form, submission, status=exc.status_code)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("submissions.show", submission_id=submission.id))


def _act(submission_id: int, action, success: str):
    """Run a one-button action; on a refusal show the page again with the reason and a 4xx."""
    submission = services.editable_submission(current_user, g.edition, submission_id)
    try:
        action(submission)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _show(submission, status=exc.status_code)
    flash(success, "success")
    return redirect(url_for("submissions.show", submission_id=submission.id))


@bp.post("/<int:year>/me/submissions/<int:submission_id>/submit")
@login_required
def submit(submission_id: int):
    return _act(
        submission_id,
        lambda s: services.submit_submission(current_user, s),
        _("Your submission is submitted. You can still edit it until the deadline."),
    )


def _withdraw_page(submission, form, status: int = 200):
    return (
        render_template(
            "submissions/withdraw.html",
            submission=submission,
            form=form,
            preview=services.withdrawal_preview(submission),
        ),
        status,
    )


@bp.route("/<int:year>/me/submissions/<int:submission_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(submission_id: int):
    """GET: the confirmation page (what will happen, who is told). POST: withdraw, only with
    the confirmation box ticked; without it the page comes back with a 400 and nothing
    changes."""
    submission = services.editable_submission(current_user, g.edition, submission_id)
    form = WithdrawForm()
    if request.method == "GET":
        if submission.state == SubmissionState.WITHDRAWN:
            flash(_("This submission is already withdrawn."), "info")
            return redirect(url_for("submissions.show", submission_id=submission.id))
        refusal = services.withdrawal_refusal(current_user, submission)
        if refusal is not None:
            flash(refusal.message, "error")
            return _show(submission, status=refusal.status_code)
        return _withdraw_page(submission, form)
    confirmed = form.validate_on_submit() and bool(form.confirm.data)
    try:
        services.withdraw_submission(current_user, submission, confirmed=confirmed)
    except DomainError as exc:
        db.session.rollback()
        if exc.code == "confirmation_required":
            form.confirm.errors = [*form.confirm.errors, _("Tick this box to withdraw.")]
            flash(exc.message, "error")
            return _withdraw_page(submission, form, status=exc.status_code)
        flash(exc.message, "error")
        return _show(submission, status=exc.status_code)
    flash(_("The submission is withdrawn."), "success")
    return redirect(url_for("submissions.show", submission_id=submission.id))


@bp.post("/<int:year>/me/submissions/<int:submission_id>/co-speakers")
@login_required
def invite(submission_id: int):
    submission = services.editable_submission(current_user, g.edition, submission_id)
    form = CoSpeakerForm()
    if not form.validate_on_submit():
        return _show(submission, status=400, invite_form=form)
    try:
        services.invite_co_speaker(current_user, submission, form.email.data, form.name.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        response = make_response(_show(submission, status=exc.status_code, invite_form=form))
        if getattr(exc, "retry_after", None):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    flash(
        _("We sent an invitation to %(email)s.", email=form.email.data.strip().lower()), "success"
    )
    return redirect(url_for("submissions.show", submission_id=submission.id))


@bp.route(
    "/<int:year>/me/submissions/<int:submission_id>/co-speakers/<int:co_speaker_id>/remove",
    methods=["GET", "POST"],
)
@login_required
def remove_co_speaker(submission_id: int, co_speaker_id: int):
    """Remove a co-speaker (or take back the invitation), after a confirmation naming them."""
    submission = services.editable_submission(current_user, g.edition, submission_id)
    try:
        co = services.removable_co_speaker(current_user, submission, co_speaker_id)
    except DomainError as exc:
        flash(exc.message, "error")
        return _show(submission, status=exc.status_code)
    who = f"{co.name} <{co.email}>" if co.name else co.email
    if co.confirmed_at:
        consequences = [
            _(
                "%(who)s is no longer a speaker of “%(title)s”.",
                who=who,
                title=submission.title,
            ),
            _(
                "The submission leaves their list of submissions; to add them again you must "
                "send a new invitation, which they must accept again."
            ),
        ]
    else:
        consequences = [
            _(
                "The invitation to %(who)s for “%(title)s” is taken back.",
                who=who,
                title=submission.title,
            ),
            _("The link in the invitation mail stops working."),
        ]
    step = confirm.check(
        Confirmation(
            title=_(
                "Remove %(name)s from “%(title)s”?",
                name=co.name or co.email,
                title=submission.title,
            ),
            consequences=consequences,
            subject=["co_speaker", co.id, co.confirmed_at is not None],
            submit_label=_("Remove %(name)s", name=co.name or co.email),
            cancel_url=url_for("submissions.show", submission_id=submission.id),
        )
    )
    if step is not None:
        return step
    return _act(
        submission_id,
        lambda s: services.remove_co_speaker(current_user, s, co_speaker_id),
        _("The co-speaker is removed."),
    )


@bp.route("/<int:year>/invitations/<token>", methods=["GET", "POST"])
@login_required
def invitation(token: str):
    co_speaker = services.load_invitation(token)
    if co_speaker.submission.edition_id != g.edition.id:
        return redirect(
            url_for("submissions.invitation", year=co_speaker.submission.edition.year, token=token)
        )
    services.check_invitation_for(current_user, co_speaker)
    if request.method == "POST":
        services.confirm_co_speaker(current_user, token)
        flash(_("Thank you: you are now a co-speaker of this submission."), "success")
        return redirect(url_for("submissions.show", submission_id=co_speaker.submission_id))
    return render_template(
        "submissions/invitation.html",
        co_speaker=co_speaker,
        submission=co_speaker.submission,
        token=token,
        decline_form=DeclineInvitationForm(),
    )


@bp.route("/<int:year>/invitations/<token>/decline", methods=["GET", "POST"])
def decline_invitation(token: str):
    """Decline an invitation; the signed link is enough (the invited address may have no
    account), and the GET only shows what will happen."""
    co_speaker = services.load_invitation(token)
    submission = co_speaker.submission
    if submission.edition_id != g.edition.id:
        return redirect(
            url_for("submissions.decline_invitation", year=submission.edition.year, token=token)
        )
    form = DeclineInvitationForm()
    if form.validate_on_submit():
        services.decline_invitation(current_user, token, block=form.block.data)
        return render_template(
            "submissions/invitation_declined.html",
            submission_title=submission.title,
            blocked=form.block.data,
        )
    return render_template(
        "submissions/invitation_decline.html",
        co_speaker=co_speaker,
        submission=submission,
        token=token,
        form=form,
    ), (400 if form.errors else 200)


# --- organisers: the call ----------------------------------------------------------------


def _naive_local(moment):
    local = g.edition.local(moment)
    return local.replace(tzinfo=None) if local else None


def _call_page(form, status: int = 200):
    edition = g.edition
    return (
        render_template(
            "submissions/admin_call.html",
            form=form,
            types=services.submission_types(edition),
            type_form=SubmissionTypeForm(formdata=None),
            word_rule=services.WORD_RULE,
            status=services.call_status(edition),
        ),
        status,
    )


def _call_form(from_request: bool) -> CallForm:
    edition = g.edition
    all_tracks = services.tracks(edition)
    if from_request:
        form = CallForm()
    else:
        form = CallForm(
            formdata=None,
            opens_at=_naive_local(edition.cfp_opens_at),
            closes_at=_naive_local(edition.cfp_closes_at),
            guidance=edition.cfp_guidance,
            open_tracks=[t.id for t in all_tracks if t.open_for_submissions],
        )
    form.open_tracks.choices = [(t.id, t.name) for t in all_tracks]
    return form


@bp.route("/<int:year>/admin/call", methods=["GET", "POST"])
@require("call.manage")
def admin_call():
    edition = g.edition
    form = _call_form(from_request=request.method == "POST")
    if request.method == "GET":
        return _call_page(form)
    if not form.validate_on_submit():
        return _call_page(form, status=400)
    try:
        opens = (
            services.local_to_utc(edition, form.opens_at.data, _("Call opens"))
            if form.opens_at.data
            else None
        )
        closes = (
            services.local_to_utc(edition, form.closes_at.data, _("Call closes"))
            if form.closes_at.data
            else None
        )
        services.update_call(
            current_user,
            edition,
            opens_at=opens,
            closes_at=closes,
            guidance=form.guidance.data or "",
            open_track_ids=list(form.open_tracks.data or []),
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _call_page(form, status=exc.status_code)
    flash(_("The call is saved."), "success")
    return redirect(url_for("submissions.admin_call"))


@bp.post("/<int:year>/admin/call/standard-types")
@require("call.manage")
def admin_standard_types():
    added = services.add_standard_types(current_user, g.edition)
    flash(
        ngettext("%(num)d standard type added.", "%(num)d standard types added.", added)
        if added
        else _("All standard types exist."),
        "success",
    )
    return redirect(url_for("submissions.admin_call"))


def _type_page(form, submission_type=None, status: int = 200):
    return (
        render_template(
            "submissions/admin_type.html",
            form=form,
            submission_type=submission_type,
            word_rule=services.WORD_RULE,
        ),
        status,
    )


def _type_form(form, submission_type=None, *, message: str):
    """New or edited submission type."""
    return crud.save_form(
        form,
        page=lambda status=200: _type_page(form, submission_type, status),
        save=lambda: services.save_type(
            current_user,
            g.edition,
            submission_type,
            name=form.name.data,
            code=form.code.data,
            max_words=form.max_words.data,
            duration_minutes=form.duration_minutes.data,
            description=form.description.data or "",
        ),
        message=lambda saved: message,
        done=url_for("submissions.admin_call"),
    )


@bp.route("/<int:year>/admin/call/types/new", methods=["GET", "POST"])
@require("call.manage")
def admin_new_type():
    return _type_form(SubmissionTypeForm(), message=_("The submission type is added."))


@bp.route("/<int:year>/admin/call/types/<int:type_id>", methods=["GET", "POST"])
@require("call.manage")
def admin_edit_type(type_id: int):
    submission_type = services.get_type(g.edition, type_id)
    return _type_form(
        SubmissionTypeForm(obj=submission_type),
        submission_type,
        message=_("The submission type is saved."),
    )


@bp.route("/<int:year>/admin/call/types/<int:type_id>/delete", methods=["GET", "POST"])
@require("call.manage")
def admin_delete_type(type_id: int):
    submission_type = services.get_type(g.edition, type_id)
    used = services.type_usage(submission_type)

    def refused(exc: DomainError):
        flash(exc.message, "error")
        return _call_page(_call_form(from_request=False), status=exc.status_code)

    return crud.confirm_delete(
        Confirmation(
            title=_("Remove the submission type “%(name)s”?", name=submission_type.name),
            consequences=[
                _(
                    "The type “%(name)s” (%(code)s) is removed from the call for good; no "
                    "submission uses it now.",
                    name=submission_type.name,
                    code=submission_type.code,
                ),
                _("Speakers can no longer choose it."),
            ],
            blocked=services.type_in_use(submission_type, used) if used else None,
            subject=["submission_type", submission_type.id],
            submit_label=_("Remove %(name)s", name=submission_type.name),
            cancel_url=url_for("submissions.admin_call"),
        ),
        delete=lambda: services.delete_type(current_user, g.edition, submission_type),
        message=_("The submission type is removed."),
        done=url_for("submissions.admin_call"),
        refused=refused,
    )


# --- organisers: all submissions ---------------------------------------------------------


def _filters() -> services.SubmissionFilter:
    return services.SubmissionFilter(
        state=arg_choice("state", [s.value for s in SubmissionState]),
        track_id=arg_id("track"),
        type_id=arg_id("type"),
        decision=arg_choice("decision", [d.value for d in Decision]),
        q=arg_str("q", max_len=200),
    )


@bp.get("/<int:year>/admin/submissions")
@require("submissions.list_all")
def admin_list():
    edition = g.edition
    filters = _filters()
    return render_template(
        "submissions/admin_list.html",
        submissions=services.list_submissions(current_user, edition, filters),
        hidden=services.hidden_by_conflicts(current_user, edition),
        filters=filters,
        tracks=services.tracks(edition),
        types=services.submission_types(edition),
        states=_STATE_NAMES,
        decisions=_DECISION_NAMES,
        count_words=services.count_words,
    )


# The organisers' list shows the raw state and decision (the speakers see ``submission_status``).
_STATE_NAMES = {
    SubmissionState.DRAFT: _l("Draft"),
    SubmissionState.SUBMITTED: _l("Submitted"),
    SubmissionState.WITHDRAWN: _l("Withdrawn"),
}
_DECISION_NAMES = {
    Decision.PENDING: _l("Pending"),
    Decision.ACCEPTED: _l("Accepted"),
    Decision.REJECTED: _l("Rejected"),
    Decision.WAITLISTED: _l("Waitlisted"),
}


@bp.get("/<int:year>/admin/submissions.csv")
@require("submissions.list_all")
def admin_export():
    edition = g.edition
    submissions = services.list_submissions(current_user, edition, _filters())
    return csv_response(
        f"submissions-{edition.year}.csv",
        services.EXPORT_HEADER,
        services.export_rows(edition, submissions),
    )


# --- names in the audit log ----------------------------------------------------------------


@audit.describes("Submission")
def _describe_submissions(ids: list[int]) -> dict:
    found = {}
    for submission in db.session.scalars(
        sa.select(Submission).where(Submission.id.in_(ids), Submission.edition_id == g.edition.id)
    ):
        url = None
        if can(current_user, "submission.view", submission, edition=g.edition):
            url = url_for("submissions.show", submission_id=submission.id)
        title = submission.title or _("untitled")
        found[submission.id] = (_("Submission “%(title)s”", title=title), url)
    return found


@bp.app_template_global("my_submissions")
def my_submissions_global(edition):
    """The current user's submissions in ``edition`` for the /<year>/me summary:
    a list of (submission, role, status label in the reader's language)."""
    return [
        (submission, role, _status_text(services.status_label(submission)))
        for submission, role in services.my_submissions(current_user, edition)
    ]


# ``services.status_label`` answers in English (the API's ``status`` too): the keys here,
# translated only where a page shows them.
_STATUS_TEXT = {
    "Withdrawn": _l("Withdrawn"),
    "Draft (not submitted)": _l("Draft (not submitted)"),
    "Submitted – under review": _l("Submitted – under review"),
    "Accepted": _l("Accepted"),
    "Not accepted": _l("Not accepted"),
    "On the waiting list": _l("On the waiting list"),
}


def _status_text(label: str) -> str:
    return str(_STATUS_TEXT.get(label, label))


_STATUS_CSS = {
    "Withdrawn": "withdrawn",
    "Draft (not submitted)": "draft",
    "Submitted – under review": "pending",
    "Accepted": "accepted",
    "Not accepted": "rejected",
    "On the waiting list": "waitlisted",
}


@bp.app_template_global("submission_status")
def submission_status_global(submission):
    """{"label", "css"} of the state a speaker may see (no unpublished decision)."""
    label = services.status_label(submission)
    return {"label": _status_text(label), "css": _STATUS_CSS.get(label, "pending")}
