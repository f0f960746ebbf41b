"""Second factors of an account: a TOTP secret, WebAuthn credentials and recovery codes.

Kept apart from ``models.py`` because they change together with the two-factor rules
(``twofactor_services.py``) and nothing else.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference.db import UTCDateTime, utcnow
from conference.extensions import db


class TotpSecret(db.Model):
    """A confirmed authenticator-app secret (one per account).

    ``last_used_step`` is the RFC 6238 time step of the last accepted code: a code of that
    step or an earlier one is refused, so a code works once even across worker processes.
    """

    __tablename__ = "totp_secrets"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    secret: so.Mapped[str] = so.mapped_column(sa.String(64))
    last_used_step: so.Mapped[int | None] = so.mapped_column(sa.BigInteger())
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())


class WebAuthnCredential(db.Model):
    """A security key or passkey registered with the WebAuthn API."""

    __tablename__ = "webauthn_credentials"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # base64url of the authenticator's credential id (at most 1023 bytes by the spec).
    credential_id: so.Mapped[str] = so.mapped_column(sa.String(1400), unique=True)
    public_key: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary())
    sign_count: so.Mapped[int] = so.mapped_column(sa.BigInteger(), default=0)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    transports: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())


class RecoveryCode(db.Model):
    """A one-time recovery code; only a salted slow hash is stored."""

    __tablename__ = "recovery_codes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    used_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
