"""Programme pages of issue 18: stars ("add to my agenda"), the grid, and the zone switch.

Views only parse, call ``services`` and render; whether a person may star a session is the
``agenda.star`` rule in ``permissions``, asked by the service on every request.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import Channel, login_required
from conference.programme import bp, display, services
from conference.urls import safe_next


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def _star_answer(session_id: int, *, starred: bool, changed: bool):
    if _wants_json():
        return jsonify({"session_id": session_id, "starred": starred, "changed": changed})
    if starred:
        flash(_("The session is on your agenda."), "success")
    else:
        flash(_("The session is off your agenda."), "success")
    default = url_for("programme.session_detail", session_id=session_id)
    return redirect(safe_next(request.values.get("next"), default), 303)


def _refused(exc: DomainError, session_id: int):
    db.session.rollback()
    if _wants_json():
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), exc.status_code
    if exc.status_code in (401, 404):
        abort(exc.status_code, exc.message)
    flash(exc.message, "error")
    default = url_for("programme.programme")
    return redirect(safe_next(request.values.get("next"), default), 303)


@bp.post("/<int:year>/sessions/<int:session_id>/star")
@login_required
def star(session_id: int):
    """Put a session on my agenda (a form button; answers JSON to ``Accept: application/json``)."""
    try:
        changed = services.star(current_user, g.edition, session_id)
        db.session.commit()
    except DomainError as exc:
        return _refused(exc, session_id)
    return _star_answer(session_id, starred=True, changed=changed)


@bp.post("/<int:year>/sessions/<int:session_id>/unstar")
@login_required
def unstar(session_id: int):
    """Take a session off my agenda."""
    try:
        changed = services.unstar(current_user, g.edition, session_id)
        db.session.commit()
    except DomainError as exc:
        return _refused(exc, session_id)
    return _star_answer(session_id, starred=False, changed=changed)


def _day_tabs(edition, session_days) -> list[dt.date]:
    """The edition's days, plus any other day a session falls on."""
    days = set(session_days)
    day = edition.start_date
    while day <= edition.end_date and len(days) < 60:
        days.add(day)
        day += dt.timedelta(days=1)
    return sorted(days)


def _grid_day(edition, days: list[dt.date], with_sessions: set[dt.date]) -> dt.date:
    """``?day=YYYY-MM-DD``, else today during the event, else the first day with sessions."""
    value = request.args.get("day", "").strip()
    if value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            abort(400, _("The day must be a date such as 2027-06-09."))
    today = services.utcnow().astimezone(edition.tz).date()
    if today in days:
        return today
    return min(with_sessions) if with_sessions else days[0]


@bp.get("/<int:year>/programme/grid")
def grid():
    """The programme as a grid of rooms and times, one day per tab; same filters as the list."""
    edition = g.edition
    zone = display.apply_viewer_zone(edition)
    filters = display.programme_filters()
    all_views = services.session_views(current_user, edition, channel=Channel.PAGE)
    starred = services.starred_ids(current_user, edition)
    views = services.narrow(
        all_views,
        track=filters["track"],
        type=filters["type"],
        room=filters["room"],
        q=filters["q"],
        starred=starred if filters["starred"] else None,
    )
    tz = edition.tz
    local_day = {v.id: v.starts_at.astimezone(tz).date() for v in all_views}
    days = _day_tabs(edition, local_day.values())
    with_sessions = {local_day[v.id] for v in views}
    day = _grid_day(edition, days, with_sessions)
    todays = [v for v in views if local_day[v.id] == day]
    args = display.link_args(filters)
    table = services.build_grid(todays, services.rooms_of(edition), _("No room given"))
    now = services.utcnow()
    now_next = services.now_and_next(views, now, edition.tz)
    display.mark_no_store(todays)
    if now_next:
        display.mark_no_store([*now_next.now, *now_next.next])
    return render_template(
        "programme/grid.html",
        grid=table,
        covered=services.COVERED,
        day=day,
        day_links=[
            (d, url_for("programme.grid", day=d.isoformat(), **args), d in with_sessions)
            for d in days
        ],
        list_url=url_for("programme.programme", day=day.isoformat(), **args),
        filters=filters,
        filter_action=url_for("programme.grid"),
        tracks=_options(all_views, "track"),
        types=_options(all_views, "type"),
        rooms=_options(all_views, "room"),
        starred=starred,
        bookings=services.user_bookings(current_user, edition),
        now_next=now_next,
        zone=zone,
        zones=display.known_zones(),
        session_path=SessionPaths(),
        may_star=current_user.is_authenticated,
    )


def _options(views, attribute: str) -> list:
    seen = {}
    for view in views:
        value = getattr(view, attribute)
        if value is not None and not view.hidden:
            seen.setdefault(value.id, value)
    return sorted(seen.values(), key=lambda v: v.name.casefold())


@bp.route("/programme/timezone", methods=["GET", "POST"])
def choose_zone():
    """Remember the zone the programme is shown in (a cookie; "edition" goes back to each
    edition's own zone). Not under an edition: it changes nothing of one, archived or not.
    GET too, like the language links: the anonymous programme page is a copy shared by every
    visitor (the page cache), which cannot carry one visitor's CSRF token."""
    choice = (request.values.get("zone") or "").strip()
    back = redirect(safe_next(request.values.get("next"), url_for("editions.home")), 303)
    if choice in ("", "edition"):
        back.delete_cookie(display.ZONE_COOKIE, path="/")
        flash(_("Times are shown in the conference's time zone."), "success")
        return back
    zone = display.valid_zone(choice)
    if zone is None:
        abort(400, _("Choose a time zone from the list."))
    back.set_cookie(
        display.ZONE_COOKIE,
        zone,
        max_age=display.ZONE_COOKIE_AGE,
        path="/",
        samesite="Lax",
        httponly=True,
        secure=request.is_secure,
    )
    flash(_("Times are shown in %(zone)s.", zone=zone), "success")
    return back


def _clock(moment) -> str:
    """``09:30`` in the page's zone: the same as ``localtime('%H:%M')`` (a 24-hour clock in
    every language) without a Babel pattern per call — the grid writes hundreds of them."""
    if moment is None:
        return ""
    edition = g.get("edition")
    zone = g.get("display_tz") or (edition.tz if edition is not None else dt.UTC)
    return moment.astimezone(zone).strftime("%H:%M")


class SessionPaths:
    """Paths of session pages, built once per page (``url_for`` per cell is slow)."""

    _SENTINEL = 987654321

    def __init__(self):
        path = url_for("programme.session_detail", session_id=self._SENTINEL)
        self._prefix, _, self._suffix = path.partition(str(self._SENTINEL))

    def __call__(self, session_id: int) -> str:
        return f"{self._prefix}{session_id}{self._suffix}"


@bp.record_once
def _register_agenda_filters(state) -> None:
    """``role|agenda_role_in_list``: why a session is on an agenda, inside a running list;
    ``moment|clock``: a time of day in the page's zone."""
    state.app.jinja_env.filters["agenda_role_in_list"] = lambda role: services.role_label(
        role, in_list=True
    )
    state.app.jinja_env.filters["clock"] = _clock
