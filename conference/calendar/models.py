"""Secret personal calendar-feed tokens.

The token is derived as HMAC(SECRET_KEY, user id + nonce), so the page can show the link again
while the database only holds its SHA-256 hash; regenerating draws a new nonce.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference.db import UTCDateTime, utcnow
from conference.extensions import db


class CalendarToken(db.Model):
    __tablename__ = "calendar_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    nonce: so.Mapped[str] = so.mapped_column(sa.String(64))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())


class ProgrammeFeedToken(db.Model):
    """The secret of a person's private full-programme feed of one edition.

    Same scheme as ``CalendarToken`` (HMAC of user, edition and nonce; only the hash stored),
    one per person and edition: the whole programme as that person sees it, restricted
    sessions in full where they are cleared and as placeholders elsewhere.
    """

    __tablename__ = "programme_feed_tokens"
    __table_args__ = (sa.UniqueConstraint("user_id", "edition_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    nonce: so.Mapped[str] = so.mapped_column(sa.String(64))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
