"""Badge rules: issue on accreditation, revoke on revocation or cancellation, reissue when lost.

At most one valid badge per registration: the partial unique index ``uq_badges_one_valid``
decides, so two requests racing to issue a badge cannot both succeed; the loser gets the
winner's badge back.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from conference import audit, health
from conference.accreditation.models import (
    AccreditationCategory,
    Registration,
    RegistrationState,
)
from conference.badges.models import Badge, BadgePrintJob, BadgeState, PrintJobState
from conference.badges.pdf import render_badge, render_sheets
from conference.badges.signing import (
    BadgeClaims,
    KeyMissing,
    make_code,
    private_key,
    require_private_key,
)
from conference.db import utcnow
from conference.editions.models import Edition, EditionState
from conference.errors import Conflict, DomainError, NotFound
from conference.extensions import db
from conference.jobs import enqueue

REVOKING_STATES = {
    RegistrationState.REVOKED,
    RegistrationState.CANCELLED,
    RegistrationState.REJECTED,
    RegistrationState.WAITLISTED,
    RegistrationState.SUBMITTED,
}


def valid_badge(registration: Registration) -> Badge | None:
    return db.session.scalar(
        sa.select(Badge).where(
            Badge.registration_id == registration.id, Badge.state == BadgeState.VALID
        )
    )


def _category_code(registration: Registration) -> str:
    category = registration.category or registration.requested_category
    return category.code if category is not None else ""


def _badge_number(registration: Registration) -> int:
    """The number printed on the badge: the registration's earlier number (a reissue keeps
    it), else the next one of the edition. A partial unique index guards both."""
    earlier = db.session.scalar(
        sa.select(Badge.number)
        .where(Badge.registration_id == registration.id, Badge.number.is_not(None))
        .order_by(Badge.version.desc())
        .limit(1)
    )
    if earlier is not None:
        return earlier
    highest = db.session.scalar(
        sa.select(sa.func.max(Badge.number)).where(Badge.edition_id == registration.edition_id)
    )
    return (highest or 0) + 1


def issue_badge(registration: Registration, *, actor=None) -> Badge:
    """The registration's valid badge, issued now if it has none. Needs accreditation."""
    if registration.state != RegistrationState.ACCREDITED:
        raise DomainError(
            _("Only accredited registrations get a badge."), code="not_accredited", status_code=409
        )
    existing = valid_badge(registration)
    if existing is not None:
        return existing
    version = (
        db.session.scalar(
            sa.select(sa.func.max(Badge.version)).where(Badge.registration_id == registration.id)
        )
        or 0
    ) + 1
    badge = Badge(
        edition_id=registration.edition_id,
        registration_id=registration.id,
        number=_badge_number(registration),
        version=version,
        category_code=_category_code(registration),
        state=BadgeState.VALID,
        issued_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(badge)
    except IntegrityError:
        # Someone else issued one at the same moment: theirs is the badge.
        existing = valid_badge(registration)
        if existing is None:
            raise Conflict(_("The badge is being changed by someone else; please try again."))
        return existing
    audit.record(
        actor,
        "badge.issue",
        badge,
        edition=registration.edition_id,
        registration=registration.id,
        version=badge.version,
    )
    return badge


def revoke_badge(badge: Badge, *, actor=None, reason: str = "") -> Badge:
    """Revoke ``badge`` (no-op when already revoked)."""
    reason = (reason or "").strip()
    if len(reason) > 400:
        raise DomainError(_("The reason is too long (at most 400 characters)."))
    if badge.state == BadgeState.REVOKED:
        return badge
    badge.state = BadgeState.REVOKED
    badge.revoked_at = utcnow()
    badge.revoke_reason = reason
    db.session.flush()
    audit.record(actor, "badge.revoke", badge, version=badge.version, reason=reason)
    return badge


def reissue_badge(registration: Registration, *, actor=None, reason: str = "") -> Badge:
    """Replace a lost or damaged badge: the old one stops working, a new version is issued."""
    if registration.state != RegistrationState.ACCREDITED:
        raise DomainError(
            _("Only accredited registrations get a badge."), code="not_accredited", status_code=409
        )
    # Serialise reissues of one registration (PostgreSQL row lock; SQLite locks the file).
    db.session.execute(
        sa.select(Registration.id).where(Registration.id == registration.id).with_for_update()
    )
    old = valid_badge(registration)
    if old is not None:
        revoke_badge(old, actor=actor, reason=reason or "reissued")
    new = issue_badge(registration, actor=actor)
    audit.record(
        actor,
        "badge.reissue",
        new,
        replaces=old.id if old is not None else None,
        version=new.version,
        reason=reason,
    )
    return new


def issue_missing(edition, *, actor=None) -> int:
    """Issue a badge to every accredited registration of ``edition`` that has none."""
    has_valid = sa.select(Badge.id).where(
        Badge.registration_id == Registration.id, Badge.state == BadgeState.VALID
    )
    registrations = db.session.scalars(
        sa.select(Registration).where(
            Registration.edition_id == edition.id,
            Registration.state == RegistrationState.ACCREDITED,
            ~has_valid.exists(),
        )
    ).all()
    for registration in registrations:
        issue_badge(registration, actor=actor)
    return len(registrations)


def follow_registration(registration, to_state, *, actor=None) -> None:
    """Accreditation issues a badge (a new one when the category changed); revocation,
    cancellation or any other state revokes it."""
    if to_state == RegistrationState.ACCREDITED:
        badge = valid_badge(registration)
        if badge is not None and badge.category_code != _category_code(registration):
            reissue_badge(registration, actor=actor, reason="category changed")
        else:
            issue_badge(registration, actor=actor)
    elif to_state in REVOKING_STATES:
        badge = valid_badge(registration)
        if badge is not None:
            revoke_badge(badge, actor=actor, reason=f"registration {to_state}")


# --- codes -------------------------------------------------------------------------------


def signing_key(edition):
    """The edition's private signing key (raises KeyMissing); load once for a bulk print."""
    return require_private_key(edition.year)


def badge_code(badge: Badge, *, key=None) -> str:
    """The signed QR text of ``badge`` (``key``: the edition's key, when already loaded)."""
    edition = badge.registration.edition
    claims = BadgeClaims(
        year=edition.year,
        badge_id=badge.id,
        version=badge.version,
        category_code=badge.category_code,
    )
    return make_code(claims, key if key is not None else require_private_key(edition.year))


def has_signing_key(edition) -> bool:
    """Whether the edition's signing key is present and readable (badges can be printed)."""
    try:
        return private_key(edition.year) is not None
    except DomainError:
        return False


def badge_pdf(badge: Badge) -> bytes:
    """The badge as one A6 PDF page."""
    return render_badge(badge, badge_code(badge))


@health.readiness_check("badge_keys")
def check_signing_keys() -> dict:
    """Readiness: every open or closed edition that has not ended has its signing key."""
    today = utcnow().date()
    years = db.session.scalars(
        sa.select(Edition.year)
        .where(Edition.state.in_([EditionState.OPEN, EditionState.CLOSED]))
        .where(Edition.end_date >= today)
        .order_by(Edition.year)
    ).all()
    missing = []
    for year in years:
        try:
            key = private_key(year)
        except KeyMissing:
            key = None
        if key is None:
            missing.append(year)
    entry: dict = {"ok": not missing, "editions": list(years)}
    if missing:
        entry["missing"] = missing
    return entry


# --- queries -----------------------------------------------------------------------------


def get_badge(edition, badge_id: int) -> Badge:
    badge = db.session.get(Badge, badge_id)
    if badge is None or badge.edition_id != edition.id:
        raise NotFound(_("There is no such badge."))
    return badge


def latest_badge(registration) -> Badge | None:
    """The latest badge of ``registration``, valid or not; None when none was ever issued."""
    return db.session.scalar(
        sa.select(Badge)
        .where(Badge.registration_id == registration.id)
        .order_by(Badge.version.desc())
        .limit(1)
    )


def badge_history(badge: Badge) -> list[Badge]:
    """Every badge of ``badge``'s registration, newest first."""
    return list(
        db.session.scalars(
            sa.select(Badge)
            .where(Badge.registration_id == badge.registration_id)
            .order_by(Badge.version.desc())
        )
    )


def missing_count(edition) -> int:
    """How many accredited registrations have no valid badge."""
    has_valid = sa.select(Badge.id).where(
        Badge.registration_id == Registration.id, Badge.state == BadgeState.VALID
    )
    return db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.edition_id == edition.id,
            Registration.state == RegistrationState.ACCREDITED,
            ~has_valid.exists(),
        )
    )


def badge_for_user(user, edition) -> Badge | None:
    """The valid badge of ``user`` in ``edition`` (for their own page)."""
    if user is None or not getattr(user, "is_authenticated", False) or edition is None:
        return None
    return db.session.scalar(
        sa.select(Badge)
        .join(Registration, Badge.registration_id == Registration.id)
        .where(
            Registration.edition_id == edition.id,
            Registration.user_id == user.id,
            Registration.state == RegistrationState.ACCREDITED,
            Badge.state == BadgeState.VALID,
        )
    )


def list_badges(edition, *, category_id=None, state=None, printed=None, query=None):
    """Badges of ``edition`` for the organisers' list, newest registration first."""
    stmt = (
        sa.select(Badge)
        .join(Registration, Badge.registration_id == Registration.id)
        .where(Badge.edition_id == edition.id)
        .order_by(Registration.full_name, Badge.version.desc())
    )
    if category_id:
        stmt = stmt.where(Registration.category_id == category_id)
    if state in (BadgeState.VALID, BadgeState.REVOKED):
        stmt = stmt.where(Badge.state == state)
    if printed == "yes":
        stmt = stmt.where(Badge.printed_at.is_not(None))
    elif printed == "no":
        stmt = stmt.where(Badge.printed_at.is_(None))
    if query:
        like = f"%{query.strip()[:100]}%"
        stmt = stmt.where(
            sa.or_(Registration.full_name.ilike(like), Registration.organisation.ilike(like))
        )
    return db.session.scalars(stmt).all()


def printable_badges(edition, *, category_ids=(), only_unprinted=False) -> list[Badge]:
    """Valid badges of accredited registrations, optionally of some categories only."""
    stmt = (
        sa.select(Badge)
        .join(Registration, Badge.registration_id == Registration.id)
        .where(
            Badge.edition_id == edition.id,
            Badge.state == BadgeState.VALID,
            Registration.state == RegistrationState.ACCREDITED,
        )
        .order_by(Registration.full_name, Badge.id)
        # Everything a badge draws, loaded in a few queries instead of one per badge (the
        # holder's account too: its language chooses the badge's fixed words).
        .options(
            so.contains_eager(Badge.registration).options(
                so.joinedload(Registration.edition),
                so.joinedload(Registration.category),
                so.joinedload(Registration.requested_category),
                so.joinedload(Registration.user),
            )
        )
    )
    if category_ids:
        stmt = stmt.where(Registration.category_id.in_(list(category_ids)))
    if only_unprinted:
        stmt = stmt.where(Badge.printed_at.is_(None))
    return list(db.session.scalars(stmt))


def categories(edition) -> list[AccreditationCategory]:
    return list(
        db.session.scalars(
            sa.select(AccreditationCategory)
            .where(AccreditationCategory.edition_id == edition.id)
            .order_by(AccreditationCategory.position, AccreditationCategory.name)
        )
    )


def mark_printed(badges: list[Badge]) -> None:
    now = utcnow()
    for badge in badges:
        badge.printed_at = now


# --- bulk printing -----------------------------------------------------------------------


def start_print_job(edition, *, actor, category_ids=(), only_unprinted=False) -> BadgePrintJob:
    """Queue a bulk print of badges on A4 sheets (runs in the background)."""
    require_private_key(edition.year)
    valid_ids = {c.id for c in categories(edition)}
    category_ids = sorted({int(c) for c in category_ids})
    if any(c not in valid_ids for c in category_ids):
        raise DomainError(_("Choose categories of this edition."))
    job = BadgePrintJob(
        edition_id=edition.id,
        requested_by_id=getattr(actor, "id", None),
        filters={"category_ids": category_ids, "only_unprinted": bool(only_unprinted)},
        state=PrintJobState.PENDING,
        total=len(
            printable_badges(edition, category_ids=category_ids, only_unprinted=only_unprinted)
        ),
    )
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "badge.print_job", job, edition=edition, **job.filters, total=job.total)
    db.session.commit()
    enqueue("conference.badges.services.run_print_job", job.id)
    return db.session.get(BadgePrintJob, job.id)


PROGRESS_STEP = 40  # badges between two progress updates of a print job


def run_print_job(job_id: int) -> None:
    """The background job: render the sheets, reporting progress as it goes."""
    job = db.session.get(BadgePrintJob, job_id)
    if job is None or job.state not in (PrintJobState.PENDING, PrintJobState.FAILED):
        return
    edition = db.session.get(Edition, job.edition_id)
    job.state = PrintJobState.RUNNING
    job.error = ""
    db.session.commit()
    # Progress commits must not expire the loaded badges (each would then reload one by one).
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        _render_print_job(job, edition)
    finally:
        session.expire_on_commit = expire


def _render_print_job(job: BadgePrintJob, edition) -> None:
    job_id = job.id
    try:
        badges = printable_badges(
            edition,
            category_ids=job.filters.get("category_ids") or (),
            only_unprinted=bool(job.filters.get("only_unprinted")),
        )
        job.total = len(badges)
        job.done = 0
        db.session.commit()

        def progress(done: int) -> None:
            if done - job.done >= PROGRESS_STEP or done == job.total:
                job.done = done
                db.session.commit()

        key = signing_key(edition) if badges else None  # read and parsed once, not per badge
        pdf = render_sheets(
            edition, badges, lambda badge: badge_code(badge, key=key), progress=progress
        )
        job.pdf = pdf
        job.done = len(badges)
        job.state = PrintJobState.DONE
        job.finished_at = utcnow()
        mark_printed(badges)
        db.session.commit()
    except Exception as exc:  # recorded on the job for the organiser to see
        db.session.rollback()
        job = db.session.get(BadgePrintJob, job_id)
        job.state = PrintJobState.FAILED
        job.error = str(exc)[:2000] or type(exc).__name__
        job.finished_at = utcnow()
        db.session.commit()
        if not isinstance(exc, DomainError):
            current_app.logger.exception("badge print job %s failed", job_id)


def get_print_job(edition, job_id: int) -> BadgePrintJob:
    job = db.session.get(BadgePrintJob, job_id)
    if job is None or job.edition_id != edition.id:
        raise NotFound(_("There is no such print job."))
    return job


def recent_print_jobs(edition, limit: int = 10) -> list[BadgePrintJob]:
    return list(
        db.session.scalars(
            sa.select(BadgePrintJob)
            .where(BadgePrintJob.edition_id == edition.id)
            .order_by(BadgePrintJob.id.desc())
            .limit(limit)
        )
    )
