"""Public edition pages: the list of editions, an edition's landing page, its colours."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Response, g, render_template
from flask_login import current_user

from conference.accreditation.models import AccreditationCategory
from conference.editions import bp, services
from conference.extensions import db
from conference.programme.models import Track

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@bp.get("/")
def home():
    return render_template("editions/home.html", editions=services.visible_editions(current_user))


@bp.get("/<int:year>/")
def edition_home():
    return render_template("editions/edition.html")


@bp.get("/<int:year>/theme.css")
def theme_css():
    """Category and track colours as classes (no inline styles under the CSP)."""
    edition = g.edition
    rules = []
    categories = db.session.scalars(
        sa.select(AccreditationCategory).where(AccreditationCategory.edition_id == edition.id)
    )
    for category in categories:
        colour = category.colour if _HEX.match(category.colour or "") else "#1f4e79"
        rules.append(f".cat-{category.id}{{--cat-colour:{colour};}}")
    for track in db.session.scalars(sa.select(Track).where(Track.edition_id == edition.id)):
        colour = track.colour if _HEX.match(track.colour or "") else "#005a9c"
        rules.append(f".track-{track.id}{{--track-colour:{colour};}}")
    response = Response("\n".join(rules) + "\n", mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/privacy")
def privacy():
    """How the conference processes personal data (GDPR information notice)."""
    from conference.accounts.views import data_links

    return render_template("editions/privacy.html", data_links=data_links())


from conference.editions import admin_views  # noqa: E402,F401
