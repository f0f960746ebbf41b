"""Programme pages: the public programme, one session, bookings, the personal agenda, and the
organisers' administration (rooms, tracks, types, sessions, timetable, booking lists).

Views only parse, call ``services`` and render; who sees what is decided by ``services`` and
``permissions`` so that every channel gives the same answer.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

import sqlalchemy as sa
from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from conference import audit, confirm, crud, pagecache, tlp
from conference.confirm import Confirmation
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import Channel, can, deny, login_required, require
from conference.programme import bp, display, services
from conference.programme import cache as programme_cache
from conference.programme.forms import (
    CancelSessionForm,
    RoomForm,
    SessionForm,
    SessionTypeForm,
    TrackForm,
)
from conference.programme.models import (
    AccessPolicy,
    Booking,
    BookingState,
    ProgrammeSession,
    Room,
    SessionType,
    Track,
)
from conference.query_args import arg_date
from conference.text import csv_response, ngettext
from conference.urls import safe_next

MAX_QUERY = 200


def _days(edition, views) -> list[dt.date]:
    """The edition's days, plus any other day a session falls on."""
    days = set()
    day = edition.start_date
    while day <= edition.end_date and len(days) < 60:
        days.add(day)
        day += dt.timedelta(days=1)
    days.update(v.starts_at.astimezone(edition.tz).date() for v in views)
    return sorted(days)


def _group_by_day(edition, views) -> OrderedDict:
    grouped: OrderedDict = OrderedDict()
    for view in views:
        grouped.setdefault(view.starts_at.astimezone(edition.tz).date(), []).append(view)
    return grouped


def _options(views, attribute: str) -> list:
    """Filter choices taken from what the viewer may see (hidden sessions reveal nothing)."""
    seen = {}
    for view in views:
        value = getattr(view, attribute)
        if value is not None and not view.hidden:
            seen.setdefault(value.id, value)
    return sorted(seen.values(), key=lambda v: v.name.casefold())


# --- the public programme ----------------------------------------------------------------


def _chosen_day(edition, days_with_sessions: list[dt.date], filtered: bool):
    """The day the page shows: ``?day=YYYY-MM-DD``, ``?day=all`` (None), or by default today
    during the event, else the first day with sessions (a search shows every day)."""
    value = request.args.get("day", "").strip()
    if value == "all" or (not value and (filtered or not days_with_sessions)):
        return None
    if not value:
        today = services.utcnow().astimezone(edition.tz).date()
        return today if today in days_with_sessions else days_with_sessions[0]
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        abort(400, _("The day must be a date such as 2027-06-09, or 'all'."))


def _cacheable_programme(edition) -> bool:
    """Anonymous, unfiltered, and a day of the edition or every day: a bounded set of pages
    per programme version (searches and odd URLs are built, not stored)."""
    if not (pagecache.enabled() and pagecache.public_request()):
        return False
    if display.viewer_zone(edition) is not None:  # times in the visitor's own zone
        return False
    if set(request.args) - {"day"}:
        return False
    day = request.args.get("day", "")
    if day in ("", "all"):
        return True
    return day in {d.isoformat() for d in _days(edition, [])}


@bp.get("/<int:year>/programme")
def programme():
    """The programme, one day at a time (``?day=all``: every day). The anonymous page is kept
    per programme version (``conference/pagecache.py``); logged-in visitors' pages are built."""
    edition = g.edition
    if not _cacheable_programme(edition):
        return _render_programme(edition)
    key = pagecache.make_key(
        "programme.html",
        programme_cache.programme_version(edition),
        request.args.get("day", ""),
        services.utcnow().astimezone(edition.tz).date(),  # the default day follows the clock
    )
    try:
        body = pagecache.cached(key, lambda: _render_cacheable_programme(edition))
    except _ShowsRed as shown:  # never stored: a RED session's content is on it
        return make_response(shown.body)
    response = make_response(body)
    response.mimetype = "text/html"
    response = pagecache.encode(response, key)
    response.set_etag(key.removeprefix(pagecache.PREFIX), weak=True)
    pagecache.mark_public()
    return response.make_conditional(request)


# A cache hit is answered before the request machinery runs (one statement: pagecache.py).
pagecache.early_route(
    "programme.programme",
    programme_cache.early_version,
    args={"day"},
    cookies=(display.ZONE_COOKIE,),
)


class _ShowsRed(Exception):
    """The page about to be stored shows a RED session: it is served, never stored."""

    def __init__(self, body: str):
        super().__init__("RED content")
        self.body = body


def _render_cacheable_programme(edition) -> str:
    body = _render_programme(edition, live=False)
    if display.shows_red():
        raise _ShowsRed(body)
    return body


def _render_programme(edition, *, live: bool = True) -> str:
    """The list page; ``live`` False for the stored anonymous copy, which leaves out "now and
    next" (it changes by the minute; the grid, never stored, always has it)."""
    zone = display.apply_viewer_zone(edition)
    all_views = services.session_views(current_user, edition, channel=Channel.PAGE)
    filters = display.programme_filters()
    filtered = any(v for v in filters.values())
    starred = services.starred_ids(current_user, edition)
    views = services.narrow(
        all_views,
        **{k: v for k, v in filters.items() if k != "starred"},
        starred=starred if filters["starred"] else None,
    )
    days = _group_by_day(edition, views)
    day = _chosen_day(edition, list(days), filtered)
    shown = days if day is None else OrderedDict((d, v) for d, v in days.items() if d == day)
    display.mark_no_store(v for day_views in shown.values() for v in day_views)
    link_args = display.link_args(filters)
    return render_template(
        "programme/programme.html",
        days=shown,
        day=day,
        day_links=[
            (d, url_for("programme.programme", year=edition.year, day=d.isoformat(), **link_args))
            for d in _days(edition, all_views)
        ],
        all_days_url=url_for("programme.programme", year=edition.year, day="all", **link_args),
        filters=filters,
        filtered=filtered,
        tracks=_options(all_views, "track"),
        types=_options(all_views, "type"),
        rooms=_options(all_views, "room"),
        bookings=services.user_bookings(current_user, edition),
        count=sum(len(v) for v in shown.values()),
        total=len(views),
        starred=starred,
        grid_url=url_for(
            "programme.grid", **({"day": day.isoformat()} if day else {}), **link_args
        ),
        now_next=services.now_and_next(views, services.utcnow(), edition.tz) if live else None,
        zone=zone,
        zones=display.known_zones(),
        # The stored copy is shared by every anonymous visitor: no CSRF token of the visitor
        # who had it built (the zone switch is a plain GET form there; it sets a cookie only).
        shared_copy=not live,
    )


@bp.get("/<int:year>/sessions/<int:session_id>")
def session_detail(session_id: int):
    edition = g.edition
    zone_name = display.apply_viewer_zone(edition)
    session = services.get_session(edition, session_id)
    view = services.session_view(
        session, services.clearance(current_user, edition), channel=Channel.PAGE
    )
    display.mark_no_store([view])
    booking = services.user_bookings(current_user, edition).get(session.id)
    may_star = can(current_user, "agenda.star", session, edition=edition)
    return render_template(
        "programme/session.html",
        view=view,
        session=session if view.cleared else None,
        booking=booking,
        may_book=(
            view.booking_required
            and not view.is_cancelled
            and session.starts_at > services.utcnow()
            and can(current_user, "programme.book", session, edition=edition)
        ),
        manage=can(current_user, "programme.admin", edition=edition),
        # Issue 21: speakers' profiles and the session's materials, as the viewer may see them.
        materials=(shown := services.visible_materials(current_user, edition, session)),
        material_labels=services.material_labels(edition, session, shown),
        material_kinds=services.KIND_LABELS,
        profiles=services.profiles_for(edition, [s.user_id for s in view.speakers]),
        may_manage_materials=can(
            current_user, "session.materials_manage", session, edition=edition
        ),
        may_star=may_star,
        zone_name=zone_name,
        starred=may_star and session.id in services.starred_ids(current_user, edition),
    )


@bp.post("/<int:year>/sessions/<int:session_id>/book")
@login_required
def book(session_id: int):
    edition = g.edition
    target = url_for("programme.session_detail", session_id=session_id)
    try:
        booking = services.book(current_user, edition, session_id)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status_code == 404:
            raise
        flash(exc.message, "error")
        return redirect(target, 303)
    if booking.state == BookingState.BOOKED:
        flash(_("Your seat is booked."), "success")
    else:
        flash(
            _(
                "The session is full: you are on the waiting list. We will e-mail you if a "
                "seat becomes free."
            ),
            "warning",
        )
    return redirect(target, 303)


def _booking_confirmation(booking: Booking, own: bool, back: str) -> Confirmation:
    """What cancelling a booking does: whose seat it is and whether it passes on."""
    edition = g.edition
    session = booking.session
    when = services.span(session, edition)
    waiting = services.waiting_count(session)
    person = booking.user.display_name
    email = booking.user.email
    if booking.state == BookingState.WAITLISTED:
        title = _("Leave the waiting list of “%(title)s”?", title=session.title)
        consequences = [
            _(
                "Your place on the waiting list of “%(title)s” (%(when)s) is given up for "
                "good; joining again means queuing at the end.",
                title=session.title,
                when=when,
            )
            if own
            else _(
                "%(person)s’s (%(email)s) place on the waiting list of “%(title)s” "
                "(%(when)s) is given up for good; joining again means queuing at the end.",
                person=person,
                email=email,
                title=session.title,
                when=when,
            )
        ]
        label = _("Leave the waiting list")
    else:
        title = _("Cancel the booking for “%(title)s”?", title=session.title)
        consequences = [
            _("Your seat in “%(title)s” (%(when)s) is given up.", title=session.title, when=when)
            if own
            else _(
                "%(person)s’s (%(email)s) seat in “%(title)s” (%(when)s) is given up.",
                person=person,
                email=email,
                title=session.title,
                when=when,
            )
        ]
        passes_on = not session.is_cancelled and session.starts_at > services.utcnow()
        if waiting and passes_on:
            consequences.append(
                ngettext(
                    "%(num)d person is waiting: the seat passes on at once to the first "
                    "person waiting, who is told by e-mail. You cannot take it back.",
                    "%(num)d people are waiting: the seat passes on at once to the first "
                    "person waiting, who is told by e-mail. You cannot take it back.",
                    waiting,
                )
                if own
                else ngettext(
                    "%(num)d person is waiting: the seat passes on at once to the first "
                    "person waiting, who is told by e-mail. It cannot be taken back.",
                    "%(num)d people are waiting: the seat passes on at once to the first "
                    "person waiting, who is told by e-mail. It cannot be taken back.",
                    waiting,
                )
            )
        else:
            consequences.append(
                _("Nobody is waiting: the seat becomes free for anyone to book.")
                if passes_on
                else _("The seat is not passed on (the session is over or cancelled).")
            )
        label = _("Cancel my booking") if own else _("Cancel this booking")
    return Confirmation(
        title=title,
        consequences=consequences,
        subject=["booking", booking.id, booking.state, bool(waiting)],
        submit_label=label,
        cancel_url=back,
        fields=[("next", request.values.get("next", ""))],
    )


@bp.route("/<int:year>/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_booking(booking_id: int):
    edition = g.edition
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.edition_id != edition.id:
        abort(404, _("There is no such booking in this edition."))
    if not can(current_user, "booking.cancel", booking, edition=edition):
        return deny()
    own = booking.user_id == current_user.id
    default = (
        url_for("programme.agenda")
        if own
        else url_for("programme.admin_bookings", session_id=booking.session_id)
    )
    back = safe_next(request.values.get("next", ""), default)
    if booking.state == BookingState.CANCELLED:
        flash(_("This booking is already cancelled."), "error")
        return redirect(back, 303)
    step = confirm.check(_booking_confirmation(booking, own, back))
    if step is not None:
        return step
    own = booking.user_id == current_user.id
    try:
        services.cancel_booking(current_user, edition, booking)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(_("The booking is cancelled.") if own else _("The booking was cancelled."), "success")
    return redirect(back, 303)


@bp.get("/<int:year>/me/agenda")
@login_required
def agenda():
    edition = g.edition
    zone = display.apply_viewer_zone(edition)
    entries = services.agenda_entries(current_user, edition, channel=Channel.PAGE)
    display.mark_no_store(entry.view for entry in entries)
    days: OrderedDict = OrderedDict()
    for entry in entries:
        days.setdefault(entry.view.starts_at.astimezone(edition.tz).date(), []).append(entry)
    return render_template(
        "programme/agenda.html",
        days=days,
        count=len(entries),
        zone=zone,
        overlapping=sum(1 for e in entries if e.overlaps),
    )


# --- organisers: overview, timetable, booking lists ---------------------------------------


@bp.get("/<int:year>/admin/programme/")
@require("programme.admin")
def admin_index():
    edition = g.edition
    sessions = services.programme_sessions(current_user, edition, draft=True)
    return render_template(
        "programme/admin/index.html",
        sessions=sessions,
        rooms=services.rooms_of(edition),
        tracks=services.tracks_of(edition),
        types=services.types_of(edition),
        writable=can(current_user, "programme.manage", edition=edition),
    )


@bp.get("/<int:year>/admin/programme/timetable")
@require("programme.admin")
def timetable():
    edition = g.edition
    sessions = services.programme_sessions(current_user, edition, draft=True)
    days = _days(edition, sessions)
    day = arg_date("day", days[0])
    if day not in days:
        day = days[0]
    rooms = services.rooms_of(edition)
    todays = [s for s in sessions if s.starts_at.astimezone(edition.tz).date() == day]
    rows: OrderedDict = OrderedDict()
    for session in todays:
        start = session.starts_at.astimezone(edition.tz).strftime("%H:%M")
        row = rows.setdefault(start, {"cells": {}, "spanning": []})
        if session.room_id is None and session.type is not None and session.type.is_break:
            row["spanning"].append(session)
        else:
            row["cells"].setdefault(session.room_id, []).append(session)
    unroomed = any(None in r["cells"] for r in rows.values())
    return render_template(
        "programme/admin/timetable.html",
        day=day,
        days=days,
        rooms=rooms,
        rows=rows,
        unroomed=unroomed,
    )


def _session_or_404(session_id: int):
    return services.get_session(g.edition, session_id, draft=True)


@bp.get("/<int:year>/admin/programme/sessions/<int:session_id>/bookings")
@require("programme.bookings")
def admin_bookings(session_id: int):
    session = _session_or_404(session_id)
    return render_template(
        "programme/admin/bookings.html",
        session=session,
        bookings=services.session_bookings(session),
        writable=can(current_user, "programme.manage", edition=g.edition),
    )


@bp.get("/<int:year>/admin/programme/sessions/<int:session_id>/bookings.csv")
@require("programme.bookings")
def admin_bookings_csv(session_id: int):
    edition = g.edition
    session = _session_or_404(session_id)
    rows = []
    for booking in services.session_bookings(session):
        person = booking.user
        rows.append(
            [
                booking.state,
                person.full_name if person else "",
                person.email if person else "",
                person.organisation if person else "",
                services.format_utc_local(booking.created_at, edition),
                services.format_utc_local(booking.promoted_at, edition),
                services.format_utc_local(booking.cancelled_at, edition),
            ]
        )
    return csv_response(
        f"bookings-{edition.year}-session-{session.id}.csv",
        ["State", "Name", "E-mail", "Organisation", "Booked at", "Promoted at", "Cancelled at"],
        rows,
    )


# --- organisers: rooms, tracks, session types --------------------------------------------

SETTINGS = {
    "rooms": (Room, RoomForm, _l("room"), _l("Rooms")),
    "tracks": (Track, TrackForm, _l("track"), _l("Tracks")),
    "types": (SessionType, SessionTypeForm, _l("session type"), _l("Session types")),
}

# Whole sentences per kind: translators need the noun's gender and article.
_NO_SUCH = {
    "rooms": _l("There is no such room in this edition."),
    "tracks": _l("There is no such track in this edition."),
    "types": _l("There is no such session type in this edition."),
}
_DELETE_TITLE = {
    "rooms": _l("Delete the room “%(name)s”?"),
    "tracks": _l("Delete the track “%(name)s”?"),
    "types": _l("Delete the session type “%(name)s”?"),
}
_DELETED_FOR_GOOD = {
    "rooms": _l("The room “%(name)s” is deleted for good; no session uses it now."),
    "tracks": _l("The track “%(name)s” is deleted for good; no session uses it now."),
    "types": _l("The session type “%(name)s” is deleted for good; no session uses it now."),
}


def _save_setting(kind: str, form, obj=None):
    edition = g.edition
    data = form.data
    if kind == "rooms":
        return services.save_room(
            current_user,
            edition,
            name=data["name"],
            capacity=data["capacity"],
            directions=data["directions"],
            position=data["position"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            room=obj,
        )
    if kind == "tracks":
        return services.save_track(
            current_user,
            edition,
            name=data["name"],
            colour=data["colour"],
            position=data["position"],
            track=obj,
        )
    return services.save_type(
        current_user,
        edition,
        name=data["name"],
        code=data["code"],
        is_break=data["is_break"],
        session_type=obj,
    )


def _list_of(kind: str):
    edition = g.edition
    return {
        "rooms": services.rooms_of,
        "tracks": services.tracks_of,
        "types": services.types_of,
    }[kind](edition)


def _setting_or_404(kind: str, obj_id: int):
    model = SETTINGS[kind][0]
    obj = db.session.get(model, obj_id)
    if obj is None or obj.edition_id != g.edition.id:
        abort(404, str(_NO_SUCH[kind]))
    return obj


def _settings_page(kind: str, form, obj=None, status: int = 200):
    model, _form, label, title = SETTINGS[kind]
    return (
        render_template(
            "programme/admin/settings.html",
            kind=kind,
            label=label,
            title=title,
            items=_list_of(kind),
            form=form,
            obj=obj,
            writable=can(current_user, "programme.manage", edition=g.edition),
        ),
        status,
    )


def _setting_form(kind: str, form, obj=None):
    """The list page with its form (new, or editing ``obj``): save on POST when writable."""
    if request.method == "POST" and not can(current_user, "programme.manage", edition=g.edition):
        return deny()
    return crud.save_form(
        form,
        page=lambda status=200: _settings_page(kind, form, obj, status=status),
        save=lambda: _save_setting(kind, form, obj),
        message=lambda saved: _("“%(name)s” is saved.", name=saved.name),
        done=url_for("programme.admin_settings", kind=kind),
        code=303,
    )


@bp.route("/<int:year>/admin/programme/<any(rooms,tracks,types):kind>", methods=["GET", "POST"])
@require("programme.admin")
def admin_settings(kind: str):
    return _setting_form(kind, SETTINGS[kind][1]())


@bp.route(
    "/<int:year>/admin/programme/<any(rooms,tracks,types):kind>/<int:obj_id>",
    methods=["GET", "POST"],
)
@require("programme.admin")
def admin_setting_edit(kind: str, obj_id: int):
    obj = _setting_or_404(kind, obj_id)
    return _setting_form(kind, SETTINGS[kind][1](obj=obj), obj)


@bp.route(
    "/<int:year>/admin/programme/<any(rooms,tracks,types):kind>/<int:obj_id>/delete",
    methods=["GET", "POST"],
)
@require("programme.manage")
def admin_setting_delete(kind: str, obj_id: int):
    obj = _setting_or_404(kind, obj_id)
    name = obj.name
    used = services.setting_usage(obj)
    back = url_for("programme.admin_settings", kind=kind)

    def refused(exc: DomainError):
        flash(exc.message, "error")
        return redirect(back, 303)

    return crud.confirm_delete(
        Confirmation(
            title=_DELETE_TITLE[kind] % {"name": name},
            consequences=[
                _DELETED_FOR_GOOD[kind] % {"name": name},
                _("It disappears from the forms where sessions are planned."),
            ],
            blocked=(
                ngettext(
                    "“%(name)s” is used by %(num)d session; change those sessions first.",
                    "“%(name)s” is used by %(num)d sessions; change those sessions first.",
                    used,
                    name=name,
                )
                if used
                else None
            ),
            subject=[kind, obj.id],
            submit_label=_("Delete %(name)s", name=name),
            cancel_url=back,
        ),
        delete=lambda: services.delete_setting(current_user, g.edition, obj),
        message=_("“%(name)s” is deleted.", name=name),
        done=back,
        code=303,
        refused=refused,
    )


# --- organisers: sessions ----------------------------------------------------------------


def _session_form(session=None) -> SessionForm:
    edition = g.edition
    form = SessionForm()
    if request.method == "GET" and session is not None:
        form.process(
            data={
                "title": session.title,
                "description": session.description,
                "type_id": session.type_id,
                "track_id": session.track_id,
                "room_id": session.room_id,
                "starts_at": session.starts_at.astimezone(edition.tz).replace(tzinfo=None),
                "ends_at": session.ends_at.astimezone(edition.tz).replace(tzinfo=None),
                "speakers": services.speakers_text(session),
                "chair_email": session.chair.email if session.chair else "",
                "capacity": session.capacity,
                "booking_required": session.booking_required,
                "chatham_house": session.chatham_house,
                "tlp": session.tlp,
                "state": session.state,
                "cancel_reason": session.cancel_reason,
                "access": session.access,
                "category_ids": [c.id for c in session.categories],
                "invitees": "\n".join(i.user.email for i in session.invitations if i.user),
            }
        )
    if request.method == "GET" and session is None:
        first_day = edition.start_date
        form.starts_at.data = dt.datetime(first_day.year, first_day.month, first_day.day, 9)
        form.ends_at.data = form.starts_at.data + dt.timedelta(hours=1)
        form.tlp.data = edition.tlp_default or tlp.TLP.CLEAR.value
    none = [SelectChoice(None, "—")]
    form.type_id.choices = none + [SelectChoice(t.id, t.name) for t in services.types_of(edition)]
    form.track_id.choices = none + [SelectChoice(t.id, t.name) for t in services.tracks_of(edition)]
    form.room_id.choices = none + [
        SelectChoice(
            r.id,
            f"{r.name} ({ngettext('%(num)d seat', '%(num)d seats', r.capacity)})"
            if r.capacity is not None
            else r.name,
        )
        for r in services.rooms_of(edition)
    ]
    form.category_ids.choices = [
        SelectChoice(c.id, f"{c.name} ({c.code})") for c in services.categories_of(edition)
    ]
    return form


def _session_data(form: SessionForm) -> services.SessionData:
    edition = g.edition
    return services.SessionData(
        title=form.title.data or "",
        description=form.description.data or "",
        type_id=form.type_id.data,
        track_id=form.track_id.data,
        room_id=form.room_id.data,
        starts_at=services.local_to_utc(edition, form.starts_at.data),
        ends_at=services.local_to_utc(edition, form.ends_at.data),
        speakers=services.parse_speakers(form.speakers.data or ""),
        chair_email=form.chair_email.data or "",
        capacity=form.capacity.data,
        booking_required=bool(form.booking_required.data),
        chatham_house=bool(form.chatham_house.data),
        # Not sent (an older form, a script): the label is left as it is (a new session gets
        # the edition's default), never silently lowered to the form's default.
        tlp=form.tlp.data if "tlp" in request.form else None,
        state=form.state.data,
        cancel_reason=form.cancel_reason.data or "",
        access=form.access.data,
        category_ids=[i for i in (form.category_ids.data or []) if i is not None],
        invitee_emails=(
            services.parse_emails(form.invitees.data or "")
            if form.access.data == AccessPolicy.INVITATION
            else []
        ),
    )


def _render_session_form(form, session=None, status=200):
    return (
        render_template("programme/admin/session_form.html", form=form, session=session),
        status,
    )


def _save_session_view(session=None):
    form = _session_form(session)
    if request.method == "GET":
        return _render_session_form(form, session)
    if not form.validate_on_submit():
        return _render_session_form(form, session, 400)
    try:
        saved, warnings = services.save_session(
            current_user, g.edition, _session_data(form), session
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_session_form(form, session, exc.status_code)
    flash(_("“%(title)s” is saved.", title=saved.title), "success")
    for warning in warnings:
        flash(_("Check: %(warning)s", warning=warning), "warning")
    return redirect(url_for("programme.admin_session", session_id=saved.id), 303)


@bp.route("/<int:year>/admin/programme/sessions/new", methods=["GET", "POST"])
@require("programme.manage")
def admin_session_new():
    return _save_session_view()


@bp.route("/<int:year>/admin/programme/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@require("programme.manage")
def admin_session_edit(session_id: int):
    return _save_session_view(_session_or_404(session_id))


@bp.get("/<int:year>/admin/programme/sessions/<int:session_id>")
@require("programme.admin")
def admin_session(session_id: int):
    edition = g.edition
    session = _session_or_404(session_id)
    view = services.session_view(
        session, services.clearance(current_user, edition), channel=Channel.PAGE
    )
    display.mark_no_store([view])
    return render_template(
        "programme/admin/session.html",
        session=session,
        view=view,
        warnings=services.clash_warnings(session, edition),
        writable=can(current_user, "programme.manage", edition=edition),
    )


@bp.route("/<int:year>/admin/programme/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@require("programme.manage")
def admin_session_cancel(session_id: int):
    session = _session_or_404(session_id)
    form = CancelSessionForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.cancel_session(current_user, session, g.edition, form.reason.data)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                status = exc.status_code
            else:
                flash(_("“%(title)s” is cancelled.", title=session.title), "success")
                return redirect(url_for("programme.admin_session", session_id=session.id), 303)
        else:
            status = 400
    return render_template("programme/admin/cancel.html", session=session, form=form), status


@bp.post("/<int:year>/admin/programme/sessions/<int:session_id>/duplicate")
@require("programme.manage")
def admin_session_duplicate(session_id: int):
    session = _session_or_404(session_id)
    copy = services.duplicate_session(current_user, session, g.edition)
    db.session.commit()
    flash(
        _("A copy of “%(title)s” was created: change what differs.", title=session.title),
        "success",
    )
    return redirect(url_for("programme.admin_session_edit", session_id=copy.id), 303)


# --- names in the audit log ----------------------------------------------------------------


@audit.describes("ProgrammeSession")
def _describe_sessions(ids: list[int]) -> dict:
    may_open = can(current_user, "programme.admin", edition=g.edition)
    found = {}
    for session in db.session.scalars(
        sa.select(ProgrammeSession).where(
            ProgrammeSession.id.in_(ids), ProgrammeSession.edition_id == g.edition.id
        )
    ):
        url = url_for("programme.admin_session", session_id=session.id) if may_open else None
        found[session.id] = (_("Session “%(title)s”", title=session.title), url)
    return found


@bp.after_request
def _red_pages_no_store(response):
    """Pages showing a RED session's content are never kept by browsers or proxies."""
    return display.apply_no_store(response)


@bp.record_once
def _register_template_globals(state) -> None:
    """``my_agenda(edition)`` for the attendee's page (``templates/programme/_me.html``) and
    ``agenda_role_label(role)`` for why a session is on it, in the reader's language."""
    state.app.jinja_env.globals["my_agenda"] = lambda edition: services.agenda_entries(
        current_user, edition, channel=Channel.PAGE
    )
    state.app.jinja_env.globals["agenda_role_label"] = services.role_label
    # A material's or contribution's effective TLP label: never less strict than its session's.
    state.app.jinja_env.globals["tlp_strictest"] = tlp.strictest
