"""The figures of the organisers' overview and of the comparison between editions.

Each figure is a ``Figure``: a title, column names and rows, so that the page can draw it as
a chart, show it as a table, and offer it as CSV from the same data. Titles, columns and
fixed labels are in the request's language; the CSV views build figures in English.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import countries
from conference.accreditation.models import (
    AccreditationCategory,
    Registration,
    RegistrationState,
)
from conference.badges.models import Badge, BadgeState
from conference.checkin.models import Scan, ScanResult
from conference.db import utcnow
from conference.editions.models import Edition
from conference.extensions import db
from conference.mail import outbox_counts
from conference.permissions import Channel, Clearance
from conference.programme import services as programme
from conference.programme.models import Booking, BookingState, ProgrammeSession
from conference.review.models import Review, ReviewAssignment
from conference.submissions.models import Decision, Submission, SubmissionState


@dataclass
class Figure:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str | None = "bar"  # "bar", "line" or None (table only)
    note: str = ""

    def series(self, column: int = 1) -> list[tuple[str, float]]:
        """(label, value) pairs for a chart of one numeric column."""
        return [(str(r[0]), float(r[column] or 0)) for r in self.rows]


def _count_by(edition: Edition, column) -> list[tuple]:
    return list(
        db.session.execute(
            sa.select(column, sa.func.count())
            .where(Registration.edition_id == edition.id)
            .group_by(column)
            .order_by(sa.func.count().desc(), column)
        ).all()
    )


def registrations_by_state(edition: Edition) -> Figure:
    counts = dict(_count_by(edition, Registration.state))
    rows = [[state.value, counts.get(state.value, 0)] for state in RegistrationState]
    return Figure(
        "registrations-by-state", _("Registrations by state"), [_("State"), _("Count")], rows
    )


def _categories(edition: Edition) -> dict[int, AccreditationCategory]:
    return {
        c.id: c
        for c in db.session.scalars(
            sa.select(AccreditationCategory)
            .where(AccreditationCategory.edition_id == edition.id)
            .order_by(AccreditationCategory.position, AccreditationCategory.name)
        )
    }


def registrations_by_category(edition: Edition) -> Figure:
    """Per category: accredited (granted category) and all registrations (requested one)."""
    categories = _categories(edition)
    requested = dict(_count_by(edition, Registration.requested_category_id))
    accredited = dict(
        db.session.execute(
            sa.select(Registration.category_id, sa.func.count())
            .where(
                Registration.edition_id == edition.id,
                Registration.state == RegistrationState.ACCREDITED,
            )
            .group_by(Registration.category_id)
        ).all()
    )
    rows = [
        [c.name, requested.get(c.id, 0), accredited.get(c.id, 0), c.quota if c.quota else ""]
        for c in categories.values()
    ]
    return Figure(
        "registrations-by-category",
        _("Registrations by category"),
        [_("Category"), _("Requested"), _("Accredited"), _("Quota")],
        rows,
    )


def registrations_by_country(edition: Edition) -> Figure:
    rows = [
        [countries.name(code) or code or _("Not given"), n]
        for code, n in _count_by(edition, Registration.country)
    ]
    return Figure(
        "registrations-by-country", _("Registrations by country"), [_("Country"), _("Count")], rows
    )


AGE_BUCKETS = [(0, 2, _l("under 2 days")), (2, 7, _l("2–7 days")), (7, 14, _l("7–14 days"))]
OLDEST_BUCKET = _l("14 days or more")


def queue_age(edition: Edition, now: dt.datetime | None = None) -> Figure:
    """How long open registrations (submitted or waitlisted) have been waiting."""
    now = now or utcnow()
    created = db.session.scalars(
        sa.select(Registration.created_at).where(
            Registration.edition_id == edition.id,
            Registration.state.in_([RegistrationState.SUBMITTED, RegistrationState.WAITLISTED]),
        )
    ).all()
    ages = [(now - c).total_seconds() / 86400 for c in created]
    buckets = Counter()
    for age in ages:
        label = next((str(lbl) for lo, hi, lbl in AGE_BUCKETS if lo <= age < hi), None)
        buckets[label or str(OLDEST_BUCKET)] += 1
    labels = [str(b[2]) for b in AGE_BUCKETS] + [str(OLDEST_BUCKET)]
    note = _("No registration is waiting.")
    if ages:
        note = _(
            "%(num)s waiting; oldest %(oldest)s days, median %(median)s days.",
            num=len(ages),
            oldest=f"{max(ages):.1f}",
            median=f"{statistics.median(ages):.1f}",
        )
    return Figure(
        "queue-age",
        _("Accreditation queue age"),
        [_("Waiting for"), _("Registrations")],
        [[label, buckets.get(label, 0)] for label in labels],
        note=note,
    )


def submissions_progress(edition: Edition) -> Figure:
    rows = db.session.execute(
        sa.select(Submission.state, Submission.decision, sa.func.count())
        .where(Submission.edition_id == edition.id)
        .group_by(Submission.state, Submission.decision)
    ).all()
    counts: Counter = Counter()
    for state, decision, n in rows:
        if state == SubmissionState.SUBMITTED and decision != Decision.PENDING:
            counts[decision] += n
        else:
            counts[state] += n
    order = ["draft", "submitted", "accepted", "waitlisted", "rejected", "withdrawn"]
    labels = {
        "draft": _("draft"),
        "submitted": _("submitted, undecided"),
        "accepted": _("accepted"),
        "waitlisted": _("waitlisted"),
        "rejected": _("rejected"),
        "withdrawn": _("withdrawn"),
    }
    return Figure(
        "submissions",
        _("Submissions"),
        [_("State"), _("Count")],
        [[labels.get(k, k), counts.get(k, 0)] for k in order],
    )


def reviews_progress(edition: Edition) -> Figure:
    assigned = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ReviewAssignment)
        .where(ReviewAssignment.edition_id == edition.id)
    )
    submitted = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Review)
        .where(Review.edition_id == edition.id, Review.submitted_at.is_not(None))
    )
    drafts = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Review)
        .where(Review.edition_id == edition.id, Review.submitted_at.is_(None))
    )
    missing = max(assigned - submitted - drafts, 0)
    note = _(
        "%(submitted)s of %(assigned)s assigned reviews submitted",
        submitted=submitted,
        assigned=assigned,
    )
    if assigned:
        note = _(
            "%(submitted)s of %(assigned)s assigned reviews submitted (%(percent)s %%).",
            submitted=submitted,
            assigned=assigned,
            percent=f"{100 * submitted / assigned:.0f}",
        )
    return Figure(
        "reviews",
        _("Reviews"),
        [_("State"), _("Count")],
        [[_("submitted"), submitted], [_("draft"), drafts], [_("not started"), missing]],
        note=note,
    )


def bookings(edition: Edition, viewer: Clearance | None = None) -> Figure:
    """Seats per session. ``viewer``: the figure is a CSV download for them
    (``Channel.EXPORT``): a session whose TLP label keeps it out of exports (RED) is named
    by the placeholder title."""
    sessions = list(
        db.session.scalars(
            sa.select(ProgrammeSession)
            .where(
                ProgrammeSession.edition_id == edition.id,
                ProgrammeSession.booking_required.is_(True),
            )
            .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
        )
    )
    counts = defaultdict(Counter)
    for session_id, state, n in db.session.execute(
        sa.select(Booking.session_id, Booking.state, sa.func.count())
        .where(Booking.edition_id == edition.id)
        .group_by(Booking.session_id, Booking.state)
    ):
        counts[session_id][state] = n
    rows = []
    for session in sessions:
        title = session.title
        if viewer is not None:
            title = programme.session_view(session, viewer, channel=Channel.EXPORT).title
        booked = counts[session.id][BookingState.BOOKED]
        waiting = counts[session.id][BookingState.WAITLISTED]
        rows.append([title, booked, waiting, session.capacity or ""])
    return Figure(
        "bookings",
        _("Bookings per session"),
        [_("Session"), _("Booked"), _("Waiting"), _("Capacity")],
        rows,
    )


def badges(edition: Edition) -> Figure:
    valid = sa.and_(Badge.edition_id == edition.id, Badge.state == BadgeState.VALID)
    issued = db.session.scalar(sa.select(sa.func.count()).select_from(Badge).where(valid))
    printed = db.session.scalar(
        sa.select(sa.func.count()).select_from(Badge).where(valid, Badge.printed_at.is_not(None))
    )
    revoked = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Badge)
        .where(Badge.edition_id == edition.id, Badge.state == BadgeState.REVOKED)
    )
    return Figure(
        "badges",
        _("Badges"),
        [_("Badges"), _("Count")],
        [
            [_("valid"), issued],
            [_("printed (valid)"), printed],
            [_("not yet printed"), issued - printed],
            [_("revoked"), revoked],
        ],
    )


def checkins_over_time(edition: Edition) -> Figure:
    """Admissions per checkpoint per hour (edition time), first admissions only."""
    scans = db.session.execute(
        sa.select(Scan.checkpoint, Scan.scanned_at)
        .where(Scan.edition_id == edition.id, Scan.result == ScanResult.ADMITTED)
        .order_by(Scan.scanned_at)
    ).all()
    checkpoints = sorted({c for c, _ in scans}, key=lambda c: (c != "venue", c))
    hours: dict[str, Counter] = defaultdict(Counter)
    for checkpoint, moment in scans:
        hour = moment.astimezone(edition.tz).strftime("%Y-%m-%d %H:00")
        hours[hour][checkpoint] += 1
    rows = [[hour] + [hours[hour][c] for c in checkpoints] for hour in sorted(hours)]
    return Figure(
        "checkins",
        _("Check-ins per checkpoint and hour"),
        [_("Hour")] + [_checkpoint_label(c) for c in checkpoints],
        rows,
        chart="line" if rows else None,
        note="" if rows else _("No check-in yet."),
    )


def _checkpoint_label(checkpoint: str) -> str:
    if checkpoint == "venue":
        return _("Venue")
    if checkpoint.startswith("session:"):
        return _("Session %(id)s", id=checkpoint.removeprefix("session:"))
    return checkpoint


def outbox(edition: Edition) -> Figure:
    counts = outbox_counts(edition.id)
    return Figure(
        "outbox",
        _("Mail outbox"),
        [_("Status"), _("Messages")],
        [
            [_("pending"), counts["pending"]],
            [_("failed"), counts["failed"]],
            [_("sent"), counts["sent"]],
        ],
    )


FIGURES = {
    "registrations-by-state": registrations_by_state,
    "registrations-by-category": registrations_by_category,
    "registrations-by-country": registrations_by_country,
    "queue-age": queue_age,
    "submissions": submissions_progress,
    "reviews": reviews_progress,
    "bookings": bookings,
    "badges": badges,
    "checkins": checkins_over_time,
    "outbox": outbox,
}


def export_figure(key: str, edition: Edition, viewer: Clearance) -> Figure | None:
    """The figure ``key`` for its CSV download by ``viewer`` (None: no such figure); session
    titles as the TLP labels let them into an export."""
    build = FIGURES.get(key)
    if build is None:
        return None
    if build is bookings:
        return bookings(edition, viewer)
    return build(edition)


def overview(edition: Edition) -> list[Figure]:
    return [build(edition) for build in FIGURES.values()]


# --- comparison of two editions -----------------------------------------------------------


@dataclass
class EditionSummary:
    edition: Edition
    registrations: int
    accredited: int
    by_category: dict[str, int]
    by_country: dict[str, int]
    submitted: int
    decided: int
    accepted: int
    attended: int

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted among decided submissions."""
        return self.accepted / self.decided if self.decided else None

    @property
    def attendance_rate(self) -> float | None:
        """Accredited people admitted at the venue at least once, among the accredited."""
        return self.attended / self.accredited if self.accredited else None


def summarise(edition: Edition) -> EditionSummary:
    registrations = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.edition_id == edition.id)
    )
    accredited_ids = sa.select(Registration.id).where(
        Registration.edition_id == edition.id, Registration.state == RegistrationState.ACCREDITED
    )
    accredited = db.session.scalar(
        sa.select(sa.func.count()).select_from(accredited_ids.subquery())
    )
    category_name = sa.func.coalesce(AccreditationCategory.name, "")
    by_category = dict(
        db.session.execute(
            sa.select(category_name, sa.func.count())
            .select_from(Registration)
            .join(
                AccreditationCategory,
                AccreditationCategory.id
                == sa.func.coalesce(Registration.category_id, Registration.requested_category_id),
            )
            .where(Registration.edition_id == edition.id)
            .group_by(category_name)
        ).all()
    )
    by_country = {
        countries.name(code) or code or _("Not given"): n
        for code, n in _count_by(edition, Registration.country)
    }
    submitted_filter = sa.and_(
        Submission.edition_id == edition.id, Submission.state == SubmissionState.SUBMITTED
    )
    submitted = db.session.scalar(
        sa.select(sa.func.count()).select_from(Submission).where(submitted_filter)
    )
    decided = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Submission)
        .where(submitted_filter, Submission.decision != Decision.PENDING)
    )
    accepted = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Submission)
        .where(submitted_filter, Submission.decision == Decision.ACCEPTED)
    )
    attended = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Scan.registration_id))).where(
            Scan.edition_id == edition.id,
            Scan.checkpoint == "venue",
            Scan.result.in_([ScanResult.ADMITTED, ScanResult.ADMITTED_AGAIN]),
            Scan.registration_id.in_(accredited_ids),
        )
    )
    return EditionSummary(
        edition=edition,
        registrations=registrations,
        accredited=accredited,
        by_category=by_category,
        by_country=by_country,
        submitted=submitted,
        decided=decided,
        accepted=accepted,
        attended=attended,
    )


def comparison_rows(a: EditionSummary, b: EditionSummary) -> list[list]:
    """Rows "measure, edition A, edition B" for the side-by-side table and its CSV."""

    def pct(value: float | None) -> str:
        return f"{100 * value:.1f} %" if value is not None else "–"

    rows: list[list] = [
        [_("Registrations"), a.registrations, b.registrations],
        [_("Accredited"), a.accredited, b.accredited],
        [_("Submissions (submitted)"), a.submitted, b.submitted],
        [
            _("Acceptance rate (accepted / decided)"),
            pct(a.acceptance_rate),
            pct(b.acceptance_rate),
        ],
        [
            _("Attendance rate (admitted / accredited)"),
            pct(a.attendance_rate),
            pct(b.attendance_rate),
        ],
    ]
    for name in sorted(set(a.by_category) | set(b.by_category)):
        label = _("Category: %(name)s", name=name)
        rows.append([label, a.by_category.get(name, 0), b.by_category.get(name, 0)])
    for name in sorted(set(a.by_country) | set(b.by_country)):
        label = _("Country: %(name)s", name=name)
        rows.append([label, a.by_country.get(name, 0), b.by_country.get(name, 0)])
    return rows
