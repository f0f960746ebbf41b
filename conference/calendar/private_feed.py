"""The private full-programme feed: the whole programme of one edition as one person sees it.

Calendar apps send no cookie, so the public ``programme.ics`` shows every restricted session as
a placeholder. This feed carries its owner's identity in a secret URL instead (the same scheme
as the personal feed: HMAC of user, edition and a nonce, only the hash stored; replace and turn
off), and shows restricted sessions in full exactly where the owner is cleared *at the time of
the request*: a revoked accreditation or clearance turns them back into placeholders at the
next fetch, because the ETag names the owner's clearance and the body is built from it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from conference import audit
from conference.accounts.models import User
from conference.calendar.models import ProgrammeFeedToken
from conference.calendar.services import (
    TOKEN_PATTERN,
    Validators,
    _clearance_identity,
    _digest,
    _edition_identity,
    note_use,
    render_calendar,
)
from conference.db import utcnow
from conference.editions.models import Edition, EditionState
from conference.extensions import db
from conference.permissions import Channel, can, clearance
from conference.programme import services as programme
from conference.urls import external_url


def _derive(user_id: int, edition_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    message = f"programme-feed:{user_id}:{edition_id}:{nonce}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def feed_record(user, edition) -> ProgrammeFeedToken | None:
    """The person's full-programme feed of ``edition``, if they turned it on."""
    if edition is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        sa.select(ProgrammeFeedToken).where(
            ProgrammeFeedToken.user_id == user.id, ProgrammeFeedToken.edition_id == edition.id
        )
    )


def feed_secret(user, record: ProgrammeFeedToken) -> str | None:
    """The secret of the feed URL, re-derived; None when the site's key changed since."""
    token = _derive(user.id, record.edition_id, record.nonce)
    if not hmac.compare_digest(_hash(token), record.token_hash):
        return None
    return token


def feed_url(token: str, *, webcal: bool = False) -> str:
    url = external_url("calendar.programme_feed", token=token)
    if webcal:
        url = "webcal://" + url.split("://", 1)[1]
    return url


def make_feed(user, edition) -> str:
    """Create the person's full-programme feed of ``edition``, or replace its link (the old
    URL answers 404 from now on). The caller commits."""
    record = feed_record(user, edition)
    nonce = secrets.token_hex(32)
    token = _derive(user.id, edition.id, nonce)
    action = "calendar.programme_link_replaced" if record else "calendar.programme_link_created"
    if record is None:
        record = ProgrammeFeedToken(
            user_id=user.id, edition_id=edition.id, nonce=nonce, token_hash=_hash(token)
        )
        db.session.add(record)
    else:
        record.nonce = nonce
        record.token_hash = _hash(token)
        record.created_at = utcnow()
        record.last_used_at = None
    db.session.flush()
    audit.record(user, action, record, edition=edition)
    return token


def drop_feed(user, edition) -> bool:
    """Turn the feed off (its URL answers 404). False when there was none. Caller commits."""
    record = feed_record(user, edition)
    if record is None:
        return False
    audit.record(user, "calendar.programme_link_revoked", record, edition=edition)
    db.session.delete(record)
    return True


def owner_of(token: str) -> tuple[ProgrammeFeedToken, User, Edition] | None:
    """The feed row, its active owner and the edition for a URL's secret, or None (→ 404).

    A draft edition the owner may no longer see answers None as well."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    row = db.session.execute(
        sa.select(ProgrammeFeedToken, User, Edition)
        .join(User, User.id == ProgrammeFeedToken.user_id)
        .join(Edition, Edition.id == ProgrammeFeedToken.edition_id)
        .where(ProgrammeFeedToken.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    record, user, edition = row
    if not user.is_active:
        return None
    if edition.state == EditionState.DRAFT and not can(
        user, "edition.view", edition, edition=edition
    ):
        return None
    return record, user, edition


def offered(edition: Edition) -> bool:
    """Is a new full-programme link offered for ``edition``? Open or closed ones only."""
    return edition.state in (EditionState.OPEN, EditionState.CLOSED)


def feed_editions(user) -> list[Edition]:
    """Editions offered on the calendar page: open or closed (not draft, not archived)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        db.session.scalars(
            sa.select(Edition)
            .where(Edition.state.in_([EditionState.OPEN, EditionState.CLOSED]))
            .order_by(Edition.year.desc())
            .limit(3)
        )
    )


def feed_validators(record: ProgrammeFeedToken, user, edition: Edition) -> Validators:
    """ETag of the feed: the programme's last change and the owner's clearance now."""
    etag = _digest(
        "programme-feed",
        record.id,
        record.token_hash,
        user.id,
        _edition_identity(edition),
        _clearance_identity(clearance(user, edition)),
        current_app.config["BASE_URL"],
    )
    return Validators(etag, None)


def feed_calendar(user, edition: Edition) -> bytes:
    """The whole programme of ``edition`` as ``user`` may see it (cancelled sessions too)."""
    views = programme.session_views(user, edition, channel=Channel.FEED)
    return render_calendar(
        _("%(edition)s – Programme (as I see it)", edition=edition.title),
        _(
            "The whole programme of %(edition)s as %(name)s may see it (%(zone)s).",
            edition=edition.title,
            name=user.display_name,
            zone=edition.timezone,
        ),
        [(edition, views)],
    )


__all__ = [
    "drop_feed",
    "feed_calendar",
    "feed_editions",
    "feed_record",
    "feed_secret",
    "feed_url",
    "feed_validators",
    "offered",
    "make_feed",
    "note_use",
    "owner_of",
]
