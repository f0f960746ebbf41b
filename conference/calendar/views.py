"""HTTP for calendar feeds, schedule exports and the personal feed link.

Every feed answers a conditional GET from its validators first (``If-None-Match``, or
``If-Modified-Since`` where a complete Last-Modified exists) and builds the body only when
the caller's copy is stale.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
from collections.abc import Callable

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from conference import confirm, pagecache
from conference.accounts.scopes import token_scopes
from conference.calendar import bp, exports
from conference.calendar import services as calendar
from conference.calendar.services import Validators
from conference.confirm import Confirmation
from conference.extensions import db
from conference.i18n import PSEUDO_LOCALE, current_locale, offered_languages
from conference.permissions import login_required
from conference.urls import safe_next

ICS_TYPE = "text/calendar; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"


@bp.app_template_global()
def my_calendar():
    """The logged-in person's feed link for templates (``calendar/_me.html``), or None.

    A dict with ``url`` (https), ``webcal`` (for one-click subscription), ``created_at`` and
    ``last_used_at``; ``broken`` is True when the link must be regenerated (the secret key
    changed since it was made).
    """
    record = calendar.calendar_token(current_user)
    if record is None:
        return None
    token = calendar.feed_token(current_user, record)
    return {
        "url": calendar.personal_feed_url(token) if token else None,
        "webcal": calendar.personal_feed_url(token, webcal=True) if token else None,
        "created_at": record.created_at,
        "last_used_at": record.last_used_at,
        "broken": token is None,
    }


@bp.app_template_global()
def my_calendar_url() -> str | None:
    """The logged-in person's personal feed URL, or None when they have none."""
    info = my_calendar()
    return info["url"] if info else None


def _is_fresh(validators: Validators) -> bool:
    """Does the caller already hold this version? (If-None-Match wins over If-Modified-Since.)"""
    if request.if_none_match:
        return request.if_none_match.contains_weak(validators.etag)
    since = request.if_modified_since
    if validators.last_modified is not None and since is not None:
        return validators.last_modified.replace(microsecond=0) <= since
    return False


@contextlib.contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while a feed is built.

    Loading thousands of ORM objects triggers full collections that walk every live object,
    which made building grow faster than the programme (16x time for 10x sessions); with the
    collector paused for the few milliseconds of the build it grows linearly. Nothing is
    leaked: the collector runs as usual once it is enabled again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _cache_control(personal: bool) -> str:
    if personal or current_user.is_authenticated or request.headers.get("Authorization"):
        return "private, no-store"
    return "no-cache"


def _conditional(
    validators: Validators,
    build: Callable[[], bytes],
    mimetype: str,
    *,
    personal: bool = False,
    filename: str | None = None,
):
    """A 304 when the caller's copy is current, else the body ``build()`` makes.

    The anonymous variant of an edition-wide export is kept per ETag (which is computed from
    the database: a programme change makes a new one), so an unchanged programme is built
    once, not on every request; personal and logged-in variants are always built. The ETag
    names the language too: a body in one language is never "current" for another.
    """
    validators = dataclasses.replace(validators, etag=f"{validators.etag}.{current_locale()}")
    key = None
    if _is_fresh(validators):
        response = make_response("", 304)
    else:
        with _collector_paused():
            if not personal and pagecache.enabled() and pagecache.public_request():
                key = pagecache.make_key("feed", validators.etag)
                body = pagecache.cached(key, build)
            else:
                body = build()
        response = make_response(body)
        response.headers["Content-Type"] = mimetype
        if filename:
            response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
        if key is not None:
            response = pagecache.encode(response, key)
            pagecache.mark_public()
    response.set_etag(validators.etag, weak=True)
    if validators.last_modified is not None:
        response.last_modified = validators.last_modified
    response.headers["Cache-Control"] = _cache_control(personal)
    response.vary.add("Cookie")
    response.vary.add("Authorization")
    response.vary.add("Accept-Language")
    return response


@bp.get("/<int:year>/programme.ics")
@token_scopes("read")
def programme_ics():
    """The edition's programme as the caller may see it."""
    edition = g.edition
    return _conditional(
        calendar.edition_validators(current_user, edition, "programme.ics"),
        lambda: calendar.edition_calendar(current_user, edition),
        ICS_TYPE,
        filename=f"programme-{edition.year}.ics",
    )


@bp.get("/<int:year>/sessions/<int:session_id>.ics")
@token_scopes("read")
def session_ics(session_id: int):
    """One session ("Add to calendar")."""
    edition = g.edition
    if not calendar.session_exists(edition, session_id):
        abort(404, _("There is no such session in this edition."))
    return _conditional(
        calendar.edition_validators(current_user, edition, "session.ics", session_id),
        lambda: calendar.session_calendar(current_user, edition, session_id),
        ICS_TYPE,
        filename=f"session-{session_id}.ics",
    )


@bp.get("/<int:year>/schedule.json")
@token_scopes("read")
def schedule_json():
    """The programme in the c3voc schedule.json format, for conference apps."""
    edition = g.edition
    return _conditional(
        calendar.edition_validators(current_user, edition, "schedule.json"),
        lambda: exports.schedule_json(current_user, edition),
        JSON_TYPE,
    )


@bp.get("/<int:year>/schedule.xml")
@token_scopes("read")
def schedule_xml():
    """The programme in the Frab/Pentabarf schedule.xml format, for conference apps."""
    edition = g.edition
    return _conditional(
        calendar.edition_validators(current_user, edition, "schedule.xml"),
        lambda: exports.schedule_xml(current_user, edition),
        XML_TYPE,
    )


# Cache hits of the edition-wide exports are answered before the request machinery runs
# (one statement: pagecache.py).
for _endpoint in ("calendar.programme_ics", "calendar.schedule_json", "calendar.schedule_xml"):
    pagecache.early_route(_endpoint, calendar.early_version)


@bp.get("/calendar/<token>.ics")
def personal_ics(token: str):
    """The personal agenda feed; the secret URL is the only credential (no login)."""
    found = calendar.owner_for_token(token)
    if found is None:
        abort(404, _("This calendar link does not exist (any more)."))
    record, owner = found
    if calendar.note_use(record):
        db.session.commit()
    editions = calendar.personal_editions(owner)
    with _owner_language(owner):
        return _conditional(
            calendar.personal_validators(record, owner, editions),
            lambda: calendar.personal_calendar(owner, editions),
            ICS_TYPE,
            personal=True,
            filename="my-agenda.ics",
        )


def _owner_language(owner):
    """The personal feed in its owner's profile language (a calendar app sends no cookie and
    rarely a useful Accept-Language); else the request's language. The ETag names it."""
    code = getattr(owner, "locale", None)
    if code and code != PSEUDO_LOCALE and code in offered_languages():
        return force_locale(code.replace("-", "_"))
    return contextlib.nullcontext()


@bp.get("/calendar/")
@login_required
def me():
    """The personal feed link, its controls and how to subscribe."""
    return render_template("calendar/me.html")


def _back():
    return redirect(safe_next(request.values.get("next"), url_for("calendar.me")))


def _link_confirmation(record, *, turn_off: bool) -> Confirmation:
    """What replacing or turning off the personal feed link does to the person's calendars."""
    used = (
        _(
            "A calendar app last fetched it on %(moment)s UTC.",
            moment=f"{record.last_used_at:%d %B %Y at %H:%M}",
        )
        if record.last_used_at
        else _("No calendar app has fetched it yet.")
    )
    stops = _(
        "Your current calendar link stops working at once: every calendar app subscribed "
        "with it (Outlook, Google Calendar, Apple Calendar, on any device) stops following "
        "the programme and may show an error."
    )
    if turn_off:
        consequences = [
            stops,
            used,
            _("You can make a new link later; it will be a different one."),
        ]
    else:
        consequences = [
            stops,
            used,
            _("You get a new link: subscribe again with it wherever you used the old one."),
        ]
    return Confirmation(
        title=_("Turn your calendar link off?") if turn_off else _("Replace your calendar link?"),
        consequences=consequences,
        subject=["calendar.off" if turn_off else "calendar.replace", record.id, record.token_hash],
        submit_label=_("Turn my calendar link off") if turn_off else _("Replace my link"),
        cancel_url=safe_next(request.values.get("next"), url_for("calendar.me")),
        fields=[("next", request.values.get("next", ""))],
    )


@bp.route("/calendar/link", methods=["GET", "POST"])
@login_required
def regenerate_link():
    """Create the personal feed link, or replace it (the old one stops working)."""
    record = calendar.calendar_token(current_user)
    working = record is not None and calendar.feed_token(current_user, record) is not None
    if working:
        step = confirm.check(_link_confirmation(record, turn_off=False))
        if step is not None:
            return step
    elif request.method != "POST":
        return _back()
    had_link = record is not None
    calendar.regenerate_token(current_user)
    db.session.commit()
    if had_link:
        flash(
            _(
                "Your calendar link has been replaced. The old link no longer works: subscribe "
                "again with the new one."
            ),
            "success",
        )
    else:
        flash(_("Your personal calendar link is ready."), "success")
    return _back()


@bp.route("/calendar/link/delete", methods=["GET", "POST"])
@login_required
def delete_link():
    """Turn the personal feed off."""
    record = calendar.calendar_token(current_user)
    if record is None:
        flash(_("You have no calendar link."), "info")
        return _back()
    step = confirm.check(_link_confirmation(record, turn_off=True))
    if step is not None:
        return step
    calendar.revoke_token(current_user)
    db.session.commit()
    flash(_("Your calendar link has been turned off."), "success")
    return _back()
