"""Speakers writing, changing and submitting their submissions, while the call allows it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from babel import dates
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, mail
from conference.accounts.models import User
from conference.db import utcnow
from conference.editions.models import Edition
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import can, edition_writable, is_organiser
from conference.programme.models import Track
from conference.submissions.models import Submission, SubmissionState
from conference.submissions.services.call import call_status, get_type
from conference.submissions.services.limits import (
    ABSTRACT_MAX_CHARS,
    AUDIENCE_MAX,
    KEYWORDS_MAX,
    MAX_SUBMISSIONS_PER_AUTHOR,
    TITLE_MAX,
    clean_text,
    count_words,
    valid_id,
)
from conference.text import ngettext
from conference.urls import external_url


def _local_text(edition: Edition, moment, pattern: str) -> str:
    """``moment`` in the edition's zone, written with a CLDR ``pattern`` in the request's
    language ("05 March 2027" in English, as before)."""
    local = edition.local(moment)
    return dates.format_datetime(local, pattern, tzinfo=local.tzinfo, locale=get_locale() or "en")


def ensure_may_change(user, edition: Edition) -> bool:
    """Raise unless changes are allowed now; return True when only an organiser's override
    allows it (so that the change is logged as such)."""
    if not edition_writable(user, edition):
        raise NotAllowed(_("The %(year)s edition is archived and read-only.", year=edition.year))
    if edition.cfp_open():
        return False
    if is_organiser(user, edition):
        return True
    status = call_status(edition)
    tz = edition.timezone
    if status == "not_yet_open":
        raise NotAllowed(
            _(
                "The call for abstracts opens on %(date)s at %(time)s (%(zone)s).",
                date=_local_text(edition, edition.cfp_opens_at, "dd MMMM yyyy"),
                time=_local_text(edition, edition.cfp_opens_at, "HH:mm"),
                zone=tz,
            ),
            code="call_not_open",
        )
    if status == "closed" and edition.cfp_closes_at is not None:
        raise NotAllowed(
            _(
                "The call for abstracts closed on %(date)s at %(time)s (%(zone)s); submissions "
                "can no longer be changed. Please contact the organisers if something must "
                "change.",
                date=_local_text(edition, edition.cfp_closes_at, "dd MMMM yyyy"),
                time=_local_text(edition, edition.cfp_closes_at, "HH:mm"),
                zone=tz,
            ),
            code="call_closed",
        )
    raise NotAllowed(_("The call for abstracts is not open."), code="call_closed")


# The state as a word in "This submission is already …" (the stored values stay English).
STATE_WORDS = {
    SubmissionState.DRAFT: _l("draft"),
    SubmissionState.SUBMITTED: _l("submitted"),
    SubmissionState.WITHDRAWN: _l("withdrawn"),
}


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
    title = clean_text(data.title, TITLE_MAX, _("The title"))
    abstract = clean_text(data.abstract, ABSTRACT_MAX_CHARS, _("The abstract"))
    keywords = clean_text(data.keywords, KEYWORDS_MAX, _("The keywords"))
    audience = clean_text(data.audience, AUDIENCE_MAX, _("The intended audience"))
    if not title:
        raise DomainError(_("Give your submission a title."))
    submission_type = None
    if data.type_id is not None:
        submission_type = get_type(edition, data.type_id)
    track = None
    if data.track_id is not None:
        track = db.session.get(Track, data.track_id) if valid_id(data.track_id) else None
        if track is None or track.edition_id != edition.id:
            raise NotFound(_("There is no such track in this edition."))
        if (
            not track.open_for_submissions
            and track.id != submission.track_id
            and not is_organiser(user, edition)
        ):
            raise DomainError(
                _("The track “%(name)s” is not open for submissions.", name=track.name)
            )
    if submission_type is not None:
        words = count_words(abstract)
        if words > submission_type.max_words:
            raise DomainError(
                ngettext(
                    "The abstract has %(num)d word; a %(type)s abstract may have at most "
                    "%(limit)d.",
                    "The abstract has %(num)d words; a %(type)s abstract may have at most "
                    "%(limit)d.",
                    words,
                    type=submission_type.name.lower(),
                    limit=submission_type.max_words,
                ),
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
        missing.append(_("a type"))
    if submission.track_id is None:
        missing.append(_("a track"))
    if not submission.abstract.strip():
        missing.append(_("an abstract"))
    if missing:
        raise DomainError(
            _("To submit, your submission needs %(missing)s.", missing=", ".join(missing)),
            code="incomplete",
        )


def _mark_submitted(user, submission: Submission) -> None:
    """Draft → submitted, with a receipt to the author (links built from BASE_URL)."""
    edition = submission.edition or db.session.get(Edition, submission.edition_id)
    track = submission.track or db.session.get(Track, submission.track_id)
    if not track.open_for_submissions and not is_organiser(user, edition):
        raise DomainError(_("The track “%(name)s” is not open for submissions.", name=track.name))
    submission.state = SubmissionState.SUBMITTED
    submission.submitted_at = utcnow()
    author = submission.author or db.session.get(User, submission.author_id)
    if author is None:
        return
    db.session.flush()
    mail.queue(
        author.email,
        "submissions_submitted",
        _l("Received: %(title)s", title=submission.title),
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
        raise NotAllowed(_("Please log in to write a submission."))
    override = ensure_may_change(user, edition)
    written = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Submission)
        .where(Submission.edition_id == edition.id, Submission.author_id == user.id)
    )
    if written >= MAX_SUBMISSIONS_PER_AUTHOR and not is_organiser(user, edition):
        raise Conflict(
            ngettext(
                "You have written %(num)d submission for %(year)s, the most one person may "
                "write. Please withdraw or reuse it.",
                "You have written %(num)d submissions for %(year)s, the most one person may "
                "write. Please withdraw or reuse one of them.",
                written,
                year=edition.year,
            )
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
        raise NotAllowed(_("Only the submission's author can change it."))
    override = ensure_may_change(user, edition)
    if submission.state == SubmissionState.WITHDRAWN:
        raise Conflict(_("This submission was withdrawn and can no longer be changed."))
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
        raise NotAllowed(_("Only the submission's author can submit it."))
    override = ensure_may_change(user, edition)
    if submission.state != SubmissionState.DRAFT:
        raise Conflict(
            _("This submission is already %(state)s.", state=STATE_WORDS[submission.state])
        )
    _ensure_complete(submission)
    if count_words(submission.abstract) > submission.type.max_words:
        raise DomainError(
            ngettext(
                "The abstract has %(num)d word; at most %(limit)d are allowed. "
                "Please shorten it first.",
                "The abstract has %(num)d words; at most %(limit)d are allowed. "
                "Please shorten it first.",
                count_words(submission.abstract),
                limit=submission.type.max_words,
            ),
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
