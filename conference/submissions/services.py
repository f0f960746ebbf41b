"""Rules of the call for abstracts: the call's settings, speakers' submissions, co-speakers.

Every change goes through these functions, so the HTML pages, the JSON API, the CLI and the
demo share one answer to "may this change happen now?": speakers change their submissions only
while the call is open (``edition.cfp_open()`` on the server clock ``conference.db.utcnow``);
organisers may still change them afterwards, and that is written to the audit log.

The review area reads submissions through the models and the helpers at the end of this
module (``speakers_of``, ``published_decision``, ``accepted_abstracts``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from conference import audit, mail
from conference.accounts.models import User
from conference.db import utcnow
from conference.editions.models import Edition
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import (
    can,
    committee_conflicts,
    conflicted_submissions,
    edition_writable,
    is_organiser,
)
from conference.programme.models import Track
from conference.submissions.models import (
    CoSpeaker,
    Decision,
    InvitationBlock,
    Submission,
    SubmissionState,
    SubmissionType,
)

# --- limits ------------------------------------------------------------------------------

TITLE_MAX = 300
ABSTRACT_MAX_CHARS = 20_000
KEYWORDS_MAX = 400
AUDIENCE_MAX = 400
GUIDANCE_MAX = 20_000
MAX_CO_SPEAKERS = 10
MAX_SUBMISSIONS_PER_AUTHOR = 20  # per edition, withdrawn ones included (a brake on spam)
MAX_WORDS_LIMIT = 5_000
DURATION_LIMIT = 8 * 60
INVITATION_MAX_AGE = 120 * 24 * 3600  # the call's deadline is the real limit
INVITATION_SALT = "submissions.co-speaker-invitation"

WORD_RULE = (
    "Words are counted as runs of characters separated by spaces, tabs or line breaks "
    "(so “research-security” is one word and “e.g. EU” is two)."
)

# (code, name, max words, minutes, description): what "Add the standard types" creates.
STANDARD_TYPES = [
    ("talk", "Talk", 300, 20, "A talk of about 20 minutes followed by questions."),
    (
        "panel",
        "Panel proposal",
        500,
        60,
        "A moderated discussion with three to five panellists; name them as co-speakers.",
    ),
    ("poster", "Poster", 250, 60, "A poster shown during the poster session."),
    ("workshop", "Workshop", 600, 90, "A hands-on session with a clear outcome."),
]

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def valid_id(value) -> bool:
    """A plausible primary key (huge numbers would overflow the database's integer)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def count_words(text: str | None) -> int:
    """Words as the form states: runs of non-whitespace (Python's ``str.split()``)."""
    return len((text or "").split())


def _clean(value, limit: int, label: str) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise DomainError(f"{label} must be text.")
    if "\x00" in text:
        raise DomainError(f"{label} contains a character that is not allowed.")
    if len(text) > limit:
        raise DomainError(f"{label} is too long (at most {limit} characters).")
    return text


# --- the call ----------------------------------------------------------------------------


def submission_types(edition: Edition) -> list[SubmissionType]:
    return list(
        db.session.scalars(
            sa.select(SubmissionType)
            .where(SubmissionType.edition_id == edition.id)
            .order_by(SubmissionType.id)
        )
    )


def tracks(edition: Edition) -> list[Track]:
    return list(
        db.session.scalars(
            sa.select(Track)
            .where(Track.edition_id == edition.id)
            .order_by(Track.position, Track.id)
        )
    )


def open_tracks(edition: Edition) -> list[Track]:
    return [t for t in tracks(edition) if t.open_for_submissions]


def call_status(edition: Edition, now: dt.datetime | None = None) -> str:
    """``not_set``, ``not_yet_open``, ``open`` or ``closed`` (for pages and the API)."""
    now = now or utcnow()
    if edition.cfp_opens_at is None or edition.cfp_closes_at is None:
        return "not_set"
    if edition.cfp_open(now):
        return "open"
    if now < edition.cfp_opens_at and edition.state == "open":
        return "not_yet_open"
    return "closed"


def local_to_utc(edition: Edition, moment: dt.datetime, label: str) -> dt.datetime:
    """A wall-clock time in the edition's zone as aware UTC; refuses times that do not exist."""
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC)
    aware = moment.replace(tzinfo=edition.tz)
    back = aware.astimezone(dt.UTC).astimezone(edition.tz).replace(tzinfo=None)
    if back != moment:
        raise DomainError(
            f"{label}: {moment:%d %b %Y %H:%M} does not exist in {edition.timezone} "
            "(the clocks change then). Please choose another time."
        )
    return aware.astimezone(dt.UTC)


def _ensure_call_manageable(actor, edition: Edition) -> None:
    if not can(actor, "call.manage", edition=edition):
        if not edition_writable(actor, edition):
            raise NotAllowed(f"The {edition.year} edition is archived and read-only.")
        raise NotAllowed("Only the edition's organisers may change the call.")


def update_call(
    actor,
    edition: Edition,
    *,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    guidance: str,
    open_track_ids: list[int],
) -> None:
    """Set the call's window (aware UTC), guidance and the tracks open for submission."""
    _ensure_call_manageable(actor, edition)
    if (opens_at is None) != (closes_at is None):
        raise DomainError("Give both the opening and the closing time, or neither.")
    if opens_at is not None and closes_at <= opens_at:
        raise DomainError("The call must close after it opens.")
    guidance = _clean(guidance, GUIDANCE_MAX, "The guidance")
    edition_tracks = tracks(edition)
    wanted = set(open_track_ids)
    unknown = wanted - {t.id for t in edition_tracks}
    if unknown:
        raise DomainError("One of the chosen tracks does not belong to this edition.")
    before = {
        "opens_at": edition.cfp_opens_at.isoformat() if edition.cfp_opens_at else None,
        "closes_at": edition.cfp_closes_at.isoformat() if edition.cfp_closes_at else None,
        "open_tracks": sorted(t.id for t in edition_tracks if t.open_for_submissions),
    }
    edition.cfp_opens_at = opens_at
    edition.cfp_closes_at = closes_at
    edition.cfp_guidance = guidance
    for track in edition_tracks:
        track.open_for_submissions = track.id in wanted
    audit.record(
        actor,
        "call.updated",
        edition,
        edition=edition,
        before=before,
        opens_at=opens_at.isoformat() if opens_at else None,
        closes_at=closes_at.isoformat() if closes_at else None,
        open_tracks=sorted(wanted),
    )
    db.session.commit()


def get_type(edition: Edition, type_id) -> SubmissionType:
    submission_type = db.session.get(SubmissionType, type_id) if valid_id(type_id) else None
    if submission_type is None or submission_type.edition_id != edition.id:
        raise NotFound("There is no such submission type in this edition.")
    return submission_type


def save_type(
    actor,
    edition: Edition,
    submission_type: SubmissionType | None,
    *,
    name: str,
    code: str,
    max_words,
    duration_minutes,
    description: str = "",
) -> SubmissionType:
    """Create (``submission_type`` None) or change a submission type and its limits."""
    _ensure_call_manageable(actor, edition)
    name = _clean(name, 100, "The name")
    code = _clean(code, 30, "The code").lower()
    description = _clean(description, 2000, "The description")
    if not name:
        raise DomainError("Give the type a name.")
    if not _CODE.match(code):
        raise DomainError(
            "The code must be 1–30 lower-case letters, digits, hyphens or underscores."
        )
    if not isinstance(max_words, int) or not 1 <= max_words <= MAX_WORDS_LIMIT:
        raise DomainError(f"The word limit must be a whole number from 1 to {MAX_WORDS_LIMIT}.")
    if not isinstance(duration_minutes, int) or not 0 <= duration_minutes <= DURATION_LIMIT:
        raise DomainError(f"The duration must be from 0 to {DURATION_LIMIT} minutes.")
    clash = db.session.scalar(
        sa.select(SubmissionType).where(
            SubmissionType.edition_id == edition.id, SubmissionType.code == code
        )
    )
    if clash is not None and clash is not submission_type:
        raise Conflict(f"Another submission type already has the code “{code}”.")
    created = submission_type is None
    if created:
        submission_type = SubmissionType(edition_id=edition.id)
        db.session.add(submission_type)
    submission_type.name = name
    submission_type.code = code
    submission_type.max_words = max_words
    submission_type.duration_minutes = duration_minutes
    submission_type.description = description
    db.session.flush()
    audit.record(
        actor,
        "submission_type.created" if created else "submission_type.updated",
        submission_type,
        edition=edition,
        code=code,
        max_words=max_words,
        duration_minutes=duration_minutes,
    )
    db.session.commit()
    return submission_type


def type_usage(submission_type: SubmissionType) -> int:
    """How many submissions use ``submission_type``."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Submission)
            .where(Submission.type_id == submission_type.id)
        )
        or 0
    )


def delete_type(actor, edition: Edition, submission_type: SubmissionType) -> None:
    """Remove a type nobody has used yet (used types would leave submissions without one)."""
    _ensure_call_manageable(actor, edition)
    used = type_usage(submission_type)
    if used:
        raise Conflict(
            f"“{submission_type.name}” is used by {used} "
            f"submission{'' if used == 1 else 's'} and cannot be removed; "
            "change its name or limits instead."
        )
    audit.record(
        actor,
        "submission_type.deleted",
        submission_type,
        edition=edition,
        code=submission_type.code,
    )
    db.session.delete(submission_type)
    db.session.commit()


def add_standard_types(actor, edition: Edition) -> int:
    """Add talk, panel proposal, poster and workshop where missing; return how many were added."""
    _ensure_call_manageable(actor, edition)
    existing = {t.code for t in submission_types(edition)}
    added = 0
    for code, name, words, minutes, description in STANDARD_TYPES:
        if code in existing:
            continue
        db.session.add(
            SubmissionType(
                edition_id=edition.id,
                code=code,
                name=name,
                max_words=words,
                duration_minutes=minutes,
                description=description,
            )
        )
        added += 1
    if added:
        audit.record(actor, "submission_type.standard_added", edition, edition=edition, count=added)
    db.session.commit()
    return added


# --- speakers: reading -------------------------------------------------------------------


def get_submission(edition: Edition, submission_id) -> Submission:
    """The submission of this edition with that id, or NotFound."""
    submission = db.session.get(Submission, submission_id) if valid_id(submission_id) else None
    if submission is None or submission.edition_id != edition.id:
        raise NotFound("There is no such submission.")
    return submission


def visible_submission(user, edition: Edition, submission_id) -> Submission:
    """The submission if ``user`` may see it; others get the same 404 as a missing id."""
    submission = get_submission(edition, submission_id)
    if not can(user, "submission.view", submission, edition=edition):
        raise NotFound("There is no such submission.")
    return submission


def editable_submission(user, edition: Edition, submission_id) -> Submission:
    """The submission if ``user`` may change it (author or organiser); else 404 or 403."""
    submission = visible_submission(user, edition, submission_id)
    if not can(user, "submission.edit", submission, edition=edition):
        raise NotAllowed("Only the submission's author can change it.")
    return submission


def my_submissions(user, edition: Edition) -> list[tuple[Submission, str]]:
    """The user's submissions in ``edition`` as (submission, "author" | "co_speaker")."""
    if not getattr(user, "is_authenticated", False) or edition is None:
        return []
    authored = db.session.scalars(
        sa.select(Submission)
        .where(Submission.edition_id == edition.id, Submission.author_id == user.id)
        .options(so.selectinload(Submission.co_speakers))
        .order_by(Submission.created_at, Submission.id)
    ).all()
    co_speaking = db.session.scalars(
        sa.select(Submission)
        .join(CoSpeaker, CoSpeaker.submission_id == Submission.id)
        .where(
            Submission.edition_id == edition.id,
            CoSpeaker.user_id == user.id,
            CoSpeaker.confirmed_at.is_not(None),
            sa.or_(Submission.author_id.is_(None), Submission.author_id != user.id),
        )
        .order_by(Submission.created_at, Submission.id)
    ).all()
    return [(s, "author") for s in authored] + [(s, "co_speaker") for s in co_speaking]


def published_comments(submission: Submission) -> list[str]:
    """Reviewers' comments to the authors, once the decision is published (no names)."""
    from conference.review.models import Review

    if submission.decision_published_at is None:
        return []
    comments = db.session.scalars(
        sa.select(Review.comments_to_authors)
        .where(Review.submission_id == submission.id, Review.submitted_at.is_not(None))
        .order_by(Review.id)
    )
    return [c.strip() for c in comments if c and c.strip()]


@dataclass(frozen=True)
class PublishedDecision:
    decision: str
    published_at: dt.datetime
    comments: list[str]


def published_decision(submission: Submission) -> PublishedDecision | None:
    """The decision as the speaker may see it: only once published, with comments to authors."""
    if submission.decision_published_at is None or submission.decision == Decision.PENDING:
        return None
    return PublishedDecision(
        submission.decision, submission.decision_published_at, published_comments(submission)
    )


def status_label(submission: Submission) -> str:
    """What the speaker sees as the state: never an unpublished decision."""
    if submission.state == SubmissionState.WITHDRAWN:
        return "Withdrawn"
    if submission.state == SubmissionState.DRAFT:
        return "Draft (not submitted)"
    decision = published_decision(submission)
    if decision is None:
        return "Submitted – under review"
    return DECISION_LABELS.get(decision.decision, decision.decision)


DECISION_LABELS = {
    Decision.ACCEPTED: "Accepted",
    Decision.REJECTED: "Not accepted",
    Decision.WAITLISTED: "On the waiting list",
}

STATE_LABELS = {
    SubmissionState.DRAFT: "Draft",
    SubmissionState.SUBMITTED: "Submitted",
    SubmissionState.WITHDRAWN: "Withdrawn",
}


def speakers_of(submission: Submission) -> list[User]:
    """The author and the confirmed co-speakers (for the programme and for conflicts)."""
    people = [submission.author] if submission.author is not None else []
    for co in submission.co_speakers:
        if co.confirmed_at is not None and co.user is not None and co.user not in people:
            people.append(co.user)
    return people


def accepted_abstracts(edition: Edition, viewer=None) -> list[Submission]:
    """Accepted submissions whose decision is published (public once published).

    An abstract placed in a restricted session is left out for a ``viewer`` who is not
    cleared for that session, as the session itself is on every other channel.
    """
    submissions = list(
        db.session.scalars(
            sa.select(Submission)
            .where(
                Submission.edition_id == edition.id,
                Submission.state == SubmissionState.SUBMITTED,
                Submission.decision == Decision.ACCEPTED,
                Submission.decision_published_at.is_not(None),
            )
            .options(
                so.selectinload(Submission.co_speakers).selectinload(CoSpeaker.user),
                so.selectinload(Submission.author),
            )
            .order_by(Submission.track_id, Submission.title)
        )
    )
    from conference.permissions import clearance
    from conference.programme.models import AccessPolicy, ProgrammeSession

    restricted = db.session.scalars(
        sa.select(ProgrammeSession)
        .where(
            ProgrammeSession.submission_id.in_([s.id for s in submissions]),
            ProgrammeSession.access != AccessPolicy.OPEN,
        )
        .options(so.selectinload(ProgrammeSession.categories))
    ).all()
    viewer_clearance = clearance(viewer, edition)
    hidden = {s.submission_id for s in restricted if not viewer_clearance.sees_details(s)}
    return [s for s in submissions if s.id not in hidden]


# --- speakers: changing ------------------------------------------------------------------


def _ensure_may_change(user, edition: Edition) -> bool:
    """Raise unless changes are allowed now; return True when only an organiser's override
    allows it (so that the change is logged as such)."""
    if not edition_writable(user, edition):
        raise NotAllowed(f"The {edition.year} edition is archived and read-only.")
    if edition.cfp_open():
        return False
    if is_organiser(user, edition):
        return True
    status = call_status(edition)
    tz = edition.timezone
    if status == "not_yet_open":
        opens = edition.local(edition.cfp_opens_at)
        raise NotAllowed(
            f"The call for abstracts opens on {opens:%d %B %Y at %H:%M} ({tz}).",
            code="call_not_open",
        )
    if status == "closed" and edition.cfp_closes_at is not None:
        closes = edition.local(edition.cfp_closes_at)
        raise NotAllowed(
            f"The call for abstracts closed on {closes:%d %B %Y at %H:%M} ({tz}); submissions "
            "can no longer be changed. Please contact the organisers if something must change.",
            code="call_closed",
        )
    raise NotAllowed("The call for abstracts is not open.", code="call_closed")


@dataclass
class SubmissionInput:
    """What a speaker writes; ids may be None while the submission is a draft."""

    title: str = ""
    type_id: int | None = None
    track_id: int | None = None
    abstract: str = ""
    keywords: str = ""
    audience: str = ""


def _apply(user, edition: Edition, submission: Submission, data: SubmissionInput) -> None:
    title = _clean(data.title, TITLE_MAX, "The title")
    abstract = _clean(data.abstract, ABSTRACT_MAX_CHARS, "The abstract")
    keywords = _clean(data.keywords, KEYWORDS_MAX, "The keywords")
    audience = _clean(data.audience, AUDIENCE_MAX, "The intended audience")
    if not title:
        raise DomainError("Give your submission a title.")
    submission_type = None
    if data.type_id is not None:
        submission_type = get_type(edition, data.type_id)
    track = None
    if data.track_id is not None:
        track = db.session.get(Track, data.track_id) if valid_id(data.track_id) else None
        if track is None or track.edition_id != edition.id:
            raise NotFound("There is no such track in this edition.")
        if (
            not track.open_for_submissions
            and track.id != submission.track_id
            and not is_organiser(user, edition)
        ):
            raise DomainError(f"The track “{track.name}” is not open for submissions.")
    if submission_type is not None:
        words = count_words(abstract)
        if words > submission_type.max_words:
            raise DomainError(
                f"The abstract has {words} words; a {submission_type.name.lower()} abstract may "
                f"have at most {submission_type.max_words}.",
                code="too_many_words",
            )
    submission.title = title
    submission.type_id = submission_type.id if submission_type else None
    submission.track_id = track.id if track else None
    submission.abstract = abstract
    submission.keywords = keywords
    submission.audience = audience


def _ensure_complete(submission: Submission) -> None:
    missing = []
    if submission.type_id is None:
        missing.append("a type")
    if submission.track_id is None:
        missing.append("a track")
    if not submission.abstract.strip():
        missing.append("an abstract")
    if missing:
        raise DomainError(
            "To submit, your submission needs " + ", ".join(missing) + ".", code="incomplete"
        )


def _mark_submitted(user, submission: Submission) -> None:
    """Draft → submitted, with a receipt to the author (links built from BASE_URL)."""
    from conference.urls import external_url

    edition = submission.edition or db.session.get(Edition, submission.edition_id)
    track = submission.track or db.session.get(Track, submission.track_id)
    if not track.open_for_submissions and not is_organiser(user, edition):
        raise DomainError(f"The track “{track.name}” is not open for submissions.")
    submission.state = SubmissionState.SUBMITTED
    submission.submitted_at = utcnow()
    author = submission.author or db.session.get(User, submission.author_id)
    if author is None:
        return
    db.session.flush()
    mail.queue(
        author.email,
        "submissions_submitted",
        f"Received: {submission.title}",
        edition=edition,
        name=author.display_name,
        submission_title=submission.title,
        link=external_url("submissions.show", year=edition.year, submission_id=submission.id),
        closes_at=edition.local(edition.cfp_closes_at),
    )


def create_submission(
    user, edition: Edition, data: SubmissionInput, *, submit: bool = False
) -> Submission:
    """A new draft by ``user`` (submitted at once with ``submit``)."""
    if not can(user, "submission.create", edition=edition):
        raise NotAllowed("Please log in to write a submission.")
    override = _ensure_may_change(user, edition)
    written = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Submission)
        .where(Submission.edition_id == edition.id, Submission.author_id == user.id)
    )
    if written >= MAX_SUBMISSIONS_PER_AUTHOR and not is_organiser(user, edition):
        raise Conflict(
            f"You have written {written} submissions for {edition.year}, the most one person "
            "may write. Please withdraw or reuse one of them."
        )
    submission = Submission(
        edition_id=edition.id, author_id=user.id, state=SubmissionState.DRAFT, decision="pending"
    )
    _apply(user, edition, submission, data)
    if submit:
        _ensure_complete(submission)
    db.session.add(submission)
    db.session.flush()
    if submit:
        _mark_submitted(user, submission)
    audit.record(
        user,
        "submission.created",
        submission,
        edition=edition,
        state=submission.state,
        by_organiser_after_deadline=override,
    )
    db.session.commit()
    return submission


def update_submission(
    user, submission: Submission, data: SubmissionInput, *, submit: bool = False
) -> Submission:
    """Change a draft or submitted submission; a submitted one must stay complete."""
    edition = submission.edition
    if not can(user, "submission.edit", submission, edition=edition):
        raise NotAllowed("Only the submission's author can change it.")
    override = _ensure_may_change(user, edition)
    if submission.state == SubmissionState.WITHDRAWN:
        raise Conflict("This submission was withdrawn and can no longer be changed.")
    changed_before = {
        "title": submission.title,
        "type_id": submission.type_id,
        "track_id": submission.track_id,
        "words": count_words(submission.abstract),
    }
    _apply(user, edition, submission, data)
    if submit or submission.state == SubmissionState.SUBMITTED:
        _ensure_complete(submission)
    newly_submitted = submit and submission.state == SubmissionState.DRAFT
    if newly_submitted:
        _mark_submitted(user, submission)
    audit.record(
        user,
        "submission.updated",
        submission,
        edition=edition,
        before=changed_before,
        words=count_words(submission.abstract),
        by_organiser_after_deadline=override,
    )
    if newly_submitted:
        audit.record(user, "submission.submitted", submission, edition=edition)
    db.session.commit()
    return submission


def submit_submission(user, submission: Submission) -> Submission:
    """Draft → submitted (complete and within the word limit)."""
    edition = submission.edition
    if not can(user, "submission.edit", submission, edition=edition):
        raise NotAllowed("Only the submission's author can submit it.")
    override = _ensure_may_change(user, edition)
    if submission.state != SubmissionState.DRAFT:
        raise Conflict(f"This submission is already {submission.state}.")
    _ensure_complete(submission)
    if count_words(submission.abstract) > submission.type.max_words:
        raise DomainError(
            f"The abstract has {count_words(submission.abstract)} words; at most "
            f"{submission.type.max_words} are allowed. Please shorten it first.",
            code="too_many_words",
        )
    _mark_submitted(user, submission)
    audit.record(
        user,
        "submission.submitted",
        submission,
        edition=edition,
        by_organiser_after_deadline=override,
    )
    db.session.commit()
    return submission


def programme_session_of(submission: Submission):
    """The programme session made from ``submission`` (placed by a chair), or None."""
    from conference.programme.models import ProgrammeSession

    return db.session.scalar(
        sa.select(ProgrammeSession).where(ProgrammeSession.submission_id == submission.id)
    )


@dataclass
class WithdrawalPreview:
    """What withdrawing will do, for the confirmation page."""

    submission: Submission
    accepted: bool
    session: object | None  # the programme session, if the talk was placed
    when: str = ""
    handling: str = ""  # "cancel" or "remove" (the edition's setting)
    notified: list[str] | None = None  # who is told: "the programme chairs", "the organisers"


def withdrawal_preview(submission: Submission) -> WithdrawalPreview:
    from conference.programme.services import span

    edition = submission.edition
    session = programme_session_of(submission)
    return WithdrawalPreview(
        submission=submission,
        accepted=submission.decision == Decision.ACCEPTED,
        session=session,
        when=span(session, edition) if session is not None else "",
        handling=edition.withdrawn_talks,
        notified=["the programme chairs", "the organisers"]
        if submission.state == SubmissionState.SUBMITTED
        else [],
    )


def withdrawal_refusal(user, submission: Submission) -> DomainError | None:
    """Why ``user`` may not withdraw ``submission`` now (for the confirmation page), or None."""
    try:
        withdraw_submission(user, submission, confirmed=False)
    except DomainError as exc:
        if exc.code != "confirmation_required":
            return exc
    return None


def withdraw_submission(user, submission: Submission, *, confirmed: bool = False) -> Submission:
    """Draft or submitted → withdrawn (final), only once the person confirmed it.

    A submitted one stays visible to the chairs as withdrawn; the chairs and organisers are
    told by mail; a programme session made from it is cancelled or removed, as the edition's
    ``withdrawn_talks`` setting says (``programme.services.withdraw_talk``).
    """
    edition = submission.edition
    if not can(user, "submission.edit", submission, edition=edition):
        raise NotAllowed("Only the submission's author can withdraw it.")
    override = _ensure_may_change(user, edition)
    if submission.state == SubmissionState.WITHDRAWN:
        raise Conflict("This submission is already withdrawn.")
    if not confirmed:
        raise DomainError(
            "Withdrawing is final: please confirm it on the confirmation page. Nothing changed.",
            code="confirmation_required",
        )
    previous = submission.state
    submission.state = SubmissionState.WITHDRAWN
    submission.withdrawn_at = utcnow()
    session = programme_session_of(submission)
    outcome = None
    if session is not None:
        from conference.programme.services import withdraw_talk

        outcome = withdraw_talk(user, session, edition)
    audit.record(
        user,
        "submission.withdrawn",
        submission,
        edition=edition,
        previous_state=previous,
        by_organiser_after_deadline=override,
        programme_session=outcome,
    )
    if previous == SubmissionState.SUBMITTED:
        _notify_withdrawal(user, submission, outcome)
    db.session.commit()
    return submission


def _notify_withdrawal(actor, submission: Submission, outcome: str | None) -> None:
    """One mail to each chair and organiser of the edition (not to the person who acted)."""
    from conference.accounts.models import Role, RoleAssignment
    from conference.urls import external_url

    edition = submission.edition
    people = db.session.scalars(
        sa.select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.edition_id == edition.id,
            RoleAssignment.role.in_([Role.CHAIR, Role.ORGANISER]),
            User.deleted_at.is_(None),
        )
        .distinct()
        .order_by(User.id)
    ).all()
    for person in people:
        if person.id == getattr(actor, "id", None):
            continue
        mail.queue(
            person.email,
            "submissions_withdrawn",
            f"Withdrawn: {submission.title}",
            edition=edition,
            person=person,
            submission=submission,
            actor=actor,
            decision=submission.decision,
            outcome=outcome,
            link=external_url(
                "review.chair_submission", year=edition.year, submission_id=submission.id
            ),
        )


# --- co-speakers -------------------------------------------------------------------------


def _serializer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def invitation_token(co_speaker: CoSpeaker) -> str:
    return _serializer().dumps({"c": co_speaker.id, "e": co_speaker.email})


def load_invitation(token: str) -> CoSpeaker:
    """The invitation a signed link stands for; a clear 4xx for bad, old or removed links."""
    from itsdangerous import BadSignature, SignatureExpired

    if not isinstance(token, str) or not token or len(token) > 500:
        raise DomainError("This invitation link is not valid.", code="invalid_token")
    try:
        data = _serializer().loads(token, max_age=INVITATION_MAX_AGE)
    except SignatureExpired:
        raise DomainError(
            "This invitation link has expired. Ask the author to invite you again.",
            code="token_expired",
        ) from None
    except BadSignature:
        raise DomainError("This invitation link is not valid.", code="invalid_token") from None
    if not isinstance(data, dict) or not valid_id(data.get("c")):
        raise DomainError("This invitation link is not valid.", code="invalid_token")
    co_speaker = db.session.get(CoSpeaker, data["c"])
    if co_speaker is None or co_speaker.email != data.get("e"):
        raise NotFound("This invitation no longer exists: it was withdrawn or declined.")
    return co_speaker


def is_blocked(submission: Submission, email: str) -> bool:
    """Whether ``email`` asked for no more invitations to ``submission``."""
    return (
        db.session.scalar(
            sa.select(InvitationBlock.id).where(
                InvitationBlock.submission_id == submission.id,
                InvitationBlock.email == email.strip().lower(),
            )
        )
        is not None
    )


def decline_invitation(actor, token: str, *, block: bool = False) -> Submission:
    """The invited address declines (the signed link is the proof; no account needed).

    The invitation is removed and its author told; with ``block`` the address also refuses
    every further invitation to this submission. A confirmed co-speaker cannot decline here.
    """
    co_speaker = load_invitation(token)
    submission = co_speaker.submission
    edition = submission.edition
    if co_speaker.confirmed_at is not None:
        raise Conflict(
            "You have already confirmed this invitation. Please ask the author to remove you.",
            code="already_confirmed",
        )
    email = co_speaker.email
    submission.co_speakers.remove(co_speaker)
    if block and not is_blocked(submission, email):
        db.session.add(InvitationBlock(submission_id=submission.id, email=email))
    audit.record(
        actor if getattr(actor, "is_authenticated", False) else None,
        "co_speaker.declined",
        submission,
        edition=edition,
        email=email,
        blocked=block,
    )
    if submission.author is not None and submission.author.is_active:
        mail.queue(
            submission.author.email,
            "submissions_co_speaker_declined",
            f"Invitation declined: {submission.title}",
            edition=edition,
            author=submission.author,
            invited=co_speaker.name or email,
            submission_title=submission.title,
            blocked=block,
        )
    db.session.commit()
    return submission


def invite_co_speaker(user, submission: Submission, email: str, name: str = "") -> CoSpeaker:
    """Invite a co-speaker by e-mail; the mail carries a signed confirmation link."""
    from conference.urls import external_url

    edition = submission.edition
    if not can(user, "submission.edit", submission, edition=edition):
        raise NotAllowed("Only the submission's author can invite co-speakers.")
    override = _ensure_may_change(user, edition)
    if submission.state == SubmissionState.WITHDRAWN:
        raise Conflict("This submission was withdrawn; nobody can be invited to it.")
    email = _clean(email, 254, "The e-mail address").lower()
    name = _clean(name, 200, "The name")
    if not _EMAIL.match(email):
        raise DomainError("Please give a valid e-mail address for the co-speaker.")
    if submission.author is not None and email == submission.author.email:
        raise DomainError("You are the author already; invite the other speakers.")
    if any(c.email == email for c in submission.co_speakers):
        raise Conflict(f"{email} is already invited to this submission.")
    if is_blocked(submission, email):
        raise Conflict(
            f"{email} declined an invitation to this submission and asked not to be invited "
            "to it again.",
            code="invitation_blocked",
        )
    if len(submission.co_speakers) >= MAX_CO_SPEAKERS:
        raise DomainError(f"A submission can have at most {MAX_CO_SPEAKERS} co-speakers.")
    co_speaker = CoSpeaker(submission=submission, email=email, name=name, invited_at=utcnow())
    db.session.add(co_speaker)
    db.session.flush()
    author_name = submission.author.display_name if submission.author else "The author"
    mail.queue(
        email,
        "submissions_co_speaker_invitation",
        f"{author_name} invites you as co-speaker: {submission.title}",
        edition=edition,
        name=name,
        author_name=author_name,
        submission_title=submission.title,
        link=external_url(
            "submissions.invitation", year=edition.year, token=invitation_token(co_speaker)
        ),
        decline_link=external_url(
            "submissions.decline_invitation",
            year=edition.year,
            token=invitation_token(co_speaker),
        ),
        closes_at=edition.local(edition.cfp_closes_at),
        requested_by=user,
    )
    audit.record(
        user,
        "co_speaker.invited",
        submission,
        edition=edition,
        email=email,
        by_organiser_after_deadline=override,
    )
    db.session.commit()
    return co_speaker


def removable_co_speaker(user, submission: Submission, co_speaker_id) -> CoSpeaker:
    """The co-speaker ``user`` may remove from ``submission`` now (else NotAllowed/NotFound).

    The same checks as :func:`remove_co_speaker`, for its confirmation step.
    """
    edition = submission.edition
    if not can(user, "submission.edit", submission, edition=edition):
        raise NotAllowed("Only the submission's author can remove co-speakers.")
    _ensure_may_change(user, edition)
    co_speaker = next((c for c in submission.co_speakers if c.id == co_speaker_id), None)
    if co_speaker is None:
        raise NotFound("There is no such co-speaker on this submission.")
    return co_speaker


def remove_co_speaker(user, submission: Submission, co_speaker_id) -> None:
    """Take back an invitation or remove a confirmed co-speaker."""
    edition = submission.edition
    if not can(user, "submission.edit", submission, edition=edition):
        raise NotAllowed("Only the submission's author can remove co-speakers.")
    override = _ensure_may_change(user, edition)
    co_speaker = next((c for c in submission.co_speakers if c.id == co_speaker_id), None)
    if co_speaker is None:
        raise NotFound("There is no such co-speaker on this submission.")
    submission.co_speakers.remove(co_speaker)
    audit.record(
        user,
        "co_speaker.removed",
        submission,
        edition=edition,
        email=co_speaker.email,
        was_confirmed=co_speaker.confirmed_at is not None,
        by_organiser_after_deadline=override,
    )
    db.session.commit()


def check_invitation_for(user, co_speaker: CoSpeaker) -> None:
    """Only the invited person (logged in with that e-mail address) may answer."""
    if user.email != co_speaker.email:
        raise NotAllowed(
            "This invitation was sent to another e-mail address. Please log in with the "
            "address the invitation was sent to.",
            code="wrong_account",
        )
    if co_speaker.user_id is not None and co_speaker.user_id != user.id:
        raise NotAllowed("This invitation was confirmed by another account.", code="wrong_account")


def confirm_co_speaker(user, token: str) -> CoSpeaker:
    """The invited person confirms; from then on they see the submission."""
    co_speaker = load_invitation(token)
    submission = co_speaker.submission
    edition = submission.edition
    check_invitation_for(user, co_speaker)
    if co_speaker.confirmed_at is not None:
        return co_speaker
    if user.email_verified_at is None:
        raise NotAllowed(
            "Please verify your e-mail address first (see the mail we sent when you signed up).",
            code="email_not_verified",
        )
    if submission.state == SubmissionState.WITHDRAWN:
        raise Conflict("This submission was withdrawn by its author.")
    _ensure_may_change(user, edition)
    co_speaker.user_id = user.id
    co_speaker.confirmed_at = utcnow()
    if not co_speaker.name:
        co_speaker.name = user.full_name
    audit.record(user, "co_speaker.confirmed", submission, edition=edition, email=user.email)
    db.session.commit()
    return co_speaker


# --- organisers' list --------------------------------------------------------------------


@dataclass
class SubmissionFilter:
    state: str = ""
    track_id: int | None = None
    type_id: int | None = None
    decision: str = ""
    q: str = ""


def list_submissions(
    viewer, edition: Edition, filters: SubmissionFilter | None = None
) -> list[Submission]:
    """The edition's submissions as ``viewer`` may read them as the committee, filtered
    (organisers' and chairs' list and export).

    Submissions the viewer has a conflict of interest with (``committee_conflicts``: declared,
    automatic, or being a speaker) are left out before any filter, so neither a row nor a count
    of a filtered list says anything about them. One query, whatever the number of conflicts.
    """
    filters = filters or SubmissionFilter()
    stmt = (
        sa.select(Submission)
        .where(
            Submission.edition_id == edition.id,
            Submission.id.not_in(conflicted_submissions(viewer, edition)),
        )
        .outerjoin(User, User.id == Submission.author_id)
        .options(
            so.selectinload(Submission.author),
            so.selectinload(Submission.type),
            so.selectinload(Submission.track),
            so.selectinload(Submission.co_speakers),
        )
        .order_by(Submission.id)
    )
    if filters.state in set(SubmissionState):
        stmt = stmt.where(Submission.state == filters.state)
    if filters.decision in set(Decision):
        stmt = stmt.where(Submission.decision == filters.decision)
    if filters.track_id is not None:
        stmt = stmt.where(Submission.track_id == filters.track_id)
    if filters.type_id is not None:
        stmt = stmt.where(Submission.type_id == filters.type_id)
    q = (filters.q or "").strip()[:200]
    if q:
        pattern = (
            "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Submission.title).like(pattern, escape="\\"),
                sa.func.lower(Submission.keywords).like(pattern, escape="\\"),
                sa.func.lower(User.full_name).like(pattern, escape="\\"),
                sa.func.lower(User.email).like(pattern, escape="\\"),
                sa.func.lower(User.organisation).like(pattern, escape="\\"),
            )
        )
    return list(db.session.scalars(stmt))


def hidden_by_conflicts(viewer, edition: Edition) -> int:
    """How many submissions ``list_submissions`` leaves out for ``viewer`` (independent of any
    filter, so that it reveals nothing about the hidden ones)."""
    return len(committee_conflicts(viewer, edition))


EXPORT_HEADER = [
    "id",
    "title",
    "type",
    "track",
    "state",
    "decision",
    "decision published",
    "author",
    "author e-mail",
    "organisation",
    "country",
    "co-speakers",
    "keywords",
    "audience",
    "words",
    "submitted at",
    "abstract",
]


def export_rows(edition: Edition, submissions: list[Submission]) -> list[list]:
    """Rows for the organisers' CSV (times in the edition's zone)."""
    rows = []
    for s in submissions:
        author = s.author
        co = "; ".join(
            (f"{c.name} <{c.email}>" if c.name else c.email)
            + ("" if c.confirmed_at else " (invited)")
            for c in s.co_speakers
        )
        submitted = edition.local(s.submitted_at)
        rows.append(
            [
                s.id,
                s.title,
                s.type.name if s.type else "",
                s.track.name if s.track else "",
                s.state,
                s.decision,
                "yes" if s.decision_published_at else "no",
                author.full_name if author else "",
                author.email if author else "",
                author.organisation if author else "",
                author.country if author else "",
                co,
                s.keywords,
                s.audience,
                count_words(s.abstract),
                submitted.strftime("%Y-%m-%d %H:%M") if submitted else "",
                s.abstract,
            ]
        )
    return rows
