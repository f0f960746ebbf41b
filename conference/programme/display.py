"""What the public programme pages share: the filters in the URL and the viewer's time zone.

The list (``/<year>/programme``) and the grid (``/<year>/programme/grid``) read the same
filters — day, track, type, room, search words, starred only — from the query string, so a
filtered page can be bookmarked or shared and switching between list and grid keeps them.

Times are shown in the edition's zone unless the viewer chose their own with the zone switch;
the choice is remembered in a long-lived cookie (no account needed) and applied to the page
by ``templating.to_local`` through ``g.display_tz``.
"""

from __future__ import annotations

import functools
import zoneinfo

from flask import g, request

from conference.query_args import arg_id, arg_str

MAX_QUERY = 200
ZONE_COOKIE = "programme_tz"
ZONE_COOKIE_AGE = 365 * 24 * 3600
FILTER_KEYS = ("track", "type", "room", "q", "starred")


@functools.cache
def known_zones() -> tuple[str, ...]:
    """Every IANA zone name, sorted (for the zone switch)."""
    return tuple(sorted(zoneinfo.available_timezones()))


def valid_zone(name: str | None) -> str | None:
    """``name`` if it is a known IANA zone, else None."""
    name = (name or "").strip()
    return name if name and name in _zone_set() else None


@functools.cache
def _zone_set() -> frozenset[str]:
    return frozenset(known_zones())


def viewer_zone(edition) -> str | None:
    """The viewer's remembered zone if it differs from the edition's, else None."""
    name = valid_zone(request.cookies.get(ZONE_COOKIE))
    if name is None or edition is None or name == edition.timezone:
        return None
    return name


def apply_viewer_zone(edition) -> str:
    """Show this page's times in the viewer's zone (if chosen); the zone's name."""
    name = viewer_zone(edition)
    if name is not None:
        g.display_tz = zoneinfo.ZoneInfo(name)
        return name
    return edition.timezone


def programme_filters() -> dict:
    """The filters of the query string (a bad id is a 400, see ``query_args``)."""
    starred = request.args.get("starred", "") in ("1", "on", "true", "yes")
    return {
        "track": arg_id("track"),
        "type": arg_id("type"),
        "room": arg_id("room"),
        "q": arg_str("q", max_len=MAX_QUERY),
        "starred": starred,
    }


def link_args(filters: dict) -> dict:
    """The filters that are set, as URL arguments (``starred=1``)."""
    args = {k: v for k, v in filters.items() if v and k != "starred"}
    if filters.get("starred"):
        args["starred"] = 1
    return args


# --- TLP RED pages (issue 23) ---------------------------------------------------------------


def mark_no_store(views) -> bool:
    """Note that this response shows the content of a RED session (``SessionView.no_store``)
    among ``views``: it is then sent with ``Cache-Control: no-store`` (``apply_no_store``)
    and never kept in the page cache. Returns whether it does."""
    if any(getattr(view, "no_store", False) for view in views):
        g.tlp_no_store = True
    return bool(g.get("tlp_no_store"))


def shows_red() -> bool:
    """Whether this response was marked by ``mark_no_store``."""
    return bool(g.get("tlp_no_store"))


def apply_no_store(response):
    """``Cache-Control: no-store`` on a response that shows a RED session's content: no
    browser, proxy or shared cache may keep it."""
    if shows_red():
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response
