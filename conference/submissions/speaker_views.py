"""Speakers after acceptance: confirming the talk, files uploaded to a submission (for the
reviewers, or the talk later), the reviewers' blinded copy of those files, and the organisers'
list of talks not confirmed yet.

Views only parse, call ``services`` and render; who may do what is in ``permissions``
(``submission.confirm_participation``, ``submission.materials``, ``review.read``).
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference import crud
from conference.confirm import Confirmation
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import can, deny, login_required, require
from conference.programme.services import files, materials
from conference.programme.speaker_forms import MaterialUploadForm
from conference.submissions import bp, services

FORM_OVERHEAD = 64 * 1024


@bp.url_value_preprocessor
def _allow_uploads(endpoint, values):
    """Raise the request size limit for the upload route only (before it is checked)."""
    if endpoint == "submissions.upload_material":
        request.max_content_length = files.material_max_bytes() + FORM_OVERHEAD


@bp.post("/<int:year>/me/submissions/<int:submission_id>/confirm-participation")
@login_required
def confirm_participation(submission_id: int):
    submission = services.visible_submission(current_user, g.edition, submission_id)
    try:
        services.confirm_participation(current_user, submission)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("submissions.show", submission_id=submission.id), 303)
    flash(_("Thank you: your participation is confirmed."), "success")
    return redirect(url_for("submissions.show", submission_id=submission.id), 303)


@bp.post("/<int:year>/me/submissions/<int:submission_id>/materials")
@login_required
def upload_material(submission_id: int):
    edition = g.edition
    submission = services.visible_submission(current_user, edition, submission_id)
    if not can(current_user, "submission.materials", submission, edition=edition):
        return deny()
    form = MaterialUploadForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("submissions.show", submission_id=submission.id), 303)
    try:
        materials.add_file(
            current_user,
            edition,
            title=form.title.data,
            kind=form.kind.data,
            data=form.file.data.read(),
            filename=form.file.data.filename or "",
            submission=submission,
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("submissions.show", submission_id=submission.id), 303)
    flash(_("The file is uploaded."), "success")
    return redirect(url_for("submissions.show", submission_id=submission.id), 303)


def _submission_material(submission, material_id: int):
    material = materials.get_material(g.edition, material_id)
    if material.submission_id != submission.id:
        abort(404)
    return material


@bp.get("/<int:year>/me/submissions/<int:submission_id>/materials/<int:material_id>")
@login_required
def submission_material(submission_id: int, material_id: int):
    """A file of the submission, for its speakers and the committee (not conflicted)."""
    submission = services.visible_submission(current_user, g.edition, submission_id)
    material = _submission_material(submission, material_id)
    if not material.is_file:
        return redirect(material.url)
    extension = material.storage_key.rsplit(".", 1)[-1]
    return files.serve_file(
        materials.read_file(material),
        material.content_type,
        files.download_name(material.filename or material.title, extension),
        public=False,
    )


@bp.route(
    "/<int:year>/me/submissions/<int:submission_id>/materials/<int:material_id>/delete",
    methods=["GET", "POST"],
)
@login_required
def delete_material(submission_id: int, material_id: int):
    edition = g.edition
    submission = services.visible_submission(current_user, edition, submission_id)
    material = _submission_material(submission, material_id)
    if not can(current_user, "submission.materials", submission, edition=edition):
        return deny()
    back = url_for("submissions.show", submission_id=submission.id)
    return crud.confirm_delete(
        Confirmation(
            title=_("Remove “%(title)s”?", title=material.title),
            consequences=[
                _(
                    "The file is removed from the submission (and from its session, if the "
                    "talk is scheduled) and deleted for good."
                )
            ],
            subject=material.id,
            submit_label=_("Remove"),
            cancel_url=back,
        ),
        delete=lambda: materials.delete_material(current_user, edition, material),
        message=_("The material is removed."),
        done=back,
        code=303,
    )


@bp.get("/<int:year>/review/submissions/<int:submission_id>/files/<int:material_id>")
@login_required
def reviewer_file(submission_id: int, material_id: int):
    """The blinded copy for reviewers: a PDF without its metadata, under a neutral name."""
    edition = g.edition
    submission = services.get_submission(edition, submission_id)
    if not can(current_user, "review.read", submission, edition=edition):
        abort(404)
    wanted = [m for m in materials.reviewer_files(submission.id) if m.id == material_id]
    if not wanted:
        abort(404)
    number = materials.reviewer_files(submission.id).index(wanted[0]) + 1
    return files.serve_file(
        materials.read_file(wanted[0]),
        wanted[0].content_type,
        f"submission-{submission.id}-file-{number}.pdf",
        public=False,
    )


@bp.app_template_global()
def reviewer_files_of(submission_id: int) -> list:
    """For the review page: the submission's PDFs as (number, url), for readers of it."""
    submission = services.get_submission(g.edition, submission_id)
    if not can(current_user, "review.read", submission, edition=g.edition):
        return []
    return [
        (
            number,
            url_for("submissions.reviewer_file", submission_id=submission_id, material_id=m.id),
        )
        for number, m in enumerate(materials.reviewer_files(submission_id), start=1)
    ]


@bp.get("/<int:year>/admin/submissions/unconfirmed")
@require("submissions.list_all")
def admin_unconfirmed():
    """Accepted talks whose speakers have not confirmed their participation."""
    return render_template(
        "submissions/admin_unconfirmed.html", talks=services.unconfirmed_speakers(g.edition)
    )
