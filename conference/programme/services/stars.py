"""Stars: the sessions a person puts on their own agenda ("add to my agenda").

A star is a preference, not an entitlement: it may be set on any session the person may see in
detail (``permissions`` rule ``agenda.star``), and every channel shows it only while that is
still true, so that losing clearance takes restricted stars off the agenda, the API and the
feeds at the next request without deleting anything.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from conference.errors import NotAllowed
from conference.extensions import db
from conference.permissions import can
from conference.programme.models import AgendaStar, ProgrammeSession
from conference.programme.services.visibility import get_session


def starred_ids(user, edition) -> frozenset[int]:
    """Ids of the sessions ``user`` starred in ``edition`` (one query; empty when anonymous).

    Raw rows: a caller showing them filters by what the person may still see."""
    if edition is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        db.session.scalars(
            sa.select(AgendaStar.session_id).where(
                AgendaStar.user_id == user.id, AgendaStar.edition_id == edition.id
            )
        )
    )


def _starrable(user, edition, session_id: int) -> ProgrammeSession:
    """The session, if ``user`` may star it: NotFound for another edition's or an unknown id,
    NotAllowed for a restricted one they are not cleared for or an archived edition."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed(_("Log in to keep your own agenda."), status_code=401)
    session = get_session(edition, session_id)
    if not can(user, "agenda.star", session, edition=edition):
        if edition.is_archived:
            raise NotAllowed(
                _("The %(year)s edition is archived: agendas are closed.", year=edition.year)
            )
        raise NotAllowed(
            _("This session is restricted: you are not cleared to see it, so you cannot star it.")
        )
    return session


def star(user, edition, session_id: int) -> bool:
    """Put the session on ``user``'s agenda. True if it was added, False if already there.

    Idempotent under parallel requests: the unique (user, session) constraint decides, and a
    lost race is answered as "already there". The caller commits.
    """
    session = _starrable(user, edition, session_id)
    exists = sa.select(AgendaStar.id).where(
        AgendaStar.user_id == user.id, AgendaStar.session_id == session.id
    )
    if db.session.scalar(exists) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                AgendaStar(edition_id=edition.id, session_id=session.id, user_id=user.id)
            )
    except sa.exc.IntegrityError:
        return False
    return True


def unstar(user, edition, session_id: int) -> bool:
    """Take the session off ``user``'s agenda. True if it was there. The caller commits."""
    session = _starrable(user, edition, session_id)
    result = db.session.execute(
        sa.delete(AgendaStar).where(
            AgendaStar.user_id == user.id, AgendaStar.session_id == session.id
        )
    )
    return bool(result.rowcount)
