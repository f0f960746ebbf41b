"""Personal API tokens: creating, revoking and checking them (a scanner checks on every scan)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit
from conference.accounts.models import ApiToken, RoleAssignment, TokenScope, User
from conference.accounts.services.edition_lookup import checkin_editions
from conference.db import utcnow, write_refused
from conference.errors import DomainError, NotFound
from conference.extensions import db

TOKEN_PREFIX = "cft_"  # noqa: S105 (a prefix, not a secret)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scope(value) -> TokenScope:
    try:
        return TokenScope(str(value or "").strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in TokenScope)
        raise DomainError(
            _(
                "Unknown token scope %(value)s; choose one of: %(allowed)s.",
                value=repr(value),
                allowed=allowed,
            ),
            code="bad_scope",
        ) from None


def default_expiry(edition) -> dt.datetime:
    """A check-in token's default expiry: the end of the day after the edition's last day, in
    the edition's time zone."""
    local = dt.datetime.combine(edition.end_date + dt.timedelta(days=2), dt.time(), edition.tz)
    return local.astimezone(dt.UTC)


def expiry_from_date(day: dt.date, edition=None) -> dt.datetime:
    """A token given an expiry date works until the end of that day (edition's zone or UTC)."""
    zone = edition.tz if edition is not None else dt.UTC
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)


def create_api_token(
    user: User,
    name: str,
    scope: str | TokenScope = TokenScope.FULL,
    *,
    expires: dt.date | None = None,
    edition=None,
) -> tuple[ApiToken, str]:
    """Create a token; the plain value is returned once and never stored.

    A ``checkin`` token belongs to one edition where ``user`` may scan badges (by default the
    newest such edition) and, unless ``expires`` is given, stops working the day after that
    edition ends. Other scopes take no edition and never expire unless ``expires`` is given.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Please give the token a name."), code="bad_name")
    if len(name) > 100:
        raise DomainError(
            _("The token name is too long (at most 100 characters)."), code="bad_name"
        )
    scope = parse_scope(scope)
    if scope == TokenScope.CHECKIN:
        allowed = checkin_editions(user)
        if edition is None:
            if not allowed:
                raise DomainError(
                    _(
                        "A check-in token is for door staff: this account may not scan badges "
                        "in any edition."
                    ),
                    code="bad_scope",
                )
            edition = allowed[0]
        elif edition not in allowed:
            raise DomainError(
                _("This account may not scan badges in %(year)s.", year=edition.year),
                code="bad_edition",
            )
    elif edition is not None:
        raise DomainError(_("Only check-in tokens belong to an edition."), code="bad_edition")
    now = utcnow()
    if expires is not None:
        if expires.year > 2200:
            raise DomainError(
                _("The expiry date is too far away (2200 at most)."), code="bad_expiry"
            )
        expires_at = expiry_from_date(expires, edition)
        if expires_at <= now:
            raise DomainError(_("The expiry date must be in the future."), code="bad_expiry")
    elif scope == TokenScope.CHECKIN:
        expires_at = default_expiry(edition)
        if expires_at <= now:
            raise DomainError(
                _(
                    "The %(year)s edition is over: give a later expiry date to scan anyway.",
                    year=edition.year,
                ),
                code="bad_expiry",
            )
    else:
        expires_at = None
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(plain),
        prefix=plain[:10],
        scope=scope.value,
        expires_at=expires_at,
        edition_id=edition.id if edition is not None else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        user,
        "token.create",
        token,
        edition=edition,
        name=name,
        scope=scope.value,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    return token, plain


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("There is no such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(user, "token.revoke", token, name=token.name)
    return token


def revoke_all_tokens(user: User, *, reason: str, actor=None) -> int:
    """Revoke every live token of ``user`` (a password reset or change); audited."""
    now = utcnow()
    live = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in live:
        token.revoked_at = now
    if live:
        audit.record(actor or user, "token.revoke_all", user, reason=reason, count=len(live))
    return len(live)


class TokenCheck(NamedTuple):
    """The result of looking up a Bearer token: the token, or why it was refused (lazily
    translated: the language is chosen after the token has told who is asking)."""

    token: ApiToken | None
    error: str | None
    roles: frozenset[str] | None = None  # in the edition asked about, when one was


def check_token(plain: str, edition_id: int | None = None) -> TokenCheck:
    """The live token with this value, or the reason a person should read for refusing it.

    The token comes with its user, and with ``edition_id`` also the user's roles in that
    edition (``TokenCheck.roles``), in one statement: a door scanner calls this on every scan.
    """
    invalid = TokenCheck(None, _l("The API token is not valid or has been revoked."))
    if not plain or len(plain) > 200:
        return invalid
    stmt = (
        sa.select(ApiToken)
        .where(ApiToken.token_hash == hash_token(plain), ApiToken.revoked_at.is_(None))
        .options(so.joinedload(ApiToken.user))
    )
    roles = None
    if edition_id is not None:
        stmt = stmt.add_columns(RoleAssignment.role).outerjoin(
            RoleAssignment,
            sa.and_(
                RoleAssignment.user_id == ApiToken.user_id,
                RoleAssignment.edition_id == edition_id,
            ),
        )
        rows = db.session.execute(stmt).unique().all()
        token = rows[0][0] if rows else None
        roles = frozenset(role for _token, role in rows if role is not None)
    else:
        token = db.session.scalar(stmt)
    if token is None or not token.user.is_active:
        return invalid
    now = utcnow()
    if token.is_expired(now):
        return TokenCheck(None, _l("The API token has expired."))
    # Writing on every call would slow the scanners; a minute's precision is plenty.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
        try:
            db.session.commit()
        except sa.exc.DBAPIError as exc:
            # Bookkeeping only: a database refusing writes must not refuse the token (the
            # request's own write then answers 503).
            db.session.rollback()
            if not write_refused(exc):
                raise
    return TokenCheck(token, None, roles)


def user_for_token(plain: str) -> User | None:
    token = check_token(plain).token
    return token.user if token is not None else None
