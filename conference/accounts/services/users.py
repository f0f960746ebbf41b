"""Accounts themselves: finding and creating users, passwords, login, the profile."""

from __future__ import annotations

import functools
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from conference import audit, countries
from conference.accounts import throttle
from conference.accounts.models import User
from conference.db import utcnow
from conference.errors import Conflict, DomainError, NotFound
from conference.extensions import db

MIN_PASSWORD_LENGTH = 10


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash made with the configured method, checked when the account does not exist, so
    that the time taken does not tell whether it does."""
    return generate_password_hash("not-a-real-password", method=method)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def get_user_by_email(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise NotFound(_("There is no account for %(email)s.", email=email))
    return user


def validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("The password must have at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)
        )
    if len(password) > 1000:
        raise DomainError(_("The password is too long (at most 1000 characters)."))


def set_password(user: User, password: str) -> None:
    validate_password(password)
    user.password_hash = generate_password_hash(
        password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )
    user.password_changed_at = utcnow()
    user.session_token = secrets.token_hex(16)


def create_user(
    email: str, password: str | None, *, full_name: str = "", verified: bool = False, **profile
) -> User:
    """Create an account; the e-mail address is unique regardless of letter case."""
    email = normalise_email(email)
    if not email or "@" not in email:
        raise DomainError(_("Please give a valid e-mail address."))
    if find_user(email) is not None:
        raise Conflict(_("An account with this e-mail address already exists."))
    user = User(email=email, full_name=full_name.strip(), **profile)
    if password is not None:
        set_password(user, password)
    if verified:
        user.email_verified_at = utcnow()
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with these credentials, or None (same work either way)."""
    user = find_user(email)
    if user is None or user.password_hash is None or not user.is_active:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password or "")
        throttle.note_failed_login()
        return None
    if not check_password_hash(user.password_hash, password or ""):
        throttle.note_failed_login()
        return None
    return user


def rotate_session(user: User) -> None:
    """Invalidate every existing login session of ``user``."""
    user.session_token = secrets.token_hex(16)


PROFILE_FIELDS = ("full_name", "organisation", "organisation_type", "country", "position")
# One list of organisation types for the profile and the registration form.
ORGANISATION_TYPES = [
    ("", _l("— choose —")),
    ("government", _l("Government / ministry")),
    ("funder", _l("Research funding organisation")),
    ("university", _l("University")),
    ("research", _l("Research performing organisation")),
    ("eu", _l("EU institution or body")),
    ("international", _l("International organisation")),
    ("industry", _l("Industry")),
    ("ngo", _l("Civil society")),
    ("press", _l("Press / media")),
    ("other", _l("Other")),
]


def update_profile(user: User, *, actor=None, **values) -> list[str]:
    """Update profile fields; return the names of the fields that changed."""
    changed = []
    for name in PROFILE_FIELDS:
        if name not in values:
            continue
        value = (values[name] or "").strip()
        if name == "full_name" and not value:
            raise DomainError(_("Please give your full name."))
        if name == "country":
            value = value.upper()
            if value and not countries.is_valid(value):
                raise DomainError(_("Please choose a country from the list."))
        if name == "organisation_type" and value not in {v for v, _ in ORGANISATION_TYPES}:
            raise DomainError(_("Please choose an organisation type from the list."))
        limit = User.__table__.c[name].type.length
        if limit and len(value) > limit:
            raise DomainError(_("That is too long (at most %(num)d characters).", num=limit))
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        audit.record(actor or user, "account.profile_update", user, fields=changed)
    return changed


def search_users(query: str = "", *, limit: int = 50, offset: int = 0) -> tuple[list[User], int]:
    """Users whose e-mail or name contains ``query`` (case-insensitive), and the total."""
    stmt = sa.select(User).where(User.deleted_at.is_(None))
    query = (query or "").strip()[:200]
    if query:
        pattern = (
            "%" + query.lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        )
        stmt = stmt.where(
            sa.or_(
                User.email.like(pattern, escape="\\"),
                sa.func.lower(User.full_name).like(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    users = list(db.session.scalars(stmt.order_by(User.email).limit(limit).offset(offset)))
    return users, total
