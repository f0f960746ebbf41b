"""Badge pages: the attendee's own PDF, and the organisers' list, printing and revocation."""

from __future__ import annotations

import hashlib
import json

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from conference import audit
from conference.badges import bp, services
from conference.badges.forms import BadgeFilterForm, PrintForm, ReasonForm
from conference.badges.models import PrintJobState
from conference.badges.qr_svg import qr_svg
from conference.extensions import db
from conference.permissions import can, deny, login_required, require
from conference.query_args import arg_choice, arg_id, arg_str
from conference.text import ngettext


@bp.app_template_global("my_badge")
def my_badge(edition):
    """The current user's valid badge in ``edition`` (for the /<year>/me page), or None."""
    return services.badge_for_user(current_user, edition)


@bp.app_template_global("registration_badge")
def registration_badge(registration):
    """The latest badge of ``registration`` (valid or not), for the organisers' registration
    page; None when none was ever issued."""
    return services.latest_badge(registration)


def _pdf(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/<int:year>/me/badge.pdf")
@login_required
def my_badge_pdf():
    badge = services.badge_for_user(current_user, g.edition)
    if badge is None:
        abort(404, _("You have no valid badge for this edition (yet)."))
    return _pdf(services.badge_pdf(badge), f"badge-{g.edition.year}.pdf")


@bp.get("/<int:year>/me/badge")
@login_required
def my_badge_screen():
    """The badge's QR code on screen, large, with the name and badge number: a phone can
    stand in for the paper badge. Kept for offline use by the browser (private cache)."""
    badge = services.badge_for_user(current_user, g.edition)
    if badge is None:
        abort(404, _("You have no valid badge for this edition (yet)."))
    response = current_app.make_response(
        render_template(
            "badges/screen.html",
            badge=badge,
            qr=qr_svg(services.badge_code(badge), label=_("Badge QR code")),
        )
    )
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/<int:year>/me/badge/sw.js")
def badge_service_worker():
    """The on-screen badge's service worker, scoped to the badge page (offline use)."""
    static = current_app.static_folder
    with open(f"{static}/js/badge-sw.js", encoding="utf-8") as handle:
        source = handle.read()
    assets = [
        url_for("static", filename="css/app.css"),
        url_for("editions.theme_css"),
        url_for("static", filename="js/badge-screen.js"),
    ]
    digest = hashlib.sha256(source.encode())
    with open(f"{static}/css/app.css", "rb") as css:
        digest.update(css.read())
    source = source.replace('"__ASSETS__"', json.dumps(assets)).replace(
        "__VERSION__", f"{g.edition.year}-{digest.hexdigest()[:12]}"
    )
    response = Response(source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = url_for("badges.my_badge_screen")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/<int:year>/organise/badges/<int:badge_id>/print")
@require("badges.manage")
def print_page(badge_id: int):
    """One A6 badge as a print-ready page (no margins) for the browser's print dialog: a
    badge printed at the door. A lost badge is reissued first (the old one stops working)."""
    badge = services.get_badge(g.edition, badge_id)
    if badge.state != "valid":
        abort(409, _("This badge is revoked: print the registration's valid badge."))
    return _print_one(badge, back_url=url_for("badges.detail", badge_id=badge.id))


def _print_one(badge, *, back_url: str):
    services.mark_printed([badge])
    audit.record(current_user, "badge.print", badge, version=badge.version, where="door")
    db.session.commit()
    return render_template(
        "badges/print.html",
        badge=badge,
        qr=qr_svg(services.badge_code(badge), label=_("Badge QR code")),
        back_url=back_url,
    )


@bp.get("/<int:year>/scan/badges/<int:badge_id>/print")
@require("badges.print_at_door")
def door_print(badge_id: int):
    """Door mode: print one attendee's A6 badge through the browser's print dialog."""
    badge = services.get_badge(g.edition, badge_id)
    if badge.state != "valid":
        abort(409, _("This badge is revoked: print the registration's valid badge."))
    return _print_one(badge, back_url=url_for("checkin.scanner", door=1))


@bp.post("/<int:year>/scan/badges/<int:badge_id>/reissue")
@require("badges.print_at_door")
def door_reissue(badge_id: int):
    """Door mode, a lost badge: reissue it (the old one stops opening doors), then print."""
    badge = services.get_badge(g.edition, badge_id)
    if badge.state != "valid":
        abort(409, _("This badge was already replaced: look the person up again."))
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400, _("The reason is too long (at most 400 characters)."))
    new = services.reissue_badge(
        badge.registration,
        actor=current_user,
        reason=(form.reason.data or "").strip() or "lost badge (door)",
    )
    db.session.commit()
    flash(
        _(
            "Issued version %(version)s; the earlier badge no longer opens any door.",
            version=new.version,
        ),
        "success",
    )
    return redirect(url_for("badges.door_print", badge_id=new.id), 303)


# --- organisers --------------------------------------------------------------------------


@bp.get("/<int:year>/organise/badges")
@require("badges.manage")
def index():
    edition = g.edition
    categories = services.categories(edition)
    filters = BadgeFilterForm(request.args)
    filters.category.choices = [("", _("Any"))] + [(str(c.id), c.name) for c in categories]
    badges = services.list_badges(
        edition,
        category_id=arg_id("category"),
        state=arg_choice("state", ["valid", "revoked"], None),
        printed=arg_choice("printed", ["yes", "no"], None),
        query=arg_str("q", max_len=100) or None,
    )
    print_form = PrintForm()
    print_form.categories.choices = [(c.id, c.name) for c in categories]
    return render_template(
        "badges/index.html",
        badges=badges,
        filters=filters,
        print_form=print_form,
        jobs=services.recent_print_jobs(edition),
        missing=services.missing_count(edition),
        has_key=services.has_signing_key(edition),
    )


@bp.post("/<int:year>/organise/badges/issue-missing")
@require("badges.manage")
def issue_missing():
    count = services.issue_missing(g.edition, actor=current_user)
    db.session.commit()
    flash(ngettext("Issued %(num)d badge.", "Issued %(num)d badges.", count), "success")
    return redirect(url_for("badges.index"))


@bp.get("/<int:year>/organise/badges/<int:badge_id>")
@require("badges.manage")
def detail(badge_id: int):
    badge = services.get_badge(g.edition, badge_id)
    return render_template(
        "badges/detail.html",
        badge=badge,
        history=services.badge_history(badge),
        revoke_form=ReasonForm(prefix="revoke"),
        reissue_form=ReasonForm(prefix="reissue"),
    )


@bp.post("/<int:year>/organise/badges/<int:badge_id>/revoke")
@require("badges.manage")
def revoke(badge_id: int):
    badge = services.get_badge(g.edition, badge_id)
    form = ReasonForm(prefix="revoke")
    if not form.validate_on_submit():
        flash(_("The reason is too long (at most 400 characters)."), "error")
        return redirect(url_for("badges.detail", badge_id=badge.id)), 303
    services.revoke_badge(badge, actor=current_user, reason=form.reason.data or "")
    db.session.commit()
    flash(
        _("Badge %(id)s (version %(version)s) is revoked.", id=badge.id, version=badge.version),
        "success",
    )
    return redirect(url_for("badges.detail", badge_id=badge.id))


@bp.post("/<int:year>/organise/badges/<int:badge_id>/reissue")
@require("badges.manage")
def reissue(badge_id: int):
    badge = services.get_badge(g.edition, badge_id)
    form = ReasonForm(prefix="reissue")
    if not form.validate_on_submit():
        flash(_("The reason is too long (at most 400 characters)."), "error")
        return redirect(url_for("badges.detail", badge_id=badge.id)), 303
    new = services.reissue_badge(
        badge.registration, actor=current_user, reason=form.reason.data or "lost badge"
    )
    db.session.commit()
    flash(
        _(
            "Issued version %(version)s; the earlier badge no longer opens any door.",
            version=new.version,
        ),
        "success",
    )
    return redirect(url_for("badges.detail", badge_id=new.id))


@bp.get("/<int:year>/organise/badges/<int:badge_id>/badge.pdf")
@require("badges.manage")
def badge_pdf(badge_id: int):
    badge = services.get_badge(g.edition, badge_id)
    if not can(current_user, "badges.download", badge):
        return deny()
    data = services.badge_pdf(badge)
    if badge.state == "valid":
        services.mark_printed([badge])
        audit.record(current_user, "badge.print", badge, version=badge.version)
        db.session.commit()
    return _pdf(data, f"badge-{g.edition.year}-{badge.id}.pdf")


@bp.post("/<int:year>/organise/badges/print")
@require("badges.manage")
def start_print():
    edition = g.edition
    form = PrintForm()
    form.categories.choices = [(c.id, c.name) for c in services.categories(edition)]
    if not form.validate_on_submit():
        flash(_("Choose categories of this edition."), "error")
        return redirect(url_for("badges.index")), 303
    job = services.start_print_job(
        edition,
        actor=current_user,
        category_ids=form.categories.data or (),
        only_unprinted=form.only_unprinted.data,
    )
    return redirect(url_for("badges.print_job", job_id=job.id))


@bp.get("/<int:year>/organise/badges/print-jobs/<int:job_id>")
@require("badges.manage")
def print_job(job_id: int):
    job = services.get_print_job(g.edition, job_id)
    running = job.state in (PrintJobState.PENDING, PrintJobState.RUNNING)
    return render_template("badges/print_job.html", job=job, running=running)


@bp.get("/<int:year>/organise/badges/print-jobs/<int:job_id>/badges.pdf")
@require("badges.manage")
def print_job_pdf(job_id: int):
    job = services.get_print_job(g.edition, job_id)
    if job.state != PrintJobState.DONE or not job.pdf:
        abort(409, _("This print job has not finished."))
    return _pdf(job.pdf, f"badges-{g.edition.year}-job{job.id}.pdf")
