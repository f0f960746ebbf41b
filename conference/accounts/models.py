"""Users, per-edition role assignments and personal API tokens."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from conference.db import TimestampMixin, UTCDateTime, utcnow
from conference.extensions import db


class Role(enum.StrEnum):
    """Per-edition roles; the site administrator is a flag on the user."""

    ORGANISER = "organiser"
    REVIEWER = "reviewer"
    CHAIR = "chair"
    STAFF = "staff"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Always stored lower-cased; uniqueness is therefore case-insensitive.
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    organisation_type: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    country: so.Mapped[str] = so.mapped_column(sa.String(2), default="")
    position: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    is_admin: so.Mapped[bool] = so.mapped_column(default=False)
    email_verified_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    # Rotated on logout and password change: old session cookies stop working.
    session_token: so.Mapped[str] = so.mapped_column(
        sa.String(64), default=lambda: secrets.token_hex(16)
    )
    password_changed_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    last_login_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    deleted_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    # The language chosen in the profile or the language switch (None: the browser's).
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(16))

    roles: so.Mapped[list[RoleAssignment]] = so.relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        foreign_keys="RoleAssignment.user_id",
    )
    tokens: so.Mapped[list[ApiToken]] = so.relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.deleted_at is None

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class RoleAssignment(db.Model):
    __tablename__ = "role_assignments"
    __table_args__ = (sa.UniqueConstraint("user_id", "edition_id", "role"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    role: so.Mapped[str] = so.mapped_column(sa.String(20))
    granted_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    user: so.Mapped[User] = so.relationship(back_populates="roles", foreign_keys=[user_id])
    edition: so.Mapped[Edition] = so.relationship()  # noqa: F821


class TokenScope(enum.StrEnum):
    """What a token may do (see ``conference.accounts.scopes`` for the rule)."""

    CHECKIN = "checkin"  # door scanners: the check-in API of one edition
    READ = "read"  # GET/HEAD on the API and the public exports
    FULL = "full"  # the whole API


class ApiToken(db.Model):
    """A personal token for the JSON API; only its SHA-256 hash is stored.

    A token has one scope; a ``checkin`` token belongs to one edition (``edition_id``) and,
    unless told otherwise, expires the day after that edition ends.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (
        sa.CheckConstraint("scope IN ('checkin', 'read', 'full')", name="scope_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    prefix: so.Mapped[str] = so.mapped_column(sa.String(12))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    revoked_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    scope: so.Mapped[str] = so.mapped_column(
        sa.String(10), default=TokenScope.FULL, server_default=TokenScope.FULL.value
    )
    expires_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    edition_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )

    user: so.Mapped[User] = so.relationship(back_populates="tokens")
    edition: so.Mapped[Edition | None] = so.relationship()  # noqa: F821

    def is_expired(self, now: dt.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


if TYPE_CHECKING:  # related models are resolved by name when the mappers configure
    from conference.editions.models import Edition
