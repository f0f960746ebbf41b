"""The staff scanner page (with its service worker), and the organisers' counts and scan log."""

from __future__ import annotations

import hashlib
import json

from babel import dates
from flask import (
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from conference.checkin import bp, services
from conference.checkin.forms import (
    DoorSettingsForm,
    LookupForm,
    ManualAdmissionForm,
    ScanForm,
    ScanLogFilterForm,
)
from conference.extensions import db
from conference.permissions import Channel, can, require
from conference.query_args import BadArgument, arg_choice, arg_datetime, arg_page, arg_str
from conference.text import csv_response

PAGE_SIZE = 100


def _door_choices(edition) -> dict[str, list[tuple[str, str]]]:
    """The scanner's checkpoints grouped by day (rendered as option groups)."""
    return {
        group: [(p.key, p.label) for p in points]
        for group, points in services.door_checkpoints(edition).items()
    }


def _checkpoint_choices(edition) -> list[tuple[str, str]]:
    return [(p.key, p.label) for p in services.checkpoints(edition)]


def _room_presence(edition, key):
    """At a session door with a capacity: who is inside, to warn when the room is full."""
    if not isinstance(key, str) or not key.startswith("session:"):
        return None
    try:
        here = services.presence(edition, key)
    except services.BadRequest:
        return None
    return here if here.capacity else None


def _scanner_texts() -> dict:
    """What the scanner's script writes on the page, in the page's language ({name} marks
    what the script fills in)."""
    return {
        "words": {key: str(word) for key, word in services.RESULT_WORDS.items()},
        "reasons": {key: str(reason) for key, reason in services.REASONS.items()},
        "ready": _("Ready"),
        "online": _("Online: badges are checked with the server."),
        "rulesReady": _("Offline rules from %(time)s are ready.", time="{time}"),
        "offline": _(
            "Offline: deciding on this device with the rules from %(time)s.", time="{time}"
        ),
        "noRules": _("Offline, and this device has no rules yet: connect once to download them."),
        "queueOne": ngettext(
            "%(count)s scan is waiting to be sent to the server.",
            "%(count)s scans are waiting to be sent to the server.",
            1,
            count="{n}",
        ),
        "queueMany": ngettext(
            "%(count)s scan is waiting to be sent to the server.",
            "%(count)s scans are waiting to be sent to the server.",
            2,
            count="{n}",
        ),
        "noRulesKept": _(
            "No connection and no offline rules on this device: the scan is kept and will be "
            "checked when the connection returns."
        ),
        "badgeOffline": _(
            "Badge %(badge)s · category %(category)s (check the name on the badge)",
            badge="{badge}",
            category="{category}",
        ),
        "firstAdmitted": _("First admitted here at %(time)s.", time="{time}"),
        "decidedOffline": _(
            "Decided offline on this device; the scan will be sent when the connection returns."
        ),
        "logInAgain": _("Please log in again"),
        "notChecked": _("Not checked"),
        "serverFailed": _("The server could not check this badge."),
        "cameraStart": _("Start the camera"),
        "cameraStop": _("Stop the camera"),
        "cameraHold": _("Hold the badge's QR code in front of the camera."),
        "cameraMissing": _(
            "The camera is not available (%(error)s). Type the code or use a barcode reader "
            "instead.",
            error="{error}",
        ),
    }


def _scanner_page(form, outcome=None, status: int = 200, lookup=None, lookup_form=None):
    edition = g.edition
    return (
        render_template(
            "checkin/scanner.html",
            form=form,
            outcome=outcome,
            reasons=services.REASONS,
            words=services.RESULT_WORDS,
            attendee=outcome.attendee if outcome else None,
            csrf=generate_csrf(),
            bundle_url=url_for("api.scanner_bundle", year=edition.year),
            checkin_url=url_for("api.create_checkin", year=edition.year),
            sw_url=url_for("checkin.service_worker"),
            scope=url_for("checkin.scanner"),
            door=request.values.get("door") == "1",
            lookup=lookup,
            room=_room_presence(edition, form.checkpoint.data),
            lookup_form=lookup_form or LookupForm(formdata=None),
            may_override=can(current_user, "checkin.override", edition=edition),
            may_print=can(current_user, "badges.print_at_door", edition=edition),
            texts=_scanner_texts(),
            exits=services.exit_scan_checkpoints(edition),
            names_offline=services.names_offline(edition),
            repeat_seconds=current_app.config["CHECKIN_REPEAT_SECONDS"],
        ),
        status,
    )


@bp.get("/<int:year>/scan")
@require("checkin.scan")
def scanner():
    form = ScanForm(checkpoint=arg_str("checkpoint", "venue", max_len=60))
    form.checkpoint.choices = _door_choices(g.edition)
    return _scanner_page(form)


@bp.post("/<int:year>/scan")
@require("checkin.scan")
def scan_manual():
    """Manual entry without JavaScript: the same service as the API."""
    form = ScanForm()
    form.checkpoint.choices = _door_choices(g.edition)
    if not form.validate_on_submit():
        return _scanner_page(form, status=400)
    outcome = services.check_in(
        g.edition,
        code=form.code.data,
        checkpoint=form.checkpoint.data,
        staff=current_user,
        direction=form.direction.data,
    )
    form.code.data = ""
    return _scanner_page(form, outcome)


@bp.get("/<int:year>/scan/find")
@require("checkin.scan")
def find():
    """Lookup when the code cannot be read: the same service as the API, without JavaScript."""
    form = ScanForm(checkpoint=arg_str("checkpoint", "venue", max_len=60), formdata=None)
    form.checkpoint.choices = _door_choices(g.edition)
    lookup_form = LookupForm(request.args)
    if not (lookup_form.q.data or "").strip():  # the search form sent empty: nothing to find
        return _scanner_page(form, lookup_form=lookup_form)
    if not lookup_form.validate():
        return _scanner_page(form, status=400, lookup_form=lookup_form)
    try:
        results = services.find_attendees(g.edition, lookup_form.q.data)
    except services.BadRequest as exc:
        lookup_form.q.errors = [str(exc)]
        return _scanner_page(form, status=400, lookup_form=lookup_form)
    return _scanner_page(form, lookup=results, lookup_form=lookup_form)


@bp.post("/<int:year>/scan/admit")
@require("checkin.scan")
def admit():
    """Manual admission by badge number with a reason (audited; overrides for organisers)."""
    admission = ManualAdmissionForm()
    form = ScanForm(checkpoint=admission.checkpoint.data or "venue", formdata=None)
    form.checkpoint.choices = _door_choices(g.edition)
    if not admission.validate_on_submit():
        return _scanner_page(form, status=400)
    outcome = services.admit_manually(
        g.edition,
        badge_number=admission.badge_number.data,
        checkpoint=admission.checkpoint.data,
        reason=admission.manual_reason.data,
        staff=current_user,
        may_override=can(current_user, "checkin.override", edition=g.edition),
    )
    return _scanner_page(form, outcome)


def _precache_urls(edition) -> list[str]:
    return [
        url_for("checkin.scanner"),
        url_for("static", filename="css/app.css"),
        url_for("editions.theme_css"),
        url_for("static", filename="js/checkin.js"),
        url_for("static", filename="js/vendor/jsQR.js"),
    ]


@bp.get("/<int:year>/scan/sw.js")
def service_worker():
    """The scanner's service worker, scoped to the scanner page (offline use)."""
    static = current_app.static_folder
    with open(f"{static}/js/scan-sw.js", encoding="utf-8") as handle:
        source = handle.read()
    digest = hashlib.sha256(source.encode())
    for name in ("js/checkin.js", "css/app.css"):
        try:
            with open(f"{static}/{name}", "rb") as asset:
                digest.update(asset.read())
        except OSError:
            pass
    urls = _precache_urls(g.edition)
    source = source.replace('"__PRECACHE__"', json.dumps(urls)).replace(
        "__VERSION__", f"{g.edition.year}-{digest.hexdigest()[:12]}"
    )
    response = Response(source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = url_for("checkin.scanner")
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- organisers --------------------------------------------------------------------------


def _door_settings_form(edition, formdata=None) -> DoorSettingsForm:
    form = DoorSettingsForm(formdata=formdata)
    form.exit_scans.choices = _checkpoint_choices(edition)
    if formdata is None:
        form.names_offline.data = services.names_offline(edition)
        form.exit_scans.data = sorted(services.exit_scan_checkpoints(edition))
    return form


def _monitor_page(settings_form, status: int = 200):
    edition = g.edition
    rows = services.counts(edition)
    presence = [(row, services.presence(edition, row["checkpoint"])) for row in rows]
    return (
        render_template(
            "checkin/monitor.html",
            counts=rows,
            presence=presence,
            settings_form=settings_form,
            texts={"updated": _("(updated %(time)s)", time="{time}")},
            may_configure=can(current_user, "checkin.configure", edition=edition),
        ),
        status,
    )


@bp.get("/<int:year>/organise/checkin")
@require("checkin.monitor")
def monitor():
    return _monitor_page(_door_settings_form(g.edition))


@bp.post("/<int:year>/organise/checkin/settings")
@require("checkin.configure")
def door_settings():
    """Names in the offline bundle, and which doors take exit scans (audited)."""
    edition = g.edition
    form = _door_settings_form(edition, request.form)
    if not form.validate_on_submit():
        return _monitor_page(form, 400)
    try:
        services.update_door_settings(
            edition,
            names=bool(form.names_offline.data),
            exits=set(form.exit_scans.data or []),
            actor=current_user,
        )
    except services.BadRequest as exc:
        form.exit_scans.errors = [str(exc)]
        return _monitor_page(form, 400)
    db.session.commit()
    flash(_("The door settings are saved."), "success")
    return redirect(url_for("checkin.monitor"), 303)


def _last_text(moment, edition) -> str:
    """The last scan's time as the monitor page shows it, in the request's language."""
    if moment is None:
        return "—"
    local = moment.astimezone(edition.tz)
    return dates.format_datetime(
        local, "EEE dd MMM yyyy, HH:mm", tzinfo=local.tzinfo, locale=get_locale() or "en"
    )


@bp.get("/<int:year>/organise/checkin/counts.json")
@require("checkin.monitor")
def counts_json():
    edition = g.edition
    rows = services.counts(edition)
    return jsonify(
        {
            "checkpoints": [
                {
                    **row,
                    "last": row["last"].astimezone(edition.tz).isoformat() if row["last"] else None,
                    "last_text": _last_text(row["last"], edition),
                }
                for row in rows
            ]
        }
    )


def _log_filters(edition):
    form = ScanLogFilterForm(request.args)
    form.checkpoint.choices = [("", _("Any"))] + _checkpoint_choices(edition)
    known = {key for key, _ in form.checkpoint.choices}
    filters = {}
    checkpoint = arg_str("checkpoint", max_len=40)
    if checkpoint in known or checkpoint.startswith("session:"):
        filters["checkpoint"] = checkpoint
    elif checkpoint:
        raise BadArgument(_("The checkpoint argument is not a checkpoint of this edition."))
    result = arg_choice("result", ["admitted", "admitted_again", "denied"])
    if result:
        filters["result"] = result
    for name in ("since", "until"):
        value = arg_datetime(name, edition.tz)
        if value is not None:
            filters[name] = value
    return form, filters


@bp.get("/<int:year>/organise/checkin/scans")
@require("checkin.monitor")
def scan_log():
    edition = g.edition
    form, filters = _log_filters(edition)
    page = arg_page()
    total = services.count_scans(edition, **filters)
    rows = services.scan_log(edition, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "checkin/scan_log.html",
        form=form,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
        args=args,
        labels=dict(_checkpoint_choices(edition)),
        reasons=services.REASONS,
        words=services.RESULT_WORDS,
        manual_reasons=services.MANUAL_REASONS,
        invalid_counts=services.invalid_code_counts(edition),
    )


@bp.get("/<int:year>/organise/checkin/scans.csv")
@require("checkin.monitor")
def scan_log_csv():
    edition = g.edition
    _form, filters = _log_filters(edition)
    # A download is an export: a RED session's checkpoint is named by its time only.
    labels = services.checkpoint_labels(edition, current_user, channel=Channel.EXPORT)
    rows = services.scan_log(edition, limit=1_000_000, **filters)

    def lines():
        for scan, registration, staff_email in rows:
            yield [
                scan.scanned_at.astimezone(edition.tz).isoformat(),
                scan.received_at.astimezone(edition.tz).isoformat(),
                labels.get(scan.checkpoint, scan.checkpoint),
                scan.result,
                scan.reason or "",
                registration.full_name if registration else "",
                registration.organisation if registration else "",
                scan.badge_id or "",
                "yes" if scan.offline else "no",
                staff_email or "",
                scan.scan_id or "",
                scan.direction,
                scan.manual_reason or "",
            ]

    return csv_response(
        f"scans-{edition.year}.csv",
        [
            "scanned_at",
            "received_at",
            "checkpoint",
            "result",
            "reason",
            "name",
            "organisation",
            "badge_id",
            "offline",
            "staff",
            "scan_id",
            "direction",
            "manual_reason",
        ],
        lines(),
    )
