"""Account rules: users, passwords, roles and API tokens."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from conference import audit
from conference.accounts.models import ApiToken, Role, RoleAssignment, User
from conference.db import utcnow
from conference.errors import Conflict, DomainError, NotFound
from conference.extensions import db

MIN_PASSWORD_LENGTH = 10
# A hash to compare against when the account does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def get_user_by_email(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise NotFound(f"There is no account for {email}.")
    return user


def validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > 1000:
        raise DomainError("The password is too long (at most 1000 characters).")


def set_password(user: User, password: str) -> None:
    validate_password(password)
    user.password_hash = generate_password_hash(password)
    user.password_changed_at = utcnow()
    user.session_token = secrets.token_hex(16)


def create_user(
    email: str, password: str | None, *, full_name: str = "", verified: bool = False, **profile
) -> User:
    """Create an account; the e-mail address is unique regardless of letter case."""
    email = normalise_email(email)
    if not email or "@" not in email:
        raise DomainError("Please give a valid e-mail address.")
    if find_user(email) is not None:
        raise Conflict("An account with this e-mail address already exists.")
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
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def rotate_session(user: User) -> None:
    """Invalidate every existing login session of ``user``."""
    user.session_token = secrets.token_hex(16)


# --- roles -------------------------------------------------------------------------------


def parse_role(name: str) -> Role:
    try:
        return Role(name.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise DomainError(f"Unknown role {name!r}; choose one of: {allowed}, admin.") from None


def grant_role(user: User, edition, role: str | Role, *, actor=None) -> RoleAssignment:
    role = parse_role(str(role))
    existing = db.session.scalar(
        sa.select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.edition_id == edition.id,
            RoleAssignment.role == role,
        )
    )
    if existing is not None:
        return existing
    assignment = RoleAssignment(
        user_id=user.id,
        edition_id=edition.id,
        role=role.value,
        granted_by_id=getattr(actor, "id", None),
    )
    db.session.add(assignment)
    audit.record(actor, "role.grant", user, edition=edition, role=role.value, email=user.email)
    db.session.flush()
    return assignment


def revoke_role(user: User, edition, role: str | Role, *, actor=None) -> bool:
    role = parse_role(str(role))
    assignment = db.session.scalar(
        sa.select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.edition_id == edition.id,
            RoleAssignment.role == role,
        )
    )
    if assignment is None:
        return False
    db.session.delete(assignment)
    audit.record(actor, "role.revoke", user, edition=edition, role=role.value, email=user.email)
    return True


def set_admin(user: User, value: bool, *, actor=None) -> None:
    user.is_admin = value
    audit.record(actor, "admin.grant" if value else "admin.revoke", user, email=user.email)


# --- API tokens --------------------------------------------------------------------------

TOKEN_PREFIX = "cft_"  # noqa: S105 (a prefix, not a secret)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the plain value is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Please give the token a name.")
    if len(name) > 100:
        raise DomainError("The token name is too long (at most 100 characters).")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(plain), prefix=plain[:10])
    db.session.add(token)
    db.session.flush()
    audit.record(user, "token.create", token, name=name)
    return token, plain


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("There is no such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(user, "token.revoke", token, name=token.name)
    return token


def user_for_token(plain: str) -> User | None:
    if not plain or len(plain) > 200:
        return None
    token = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == hash_token(plain), ApiToken.revoked_at.is_(None)
        )
    )
    if token is None or not token.user.is_active:
        return None
    now = utcnow()
    # Writing on every call would slow the scanners; a minute's precision is plenty.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
        db.session.commit()
    return token.user
