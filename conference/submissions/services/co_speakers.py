"""Co-speakers: invitations by signed link, confirming, declining (and blocking), removing."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from conference import audit, mail
from conference.db import utcnow
from conference.errors import Conflict, DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import can
from conference.submissions.models import CoSpeaker, InvitationBlock, Submission, SubmissionState
from conference.submissions.services.limits import MAX_CO_SPEAKERS, clean_text, valid_id
from conference.submissions.services.writing import ensure_may_change
from conference.text import ngettext
from conference.urls import external_url

INVITATION_MAX_AGE = 120 * 24 * 3600  # the call's deadline is the real limit
INVITATION_SALT = "submissions.co-speaker-invitation"


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def invitation_token(co_speaker: CoSpeaker) -> str:
    return _serializer().dumps({"c": co_speaker.id, "e": co_speaker.email})


def load_invitation(token: str) -> CoSpeaker:
    """The invitation a signed link stands for; a clear 4xx for bad, old or removed links."""
    if not isinstance(token, str) or not token or len(token) > 500:
        raise DomainError(_("This invitation link is not valid."), code="invalid_token")
    try:
        data = _serializer().loads(token, max_age=INVITATION_MAX_AGE)
    except SignatureExpired:
        raise DomainError(
            _("This invitation link has expired. Ask the author to invite you again."),
            code="token_expired",
        ) from None
    except BadSignature:
        raise DomainError(_("This invitation link is not valid."), code="invalid_token") from None
    if not isinstance(data, dict) or not valid_id(data.get("c")):
        raise DomainError(_("This invitation link is not valid."), code="invalid_token")
    co_speaker = db.session.get(CoSpeaker, data["c"])
    if co_speaker is None or co_speaker.email != data.get("e"):
        raise NotFound(_("This invitation no longer exists: it was withdrawn or declined."))
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
            _("You have already confirmed this invitation. Please ask the author to remove you."),
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
            _l("Invitation declined: %(title)s", title=submission.title),
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
    edition = submission.edition
    if not can(user, "submission.edit", submission, edition=edition):
        raise NotAllowed(_("Only the submission's author can invite co-speakers."))
    override = ensure_may_change(user, edition)
    if submission.state == SubmissionState.WITHDRAWN:
        raise Conflict(_("This submission was withdrawn; nobody can be invited to it."))
    email = clean_text(email, 254, _("The e-mail address")).lower()
    name = clean_text(name, 200, _("The name"))
    if not _EMAIL.match(email):
        raise DomainError(_("Please give a valid e-mail address for the co-speaker."))
    if submission.author is not None and email == submission.author.email:
        raise DomainError(_("You are the author already; invite the other speakers."))
    if any(c.email == email for c in submission.co_speakers):
        raise Conflict(_("%(email)s is already invited to this submission.", email=email))
    if is_blocked(submission, email):
        raise Conflict(
            _(
                "%(email)s declined an invitation to this submission and asked not to be "
                "invited to it again.",
                email=email,
            ),
            code="invitation_blocked",
        )
    if len(submission.co_speakers) >= MAX_CO_SPEAKERS:
        raise DomainError(
            ngettext(
                "A submission can have at most %(num)d co-speaker.",
                "A submission can have at most %(num)d co-speakers.",
                MAX_CO_SPEAKERS,
            )
        )
    co_speaker = CoSpeaker(submission=submission, email=email, name=name, invited_at=utcnow())
    db.session.add(co_speaker)
    db.session.flush()
    author_name = submission.author.display_name if submission.author else _l("The author")
    mail.queue(
        email,
        "submissions_co_speaker_invitation",
        _l(
            "%(author)s invites you as co-speaker: %(title)s",
            author=author_name,
            title=submission.title,
        ),
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
        raise NotAllowed(_("Only the submission's author can remove co-speakers."))
    ensure_may_change(user, edition)
    co_speaker = next((c for c in submission.co_speakers if c.id == co_speaker_id), None)
    if co_speaker is None:
        raise NotFound(_("There is no such co-speaker on this submission."))
    return co_speaker


def remove_co_speaker(user, submission: Submission, co_speaker_id) -> None:
    """Take back an invitation or remove a confirmed co-speaker."""
    edition = submission.edition
    if not can(user, "submission.edit", submission, edition=edition):
        raise NotAllowed(_("Only the submission's author can remove co-speakers."))
    override = ensure_may_change(user, edition)
    co_speaker = next((c for c in submission.co_speakers if c.id == co_speaker_id), None)
    if co_speaker is None:
        raise NotFound(_("There is no such co-speaker on this submission."))
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
            _(
                "This invitation was sent to another e-mail address. Please log in with the "
                "address the invitation was sent to."
            ),
            code="wrong_account",
        )
    if co_speaker.user_id is not None and co_speaker.user_id != user.id:
        raise NotAllowed(
            _("This invitation was confirmed by another account."), code="wrong_account"
        )


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
            _("Please verify your e-mail address first (see the mail we sent when you signed up)."),
            code="email_not_verified",
        )
    if submission.state == SubmissionState.WITHDRAWN:
        raise Conflict(_("This submission was withdrawn by its author."))
    ensure_may_change(user, edition)
    co_speaker.user_id = user.id
    co_speaker.confirmed_at = utcnow()
    if not co_speaker.name:
        co_speaker.name = user.full_name
    audit.record(user, "co_speaker.confirmed", submission, edition=edition, email=user.email)
    db.session.commit()
    return co_speaker
