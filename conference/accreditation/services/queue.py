"""The organisers' queue: filters, counts, previous/next, the CSV export and next steps."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from conference import countries
from conference.accreditation.models import EndorsementState, Registration
from conference.accreditation.models import RegistrationState as S
from conference.accreditation.question_models import RegistrationQuestion
from conference.accreditation.services import question_data
from conference.accreditation.services.category_rules import categories
from conference.accreditation.services.common import (
    ORGANISATION_TYPE_LABELS,
    STATE_LABELS,
    UNDECIDED_STATES,
    attendee_email,
)
from conference.editions.models import Edition
from conference.extensions import db
from conference.query_args import BadArgument, arg_choice, arg_id, arg_str


@dataclass
class QueueFilters:
    state: str = ""
    category: int | None = None
    country: str = ""
    organisation_type: str = ""
    search: str = ""
    sort: str = "newest"
    # A registration question and the answer wanted ("": any answer).
    question: int | None = None
    answer: str = ""

    @classmethod
    def from_args(cls, args) -> QueueFilters:
        """The filters of a query string; an unusable argument is a ``BadArgument`` (400)."""
        country = arg_str("country", max_len=2, args=args).upper()
        if country and not countries.is_valid(country):
            raise BadArgument(_("The country argument must be a two-letter country code."))
        return cls(
            state=arg_choice("state", STATE_LABELS, args=args),
            category=arg_id("category", args=args),
            country=country,
            organisation_type=arg_choice("organisation_type", ORGANISATION_TYPE_LABELS, args=args),
            search=arg_str("q", max_len=200, args=args),
            sort=arg_choice("sort", ["newest", "oldest"], "newest", args=args),
            question=arg_id("question", args=args),
            answer=arg_str("answer", max_len=200, args=args),
        )

    def as_args(self) -> dict:
        return {
            k: v
            for k, v in {
                "state": self.state,
                "category": self.category,
                "country": self.country,
                "organisation_type": self.organisation_type,
                "q": self.search,
                "sort": self.sort if self.sort != "newest" else "",
                "question": self.question,
                "answer": self.answer if self.question else "",
            }.items()
            if v
        }


def queue_query(edition: Edition, filters: QueueFilters):
    stmt = sa.select(Registration).where(Registration.edition_id == edition.id)
    if filters.state:
        stmt = stmt.where(Registration.state == filters.state)
    if filters.category:
        stmt = stmt.where(
            sa.or_(
                Registration.category_id == filters.category,
                sa.and_(
                    Registration.category_id.is_(None),
                    Registration.requested_category_id == filters.category,
                ),
            )
        )
    if filters.country:
        stmt = stmt.where(Registration.country == filters.country)
    if filters.organisation_type:
        stmt = stmt.where(Registration.organisation_type == filters.organisation_type)
    if filters.search:
        escaped = (
            filters.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        )
        pattern = f"%{escaped}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Registration.full_name).like(pattern, escape="\\"),
                sa.func.lower(Registration.email).like(pattern, escape="\\"),
                sa.func.lower(Registration.organisation).like(pattern, escape="\\"),
            )
        )
    if filters.question:
        question = db.session.get(RegistrationQuestion, filters.question)
        if question is None or question.edition_id != edition.id:
            raise BadArgument(_("The question argument must name a question of this edition."))
        stmt = question_data.filter_by_answer(stmt, question, filters.answer)
    order = Registration.created_at.asc() if filters.sort == "oldest" else (
        Registration.created_at.desc())  # fmt: skip
    return stmt.order_by(order, Registration.id)


def matching_ids(edition: Edition, filters: QueueFilters) -> list[int]:
    """The ids of every registration the queue's filters match, in the queue's order
    ("apply to all matching", previous/next on the registration page)."""
    return list(
        db.session.scalars(queue_query(edition, filters).with_only_columns(Registration.id))
    )


def queue_neighbours(
    edition: Edition, filters: QueueFilters, registration_id: int
) -> tuple[int | None, int | None, int | None, int]:
    """(previous id, next id, 1-based position, total) of a registration in the filtered
    queue; the position is None when the filters no longer match it."""
    ids = matching_ids(edition, filters)
    try:
        index = ids.index(registration_id)
    except ValueError:
        return None, None, None, len(ids)
    previous = ids[index - 1] if index > 0 else None
    following = ids[index + 1] if index + 1 < len(ids) else None
    return previous, following, index + 1, len(ids)


def queue_counts(edition: Edition) -> dict:
    """Counts per state and per category (granted, or requested while undecided)."""
    per_state = dict.fromkeys(STATE_LABELS, 0)
    for state, count in db.session.execute(
        sa.select(Registration.state, sa.func.count())
        .where(Registration.edition_id == edition.id)
        .group_by(Registration.state)
    ):
        per_state[state] = count
    effective = sa.func.coalesce(Registration.category_id, Registration.requested_category_id)
    rows = db.session.execute(
        sa.select(effective, Registration.state, sa.func.count())
        .where(Registration.edition_id == edition.id)
        .group_by(effective, Registration.state)
    )
    per_category: dict[int, dict[str, int]] = {}
    for category_id, state, count in rows:
        per_category.setdefault(category_id, {})[state] = count
    return {
        "states": per_state,
        "total": sum(per_state.values()),
        "categories": [
            {
                "category": category,
                "accredited": per_category.get(category.id, {}).get(S.ACCREDITED, 0),
                "open": sum(per_category.get(category.id, {}).get(s, 0) for s in UNDECIDED_STATES),
                "total": sum(per_category.get(category.id, {}).values()),
            }
            for category in categories(edition)
        ],
        "accredited": per_state[S.ACCREDITED],
        "capacity": edition.capacity,
    }


CSV_HEADER = [
    "id", "state", "submitted at (UTC)", "decided at (UTC)", "full name", "e-mail",
    "organisation", "organisation type", "country", "position", "requested category",
    "accredited category", "nominating authority", "nominating contact", "endorsement",
    "dietary needs", "accessibility needs", "decision reason",
]  # fmt: skip


def csv_header(edition: Edition, *, include_sensitive: bool = False) -> list[str]:
    """The export's columns: ``CSV_HEADER``, then one per registration question (sensitive
    ones only when asked for)."""
    return [
        *CSV_HEADER,
        *(f"{q.label} [{q.key}]"
          for q in question_data.csv_questions(edition, include_sensitive=include_sensitive)),
    ]  # fmt: skip


def csv_rows(edition: Edition, filters: QueueFilters, *, include_sensitive: bool = False):
    registrations = list(db.session.scalars(queue_query(edition, filters)))
    columns = question_data.csv_questions(edition, include_sensitive=include_sensitive)
    answers = question_data.csv_answer_cells([r.id for r in registrations], columns)
    for r in registrations:
        yield [
            r.id,
            r.state,
            r.created_at.strftime("%Y-%m-%d %H:%M"),
            r.decided_at.strftime("%Y-%m-%d %H:%M") if r.decided_at else "",
            r.full_name,
            attendee_email(r),
            r.organisation,
            ORGANISATION_TYPE_LABELS.get(r.organisation_type, r.organisation_type),
            countries.name(r.country),
            r.position,
            r.requested_category.code,
            r.category.code if r.category else "",
            r.nominating_authority,
            r.nominator_email,
            r.endorsement,
            r.dietary_needs,
            r.accessibility_needs,
            r.decision_reason,
            *answers[r.id],
        ]


def next_steps(registration: Registration) -> str:
    """What happens next, in the attendee's words."""
    state = registration.state
    if state == S.SUBMITTED:
        if registration.endorsement == EndorsementState.PENDING:
            return _(
                "The organisers will review your registration and let you know by e-mail. "
                "We have asked your nominating authority to confirm your nomination; "
                "the organisers see their answer."
            )
        return _("The organisers will review your registration and let you know by e-mail.")
    if state == S.WAITLISTED:
        return _(
            "You are on the waiting list. If a place becomes free, the organisers may still "
            "accredit you; you will be told by e-mail."
        )
    if state == S.ACCREDITED:
        return _(
            "You are accredited. Bring your badge (shown on this page once issued) and an "
            "identity document to the venue."
        )
    if state == S.REJECTED:
        return _(
            "Your registration was not accepted. Contact the organisers if you have questions."
        )
    if state == S.REVOKED:
        return _("Your accreditation was withdrawn. Contact the organisers if you have questions.")
    return _(
        "Your registration is cancelled. Contact the organisers if you wish to attend after all."
    )
