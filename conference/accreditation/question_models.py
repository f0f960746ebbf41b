"""Custom registration questions an edition's organisers define, and the answers given.

An answer keeps a copy of its question's key and label and stores its value as given (a
choice's text, not its position), so that changing or deleting a question after people have
answered it keeps their answers readable.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference.db import TimestampMixin, UTCDateTime, utcnow
from conference.extensions import db


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    NUMBER = "number"
    DATE = "date"
    COUNTRY = "country"
    EMAIL = "email"
    FILE = "file"


_KINDS = ", ".join(f"'{kind.value}'" for kind in QuestionKind)


class RegistrationQuestion(TimestampMixin, db.Model):
    __tablename__ = "registration_questions"
    __table_args__ = (
        sa.UniqueConstraint("edition_id", "key"),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name="kind_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    # The stable name of the question in the API's ``answers`` and in exports.
    key: so.Mapped[str] = so.mapped_column(sa.String(40))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    label: so.Mapped[str] = so.mapped_column(sa.String(300))
    help_text: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    required: so.Mapped[bool] = so.mapped_column(default=False)
    # The choices of a single or multiple choice question, in order.
    choices: so.Mapped[list] = so.mapped_column(sa.JSON(), default=list)
    # Ids of the accreditation categories it is asked in; empty: every category.
    category_ids: so.Mapped[list] = so.mapped_column(sa.JSON(), default=list)
    position: so.Mapped[int] = so.mapped_column(default=0)
    # Asked only when the answer to ``condition_question`` has a value: ``condition_value``
    # (a choice, "yes"/"no"), or any value at all when it is empty.
    condition_question_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("registration_questions.id", ondelete="SET NULL")
    )
    condition_value: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    # Hidden from CSV exports unless asked for; erased first by the retention purge.
    sensitive: so.Mapped[bool] = so.mapped_column(default=False)

    condition_question: so.Mapped[RegistrationQuestion | None] = so.relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<RegistrationQuestion {self.key}>"


class RegistrationAnswer(db.Model):
    """One person's answer to one question; a file answer names a file kept outside the
    web root (``stored_name`` under the upload folder)."""

    __tablename__ = "registration_answers"
    __table_args__ = (sa.UniqueConstraint("registration_id", "question_key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    question_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("registration_questions.id", ondelete="SET NULL"), index=True
    )
    # Copies of the question as it was answered.
    question_key: so.Mapped[str] = so.mapped_column(sa.String(40))
    question_label: so.Mapped[str] = so.mapped_column(sa.String(300))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    sensitive: so.Mapped[bool] = so.mapped_column(default=False)
    # The value as JSON (text, list of choices, true/false, number, ISO date, country code).
    value: so.Mapped[object] = so.mapped_column(sa.JSON(), nullable=True)
    # The value as one line of text, for filters and exports.
    value_text: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    file_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    file_type: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    file_size: so.Mapped[int] = so.mapped_column(default=0)
    stored_name: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    answered_at: so.Mapped[dt.datetime] = so.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    registration: so.Mapped[Registration] = so.relationship()
    question: so.Mapped[RegistrationQuestion | None] = so.relationship()


if TYPE_CHECKING:  # related models are resolved by name when the mappers configure
    from conference.accreditation.models import Registration
