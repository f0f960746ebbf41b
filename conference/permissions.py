"""Every "may this user do this?" rule, and the decorators that apply them.

Views, the JSON API, exports and feeds all ask ``can(user, action, obj, edition=…)`` so that
each channel gets the same answer. Rules are grouped by area below; each is a small function
``rule(user, edition, obj) -> bool`` registered under an action name.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from conference import tlp
from conference.accounts.models import Role, RoleAssignment
from conference.accreditation.models import Registration, RegistrationState
from conference.editions.models import EditionState
from conference.errors_http import wants_json
from conference.extensions import db
from conference.programme.models import (
    AccessPolicy,
    ProgrammeSession,
    SessionInvitation,
    SessionSpeaker,
)
from conference.review.models import (
    Conflict,
    Review,
    ReviewAssignment,
    ReviewPhase,
    ReviewSettings,
)
from conference.submissions.models import CoSpeaker, Submission

Rule = Callable[[Any, Any, Any], bool]
RULES: dict[str, Rule] = {}


def rule(*actions: str) -> Callable[[Rule], Rule]:
    """Register a function as the rule for one or more actions."""

    def register(fn: Rule) -> Rule:
        for action in actions:
            if action in RULES:
                raise RuntimeError(f"permission rule {action!r} defined twice")
            RULES[action] = fn
        return fn

    return register


# --- basic questions ---------------------------------------------------------------------


def is_authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(user) -> bool:
    return is_authenticated(user) and bool(getattr(user, "is_admin", False))


def is_verified(user) -> bool:
    """Has the user confirmed their e-mail address?

    Unconfirmed accounts may log in, edit their profile and manage tokens; registering for an
    edition and submitting abstracts need a confirmed address (areas check this helper).
    """
    return is_authenticated(user) and getattr(user, "email_verified_at", None) is not None


def roles_in(user, edition) -> frozenset[str]:
    """The user's roles in ``edition`` (cached for the request)."""
    if not is_authenticated(user) or edition is None:
        return frozenset()
    cache = g.setdefault("_role_cache", {})
    key = (user.id, edition.id)
    if key not in cache:
        cache[key] = frozenset(
            db.session.scalars(
                sa.select(RoleAssignment.role).where(
                    RoleAssignment.user_id == user.id,
                    RoleAssignment.edition_id == edition.id,
                )
            )
        )
    return cache[key]


def remember_roles(user, edition, roles: frozenset[str]) -> None:
    """Fill the request's role cache with roles loaded together with the credential."""
    g.setdefault("_role_cache", {})[(user.id, edition.id)] = frozenset(roles)


def clear_role_cache() -> None:
    g.pop("_role_cache", None)
    g.pop("_clearance_cache", None)


def has_role(user, edition, *roles: str) -> bool:
    return bool(roles_in(user, edition) & set(roles))


def is_organiser(user, edition) -> bool:
    return is_admin(user) or has_role(user, edition, Role.ORGANISER)


def is_chair(user, edition) -> bool:
    return is_admin(user) or has_role(user, edition, Role.CHAIR, Role.ORGANISER)


def is_staff(user, edition) -> bool:
    return is_admin(user) or has_role(user, edition, Role.STAFF, Role.ORGANISER)


def is_reviewer(user, edition) -> bool:
    return has_role(user, edition, Role.REVIEWER, Role.CHAIR)


def edition_writable(user, edition) -> bool:
    """Archived editions are read-only for everyone but administrators."""
    return edition is not None and (edition.state != EditionState.ARCHIVED or is_admin(user))


def can(user, action: str, obj: Any = None, *, edition: Any = None) -> bool:
    """May ``user`` perform ``action`` (on ``obj``, within ``edition``)?"""
    try:
        fn = RULES[action]
    except KeyError:
        raise KeyError(f"no permission rule for {action!r}") from None
    if edition is None:
        edition = getattr(obj, "edition", None) if obj is not None else None
        if edition is None:
            edition = g.get("edition")
    return bool(fn(user, edition, obj))


# --- site and editions -------------------------------------------------------------------


@rule("site.admin", "edition.create", "roles.grant_any")
def _site_admin(user, edition, obj) -> bool:
    return is_admin(user)


@rule("edition.view")
def _edition_view(user, edition, obj) -> bool:
    edition = obj or edition
    return edition is not None and (
        edition.state != EditionState.DRAFT or is_organiser(user, edition)
    )


@rule("edition.manage", "audit.read", "roles.grant")
def _edition_manage(user, edition, obj) -> bool:
    return is_organiser(user, edition)


@rule("edition.edit")
def _edition_edit(user, edition, obj) -> bool:
    return is_organiser(user, edition) and edition_writable(user, edition)


@rule("outbox.read")
def _outbox_read(user, edition, obj) -> bool:
    return is_organiser(user, edition)


@rule("outbox.resend")
def _outbox_resend(user, edition, obj) -> bool:
    """Resend or retry mail: the edition's organisers (not in an archived edition); site
    administrators for every message, those of no edition (sign-up, passwords) included."""
    if is_admin(user):
        return True
    if edition is None or (obj is not None and getattr(obj, "edition_id", None) != edition.id):
        return False
    return is_organiser(user, edition) and edition_writable(user, edition)


# --- accreditation -----------------------------------------------------------------------


@rule("registration.view_all", "category.view")
def _registration_view_all(user, edition, obj) -> bool:
    """The organisers' queue, registration details, exports and the category list."""
    return is_organiser(user, edition)


@rule("registration.decide", "category.manage")
def _registration_decide(user, edition, obj) -> bool:
    """Accredit, reject, waitlist, revoke; create and change categories."""
    return is_organiser(user, edition) and edition_writable(user, edition)


@rule("question.view")
def _question_view(user, edition, obj) -> bool:
    """The edition's registration questions and the files people answered with: organisers."""
    return is_organiser(user, edition)


@rule("question.manage")
def _question_manage(user, edition, obj) -> bool:
    """Add, change and delete registration questions (not in an archived edition)."""
    return is_organiser(user, edition) and edition_writable(user, edition)


@rule("registration.view")
def _registration_view(user, edition, obj) -> bool:
    """A registration is seen by its owner and the edition's organisers."""
    if obj is None or not is_authenticated(user):
        return False
    return obj.user_id == user.id or is_organiser(user, edition)


@rule("registration.change_own")
def _registration_change_own(user, edition, obj) -> bool:
    """Only the attendee edits or cancels their own registration (not in an archive)."""
    return (
        obj is not None
        and is_authenticated(user)
        and obj.user_id == user.id
        and edition_writable(user, edition)
    )


@rule("invitation.view", "waitlist.view")
def _invitation_view(user, edition, obj) -> bool:
    """The organisers' list of invitations and the waiting list."""
    return is_organiser(user, edition)


@rule("invitation.manage", "waitlist.manage")
def _invitation_manage(user, edition, obj) -> bool:
    """Invite, resend, revoke; set what the waiting list does when a place frees."""
    return is_organiser(user, edition) and edition_writable(user, edition)


@rule("registration.offered")
def _registration_offered(user, edition, obj) -> bool:
    """Show the "Register" button: the window is open and the person has no registration."""
    if edition is None or not edition.registration_open():
        return False
    if not is_authenticated(user):
        return True
    return (
        db.session.scalar(
            sa.select(Registration.id).where(
                Registration.edition_id == edition.id, Registration.user_id == user.id
            )
        )
        is None
    )


# --- programme ---------------------------------------------------------------------------


class Clearance:
    """What decides which restricted sessions a person may see in detail and enter.

    Built once per request and edition with a constant number of queries, so that the
    programme page, the API, feeds and exports can check hundreds of sessions cheaply.

    The rule: an open session is seen by everyone. A restricted one is seen in detail by the
    edition's organisers, staff and site administrators, and otherwise only with an
    *accredited* registration for the edition plus one of: the session's category, a place
    on its invitation list, speaking at it, chairing it. Being invited, speaking or chairing
    alone (registration pending, rejected, revoked, cancelled or none) clears nothing.
    """

    def __init__(self, user, edition):
        self.user = user
        self.edition = edition
        self.privileged = is_admin(user) or has_role(user, edition, Role.ORGANISER, Role.STAFF)
        self.accredited = False
        self.category_id: int | None = None
        self.session_ids: frozenset[int] = frozenset()
        self.presenting_ids: frozenset[int] = frozenset()
        self.authenticated = is_authenticated(user)
        if not is_authenticated(user) or edition is None:
            return
        registration = db.session.execute(
            sa.select(Registration.state, Registration.category_id).where(
                Registration.edition_id == edition.id, Registration.user_id == user.id
            )
        ).first()
        if registration is not None and registration.state == RegistrationState.ACCREDITED:
            self.accredited = True
            self.category_id = registration.category_id
        invited = sa.select(SessionInvitation.session_id, sa.literal("invited")).where(
            SessionInvitation.user_id == user.id
        )
        speaking = sa.select(SessionSpeaker.session_id, sa.literal("speaking")).where(
            SessionSpeaker.user_id == user.id
        )
        chairing = sa.select(ProgrammeSession.id, sa.literal("chairing")).where(
            ProgrammeSession.chair_id == user.id, ProgrammeSession.edition_id == edition.id
        )
        rows = db.session.execute(sa.union(invited, speaking, chairing)).all()
        self.session_ids = frozenset(session_id for session_id, _ in rows)
        # Sessions the person presents in or chairs (a RED session's details reach them).
        self.presenting_ids = frozenset(
            session_id for session_id, role in rows if role in ("speaking", "chairing")
        )

    def sees_details(self, session) -> bool:
        """May this person see the title, description, speakers and room of ``session``?"""
        if session.access == AccessPolicy.OPEN or self.privileged:
            return True
        if not self.accredited:
            return False
        if session.id in self.session_ids:
            return True
        if session.access == AccessPolicy.CATEGORIES:
            return self.category_id in {c.id for c in session.categories}
        return False  # invitation list: only the people on it (handled above)

    def may_attend(self, session) -> bool:
        """May this person book or enter ``session``? Requires accreditation as well."""
        if self.privileged:
            return True
        return self.accredited and self.sees_details(session)


def clearance(user, edition) -> Clearance:
    """The request-cached ``Clearance`` of ``user`` in ``edition``."""
    if edition is None:
        return Clearance(user, None)
    cache = g.setdefault("_clearance_cache", {})
    key = (getattr(user, "id", None), edition.id)
    if key not in cache:
        cache[key] = Clearance(user, edition)
    return cache[key]


# TLP labels (issue 23). The access rule above decides whether a person sees a session at
# all; a session's TLP label decides how much of its content reaches them on a given channel.


class Channel(enum.StrEnum):
    """Where a session's content is going."""

    PAGE = "page"  # the site itself, in a browser (anonymous or logged in)
    FEED = "feed"  # calendar feeds: the public ones and a person's own
    EXPORT = "export"  # schedule.json / schedule.xml and other downloaded files
    API = "api"  # the JSON API, anonymous or with a person's token
    MAIL = "mail"  # a mail body (notices, reminders, group mailings rendered per recipient)
    PDF = "pdf"  # generated PDFs (badges)


class Disclosure(enum.StrEnum):
    FULL = "full"  # everything the access rule lets the person see
    NEUTRAL = "neutral"  # title, time and place; a neutral description; no people, no items
    NONE = "none"  # a placeholder: that something takes place then, nothing of its content


def tlp_disclosure(viewer: Clearance, session, label: str | None, channel: str) -> Disclosure:
    """How much of content labelled ``label`` (of ``session``) ``viewer`` may receive on
    ``channel``. The one rule every channel asks; ``viewer`` is the receiver's clearance
    (an anonymous one for public channels), and the access rule has already let them see
    the session.

    - CLEAR: everything, everywhere.
    - GREEN: logged-in accredited participants of the edition (organisers, staff, the
      session's presenters), on every channel that reaches them personally; anyone else (the
      public) gets the session with a neutral description.
    - AMBER, AMBER+STRICT: people cleared for the session by its access rule (accredited and
      allowed in) and organisers, on any personal channel; anyone else a placeholder.
    - RED: the same people plus the session's presenters, on the site itself only (pages,
      after login); never in a feed, export, API answer, mail body or PDF.
    """
    label = tlp.normalise(label) or tlp.TLP.RED.value
    if label == tlp.TLP.CLEAR:
        return Disclosure.FULL
    if not viewer.authenticated:
        return Disclosure.NEUTRAL if label == tlp.TLP.GREEN else Disclosure.NONE
    if label == tlp.TLP.GREEN:
        insider = viewer.accredited or viewer.privileged or session.id in viewer.presenting_ids
        return Disclosure.FULL if insider else Disclosure.NEUTRAL
    if label in (tlp.TLP.AMBER, tlp.TLP.AMBER_STRICT):
        return Disclosure.FULL if viewer.may_attend(session) else Disclosure.NONE
    if channel != Channel.PAGE:
        return Disclosure.NONE
    cleared = viewer.may_attend(session) or session.id in viewer.presenting_ids
    return Disclosure.FULL if cleared else Disclosure.NONE


def chatham_names_allowed(viewer: Clearance, session, channel: str) -> bool:
    """Whether ``viewer`` may see who speaks (and chairs) ``session`` on ``channel``.

    A session under the Chatham House Rule names its speakers and their organisations only
    on the site, to logged-in people cleared for it (and its presenters), with the rule's
    reminder; never on a public channel, a feed, an export, the API, a mail or a PDF.
    """
    if not getattr(session, "chatham_house", False):
        return True
    if channel != Channel.PAGE or not viewer.authenticated:
        return False
    return viewer.may_attend(session) or session.id in viewer.presenting_ids


@rule("session.view_details")
def _session_view_details(user, edition, obj) -> bool:
    return clearance(user, edition).sees_details(obj)


@rule("session.attend")
def _session_attend(user, edition, obj) -> bool:
    return clearance(user, edition).may_attend(obj)


@rule("programme.manage")
def _programme_manage(user, edition, obj) -> bool:
    return is_organiser(user, edition) and edition_writable(user, edition)


@rule("programme.admin", "programme.bookings")
def _programme_admin(user, edition, obj) -> bool:
    """Organisers read the programme administration and booking lists (archives too)."""
    return is_organiser(user, edition)


@rule("programme.book")
def _programme_book(user, edition, obj) -> bool:
    """Whether to offer booking: the person may attend and the edition is not archived."""
    return edition_writable(user, edition) and clearance(user, edition).may_attend(obj)


@rule("booking.cancel")
def _booking_cancel(user, edition, obj) -> bool:
    """A booking is given up by its holder, or cancelled by an organiser."""
    if obj is None or not is_authenticated(user) or not edition_writable(user, edition):
        return False
    return obj.user_id == user.id or is_organiser(user, edition)


@rule("agenda.star")
def _agenda_star(user, edition, obj) -> bool:
    """Put a session on one's own agenda, or take it off: a logged-in person who may see the
    session in detail (restricted ones need clearance, asked afresh on every request), in an
    edition that is not archived."""
    if obj is None or not is_authenticated(user) or not edition_writable(user, edition):
        return False
    return clearance(user, edition).sees_details(obj)


# Speakers' availability and slot confirmation (issue 19).


def presents_in(user, edition) -> bool:
    """Whether ``user`` presents a talk in ``edition``'s programme or has an accepted one."""
    if not is_authenticated(user) or edition is None:
        return False
    presenting = db.session.scalar(
        sa.select(SessionSpeaker.id)
        .join(ProgrammeSession, ProgrammeSession.id == SessionSpeaker.session_id)
        .where(SessionSpeaker.user_id == user.id, ProgrammeSession.edition_id == edition.id)
        .limit(1)
    )
    if presenting is not None:
        return True
    accepted = sa.and_(
        Submission.edition_id == edition.id,
        Submission.state == "submitted",
        Submission.decision == "accepted",
    )
    authored = db.session.scalar(
        sa.select(Submission.id).where(accepted, Submission.author_id == user.id).limit(1)
    )
    co_speaking = db.session.scalar(
        sa.select(CoSpeaker.id)
        .join(Submission, Submission.id == CoSpeaker.submission_id)
        .where(accepted, CoSpeaker.user_id == user.id, CoSpeaker.confirmed_at.is_not(None))
        .limit(1)
    )
    return authored is not None or co_speaking is not None


@rule("programme.state_availability")
def _programme_state_availability(user, edition, obj) -> bool:
    """Speakers of accepted talks state when they can present (not in an archived edition)."""
    return edition_writable(user, edition) and presents_in(user, edition)


@rule("programme.confirm_slot")
def _programme_confirm_slot(user, edition, obj) -> bool:
    """A presenter of the talk (``obj``, a contribution) confirms its slot."""
    if obj is None or not is_authenticated(user) or not edition_writable(user, edition):
        return False
    return any(s.user_id == user.id for s in obj.speakers)


# --- submissions and review --------------------------------------------------------------

# Speaker side (the call, submissions, co-speakers). Deadlines are rules of the services, not
# of these permissions: a permission says who, the service says when.


def is_submission_author(user, submission) -> bool:
    return is_authenticated(user) and submission.author_id == user.id


def is_confirmed_co_speaker(user, submission) -> bool:
    return is_authenticated(user) and any(
        c.user_id == user.id and c.confirmed_at is not None for c in submission.co_speakers
    )


@rule("call.manage")
def _call_manage(user, edition, obj) -> bool:
    return is_organiser(user, edition) and edition_writable(user, edition)


@rule("submission.create")
def _submission_create(user, edition, obj) -> bool:
    return is_authenticated(user) and edition_writable(user, edition)


@rule("submission.view")
def _submission_view(user, edition, obj) -> bool:
    """Open a submission on the speaker side: its author and confirmed co-speakers (who see
    what authors see), and the committee unless conflicted (``submission.view_as_committee``)."""
    if obj is None or edition is None or obj.edition_id != edition.id:
        return False
    return (
        is_submission_author(user, obj)
        or is_confirmed_co_speaker(user, obj)
        or _submission_view_as_committee(user, edition, obj)
    )


@rule("submission.view_as_committee")
def _submission_view_as_committee(user, edition, obj) -> bool:
    """Read a submission as the committee does (lists, filters, exports, unpublished decision):
    chairs and organisers, unless they have a conflict of interest with it — declared,
    automatic, or being one of its speakers (``review_state``; in bulk: ``committee_conflicts``).
    """
    if obj is None or edition is None or obj.edition_id != edition.id:
        return False
    if not is_chair(user, edition):
        return False
    _, conflicted, _ = review_state(user, obj)
    return not conflicted


@rule("submission.edit")
def _submission_edit(user, edition, obj) -> bool:
    if obj is None or edition is None or obj.edition_id != edition.id:
        return False
    return edition_writable(user, edition) and (
        is_submission_author(user, obj)
        or (is_organiser(user, edition) and _submission_view_as_committee(user, edition, obj))
    )


@rule("submissions.list_all")
def _submissions_list_all(user, edition, obj) -> bool:
    return is_chair(user, edition)


# Committee side (conference/review). A conflict (declared, automatic, or simply being an
# author or co-speaker) shuts a person out of a submission and its reviews, chairs included.


def review_state(user, submission) -> tuple[bool, bool, bool]:
    """(assigned, conflicted, own review submitted) of ``user`` for ``submission``.

    Cached for the request; the review services answer the same question in bulk for lists.
    """
    if not is_authenticated(user) or submission is None:
        return False, True, False
    cache = g.setdefault("_review_state_cache", {})
    key = (user.id, submission.id)
    if key not in cache:
        email = (user.email or "").lower()
        conflicted = (
            submission.author_id == user.id
            or any(
                c.user_id == user.id or (c.email or "").lower() == email
                for c in submission.co_speakers
            )
            or db.session.scalar(
                sa.select(Conflict.id).where(
                    Conflict.reviewer_id == user.id, Conflict.submission_id == submission.id
                )
            )
            is not None
        )
        assigned = (
            db.session.scalar(
                sa.select(ReviewAssignment.id).where(
                    ReviewAssignment.reviewer_id == user.id,
                    ReviewAssignment.submission_id == submission.id,
                )
            )
            is not None
        )
        submitted = (
            db.session.scalar(
                sa.select(Review.id).where(
                    Review.reviewer_id == user.id,
                    Review.submission_id == submission.id,
                    Review.submitted_at.is_not(None),
                )
            )
            is not None
        )
        cache[key] = (assigned, bool(conflicted), submitted)
    return cache[key]


def conflicted_submissions(user, edition) -> sa.Select:
    """A query of the ids of ``edition``'s submissions ``user`` is conflicted with: declared or
    automatic conflicts, and those they wrote or are a co-speaker of (by account or e-mail, as
    ``review_state``). Lists use it as a subquery, so hiding costs no query per submission."""
    declared = sa.select(Conflict.submission_id).where(
        Conflict.reviewer_id == user.id, Conflict.edition_id == edition.id
    )
    authored = sa.select(Submission.id).where(
        Submission.edition_id == edition.id, Submission.author_id == user.id
    )
    speaker = CoSpeaker.user_id == user.id
    email = (user.email or "").lower()
    if email:
        speaker = sa.or_(speaker, sa.func.lower(CoSpeaker.email) == email)
    co_speaking = (
        sa.select(CoSpeaker.submission_id)
        .join(Submission, Submission.id == CoSpeaker.submission_id)
        .where(Submission.edition_id == edition.id, speaker)
    )
    return sa.union(declared, authored, co_speaking)


def committee_conflicts(user, edition) -> frozenset[int]:
    """Ids of the submissions ``user`` may not read as the committee, in one query (the bulk
    form of ``submission.view_as_committee`` / ``review.read``'s conflict test)."""
    if not is_authenticated(user) or edition is None:
        return frozenset()
    return frozenset(db.session.scalars(conflicted_submissions(user, edition)))


def _in_edition(edition, submission) -> bool:
    return submission is not None and edition is not None and submission.edition_id == edition.id


@rule("review.participate")
def _review_participate(user, edition, obj) -> bool:
    return is_reviewer(user, edition) or is_chair(user, edition)


@rule("review.chair")
def _review_chair(user, edition, obj) -> bool:
    return is_chair(user, edition)


@rule("review.manage")
def _review_manage(user, edition, obj) -> bool:
    """Change assignments, expertise of others, decisions, mail templates."""
    return is_chair(user, edition) and edition_writable(user, edition)


@rule("review.read")
def _review_read(user, edition, obj) -> bool:
    """Open a submission (blinded unless chair) and, if allowed, its reviews."""
    if not _in_edition(edition, obj):
        return False
    assigned, conflicted, _ = review_state(user, obj)
    if conflicted:
        return False
    return is_chair(user, edition) or (assigned and is_reviewer(user, edition))


def review_phase(edition) -> str:
    """The edition's review phase (``ReviewPhase``); reviewing when the chairs never set one."""
    if edition is None:
        return ReviewPhase.REVIEWING
    phase = db.session.scalar(
        sa.select(ReviewSettings.phase).where(ReviewSettings.edition_id == edition.id)
    )
    return phase or ReviewPhase.REVIEWING


# What reviewers may do in each phase (the chairs' work is not gated by the phase).
PHASES_WRITING = frozenset({ReviewPhase.REVIEWING, ReviewPhase.DISCUSSION})
PHASES_OTHERS_VISIBLE = frozenset({ReviewPhase.DISCUSSION, ReviewPhase.DECISIONS})


@rule("review.write")
def _review_write(user, edition, obj) -> bool:
    """Write one's own review: in the reviewing and discussion phases (the review deadline
    is the service's rule)."""
    if not _in_edition(edition, obj) or not edition_writable(user, edition):
        return False
    assigned, conflicted, _ = review_state(user, obj)
    return (
        assigned
        and not conflicted
        and is_reviewer(user, edition)
        and review_phase(edition) in PHASES_WRITING
    )


@rule("review.read_others", "review.discussion.read")
def _review_read_others(user, edition, obj) -> bool:
    """See the other reviews and the discussion: chairs; reviewers in the discussion and
    decisions phases, once their own review is submitted."""
    if not _review_read(user, edition, obj):
        return False
    if is_chair(user, edition):
        return True
    _, _, submitted = review_state(user, obj)
    return submitted and review_phase(edition) in PHASES_OTHERS_VISIBLE


@rule("review.discuss")
def _review_discuss(user, edition, obj) -> bool:
    """Comment in a submission's discussion: those who may read it, in the discussion phase."""
    return (
        edition_writable(user, edition)
        and review_phase(edition) == ReviewPhase.DISCUSSION
        and _review_read_others(user, edition, obj)
    )


@rule("review.decide")
def _review_decide(user, edition, obj) -> bool:
    if obj is None:
        return _review_manage(user, edition, obj)
    return _review_manage(user, edition, obj) and _review_read(user, edition, obj)


# Materials and speaker profiles (issue 21). The session's access rule comes first: nobody
# who may not see a session's details reaches its materials, whatever their visibility.


def speaks_at(user, session) -> bool:
    return is_authenticated(user) and any(s.user_id == user.id for s in session.speakers)


@rule("session.materials")
def _session_materials(user, edition, obj) -> bool:
    """See (list and download) a session's materials: organisers, staff and its speakers who
    may see the session; others by ``materials_access`` (public: whoever sees the session;
    accredited: accredited attendees; cleared: those cleared to attend it)."""
    if obj is None or edition is None or obj.edition_id != edition.id:
        return False
    viewer = clearance(user, edition)
    if not viewer.sees_details(obj):
        return False
    if viewer.privileged or speaks_at(user, obj):
        return True
    if tlp_disclosure(viewer, obj, getattr(obj, "tlp", None), Channel.PAGE) != Disclosure.FULL:
        return False
    access = getattr(obj, "materials_access", "public")
    if access == "public":
        return True
    if access == "accredited":
        return viewer.accredited
    return viewer.may_attend(obj)


@rule("session.materials_manage")
def _session_materials_manage(user, edition, obj) -> bool:
    """Upload and remove a session's materials: organisers, and its speakers (before or after
    the talk) as long as they may see the session."""
    if obj is None or edition is None or obj.edition_id != edition.id:
        return False
    if not edition_writable(user, edition):
        return False
    if is_organiser(user, edition):
        return True
    return speaks_at(user, obj) and clearance(user, edition).sees_details(obj)


@rule("session.materials_access")
def _session_materials_access(user, edition, obj) -> bool:
    """Decide who sees a session's materials: the organisers."""
    return is_organiser(user, edition) and edition_writable(user, edition)


# Materials with their own TLP label (issue 23). A material is never less strict than the
# session it shows on; its effective label decides, through ``tlp_disclosure``, who receives
# it on which channel. The session's access rule and ``materials_access`` come first.

PDF_CONTENT_TYPE = "application/pdf"


class MaterialRequest(NamedTuple):
    """What ``material.download`` is asked about: a material, the session it shows on (None:
    a submission's material whose talk is not placed), and the channel it would travel on."""

    material: Any
    session: Any
    channel: str = "page"


def material_label(material, session) -> str:
    """The effective label of ``material`` on ``session``: the stricter of the two."""
    return tlp.strictest(getattr(session, "tlp", None), getattr(material, "tlp", None))


def material_insider(user, edition, session) -> bool:
    """The organisers and the session's speakers: they manage its materials and reach every
    one of them on the site, whatever its label."""
    return is_organiser(user, edition) or speaks_at(user, session)


def material_confined(material, session) -> bool:
    """Materials only the organisers and the session's speakers reach, on the site only: those
    marked "not shared", and RED files that a browser cannot show (a RED material is
    view-only; only a PDF can be shown)."""
    if not getattr(material, "shared", True):
        return True
    return (
        material_label(material, session) == tlp.TLP.RED
        and getattr(material, "storage_key", None) is not None
        and getattr(material, "content_type", "") != PDF_CONTENT_TYPE
    )


@rule("material.download")
def _material_download(user, edition, obj) -> bool:
    """List, download or view one material (``obj`` a ``MaterialRequest``): whoever may see the
    session's materials (``session.materials``) and may receive the material's effective
    label on the channel (``tlp_disclosure``). The organisers and the session's speakers
    always reach it on the site; confined materials (``material_confined``) reach nobody else,
    and nobody on any other channel."""
    material, session, channel = obj
    if session is None or edition is None or material.edition_id != edition.id:
        return False
    if getattr(material, "kind", None) == "recording" and getattr(session, "chatham_house", False):
        return False  # the Chatham House Rule: no recording links, for anyone
    if not _session_materials(user, edition, session):
        return False
    insider = material_insider(user, edition, session)
    if material_confined(material, session):
        return insider and channel == Channel.PAGE
    if channel == Channel.PAGE and (insider or clearance(user, edition).privileged):
        return True
    viewer = clearance(user, edition)
    label = material_label(material, session)
    return tlp_disclosure(viewer, session, label, channel) == Disclosure.FULL


@rule("material.downloads")
def _material_downloads(user, edition, obj) -> bool:
    """The log of who downloaded a labelled material: the edition's organisers."""
    return is_organiser(user, edition)


@rule("submission.materials")
def _submission_materials(user, edition, obj) -> bool:
    """Upload files to a submission (for the reviewers, or the talk later): its author and
    confirmed co-speakers while it is not withdrawn, and the organisers."""
    if not _in_edition(edition, obj) or not edition_writable(user, edition):
        return False
    if obj.state == "withdrawn":
        return False
    return (
        is_submission_author(user, obj)
        or is_confirmed_co_speaker(user, obj)
        or (is_organiser(user, edition) and _submission_view_as_committee(user, edition, obj))
    )


@rule("submission.confirm_participation")
def _submission_confirm_participation(user, edition, obj) -> bool:
    """Confirm an accepted talk: its author and confirmed co-speakers, once the decision is
    published (not in an archive)."""
    if not _in_edition(edition, obj) or not edition_writable(user, edition):
        return False
    return (is_submission_author(user, obj) or is_confirmed_co_speaker(user, obj)) and (
        obj.state == "submitted"
        and obj.decision == "accepted"
        and obj.decision_published_at is not None
    )


@rule("speaker.profile")
def _speaker_profile(user, edition, obj) -> bool:
    """See a speaker's profile (biography, photo): the speaker, the organisers, and whoever
    sees the details of a session the person speaks at (``obj`` is the profile)."""
    if obj is None or edition is None or obj.edition_id != edition.id:
        return False
    if is_authenticated(user) and user.id == obj.user_id:
        return True
    viewer = clearance(user, edition)
    if viewer.privileged:
        return True
    sessions = db.session.scalars(
        sa.select(ProgrammeSession)
        .join(SessionSpeaker, SessionSpeaker.session_id == ProgrammeSession.id)
        .where(ProgrammeSession.edition_id == edition.id, SessionSpeaker.user_id == obj.user_id)
    )
    return any(viewer.sees_details(s) for s in sessions)


# --- badges and check-in -----------------------------------------------------------------


@rule("badges.manage")
def _badges_manage(user, edition, obj) -> bool:
    """List, print, revoke and reissue badges."""
    return is_organiser(user, edition) and edition_writable(user, edition)


@rule("badges.download")
def _badges_download(user, edition, obj) -> bool:
    """A badge's PDF: its holder, and the organisers."""
    if obj is None or not is_authenticated(user):
        return False
    registration = obj.registration
    own = registration.user_id == user.id and registration.state == "accredited"
    return (own and obj.state == "valid") or is_organiser(user, edition)


@rule("checkin.scan")
def _checkin_scan(user, edition, obj) -> bool:
    """Scan badges at the doors (staff, organisers, administrators of the edition)."""
    return is_staff(user, edition) and edition_writable(user, edition)


@rule("checkin.override")
def _checkin_override(user, edition, obj) -> bool:
    """Admit at a door someone the door denies (never door staff alone)."""
    return is_organiser(user, edition) and edition_writable(user, edition)


@rule("badges.print_at_door")
def _badges_print_at_door(user, edition, obj) -> bool:
    """Print one attendee's badge at the door (door mode), reissuing it when it was lost:
    door staff and organisers, audited."""
    return is_staff(user, edition) and edition_writable(user, edition)


@rule("checkin.configure")
def _checkin_configure(user, edition, obj) -> bool:
    """The door choices: names in the offline bundle, exit scans per checkpoint."""
    return is_organiser(user, edition) and edition_writable(user, edition)


@rule("checkin.monitor")
def _checkin_monitor(user, edition, obj) -> bool:
    """Live counts and the scan log with its export."""
    return is_organiser(user, edition)


# --- calendar ----------------------------------------------------------------------------

# --- dashboard ---------------------------------------------------------------------------


# --- mailings ----------------------------------------------------------------------------

# Chairs write to speakers and reviewers; organisers to every group.
MAILING_CHAIR_KINDS = frozenset({"speakers", "reviewers"})


def _mailing_kind(obj) -> str | None:
    if obj is None or isinstance(obj, str):
        return obj
    return (getattr(obj, "audience", None) or {}).get("kind")


@rule("mailing.view")
def _mailing_view(user, edition, obj) -> bool:
    """The mailings list and a mailing's page (``obj``: a mailing or an audience kind):
    organisers see all; chairs those to speakers and reviewers."""
    if is_organiser(user, edition):
        return True
    kind = _mailing_kind(obj)
    return is_chair(user, edition) and (kind is None or kind in MAILING_CHAIR_KINDS)


@rule("mailing.write")
def _mailing_write(user, edition, obj) -> bool:
    """Compose, test, send, stop and resume (not in an archived edition)."""
    return edition_writable(user, edition) and _mailing_view(user, edition, obj)


# --- decorators --------------------------------------------------------------------------


def deny():
    """Answer a refused request: login page (or 401 JSON) when anonymous, else 403."""
    if not is_authenticated(current_user):
        if wants_json():
            abort(401)
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    abort(403)


def require(action: str, obj_loader: Callable[..., Any] | None = None):
    """Decorate a view so that it runs only when ``can(current_user, action, …)`` holds.

    ``obj_loader`` receives the view's keyword arguments and returns the object to check.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            obj = obj_loader(**kwargs) if obj_loader else None
            if not can(current_user, action, obj, edition=g.get("edition")):
                return deny()
            return view(*args, **kwargs)

        wrapped.permission = action  # type: ignore[attr-defined]
        return wrapped

    return decorator


def login_required(view):
    """Like Flask-Login's, but JSON callers get 401 instead of a redirect."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not is_authenticated(current_user):
            return deny()
        return view(*args, **kwargs)

    wrapped.permission = "login"  # type: ignore[attr-defined]
    return wrapped
