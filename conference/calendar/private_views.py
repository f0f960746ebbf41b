"""HTTP for the private full-programme feed: the feed itself and its link's controls.

The feed answers like every other feed (``views._conditional``: 304 from the ETag, ``private,
no-store``, in its owner's language); the link is made, replaced and turned off per edition
from the calendar page, with the same confirmation steps as the personal feed.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference import confirm
from conference.calendar import bp
from conference.calendar import private_feed as feeds
from conference.calendar.views import ICS_TYPE, _conditional, _owner_language
from conference.confirm import Confirmation
from conference.extensions import db
from conference.permissions import login_required
from conference.urls import safe_next


@bp.get("/calendar/programme/<token>.ics")
def programme_feed(token: str):
    """The whole programme of one edition as the link's owner sees it (no login: the secret
    URL is the credential)."""
    found = feeds.owner_of(token)
    if found is None:
        abort(404, _("This calendar link does not exist (any more)."))
    record, owner, edition = found
    if feeds.note_use(record):
        db.session.commit()
    with _owner_language(owner):
        return _conditional(
            feeds.feed_validators(record, owner, edition),
            lambda: feeds.feed_calendar(owner, edition),
            ICS_TYPE,
            personal=True,
            filename=f"programme-{edition.year}-private.ics",
        )


@bp.app_template_global()
def my_programme_feed(edition):
    """The logged-in person's full-programme feed of ``edition`` for templates, or None:
    ``url``, ``webcal``, ``created_at``, ``last_used_at``, ``broken``."""
    record = feeds.feed_record(current_user, edition)
    if record is None:
        return None
    token = feeds.feed_secret(current_user, record)
    return {
        "url": feeds.feed_url(token) if token else None,
        "webcal": feeds.feed_url(token, webcal=True) if token else None,
        "created_at": record.created_at,
        "last_used_at": record.last_used_at,
        "broken": token is None,
    }


@bp.app_template_global()
def programme_feed_editions(edition=None) -> list:
    """Editions whose full-programme feed a page offers: ``edition`` if it is published and not
    archived, or without one (``/calendar/``) the current ones, most recent first."""
    if edition is not None:
        return [edition] if feeds.offered(edition) else []
    return feeds.feed_editions(current_user)


def _back():
    return redirect(safe_next(request.values.get("next"), url_for("calendar.me")), 303)


def _confirmation(record, *, turn_off: bool) -> Confirmation:
    edition = g.edition
    stops = _(
        "Your current link to the whole programme of %(year)s stops working at once: every "
        "calendar app subscribed with it stops following the programme and may show an error.",
        year=edition.year,
    )
    last = (
        _(
            "A calendar app last fetched it on %(moment)s UTC.",
            moment=f"{record.last_used_at:%d %B %Y at %H:%M}",
        )
        if record.last_used_at
        else _("No calendar app has fetched it yet.")
    )
    then = (
        _("You can make a new link later; it will be a different one.")
        if turn_off
        else _("You get a new link: subscribe again with it wherever you used the old one.")
    )
    return Confirmation(
        title=(
            _("Turn your programme link of %(year)s off?", year=edition.year)
            if turn_off
            else _("Replace your programme link of %(year)s?", year=edition.year)
        ),
        consequences=[stops, last, then],
        subject=[
            "programme-feed.off" if turn_off else "programme-feed.replace",
            record.id,
            record.token_hash,
        ],
        submit_label=_("Turn my programme link off")
        if turn_off
        else _("Replace my programme link"),
        cancel_url=safe_next(request.values.get("next"), url_for("calendar.me")),
        fields=[("next", request.values.get("next", ""))],
    )


@bp.route("/<int:year>/calendar/programme-link", methods=["GET", "POST"])
@login_required
def make_programme_link():
    """Create the full-programme feed of this edition, or replace its link."""
    edition = g.edition
    if not feeds.offered(edition):
        abort(404, _("This edition offers no programme link (not published yet, or archived)."))
    record = feeds.feed_record(current_user, edition)
    working = record is not None and feeds.feed_secret(current_user, record) is not None
    if working:
        step = confirm.check(_confirmation(record, turn_off=False))
        if step is not None:
            return step
    elif request.method != "POST":
        return _back()
    replaced = record is not None
    feeds.make_feed(current_user, edition)
    db.session.commit()
    if replaced:
        flash(
            _(
                "Your programme link has been replaced. The old link no longer works: "
                "subscribe again with the new one."
            ),
            "success",
        )
    else:
        flash(
            _("Your link to the whole programme of %(year)s is ready.", year=edition.year),
            "success",
        )
    return _back()


@bp.route("/<int:year>/calendar/programme-link/delete", methods=["GET", "POST"])
@login_required
def drop_programme_link():
    """Turn the full-programme feed of this edition off."""
    edition = g.edition
    record = feeds.feed_record(current_user, edition)
    if record is None:
        flash(_("You have no programme link for %(year)s.", year=edition.year), "info")
        return _back()
    step = confirm.check(_confirmation(record, turn_off=True))
    if step is not None:
        return step
    feeds.drop_feed(current_user, edition)
    db.session.commit()
    flash(_("Your programme link has been turned off."), "success")
    return _back()
