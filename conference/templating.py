"""Template filters and globals: local times, Markdown, permissions, navigation."""

from __future__ import annotations

import datetime as dt

from flask import Flask, g
from flask_login import current_user

from conference import countries, navigation, permissions
from conference.text import ngettext, render_markdown


def to_local(moment: dt.datetime | None, edition=None) -> dt.datetime | None:
    """``moment`` in the edition's time zone (the request's edition by default)."""
    if moment is None:
        return None
    edition = edition or g.get("edition")
    if edition is None:
        return moment
    return moment.astimezone(edition.tz)


def format_local(moment, fmt: str = "%a %d %b %Y, %H:%M", edition=None) -> str:
    local = to_local(moment, edition)
    return local.strftime(fmt) if local is not None else ""


def register(app: Flask) -> None:
    navigation.register(app)

    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["country_name"] = countries.name
    app.jinja_env.globals["can"] = lambda action, obj=None, edition=None: permissions.can(
        current_user, action, obj, edition=edition
    )
    app.jinja_env.globals["roles_in"] = lambda edition: permissions.roles_in(current_user, edition)
    app.jinja_env.globals["is_admin"] = lambda: permissions.is_admin(current_user)
    # False on an archived edition (except for administrators): pages leave out their forms.
    app.jinja_env.globals["edition_writable"] = lambda edition=None: permissions.edition_writable(
        current_user, edition or g.get("edition")
    )
    app.jinja_env.globals["to_local"] = to_local
    # gettext's signature, so that templates keep working once translations arrive.
    app.jinja_env.globals.setdefault("ngettext", ngettext)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_edition():
        return {"edition": g.get("edition")}
