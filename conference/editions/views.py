"""Public edition pages: the list of editions, an edition's landing page, its colours."""

from __future__ import annotations

from flask import Response, g, render_template
from flask_login import current_user

from conference.editions import bp, page, services
from conference.editions.models import EditionState
from conference.signals import theme_requested


@bp.get("/")
def home():
    return render_template("editions/home.html", editions=services.visible_editions(current_user))


@bp.get("/<int:year>/")
def edition_home():
    return render_template(
        "editions/edition.html",
        key_dates=page.key_dates(g.edition),
        visitor_news=page.visitor_news(g.edition),
    )


@bp.get("/<int:year>/theme.css")
def theme_css():
    """Category and track colours as classes (no inline styles under the CSP)."""
    # Each area adds its colours; sorted by area so that the stylesheet is the same each time.
    replies = sorted(theme_requested.send(g.edition), key=lambda reply: reply[0].__module__)
    rules = [rule for _handler, area_rules in replies for rule in area_rules]
    response = Response("\n".join(rules) + "\n", mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/privacy")
def privacy():
    """How the conference processes personal data (GDPR information notice)."""
    return render_template("editions/privacy.html")


from conference.editions import admin_views  # noqa: E402,F401


@bp.app_template_global("edition_state_label")
def edition_state_label(state) -> str:
    """An edition's state in the reader's language (the stored value stays the code)."""
    return str(services.STATE_LABELS.get(EditionState(state), state))
