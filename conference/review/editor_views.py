"""The organisers' grid editor (``/<year>/admin/programme/editor``): one day of the draft as
rooms × time. Moves are JSON calls the page's script sends (``…/editor/move``,
``…/editor/talk``); the server answers with the conflicts, and the page shows them in place.
Without JavaScript the grid links every session to its form and every unplaced talk to its
placement page. Views only parse, call ``services`` and answer.
"""

from __future__ import annotations

import datetime as dt

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference.editions.forms import TLP_CHOICES
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import can, require
from conference.query_args import arg_date
from conference.review import bp, services


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError(_("Send a JSON object."), code="invalid")
    return body


def _int(body: dict, key: str, *, optional: bool = False):
    value = body.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise DomainError(
            _("%(field)s must be a positive whole number.", field=key), code="invalid"
        )
    return value


def _moment(body: dict, key: str) -> dt.datetime:
    value = body.get(key)
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or len(value) > 40:
        raise DomainError(_("%(field)s must be a date and time.", field=key), code="invalid")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=g.edition.tz)
    return moment.astimezone(dt.UTC)


def _answer(call):
    try:
        result = call()
        db.session.commit()
    except services.MoveConflict as exc:
        db.session.rollback()
        response = jsonify(
            {"error": {"code": exc.code, "message": exc.message}, "conflicts": exc.conflicts}
        )
        response.status_code = 409
        return response
    except DomainError as exc:
        db.session.rollback()
        response = jsonify({"error": {"code": exc.code, "message": exc.message}})
        response.status_code = exc.status_code
        return response
    return jsonify({"ok": True, **result})


def _session_json(session) -> dict:
    return {
        "id": session.id,
        "room_id": session.room_id,
        "starts_at": session.starts_at.astimezone(g.edition.tz).isoformat(),
        "ends_at": session.ends_at.astimezone(g.edition.tz).isoformat(),
        "sequence": session.sequence,
    }


@bp.get("/<int:year>/admin/programme/editor")
@require("programme.admin")
def programme_editor():
    """The grid of one day (``?day=YYYY-MM-DD``)."""
    return _editor_page(arg_date("day"))


def _editor_page(day):
    grid = services.editor_day(current_user, g.edition, day)
    return render_template(
        "review/editor.html",
        grid=grid,
        slot_minutes=5,
        dt_minutes=lambda minutes: dt.timedelta(minutes=minutes),
        writable=can(current_user, "programme.manage", edition=g.edition),
        tlp_choices=TLP_CHOICES,
    )


@bp.post("/<int:year>/admin/programme/editor/move")
@require("programme.manage")
def programme_editor_move():
    """Move or resize a session: ``{session_id, room_id, starts_at, ends_at, force}``."""

    def call():
        body = _body()
        session = services.move_session(
            current_user,
            g.edition,
            _int(body, "session_id"),
            room_id=_int(body, "room_id", optional=True),
            starts_at=_moment(body, "starts_at"),
            ends_at=_moment(body, "ends_at"),
            force=body.get("force") is True,
        )
        return {"session": _session_json(session)}

    return _answer(call)


@bp.post("/<int:year>/admin/programme/editor/label")
@require("programme.manage")
def programme_editor_label():
    """The editor's TLP label form (a plain form, no JavaScript needed): ``session_id``,
    ``tlp``, ``day``; back to the editor's day with a message."""
    day = arg_date("day", args=request.form)
    raw_id = request.form.get("session_id", "")
    session_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 10 else None
    try:
        session = services.set_label(
            current_user, g.edition, session_id, request.form.get("tlp", "")[:20]
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _editor_page(day), exc.status_code
    flash(
        _("“%(title)s” is labelled TLP:%(label)s.", title=session.title, label=session.tlp),
        "success",
    )
    back = url_for("review.programme_editor", **({"day": day.isoformat()} if day else {}))
    return redirect(f"{back}#label-{session.id}", 303)


@bp.post("/<int:year>/admin/programme/editor/talk")
@require("programme.manage")
def programme_editor_talk():
    """Drop an accepted talk into a session: ``{submission_id, session_id, minutes, force}``."""

    def call():
        body = _body()
        session = services.drop_talk(
            current_user,
            g.edition,
            _int(body, "submission_id"),
            _int(body, "session_id"),
            minutes=_int(body, "minutes"),
            force=body.get("force") is True,
        )
        return {"session": _session_json(session)}

    return _answer(call)
