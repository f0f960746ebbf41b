"""Draft and released schedule: the organisers' release page and draft preview, and the
public changelog (``/<year>/changelog``).

Views only parse, call ``services`` and render.
"""

from __future__ import annotations

from collections import OrderedDict

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference.accounts.services import find_user
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import Channel, Clearance, can, clearance, require
from conference.programme import bp, services
from conference.programme.forms import ReleaseForm
from conference.query_args import arg_id, arg_str


def _entries(changes, viewer):
    return services.change_entries(g.edition, changes, viewer, services.session_view)


@bp.route("/<int:year>/admin/programme/release", methods=["GET", "POST"])
@require("programme.admin")
def admin_release():
    """The changes since the last release; releasing them takes a version name and a note."""
    edition = g.edition
    form = ReleaseForm()
    status = 200
    if request.method == "POST":
        if not can(current_user, "programme.manage", edition=edition):
            abort(403)
        if form.validate_on_submit():
            try:
                record = services.release(
                    current_user, edition, form.version.data, form.public_note.data or ""
                )
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                status = exc.status_code
            else:
                flash(_("Version %(version)s is public.", version=record.version), "success")
                return redirect(url_for("programme.changelog"), 303)
        else:
            status = 400
    latest = services.latest_release(edition)
    viewer = clearance(current_user, edition)
    return (
        render_template(
            "programme/admin/release.html",
            form=form,
            latest=latest,
            entries=_entries(services.pending_changes(edition), viewer),
            writable=can(current_user, "programme.manage", edition=edition),
        ),
        status,
    )


@bp.get("/<int:year>/changelog")
def changelog():
    """The releases of the programme, newest first, with their changes as the visitor may
    see them (a restricted session stays a placeholder)."""
    edition = g.edition
    viewer = clearance(current_user, edition)
    releases = [
        (release, _entries(release.changes or [], viewer))
        for release in services.releases_of(edition)
    ]
    return render_template("programme/changelog.html", releases=releases)


class _CategoryPreview(Clearance):
    """The clearance of a person accredited in one category (and nothing else): logged in
    (the TLP labels let GREEN, and AMBER of the sessions they are cleared for, reach them),
    presenting and chairing nothing (a RED session stays a placeholder unless the category
    is cleared for it)."""

    def __init__(self, edition, category_id: int | None):
        super().__init__(None, edition)
        self.accredited = category_id is not None
        self.category_id = category_id
        self.authenticated = category_id is not None
        self.presenting_ids = frozenset()


@bp.get("/<int:year>/admin/programme/preview")
@require("programme.admin")
def admin_preview():
    """The draft programme as a category, a person, or the anonymous public would see it."""
    edition = g.edition
    categories = services.categories_of(edition)
    category_id = arg_id("category")
    email = arg_str("person", max_len=320).strip()
    person = None
    if email:
        person = find_user(email)
        if person is None:
            flash(_("No account for %(email)s.", email=email), "error")
    if category_id is not None and category_id not in {c.id for c in categories}:
        abort(404)
    if person is not None:
        viewer = Clearance(person, edition)
        seen_as = person.display_name
    elif category_id is not None:
        viewer = _CategoryPreview(edition, category_id)
        seen_as = next(c.name for c in categories if c.id == category_id)
    else:
        viewer = Clearance(None, edition)
        seen_as = None
    views = services.session_views(
        current_user, edition, channel=Channel.PAGE, draft=True, viewer=viewer
    )
    days: OrderedDict = OrderedDict()
    for view in views:
        days.setdefault(view.starts_at.astimezone(edition.tz).date(), []).append(view)
    return render_template(
        "programme/admin/preview.html",
        days=days,
        categories=categories,
        category_id=category_id,
        email=email,
        seen_as=seen_as,
        pending=len(services.pending_changes(edition)),
    )


@bp.record_once
def _register_release_globals(state) -> None:
    """``released_version(edition)`` for the programme page's version line; ``zip``."""
    state.app.jinja_env.globals["released_version"] = services.released_version
    state.app.jinja_env.globals.setdefault("zip", zip)
