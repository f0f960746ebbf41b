"""Editions of the conference and their per-edition mail templates."""

from __future__ import annotations

import datetime as dt
import enum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from conference import tlp
from conference.db import TimestampMixin, UTCDateTime, utcnow
from conference.extensions import db


class EditionState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Edition(TimestampMixin, db.Model):
    __tablename__ = "editions"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="dates_ordered"),
        sa.CheckConstraint("year >= 2000 AND year <= 2200", name="year_range"),
        sa.CheckConstraint(f"tlp_default IN ({tlp.SQL_VALUES})", name="tlp_default_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    year: so.Mapped[int] = so.mapped_column(unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    acronym: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    venue: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    address: so.Mapped[str] = so.mapped_column(sa.String(400), default="")
    # What the edition is about, in Markdown (rendered without raw HTML on its page).
    description: so.Mapped[str] = so.mapped_column(sa.Text(), default="", server_default="")
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64), default="Europe/Brussels")
    start_date: so.Mapped[dt.date] = so.mapped_column(sa.Date())
    end_date: so.Mapped[dt.date] = so.mapped_column(sa.Date())
    state: so.Mapped[str] = so.mapped_column(sa.String(20), default=EditionState.DRAFT)
    # Overall number of accredited attendees allowed; None means no limit.
    capacity: so.Mapped[int | None] = so.mapped_column()
    registration_opens_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    registration_closes_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    cfp_opens_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    cfp_closes_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    cfp_guidance: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    review_deadline: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime())
    reviewers_per_submission: so.Mapped[int] = so.mapped_column(default=3)
    review_guidance: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    badge_footer: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    badge_show_country: so.Mapped[bool] = so.mapped_column(default=True)
    badge_show_organisation: so.Mapped[bool] = so.mapped_column(default=True)
    # What happens to the programme session of an accepted talk its speaker withdraws:
    # "cancel" keeps it, marked cancelled (STATUS:CANCELLED in feeds); "remove" deletes it.
    withdrawn_talks: so.Mapped[str] = so.mapped_column(sa.String(20), default="cancel")
    # E-mail domains shared by unrelated people (a ministry, the Commission): one per line;
    # a shared domain creates no automatic conflict of interest.
    conflict_free_domains: so.Mapped[str] = so.mapped_column(sa.Text(), default="")
    # Moved forward on every programme change; feeds derive their ETag from it.
    programme_changed_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    # Languages offered inside this edition, comma-separated; the first is the one its texts
    # are entered in, the others may get translations (``title_translations``).
    languages: so.Mapped[str] = so.mapped_column(
        sa.String(200), default="en,fr,de", server_default="en,fr,de"
    )
    title_translations: so.Mapped[dict] = so.mapped_column(
        sa.JSON(), default=dict, server_default="{}"
    )
    cloned_from_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="SET NULL")
    )
    # The waiting list for accreditation: when a place frees, the first waiting person is
    # accredited ("automatic"), offered the place for ``waitlist_offer_days`` days ("offer"),
    # or left to the organisers ("manual").
    waitlist_mode: so.Mapped[str] = so.mapped_column(
        sa.String(20), default="automatic", server_default="automatic"
    )
    waitlist_offer_days: so.Mapped[int] = so.mapped_column(default=3, server_default="3")
    # The TLP label a new session of the edition starts with (``conference.tlp``).
    tlp_default: so.Mapped[str] = so.mapped_column(
        sa.String(20), default="CLEAR", server_default="CLEAR"
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_archived(self) -> bool:
        return self.state == EditionState.ARCHIVED

    def local(self, moment: dt.datetime | None) -> dt.datetime | None:
        """``moment`` (aware UTC) in the edition's time zone."""
        return moment.astimezone(self.tz) if moment is not None else None

    def registration_open(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return (
            self.state == EditionState.OPEN
            and self.registration_opens_at is not None
            and self.registration_closes_at is not None
            and self.registration_opens_at <= now < self.registration_closes_at
        )

    def cfp_open(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return (
            self.state == EditionState.OPEN
            and self.cfp_opens_at is not None
            and self.cfp_closes_at is not None
            and self.cfp_opens_at <= now < self.cfp_closes_at
        )

    def __repr__(self) -> str:
        return f"<Edition {self.year}>"


class MailTemplate(db.Model):
    """An organiser-editable mail template (rendered in a Jinja sandbox)."""

    __tablename__ = "mail_templates"
    __table_args__ = (sa.UniqueConstraint("edition_id", "key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    key: so.Mapped[str] = so.mapped_column(sa.String(60))
    subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    body: so.Mapped[str] = so.mapped_column(sa.Text())
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )


class ReminderSetting(db.Model):
    """An edition's choice for one kind of reminder (``editions.reminders``): on or off, and
    how many days ahead. No row: the kind's defaults (on)."""

    __tablename__ = "reminder_settings"
    __table_args__ = (
        sa.UniqueConstraint("edition_id", "kind"),
        sa.CheckConstraint(
            "days_before IS NULL OR (days_before >= 0 AND days_before <= 365)",
            name="days_before_range",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    enabled: so.Mapped[bool] = so.mapped_column(default=True)
    days_before: so.Mapped[int | None] = so.mapped_column()


class SentReminder(db.Model):
    """A reminder that went out: the unique key makes sure none is ever sent twice, even by
    two workers at once (the second insert fails and that worker skips it)."""

    __tablename__ = "sent_reminders"
    __table_args__ = (sa.UniqueConstraint("edition_id", "kind", "key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    edition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    # What the reminder is about, within its kind (a person, a registration, a deadline).
    # (No address: the outbox keeps the mail itself, and erases it with the account.)
    key: so.Mapped[str] = so.mapped_column(sa.String(120))
    sent_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
