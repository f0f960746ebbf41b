"""Account rules: users, passwords, roles and API tokens."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app
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
    """Make or unmake a site administrator; nobody removes their own rights by mistake."""
    if not value and actor is not None and getattr(actor, "id", None) == user.id:
        raise DomainError("You cannot remove your own administrator rights.")
    if user.is_admin == value:
        return
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


# --- e-mail verification and password reset ---------------------------------------------
#
# Links carry a token signed with SECRET_KEY (itsdangerous). The verification token names the
# account and the address it was sent to, so that it stops working when the address changes.
# The reset token also carries a fingerprint of the current password hash: once the password
# has been changed (by this very link or otherwise) the fingerprint no longer matches, so each
# reset link works once.

EMAIL_SALT = "accounts.verify-email"
RESET_SALT = "accounts.reset-password"


def _serializer(salt: str):
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _password_fingerprint(user: User) -> str:
    source = f"{user.password_hash or ''}|{user.password_changed_at or ''}"
    return hashlib.sha256(source.encode()).hexdigest()[:20]


def _load_token(token: str, salt: str, max_age: int, expired_message: str) -> dict:
    from itsdangerous import BadSignature

    if not token or len(token) > 500:
        raise DomainError("This link is not valid.", code="invalid_token")
    try:
        data, issued_at = _serializer(salt).loads(token, return_timestamp=True)
    except BadSignature:
        raise DomainError("This link is not valid.", code="invalid_token") from None
    # The age is measured with the application clock (``utcnow``), which tests can freeze.
    if (utcnow() - issued_at).total_seconds() > max_age:
        raise DomainError(expired_message, code="token_expired")
    if not isinstance(data, dict):
        raise DomainError("This link is not valid.", code="invalid_token")
    return data


def email_token(user: User) -> str:
    return _serializer(EMAIL_SALT).dumps({"uid": user.id, "email": user.email})


def reset_token(user: User) -> str:
    return _serializer(RESET_SALT).dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def send_verification(user: User, next_url: str | None = None) -> None:
    """Queue the mail with the verification link (the caller commits).

    ``next_url`` (a same-site path, checked again when used) rides along in the link, so that
    confirming leads the person back to what they were doing, e.g. registering.
    """
    from flask import current_app

    from conference import mail
    from conference.urls import external_url, safe_next

    mail.queue(
        user.email,
        "accounts_verify",
        "Please confirm your e-mail address",
        user=user,
        link=external_url(
            "accounts.verify_email",
            token=email_token(user),
            next=safe_next(next_url, default="") or None,
        ),
        valid_hours=current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600,
    )


def sign_up(email: str, password: str, full_name: str, next_url: str | None = None) -> User | None:
    """Create an unverified account and mail the verification link.

    When the address already has an account, nothing is created; its owner gets a mail
    saying so (with links to log in or reset the password) and ``None`` is returned, so the
    page shown is the same either way and does not reveal who has an account.
    """
    from conference import mail
    from conference.urls import external_url

    full_name = (full_name or "").strip()
    if not full_name:
        raise DomainError("Please give your full name.")
    validate_password(password)
    existing = find_user(email)
    if existing is not None:
        mail.queue(
            existing.email,
            "accounts_signup_existing",
            "Someone tried to create an account with your e-mail address",
            user=existing,
            login_link=external_url("accounts.login"),
            reset_link=external_url("accounts.forgot_password"),
        )
        return None
    user = create_user(email, password, full_name=full_name)
    audit.record(user, "account.signup", user, email=user.email)
    send_verification(user, next_url)
    return user


def resend_verification(email: str, next_url: str | None = None) -> None:
    """Mail a new confirmation link when ``email`` has an account still waiting for it;
    silent otherwise, so that the answer does not tell who has an account."""
    user = find_user(email)
    if user is None or not user.is_active or user.email_verified_at is not None:
        return
    send_verification(user, next_url)


def user_for_email_token(token: str) -> User:
    """The account a confirmation link belongs to, if the link is valid (changes nothing)."""
    from flask import current_app

    data = _load_token(
        token,
        EMAIL_SALT,
        current_app.config["EMAIL_TOKEN_MAX_AGE"],
        "This confirmation link has expired. Log in and ask for a new one.",
    )
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    if user is None or not user.is_active or user.email != data.get("email"):
        raise DomainError("This link is not valid.", code="invalid_token")
    return user


def verify_email(token: str) -> User:
    """Mark the address in ``token`` as verified (idempotent; only on an explicit POST, as
    mail gateways open links to scan them)."""
    user = user_for_email_token(token)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record(user, "account.verify_email", user, email=user.email)
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link when the account exists; silent otherwise (no account probing)."""
    from flask import current_app

    from conference import mail
    from conference.urls import external_url

    user = find_user(email)
    if user is None or not user.is_active:
        return
    mail.queue(
        user.email,
        "accounts_reset",
        "Reset your password",
        user=user,
        link=external_url("accounts.reset_password", token=reset_token(user)),
        valid_minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
    )
    audit.record(None, "account.reset_requested", user, email=user.email)


def user_for_reset_token(token: str) -> User:
    """The account a reset link belongs to, if the link is still valid and unused."""
    from flask import current_app

    data = _load_token(
        token,
        RESET_SALT,
        current_app.config["RESET_TOKEN_MAX_AGE"],
        "This reset link has expired. Please ask for a new one.",
    )
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    if user is None or not user.is_active:
        raise DomainError("This link is not valid.", code="invalid_token")
    if data.get("pw") != _password_fingerprint(user):
        raise DomainError(
            "This reset link has already been used. Please ask for a new one.",
            code="token_used",
        )
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link (and every session) stops working."""
    user = user_for_reset_token(token)
    set_password(user, new_password)
    # Whoever could read the mail controls the address: consider it verified.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    audit.record(user, "account.password_reset", user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one; other sessions end."""
    if user.password_hash is None or not check_password_hash(
        user.password_hash, current_password or ""
    ):
        raise DomainError("The current password is not correct.", code="wrong_password")
    set_password(user, new_password)
    audit.record(user, "account.password_change", user)


PROFILE_FIELDS = ("full_name", "organisation", "organisation_type", "country", "position")
# One list of organisation types for the profile and the registration form.
ORGANISATION_TYPES = [
    ("", "— choose —"),
    ("government", "Government / ministry"),
    ("funder", "Research funding organisation"),
    ("university", "University"),
    ("research", "Research performing organisation"),
    ("eu", "EU institution or body"),
    ("international", "International organisation"),
    ("industry", "Industry"),
    ("ngo", "Civil society"),
    ("press", "Press / media"),
    ("other", "Other"),
]


def update_profile(user: User, *, actor=None, **values) -> list[str]:
    """Update profile fields; return the names of the fields that changed."""
    from conference import countries

    changed = []
    for name in PROFILE_FIELDS:
        if name not in values:
            continue
        value = (values[name] or "").strip()
        if name == "full_name" and not value:
            raise DomainError("Please give your full name.")
        if name == "country":
            value = value.upper()
            if value and not countries.is_valid(value):
                raise DomainError("Please choose a country from the list.")
        if name == "organisation_type" and value not in {v for v, _ in ORGANISATION_TYPES}:
            raise DomainError("Please choose an organisation type from the list.")
        limit = User.__table__.c[name].type.length
        if limit and len(value) > limit:
            raise DomainError(f"That is too long (at most {limit} characters).")
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
