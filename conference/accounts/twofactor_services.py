"""Two-factor authentication rules (OWASP ASVS 5.0 level 2).

Who needs a second factor: site administrators and anyone holding a role in an edition
(organiser, chair, reviewer, door staff), and any attendee who turned one on. The factors:

- TOTP (RFC 6238, pyotp): codes of the current 30-second step and one step either side are
  accepted; the step of the last accepted code is stored, so a code is never accepted twice
  (checked and updated in one UPDATE, which holds across worker processes).
- WebAuthn security keys and passkeys (py_webauthn): the challenge is kept server-side in the
  signed session between the options and the verification request; RP ID and origin are
  checked by the library.
- One-time recovery codes: ten at a time, shown once, stored with a salted slow hash (80 bits
  each, below the 112 bits for which ASVS allows a plain hash), each usable once.

Every set-up, use, failure, removal and reset is written to the audit log. Callers commit.
"""

from __future__ import annotations

import base64
import hmac
import io
import json
import secrets

import pyotp
import qrcode
import qrcode.image.svg
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from werkzeug.security import check_password_hash, generate_password_hash

from conference import audit
from conference.accounts.models import RoleAssignment, User
from conference.accounts.twofactor_models import RecoveryCode, TotpSecret, WebAuthnCredential
from conference.db import utcnow
from conference.errors import Conflict, DomainError, NotFound
from conference.extensions import db

TOTP_INTERVAL = 30
TOTP_DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_CODE_LENGTH = 16
RECOVERY_HASH_METHOD = "pbkdf2:sha256:50000"
ISSUER = "Research Security Conference"

WRONG_CODE = _l("That code is not valid. Check the time on your device and try a new code.")


class TwoFactorError(DomainError):
    code = "second_factor_invalid"


# --- who needs a second factor ------------------------------------------------------------


def is_privileged(user: User) -> bool:
    """Site administrators and holders of any edition role must use a second factor."""
    if user.is_admin:
        return True
    return bool(db.session.scalar(sa.select(sa.exists().where(RoleAssignment.user_id == user.id))))


def has_second_factor(user: User) -> bool:
    """A confirmed TOTP secret or at least one WebAuthn credential."""
    return bool(
        db.session.scalar(
            sa.select(
                sa.or_(
                    sa.exists().where(TotpSecret.user_id == user.id),
                    sa.exists().where(WebAuthnCredential.user_id == user.id),
                )
            )
        )
    )


def requires_second_factor(user: User) -> bool:
    """Must this account pass a second step after the password?"""
    return is_privileged(user) or has_second_factor(user)


def totp_of(user: User) -> TotpSecret | None:
    return db.session.scalar(sa.select(TotpSecret).where(TotpSecret.user_id == user.id))


def credentials_of(user: User) -> list[WebAuthnCredential]:
    return list(
        db.session.scalars(
            sa.select(WebAuthnCredential)
            .where(WebAuthnCredential.user_id == user.id)
            .order_by(WebAuthnCredential.created_at, WebAuthnCredential.id)
        )
    )


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


# --- TOTP ---------------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, interval=TOTP_INTERVAL).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )


def qr_code_data_uri(text: str) -> str:
    """An SVG QR code as a ``data:`` URI (the CSP allows images from data:)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _normalise_code(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (within the allowed drift) whose code is ``code``, or None."""
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_INTERVAL)
    now = utcnow()
    for offset in range(-TOTP_DRIFT_STEPS, TOTP_DRIFT_STEPS + 1):
        moment = now.timestamp() + offset * TOTP_INTERVAL
        if hmac.compare_digest(totp.at(moment), code):
            return int(moment // TOTP_INTERVAL)
    return None


def enable_totp(user: User, secret: str, code: str) -> list[str]:
    """Confirm a new authenticator app with one of its codes; returns new recovery codes
    when the account had none."""
    if totp_of(user) is not None:
        raise Conflict(_("An authenticator app is already set up; remove it first to replace it."))
    try:
        pyotp.TOTP(secret).byte_secret()
    except (ValueError, TypeError) as exc:
        raise TwoFactorError(_("The set-up has expired; please start again.")) from exc
    step = _matching_step(secret, _normalise_code(code))
    if step is None:
        audit.record(user, "2fa.totp.setup_failed", user)
        raise TwoFactorError(str(WRONG_CODE))
    db.session.add(
        TotpSecret(user_id=user.id, secret=secret, last_used_step=step, last_used_at=utcnow())
    )
    audit.record(user, "2fa.totp.enabled", user)
    return first_recovery_codes(user)


def _use_totp(user: User, code: str) -> bool:
    totp = totp_of(user)
    if totp is None:
        return False
    step = _matching_step(totp.secret, code)
    if step is None:
        return False
    # One statement: of two requests with the same code, only one moves the step forward.
    result = db.session.execute(
        sa.update(TotpSecret)
        .where(
            TotpSecret.id == totp.id,
            sa.or_(TotpSecret.last_used_step.is_(None), TotpSecret.last_used_step < step),
        )
        .values(last_used_step=step, last_used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        audit.record(user, "2fa.totp.replay_refused", user)
        return False
    return True


def remove_totp(user: User, *, actor: User | None = None) -> None:
    totp = totp_of(user)
    if totp is None:
        raise NotFound(_("No authenticator app is set up."))
    _refuse_removing_last_factor(user, remaining=len(credentials_of(user)))
    db.session.delete(totp)
    audit.record(actor or user, "2fa.totp.removed", user)
    _forget_recovery_codes_if_no_factor(user, remaining=len(credentials_of(user)))


# --- recovery codes -----------------------------------------------------------------------


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


def generate_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with new ones (returned once, stored hashed)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.session.add(
            RecoveryCode(
                user_id=user.id,
                code_hash=generate_password_hash(
                    _normalise_code(code), method=RECOVERY_HASH_METHOD
                ),
            )
        )
    audit.record(user, "2fa.recovery_codes.generated", user, count=len(codes))
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    if not has_second_factor(user):
        raise Conflict(_("Set up an authenticator app or a security key first."))
    return generate_recovery_codes(user)


def first_recovery_codes(user: User) -> list[str]:
    if recovery_codes_left(user):
        return []
    return generate_recovery_codes(user)


def _use_recovery_code(user: User, code: str) -> bool:
    if len(code) != RECOVERY_CODE_LENGTH:
        return False
    unused = db.session.scalars(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    for row in unused:
        if check_password_hash(row.code_hash, code):
            result = db.session.execute(
                sa.update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1
    return False


def _forget_recovery_codes_if_no_factor(user: User, *, remaining: int) -> None:
    if remaining == 0:
        db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def may_remove_a_factor(user: User) -> bool:
    """Privileged accounts keep at least one factor."""
    count = len(credentials_of(user)) + (1 if totp_of(user) else 0)
    return count > 1 or not is_privileged(user)


def _refuse_removing_last_factor(user: User, *, remaining: int) -> None:
    if remaining == 0 and is_privileged(user):
        raise Conflict(
            _(
                "Your roles need a second factor: add another authenticator app or security "
                "key before removing this one."
            )
        )


# --- the second login step ----------------------------------------------------------------


def verify_code(user: User, code: str | None) -> str:
    """Check a TOTP or recovery code given at the second login step.

    Returns the method that matched ("totp" or "recovery_code"); raises TwoFactorError.
    """
    normalised = _normalise_code(code)
    if not normalised:
        raise TwoFactorError(_("Please enter the code from your authenticator app."))
    if _use_totp(user, normalised):
        method = "totp"
    elif _use_recovery_code(user, normalised):
        method = "recovery_code"
    else:
        audit.record(user, "2fa.verify_failed", user)
        raise TwoFactorError(str(WRONG_CODE))
    details = {"left": recovery_codes_left(user)} if method == "recovery_code" else {}
    audit.record(user, "2fa.verified", user, method=method, **details)
    return method


# --- WebAuthn -----------------------------------------------------------------------------


def _user_handle(user: User) -> bytes:
    # An opaque handle (WebAuthn asks for no personal data in it); stable per account.
    return hmac.new(
        current_app.config["SECRET_KEY"].encode(), f"webauthn:{user.id}".encode(), "sha256"
    ).digest()


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    descriptors = []
    for credential in credentials_of(user):
        transports = []
        for name in filter(None, credential.transports.split(",")):
            try:
                transports.append(AuthenticatorTransport(name))
            except ValueError:
                continue
        descriptors.append(
            PublicKeyCredentialDescriptor(
                id=base64url_to_bytes(credential.credential_id), transports=transports or None
            )
        )
    return descriptors


def registration_options(user: User, rp_id: str) -> tuple[str, str]:
    """(options as JSON for navigator.credentials.create, challenge to keep server-side)."""
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=ISSUER,
        user_id=_user_handle(user),
        user_name=user.email,
        user_display_name=user.display_name,
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return options_to_json(options), bytes_to_base64url(options.challenge)


def _parse_credential(credential) -> dict:
    if isinstance(credential, str):
        try:
            credential = json.loads(credential)
        except ValueError:
            credential = None
    if not isinstance(credential, dict):
        raise TwoFactorError(_("The security key's answer could not be read."))
    return credential


def register_credential(
    user: User, credential, *, challenge: str | None, rp_id: str, origin: str, name: str
) -> WebAuthnCredential:
    """Verify a registration ceremony and store the new credential."""
    if not challenge:
        raise TwoFactorError(_("The request has expired; please try again."))
    name = " ".join((name or "").split())[:100] or "Security key"
    credential = _parse_credential(credential)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        audit.record(user, "2fa.webauthn.setup_failed", user, reason=str(exc)[:200])
        raise TwoFactorError(_("The security key could not be registered.")) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    existing = db.session.scalar(
        sa.select(WebAuthnCredential).where(WebAuthnCredential.credential_id == credential_id)
    )
    if existing is not None:
        raise Conflict(_("This security key is already registered."))
    transports = (credential.get("response") or {}).get("transports") or []
    row = WebAuthnCredential(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
        transports=",".join(str(t) for t in transports if isinstance(t, str))[:200],
    )
    db.session.add(row)
    db.session.flush()
    audit.record(user, "2fa.webauthn.added", user, credential=row.id, name=name)
    return row


def authentication_options(user: User, rp_id: str) -> tuple[str, str]:
    """(options as JSON for navigator.credentials.get, challenge to keep server-side)."""
    descriptors = _descriptors(user)
    if not descriptors:
        raise NotFound(_("No security key is registered for this account."))
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=descriptors,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), bytes_to_base64url(options.challenge)


def verify_assertion(
    user: User, credential, *, challenge: str | None, rp_id: str, origin: str
) -> WebAuthnCredential:
    """Verify an authentication ceremony with one of ``user``'s credentials."""
    if not challenge:
        raise TwoFactorError(_("The request has expired; please try again."))
    credential = _parse_credential(credential)
    raw_id = credential.get("rawId") or credential.get("id")
    stored = None
    if isinstance(raw_id, str):
        stored = db.session.scalar(
            sa.select(WebAuthnCredential).where(
                WebAuthnCredential.user_id == user.id,
                WebAuthnCredential.credential_id == raw_id,
            )
        )
    if stored is None:
        audit.record(user, "2fa.verify_failed", user, method="webauthn")
        raise TwoFactorError(_("This security key is not registered for your account."))
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=stored.public_key,
            credential_current_sign_count=stored.sign_count,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        audit.record(user, "2fa.verify_failed", user, method="webauthn", reason=str(exc)[:200])
        raise TwoFactorError(_("The security key's answer was not accepted.")) from exc
    stored.sign_count = verified.new_sign_count
    stored.last_used_at = utcnow()
    audit.record(user, "2fa.verified", user, method="webauthn", credential=stored.id)
    return stored


def remove_credential(user: User, credential_id: int) -> WebAuthnCredential:
    row = db.session.get(WebAuthnCredential, credential_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("There is no such security key."))
    remaining = len(credentials_of(user)) - 1 + (1 if totp_of(user) else 0)
    _refuse_removing_last_factor(user, remaining=remaining)
    db.session.delete(row)
    audit.record(user, "2fa.webauthn.removed", user, credential=row.id, name=row.name)
    _forget_recovery_codes_if_no_factor(user, remaining=remaining)
    return row


# --- administration and demo data -----------------------------------------------------------


def reset_second_factor(user: User, *, actor: User) -> None:
    """Remove every factor and recovery code of ``user`` and end their sessions; a
    privileged user then sets up a new factor at their next login."""
    for model in (TotpSecret, WebAuthnCredential, RecoveryCode):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    user.session_token = secrets.token_hex(16)
    audit.record(actor, "2fa.reset", user)


def enrol_demo_totp(user: User, secret: str) -> bool:
    """Give a demo account a known TOTP secret (``flask seed-demo`` only); idempotent."""
    try:
        pyotp.TOTP(secret).byte_secret()
    except (ValueError, TypeError) as exc:
        raise DomainError(
            "DEMO_TOTP_SECRET must be base32 (letters A–Z, digits 2–7) of 112 bits or "
            "more, e.g. 32 characters."
        ) from exc
    totp = totp_of(user)
    if totp is not None:
        if totp.secret == secret:
            return False
        totp.secret = secret
        totp.last_used_step = None
    else:
        db.session.add(TotpSecret(user_id=user.id, secret=secret))
    audit.record(None, "2fa.totp.demo_enrolled", user)
    return True
