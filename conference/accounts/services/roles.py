"""Per-edition roles, site administrators, and where a login leads."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_request_context, url_for
from flask_babel import LazyString, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, mail
from conference.accounts.models import Role, RoleAssignment, User
from conference.errors import DomainError
from conference.extensions import db
from conference.urls import external_url


def role_label(role: str | Role) -> str:
    """``role`` on its own (a choice, a table cell), in the request's language; the stored
    value stays the English code. (Context "role": a chair here chairs the committee.)"""
    labels = {
        Role.ORGANISER: pgettext("role", "Organiser"),
        Role.REVIEWER: pgettext("role", "Reviewer"),
        Role.CHAIR: pgettext("role", "Chair"),
        Role.STAFF: pgettext("role", "Staff"),
    }
    return labels.get(role, str(role))


def role_name(role: str | Role) -> str:
    """``role`` inside a sentence (lower case in English), in the request's language."""
    names = {
        Role.ORGANISER: pgettext("role", "organiser"),
        Role.REVIEWER: pgettext("role", "reviewer"),
        Role.CHAIR: pgettext("role", "chair"),
        Role.STAFF: pgettext("role", "staff"),
    }
    return names.get(role, str(role))


def parse_role(name: str) -> Role:
    try:
        return Role(name.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise DomainError(
            _(
                "Unknown role %(name)s; choose one of: %(allowed)s, admin.",
                name=repr(name),
                allowed=allowed,
            )
        ) from None


def grant_role(
    user: User, edition, role: str | Role, *, actor=None, notify: bool = False
) -> RoleAssignment:
    """Give ``user`` the ``role`` in ``edition`` (nothing changes if they hold it).

    ``notify``: a new role is told to its holder by mail, with the link to their area
    (people granting roles pass it; demo data and tests need not)."""
    role = parse_role(str(role))
    existing = db.session.scalar(
        sa.select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.edition_id == edition.id,
            RoleAssignment.role == role,
        )
    )
    if existing is not None:
        return existing
    assignment = RoleAssignment(
        user_id=user.id,
        edition_id=edition.id,
        role=role.value,
        granted_by_id=getattr(actor, "id", None),
    )
    db.session.add(assignment)
    audit.record(actor, "role.grant", user, edition=edition, role=role.value, email=user.email)
    db.session.flush()
    if notify:
        notify_role_granted(user, edition, role)
    return assignment


# Where each role's work is (the link in the mail telling a person about their new role).
ROLE_AREAS = {
    Role.ORGANISER: "dashboard.overview",
    Role.CHAIR: "review.chair",
    Role.REVIEWER: "review.my_reviews",
    Role.STAFF: "checkin.scanner",
}


def notify_role_granted(user: User, edition, role: Role) -> None:
    """Queue the mail telling ``user`` they hold ``role`` now, in their language."""
    context = (
        contextlib.nullcontext() if has_request_context() else current_app.test_request_context()
    )
    with context:
        link = external_url(ROLE_AREAS[role], year=edition.year)
    mail.queue(
        user.email,
        "accounts_role_granted",
        LazyString(
            lambda: _(
                "Your new role in %(edition)s: %(role)s",
                edition=edition.title,
                role=role_label(role),
            )
        ),
        edition=edition,
        user=user,
        role=role.value,
        link=link,
    )


def has_role(user: User, edition, role: str | Role) -> bool:
    """Does ``user`` hold ``role`` in ``edition``?"""
    role = parse_role(str(role))
    return (
        db.session.scalar(
            sa.select(RoleAssignment.id).where(
                RoleAssignment.user_id == user.id,
                RoleAssignment.edition_id == edition.id,
                RoleAssignment.role == role,
            )
        )
        is not None
    )


def revoke_role(user: User, edition, role: str | Role, *, actor=None) -> bool:
    role = parse_role(str(role))
    assignment = db.session.scalar(
        sa.select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.edition_id == edition.id,
            RoleAssignment.role == role,
        )
    )
    if assignment is None:
        return False
    db.session.delete(assignment)
    audit.record(actor, "role.revoke", user, edition=edition, role=role.value, email=user.email)
    return True


def set_admin(user: User, value: bool, *, actor=None) -> None:
    """Make or unmake a site administrator; nobody removes their own rights by mistake."""
    if not value:
        ensure_admin_removable(user, actor)
    if user.is_admin == value:
        return
    user.is_admin = value
    audit.record(actor, "admin.grant" if value else "admin.revoke", user, email=user.email)


# --- what losing a right means (for the confirmation pages) --------------------------------

ROLE_LOSSES = {
    Role.ORGANISER: _l(
        "They lose access to the edition's administration: registrations, categories, "
        "programme, call, roles, badges and the audit log at once."
    ),
    Role.CHAIR: _l(
        "They lose access to the programme committee's chair pages: assigning reviewers, "
        "taking and publishing decisions, placing talks in the programme at once."
    ),
    Role.REVIEWER: _l(
        "They lose access to their review assignments (reviews already submitted are kept) at once."
    ),
    Role.STAFF: _l(
        "They lose access to scanning badges and the check-in pages at the venue at once."
    ),
}


def role_revocation_consequences(user: User, edition, role: str | Role) -> list[str]:
    """What revoking ``role`` in ``edition`` takes away from ``user``, in words."""
    role = parse_role(str(role))
    return [
        _(
            "%(name)s (%(email)s) is no longer %(role)s of %(year)s.",
            name=user.display_name,
            email=user.email,
            role=role_name(role),
            year=edition.year,
        ),
        str(ROLE_LOSSES[role]),
        _("Their other roles and their own registration and submissions are not touched."),
    ]


def ensure_admin_removable(user: User, actor) -> None:
    """Nobody removes their own administrator rights (another administrator must)."""
    if actor is not None and getattr(actor, "id", None) == user.id:
        raise DomainError(_("You cannot remove your own administrator rights."))


def landing_url(user: User) -> str:
    """Where a login without an explicit ``next`` leads: an organiser to the overview of the
    latest edition they organise, everyone else to the home page."""
    organised = db.session.scalars(
        sa.select(RoleAssignment)
        .options(so.joinedload(RoleAssignment.edition))
        .where(RoleAssignment.user_id == user.id, RoleAssignment.role == Role.ORGANISER)
    ).all()
    year = max((assignment.edition.year for assignment in organised), default=None)
    if year is not None:
        return url_for("dashboard.overview", year=year)
    return url_for("editions.home")
