"""Speakers' pages of the programme: a speaker's profile and photo, a session's materials
(upload, recording link, who sees them, removal) and the download of a material's file.

Views only parse, call ``services`` and render; who may see or change what is decided by
``permissions`` (``session.materials``, ``material.download``, ``session.materials_manage``,
``material.downloads``, ``speaker.profile``), so that the session page, the API, the exports
and the download URL give one answer. A labelled material's file is a personal copy
(``services.downloads``): watermarked, never stored by a cache, logged.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference import audit, crud, text
from conference.confirm import Confirmation
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import Channel, can, deny, login_required
from conference.programme import bp, display, services
from conference.programme.services import downloads, files, materials, speakers
from conference.programme.speaker_forms import (
    MaterialLabelForm,
    MaterialsAccessForm,
    MaterialUploadForm,
    RecordingForm,
    SpeakerProfileForm,
)
from conference.programme.speaker_models import MaterialKind, SessionMaterial, SpeakerProfile
from conference.query_args import arg_page

# Endpoints that take files: the body may be as large as the file limit (plus the form).
_UPLOADS = {
    "programme.speaker_profile": files.photo_max_bytes,
    "programme.material_upload": files.material_max_bytes,
}
FORM_OVERHEAD = 64 * 1024


@bp.url_value_preprocessor
def _allow_uploads(endpoint, values):
    """Raise the request size limit for the upload routes only (before it is checked)."""
    limit = _UPLOADS.get(endpoint or "")
    if limit is not None:
        request.max_content_length = limit() + FORM_OVERHEAD


# --- speaker profile ---------------------------------------------------------------------


@bp.route("/<int:year>/me/speaker-profile", methods=["GET", "POST"])
@login_required
def speaker_profile():
    edition = g.edition
    profile = speakers.profile_of(current_user, edition)
    form = SpeakerProfileForm(obj=profile)
    if request.method == "GET" and profile is None:
        form.organisation.data = current_user.organisation
        form.position.data = current_user.position
    status = 200
    if request.method == "POST":
        if edition.is_archived and not current_user.is_admin:
            abort(403)
        if form.validate_on_submit():
            upload = form.photo.data
            try:
                speakers.save_profile(
                    current_user,
                    edition,
                    biography=form.biography.data,
                    organisation=form.organisation.data,
                    position=form.position.data,
                    photo=upload.read() if upload else None,
                    remove_photo=bool(form.remove_photo.data),
                )
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                form.photo.errors = [exc.message]
                status = exc.status_code
            else:
                flash(_("Your speaker profile is saved."), "success")
                return redirect(url_for("programme.speaker_profile"))
        else:
            status = 400
    return (
        render_template("programme/speaker_profile.html", form=form, profile=profile),
        status,
    )


@bp.get("/<int:year>/speakers/<int:user_id>/photo")
def speaker_photo(user_id: int):
    edition = g.edition
    profile = speakers.get_profile(edition, user_id)
    if profile is None or not can(current_user, "speaker.profile", profile, edition=edition):
        abort(404)
    data = speakers.read_photo(profile)
    if data is None:
        abort(404)
    public = can(None, "speaker.profile", profile, edition=edition)
    return files.serve_file(
        data, "image/jpeg", f"speaker-{user_id}.jpg", public=public, inline=True
    )


# --- materials of a session --------------------------------------------------------------


def _managed_session(session_id: int):
    session = services.get_session(g.edition, session_id)
    if not can(current_user, "session.materials_manage", session, edition=g.edition):
        return session, False
    return session, True


def _with_labels(form, session):
    """Offer the labels a material of ``session`` may carry (never less strict)."""
    floor = materials.label_floor(g.edition, session)
    form.tlp.choices = [("", _("Same as the session (TLP:%(label)s)", label=floor))] + [
        (label, _("TLP:%(label)s", label=label))
        for label in materials.label_choices(g.edition, session)
    ]
    return form


def _materials_page(session, *, upload=None, recording=None, access=None, status=200):
    edition = g.edition
    listed = materials.session_materials(session)
    view = services.session_view(
        session, services.clearance(current_user, edition), channel=Channel.PAGE
    )
    display.mark_no_store([view])
    return (
        render_template(
            "programme/materials.html",
            session=session,
            view=view,
            materials=listed,
            labels={m.id: materials.effective_label(edition, m, session) for m in listed},
            download_counts=downloads.download_counts(m.id for m in listed),
            may_see_downloads=can(current_user, "material.downloads", session, edition=edition),
            upload_form=_with_labels(upload or MaterialUploadForm(), session),
            recording_form=_with_labels(recording or RecordingForm(), session),
            access_form=access or MaterialsAccessForm(materials_access=session.materials_access),
            may_set_access=can(current_user, "session.materials_access", session, edition=edition),
            kind_labels=materials.KIND_LABELS,
            visibility_labels=materials.VISIBILITY_LABELS,
            max_mb=files.material_max_bytes() // (1024 * 1024),
        ),
        status,
    )


@bp.get("/<int:year>/sessions/<int:session_id>/materials")
def session_materials(session_id: int):
    session, allowed = _managed_session(session_id)
    if not allowed:
        return deny()
    return _materials_page(session)


@bp.post("/<int:year>/sessions/<int:session_id>/materials/upload")
def material_upload(session_id: int):
    session, allowed = _managed_session(session_id)
    if not allowed:
        return deny()
    form = MaterialUploadForm()
    if not form.validate_on_submit():
        return _materials_page(session, upload=form, status=400)
    try:
        materials.add_file(
            current_user,
            g.edition,
            title=form.title.data,
            kind=form.kind.data,
            data=form.file.data.read(),
            filename=form.file.data.filename or "",
            session=session,
            label=form.tlp.data,
            shared=not form.confined.data,
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        field = form.tlp if exc.code == "label_too_weak" else form.file
        field.errors = [exc.message]
        return _materials_page(session, upload=form, status=exc.status_code)
    flash(_("The file is uploaded."), "success")
    return redirect(url_for("programme.session_materials", session_id=session.id))


@bp.post("/<int:year>/sessions/<int:session_id>/materials/recording")
def material_recording(session_id: int):
    session, allowed = _managed_session(session_id)
    if not allowed:
        return deny()
    form = RecordingForm()
    if not form.validate_on_submit():
        return _materials_page(session, recording=form, status=400)
    try:
        materials.add_recording(
            current_user,
            g.edition,
            title=form.title.data,
            url=form.url.data,
            session=session,
            label=form.tlp.data,
            shared=not form.confined.data,
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        field = form.tlp if exc.code == "label_too_weak" else form.url
        field.errors = [exc.message]
        return _materials_page(session, recording=form, status=exc.status_code)
    flash(_("The recording link is added."), "success")
    return redirect(url_for("programme.session_materials", session_id=session.id))


@bp.post("/<int:year>/sessions/<int:session_id>/materials/access")
def material_access(session_id: int):
    session = services.get_session(g.edition, session_id)
    if not can(current_user, "session.materials_access", session, edition=g.edition):
        return deny()
    form = MaterialsAccessForm()
    if not form.validate_on_submit():
        return _materials_page(session, access=form, status=400)
    materials.set_materials_access(current_user, g.edition, session, form.materials_access.data)
    db.session.commit()
    flash(_("Who sees the materials is saved."), "success")
    return redirect(url_for("programme.session_materials", session_id=session.id))


@bp.route("/<int:year>/materials/<int:material_id>/delete", methods=["GET", "POST"])
def material_delete(material_id: int):
    edition = g.edition
    material = materials.get_material(edition, material_id)
    if not materials.may_manage(current_user, edition, material):
        return deny()
    session = materials.placed_session(material)
    back = url_for("programme.session_materials", session_id=session.id)
    return crud.confirm_delete(
        Confirmation(
            title=_("Remove “%(title)s”?", title=material.title),
            consequences=[
                _(
                    "The material is removed from the session page, the API and the exports, "
                    "and its file is deleted for good."
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


@bp.route("/<int:year>/materials/<int:material_id>/label", methods=["GET", "POST"])
def material_label(material_id: int):
    """Change a material's own TLP label and whether it is shared (who may manage it)."""
    edition = g.edition
    material = materials.get_material(edition, material_id)
    if not materials.may_manage(current_user, edition, material):
        return deny()
    session = materials.placed_session(material)
    form = _with_labels(
        MaterialLabelForm(
            data={"tlp": material.tlp or "", "confined": not material.shared}
            if request.method == "GET"
            else None
        ),
        session,
    )
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                materials.set_label(
                    current_user,
                    edition,
                    material,
                    label=form.tlp.data,
                    shared=not form.confined.data,
                )
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                form.tlp.errors = [exc.message]
                status = exc.status_code
            else:
                flash(_("The label of the material is saved."), "success")
                return redirect(url_for("programme.session_materials", session_id=session.id))
        else:
            status = 400
    return (
        render_template(
            "programme/material_label.html",
            material=material,
            session=session,
            form=form,
            label=materials.effective_label(edition, material, session),
        ),
        status,
    )


@bp.get("/<int:year>/materials/<int:material_id>/downloads")
def material_downloads(material_id: int):
    """Who received a copy of a labelled material, newest first (the organisers)."""
    edition = g.edition
    material = materials.get_material(edition, material_id)
    session = materials.placed_session(material)
    if not can(current_user, "material.downloads", session, edition=edition):
        return deny()
    page = downloads.downloads_of(material, page=arg_page())
    return render_template(
        "programme/material_downloads.html",
        material=material,
        session=session,
        log=page,
        label=materials.effective_label(edition, material, session),
    )


@bp.get("/<int:year>/materials/<int:material_id>/downloads.csv")
def material_downloads_csv(material_id: int):
    """The same log as a CSV file (formula-safe, ``no-store``)."""
    edition = g.edition
    material = materials.get_material(edition, material_id)
    session = materials.placed_session(material)
    if not can(current_user, "material.downloads", session, edition=edition):
        return deny()
    return text.csv_response(
        f"material-{material.id}-downloads.csv",
        ["downloaded_at_utc", "name", "email", "label", "inline", "watermarked"],
        downloads.download_rows(material),
    )


@bp.get("/<int:year>/materials/<int:material_id>")
def material_download(material_id: int):
    """A material's file (or, for a recording, its link) — for whoever may see it. A labelled
    file is a personal copy: watermarked (PDF), shown inline only (RED), never cached, logged."""
    edition = g.edition
    material = materials.get_material(edition, material_id)
    if not materials.may_see_material(current_user, edition, material):
        # The same answer as for a material that does not exist: nothing to learn from it.
        if not current_user.is_authenticated:
            return deny()
        abort(404)
    if material.kind == MaterialKind.RECORDING:
        downloads.record_link(current_user, edition, material)
        db.session.commit()
        return redirect(material.url)
    copy = downloads.deliver(current_user, edition, material)
    db.session.commit()
    return files.serve_file(
        copy.data,
        copy.content_type,
        copy.name,
        public=not copy.no_store and materials.is_public(edition, material),
        inline=copy.inline,
        no_store=copy.no_store,
    )


# --- names in the audit log ----------------------------------------------------------------


@audit.describes("SessionMaterial")
def _describe_materials(ids: list[int]) -> dict:
    found = {}
    for material in db.session.scalars(
        sa.select(SessionMaterial).where(
            SessionMaterial.id.in_(ids), SessionMaterial.edition_id == g.edition.id
        )
    ):
        found[material.id] = (_("Material “%(title)s”", title=material.title), None)
    return found


@audit.describes("SpeakerProfile")
def _describe_profiles(ids: list[int]) -> dict:
    found = {}
    for profile in db.session.scalars(
        sa.select(SpeakerProfile).where(
            SpeakerProfile.id.in_(ids), SpeakerProfile.edition_id == g.edition.id
        )
    ):
        name = profile.user.display_name if profile.user else str(profile.user_id)
        found[profile.id] = (_("Speaker profile of %(name)s", name=name), None)
    return found
