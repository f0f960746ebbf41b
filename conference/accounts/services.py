"""Account rules: users, passwords, roles and API tokens."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from conference import audit
from conference.accounts import throttle
from conference.accounts.models import ApiToken, Role, RoleAssignment, TokenScope, User
from conference.db import utcnow
from conference.errors import Conflict, DomainError, NotFound
from conference.extensions import db
from conference.health import write_refused

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


def has_role(user: User, edition, role: str | Role) -> bool:
    """Does ``user`` hold ``role`` in ``edition``?"""
    role = parse_role(str(role))
    return (
        db.session.scalar(
            sa.select(RoleAssignment.id).where(
                RoleAssignment.user_id == user.id,
                RoleAssignment.edition_id == edition.id,
                RoleAssignment.role == role,
            )
        )
        is not None
    )


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
    if not value:
        ensure_admin_removable(user, actor)
    if user.is_admin == value:
        return
    user.is_admin = value
    audit.record(actor, "admin.grant" if value else "admin.revoke", user, email=user.email)


# --- API tokens --------------------------------------------------------------------------

TOKEN_PREFIX = "cft_"  # noqa: S105 (a prefix, not a secret)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scope(value) -> TokenScope:
    try:
        return TokenScope(str(value or "").strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in TokenScope)
        raise DomainError(
            f"Unknown token scope {value!r}; choose one of: {allowed}.", code="bad_scope"
        ) from None


def checkin_editions(user: User) -> list:
    """Editions (newest first) in which ``user`` may scan badges: the choices of a check-in
    token's edition."""
    from conference.editions.models import Edition  # editions sit above accounts
    from conference.permissions import can

    editions = db.session.scalars(sa.select(Edition).order_by(Edition.year.desc())).all()
    return [e for e in editions if can(user, "checkin.scan", edition=e)]


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
        raise DomainError("Please give the token a name.", code="bad_name")
    if len(name) > 100:
        raise DomainError("The token name is too long (at most 100 characters).", code="bad_name")
    scope = parse_scope(scope)
    if scope == TokenScope.CHECKIN:
        allowed = checkin_editions(user)
        if edition is None:
            if not allowed:
                raise DomainError(
                    "A check-in token is for door staff: this account may not scan badges in "
                    "any edition.",
                    code="bad_scope",
                )
            edition = allowed[0]
        elif edition not in allowed:
            raise DomainError(
                f"This account may not scan badges in {edition.year}.", code="bad_edition"
            )
    elif edition is not None:
        raise DomainError("Only check-in tokens belong to an edition.", code="bad_edition")
    now = utcnow()
    if expires is not None:
        if expires.year > 2200:
            raise DomainError("The expiry date is too far away (2200 at most).", code="bad_expiry")
        expires_at = expiry_from_date(expires, edition)
        if expires_at <= now:
            raise DomainError("The expiry date must be in the future.", code="bad_expiry")
    elif scope == TokenScope.CHECKIN:
        expires_at = default_expiry(edition)
        if expires_at <= now:
            raise DomainError(
                f"The {edition.year} edition is over: give a later expiry date to scan anyway.",
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
        raise NotFound("There is no such token.")
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
    """The result of looking up a Bearer token: the token, or why it was refused."""

    token: ApiToken | None
    error: str | None
    roles: frozenset[str] | None = None  # in the edition asked about, when one was


def check_token(plain: str, edition_id: int | None = None) -> TokenCheck:
    """The live token with this value, or the reason a person should read for refusing it.

    The token comes with its user, and with ``edition_id`` also the user's roles in that
    edition (``TokenCheck.roles``), in one statement: a door scanner calls this on every scan.
    """
    invalid = TokenCheck(None, "The API token is not valid or has been revoked.")
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
        return TokenCheck(None, "The API token has expired.")
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
        # The same work as a new account (hash the password, one audit entry, one mail), so
        # that the time taken does not tell that the address has an account.
        generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        audit.record(None, "account.signup_existing", existing, email=existing.email)
        mail.queue(
            existing.email,
            "accounts_signup_existing",
            "Someone tried to create an account with your e-mail address",
            user=existing,
            login_link=external_url("accounts.login"),
            reset_link=external_url("accounts.forgot_password"),
        )
        return None
    try:
        with db.session.begin_nested():
            user = create_user(email, password, full_name=full_name)
    except (Conflict, sa.exc.IntegrityError):
        # A second request for the same address (a double click) got here first: that one
        # sends the verification mail; this one answers the same neutral page.
        return None
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
    """Mail a reset link when the account exists; silent otherwise (no account probing).

    For an unknown address the link is signed and the mail rendered all the same, then
    dropped, so that the time taken does not tell whether the account exists.
    """
    from flask import current_app

    from conference import mail
    from conference.urls import external_url

    user = find_user(email)
    known = user is not None and user.is_active
    # A stand-in that is never added to the session (nothing is stored for it).
    recipient = user if known else User(email=normalise_email(email)[:254], full_name="")
    subject = "Reset your password"
    text, html = mail.render(
        "accounts_reset",
        subject,
        user=recipient,
        link=external_url("accounts.reset_password", token=reset_token(recipient)),
        valid_minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
    )
    if not known:
        return
    mail.queue_rendered(user.email, subject, text, html, template="accounts_reset")
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
    revoke_all_tokens(user, reason="password_reset")
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one; other sessions end."""
    if user.password_hash is None or not check_password_hash(
        user.password_hash, current_password or ""
    ):
        raise DomainError("The current password is not correct.", code="wrong_password")
    set_password(user, new_password)
    audit.record(user, "account.password_change", user)
    revoke_all_tokens(user, reason="password_change")


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


# --- what losing a right means (for the confirmation pages) --------------------------------

ROLE_LOSSES = {
    Role.ORGANISER: "the edition's administration: registrations, categories, programme, "
    "call, roles, badges and the audit log",
    Role.CHAIR: "the programme committee's chair pages: assigning reviewers, taking and "
    "publishing decisions, placing talks in the programme",
    Role.REVIEWER: "their review assignments (reviews already submitted are kept)",
    Role.STAFF: "scanning badges and the check-in pages at the venue",
}


def role_revocation_consequences(user: User, edition, role: str | Role) -> list[str]:
    """What revoking ``role`` in ``edition`` takes away from ``user``, in words."""
    role = parse_role(str(role))
    return [
        f"{user.display_name} ({user.email}) is no longer {role.value} of {edition.year}.",
        f"They lose access to {ROLE_LOSSES[role]} at once.",
        "Their other roles and their own registration and submissions are not touched.",
    ]


def ensure_admin_removable(user: User, actor) -> None:
    """Nobody removes their own administrator rights (another administrator must)."""
    if actor is not None and getattr(actor, "id", None) == user.id:
        raise DomainError("You cannot remove your own administrator rights.")


def landing_url(user: User) -> str:
    """Where a login without an explicit ``next`` leads: an organiser to the overview of the
    latest edition they organise, everyone else to the home page."""
    from conference.editions.models import Edition  # editions sit above accounts

    year = db.session.scalar(
        sa.select(Edition.year)
        .join(RoleAssignment, RoleAssignment.edition_id == Edition.id)
        .where(RoleAssignment.user_id == user.id, RoleAssignment.role == Role.ORGANISER)
        .order_by(Edition.year.desc())
        .limit(1)
    )
    if year is not None:
        return url_for("dashboard.overview", year=year)
    return url_for("editions.home")
