"""Speakers' side of the programme: speaker profiles and the materials of sessions.

Kept beside ``models`` (and imported at its end) so that the programme's core models stay
short. Files live outside the database and the web root, behind the storage interface in
``programme.services.files``; a row only names the stored object (``storage_key``).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference import tlp
from conference.db import TimestampMixin, UTCDateTime, utcnow
from conference.extensions import db


class MaterialVisibility(enum.StrEnum):
    """Who sees a session's materials. The session's own access rule always comes first."""

    PUBLIC = "public"  # everyone who may see the session's details
    ACCREDITED = "accredited"  # accredited attendees (and organisers, staff, the speakers)
    CLEARED = "cleared"  # people cleared to attend the session


class MaterialKind(enum.StrEnum):
    SLIDES = "slides"
    DOCUMENT = "document"
    RECORDING = "recording"


class SpeakerProfile(TimestampMixin, db.Model):
    """What a speaker shows of themselves in one edition (session pages, schedule exports)."""

    __tablename__ = "speaker_profiles"
    __table_args__ = (sa.UniqueConstraint("edition_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    biography: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    position: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    # The re-encoded JPEG in the file store (None: no photo).
    photo_key: so.Mapped[str | None] = so.mapped_column(sa.String(100))

    user: so.Mapped[User] = so.relationship()  # noqa: F821


class SessionMaterial(TimestampMixin, db.Model):
    """Slides, a document or a recording link of a session (or of a submission not yet placed).

    A file has a ``storage_key``; a recording has a ``url``; never both. A material uploaded to
    a submission shows on the session the talk is placed in.
    """

    __tablename__ = "session_materials"
    __table_args__ = (
        sa.CheckConstraint("session_id IS NOT NULL OR submission_id IS NOT NULL", name="attached"),
        sa.CheckConstraint("(storage_key IS NULL) <> (url IS NULL)", name="file_or_link"),
        sa.CheckConstraint("kind IN ('slides', 'document', 'recording')", name="kind_known"),
        sa.CheckConstraint(f"tlp IS NULL OR tlp IN ({tlp.SQL_VALUES})", name="tlp_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    session_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    submission_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    storage_key: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    filename: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    content_type: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    size: so.Mapped[int] = so.mapped_column(default=0)
    url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    # A stricter TLP label than the session's, or None: the session's (a material is never
    # less strict than the session it belongs to; ``programme.services.materials``).
    tlp: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    # False: "not shared" — only the organisers and the session's speakers reach it, whatever
    # its label (issue 23; ``permissions`` rule ``material.download``).
    shared: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    uploaded_by: so.Mapped[User | None] = so.relationship()  # noqa: F821

    @property
    def is_file(self) -> bool:
        return self.storage_key is not None

    @property
    def is_pdf(self) -> bool:
        return self.storage_key is not None and self.content_type == "application/pdf"


class MaterialDownload(db.Model):
    """One download (or in-browser view) of a material whose label is not CLEAR: who, when,
    which file, under which label. Kept when the account is deleted, without the person."""

    __tablename__ = "material_downloads"
    __table_args__ = (
        sa.Index("ix_material_downloads_material_time", "material_id", "downloaded_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    material_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("session_materials.id", ondelete="CASCADE")
    )
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    # The effective label the file was served under (``tlp.VALUES``).
    label: so.Mapped[str] = so.mapped_column(sa.String(20))
    inline: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    watermarked: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    downloaded_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    material: so.Mapped[SessionMaterial] = so.relationship()
    user: so.Mapped[User | None] = so.relationship()  # noqa: F821


if TYPE_CHECKING:  # related models are resolved by name when the mappers configure
    from conference.accounts.models import User
