"""Pages of the call: the public call, speakers' submissions, invitations, organisers' pages."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import can, login_required, require
from conference.query_args import arg_choice, arg_id, arg_str
from conference.submissions import bp, services
from conference.submissions.forms import (
    CallForm,
    CoSpeakerForm,
    SubmissionForm,
    SubmissionTypeForm,
)
from conference.submissions.models import Decision, SubmissionState
from conference.text import csv_response

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
            limits_text=", ".join(f"{t.name} {t.max_words}" for t in types) or "none yet",
            word_rule=services.WORD_RULE,
            call_status=services.call_status(g.edition),
        ),
        status,
    )


@bp.route("/<int:year>/me/submissions/new", methods=["GET", "POST"])
@require("submission.create")
def new():
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
        flash("Your submission is submitted. You can still edit it until the deadline.", "success")
    else:
        flash("Your draft is saved. Submit it before the deadline.", "success")
    return redirect(url_for("submissions.show", submission_id=submission.id))


def _show(submission, status: int = 200, invite_form=None):
    edition = g.edition
    may_change = (
        can(current_user, "submission.edit", submission, edition=edition)
        and submission.state != SubmissionState.WITHDRAWN
        and (edition.cfp_open() or can(current_user, "call.manage", edition=edition))
    )
    return (
        render_template(
            "submissions/show.html",
            submission=submission,
            decision=services.published_decision(submission),
            status_label=services.status_label(submission),
            words=services.count_words(submission.abstract),
            invite_form=invite_form or CoSpeakerForm(),
            call_status=services.call_status(g.edition),
            is_author=submission.author_id == current_user.id,
            may_change=may_change,
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
    flash("Your changes are saved.", "success")
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
        "Your submission is submitted. You can still edit it until the deadline.",
    )


@bp.post("/<int:year>/me/submissions/<int:submission_id>/withdraw")
@login_required
def withdraw(submission_id: int):
    return _act(
        submission_id,
        lambda s: services.withdraw_submission(current_user, s),
        "The submission is withdrawn.",
    )


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
        return _show(submission, status=exc.status_code, invite_form=form)
    flash(f"We sent an invitation to {form.email.data.strip().lower()}.", "success")
    return redirect(url_for("submissions.show", submission_id=submission.id))


@bp.post("/<int:year>/me/submissions/<int:submission_id>/co-speakers/<int:co_speaker_id>/remove")
@login_required
def remove_co_speaker(submission_id: int, co_speaker_id: int):
    return _act(
        submission_id,
        lambda s: services.remove_co_speaker(current_user, s, co_speaker_id),
        "The co-speaker is removed.",
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
        flash("Thank you: you are now a co-speaker of this submission.", "success")
        return redirect(url_for("submissions.show", submission_id=co_speaker.submission_id))
    return render_template(
        "submissions/invitation.html",
        co_speaker=co_speaker,
        submission=co_speaker.submission,
        token=token,
    )


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
            services.local_to_utc(edition, form.opens_at.data, "Call opens")
            if form.opens_at.data
            else None
        )
        closes = (
            services.local_to_utc(edition, form.closes_at.data, "Call closes")
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
    flash("The call is saved.", "success")
    return redirect(url_for("submissions.admin_call"))


@bp.post("/<int:year>/admin/call/standard-types")
@require("call.manage")
def admin_standard_types():
    added = services.add_standard_types(current_user, g.edition)
    flash(f"{added} standard type(s) added." if added else "All standard types exist.", "success")
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


@bp.route("/<int:year>/admin/call/types/new", methods=["GET", "POST"])
@require("call.manage")
def admin_new_type():
    form = SubmissionTypeForm()
    if request.method == "GET":
        return _type_page(form)
    if not form.validate_on_submit():
        return _type_page(form, status=400)
    try:
        services.save_type(
            current_user,
            g.edition,
            None,
            name=form.name.data,
            code=form.code.data,
            max_words=form.max_words.data,
            duration_minutes=form.duration_minutes.data,
            description=form.description.data or "",
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _type_page(form, status=exc.status_code)
    flash("The submission type is added.", "success")
    return redirect(url_for("submissions.admin_call"))


@bp.route("/<int:year>/admin/call/types/<int:type_id>", methods=["GET", "POST"])
@require("call.manage")
def admin_edit_type(type_id: int):
    submission_type = services.get_type(g.edition, type_id)
    form = SubmissionTypeForm(obj=submission_type)
    if request.method == "GET":
        return _type_page(form, submission_type)
    if not form.validate_on_submit():
        return _type_page(form, submission_type, status=400)
    try:
        services.save_type(
            current_user,
            g.edition,
            submission_type,
            name=form.name.data,
            code=form.code.data,
            max_words=form.max_words.data,
            duration_minutes=form.duration_minutes.data,
            description=form.description.data or "",
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _type_page(form, services.get_type(g.edition, type_id), status=exc.status_code)
    flash("The submission type is saved.", "success")
    return redirect(url_for("submissions.admin_call"))


@bp.post("/<int:year>/admin/call/types/<int:type_id>/delete")
@require("call.manage")
def admin_delete_type(type_id: int):
    submission_type = services.get_type(g.edition, type_id)
    try:
        services.delete_type(current_user, g.edition, submission_type)
    except DomainError as exc:
        flash(exc.message, "error")
        return _call_page(_call_form(from_request=False), status=exc.status_code)
    flash("The submission type is removed.", "success")
    return redirect(url_for("submissions.admin_call"))


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
        submissions=services.list_submissions(edition, filters),
        filters=filters,
        tracks=services.tracks(edition),
        types=services.submission_types(edition),
        states=list(SubmissionState),
        decisions=list(Decision),
        count_words=services.count_words,
    )


@bp.get("/<int:year>/admin/submissions.csv")
@require("submissions.list_all")
def admin_export():
    edition = g.edition
    submissions = services.list_submissions(edition, _filters())
    return csv_response(
        f"submissions-{edition.year}.csv",
        services.EXPORT_HEADER,
        services.export_rows(edition, submissions),
    )
