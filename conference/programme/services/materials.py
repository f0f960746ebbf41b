"""Materials of sessions: slides, documents and recording links, and who may reach them.

Every channel (the session page, the session API, the schedule exports and the download URL)
asks ``visible_materials`` / ``may_see_material``, which ask ``permissions`` (the rule
``session.materials``): the session's access rule always comes first, then the session's
``materials_access`` (public, accredited attendees, cleared for the session).

A material is attached to a session, or to a submission before its talk is placed; once placed
(a contribution of the session presents the submission), the submission's materials show on
the session too.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit
from conference.editions.services import touch_programme
from conference.errors import DomainError, NotAllowed, NotFound
from conference.extensions import db
from conference.permissions import Channel, can, clearance, material_disclosed
from conference.programme.models import Contribution, ProgrammeSession
from conference.programme.services.common import clean_text, record_change
from conference.programme.services.files import PDF, clean_document, file_store, new_key
from conference.programme.speaker_models import MaterialKind, MaterialVisibility, SessionMaterial
from conference.signals import session_changed

TITLE_MAX = 200
URL_MAX = 500
MAX_PER_SESSION = 30

KIND_LABELS = {
    MaterialKind.SLIDES: _l("Slides"),
    MaterialKind.DOCUMENT: _l("Document"),
    MaterialKind.RECORDING: _l("Recording"),
}
VISIBILITY_LABELS = {
    MaterialVisibility.PUBLIC: _l("Everyone who may see the session"),
    MaterialVisibility.ACCREDITED: _l("Accredited attendees only"),
    MaterialVisibility.CLEARED: _l("Only people cleared to attend the session"),
}


@dataclasses.dataclass(frozen=True)
class MaterialLink:
    """A material as the session API and the exports show it."""

    id: int
    title: str
    kind: str
    url: str
    is_file: bool


def presented_submissions(session) -> list[int]:
    """The submissions the session's running order presents (a live session or a released
    one)."""
    return [
        c.submission_id
        for c in getattr(session, "contributions", None) or ()
        if getattr(c, "submission_id", None) is not None
    ]


def _session_filter(session: ProgrammeSession):
    own = SessionMaterial.session_id == session.id
    submissions = presented_submissions(session)
    if not submissions:
        return own
    return sa.or_(
        own,
        sa.and_(
            SessionMaterial.session_id.is_(None),
            SessionMaterial.submission_id.in_(submissions),
        ),
    )


def session_materials(session: ProgrammeSession) -> list[SessionMaterial]:
    """Every material of ``session`` (no visibility applied: ask ``visible_materials``)."""
    return list(
        db.session.scalars(
            sa.select(SessionMaterial)
            .where(_session_filter(session))
            .order_by(SessionMaterial.created_at, SessionMaterial.id)
        )
    )


def visible_materials(
    user, edition, session: ProgrammeSession, *, channel: str = Channel.PAGE
) -> list[SessionMaterial]:
    """The materials of ``session`` ``user`` may see on ``channel`` ([] when they may see
    none): the ``session.materials`` rule, then each material's TLP label on that channel
    (``permissions.material_disclosed``: a RED one only on the site, no Chatham House
    recordings)."""
    if not can(user, "session.materials", session, edition=edition):
        return []
    viewer = clearance(user, edition)
    return [
        m for m in session_materials(session) if material_disclosed(viewer, session, m, channel)
    ]


def materials_by_session(
    user, edition, sessions, *, channel: str
) -> dict[int, list[SessionMaterial]]:
    """Visible materials for many sessions at once (one query), keyed by session id, as
    ``visible_materials`` gives them on ``channel``."""
    viewer = clearance(user, edition)
    allowed = [s for s in sessions if can(user, "session.materials", s, edition=edition)]
    if not allowed:
        return {}
    by_id = {s.id: s for s in allowed}
    by_submission = {sid: s.id for s in allowed for sid in presented_submissions(s)}
    rows = db.session.scalars(
        sa.select(SessionMaterial)
        .where(
            SessionMaterial.edition_id == edition.id,
            sa.or_(
                SessionMaterial.session_id.in_(by_id),
                sa.and_(
                    SessionMaterial.session_id.is_(None),
                    SessionMaterial.submission_id.in_(by_submission),
                ),
            ),
        )
        .order_by(SessionMaterial.created_at, SessionMaterial.id)
    )
    result: dict[int, list[SessionMaterial]] = {}
    for material in rows:
        key = material.session_id or by_submission.get(material.submission_id)
        if key in by_id and material_disclosed(viewer, by_id[key], material, channel):
            result.setdefault(key, []).append(material)
    return result


def submission_materials(submission_id: int) -> list[SessionMaterial]:
    """The files and links uploaded to a submission (shown to its speakers and organisers)."""
    return list(
        db.session.scalars(
            sa.select(SessionMaterial)
            .where(SessionMaterial.submission_id == submission_id)
            .order_by(SessionMaterial.created_at, SessionMaterial.id)
        )
    )


def reviewer_files(submission_id: int) -> list[SessionMaterial]:
    """A submission's PDFs, for double-blind reviewers: stored without metadata, served under
    a neutral name. Other formats keep properties we do not clean, so reviewers get PDFs only."""
    return [
        m
        for m in submission_materials(submission_id)
        if m.is_file and m.content_type == PDF.content_type
    ]


def placed_session(material: SessionMaterial) -> ProgrammeSession | None:
    """The session a material shows on: its own, or the one its submission is placed in."""
    if material.session_id is not None:
        return db.session.get(ProgrammeSession, material.session_id)
    if material.submission_id is None:
        return None
    return db.session.scalar(
        sa.select(ProgrammeSession)
        .join(Contribution, Contribution.session_id == ProgrammeSession.id)
        .where(Contribution.submission_id == material.submission_id)
        .order_by(ProgrammeSession.id)
        .limit(1)
    )


def may_see_material(user, edition, material: SessionMaterial) -> bool:
    """The download's question: may ``user`` fetch ``material`` through its session? (A
    submission's speakers and the committee reach a submission's files through the
    submissions area, which asks its own rules.)"""
    if material.edition_id != edition.id:
        return False
    session = placed_session(material)
    return (
        session is not None
        and can(user, "session.materials", session, edition=edition)
        and material_disclosed(clearance(user, edition), session, material, Channel.PAGE)
    )


def is_public(edition, material: SessionMaterial) -> bool:
    """Whether anyone at all may fetch it (public caching) — an anonymous visitor's answer."""
    session = placed_session(material)
    return (
        session is not None
        and can(None, "session.materials", session, edition=edition)
        and material_disclosed(clearance(None, edition), session, material, Channel.PAGE)
    )


def get_material(edition, material_id: int) -> SessionMaterial:
    material = db.session.get(SessionMaterial, material_id)
    if material is None or material.edition_id != edition.id:
        raise NotFound(_("There is no such material in this edition."))
    return material


def _clean_title(title: str | None) -> str:
    return clean_text(title, _("Title"), TITLE_MAX, required=True)


def clean_recording_url(url: str | None) -> str:
    """An absolute https (or http) address without credentials, or a DomainError."""
    text = clean_text(url, _("Recording link"), URL_MAX, required=True)
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname or "@" in parts.netloc:
        raise DomainError(
            _("The recording link must be a web address starting with https://."),
            code="invalid",
        )
    return text


def _check_count(session_id: int | None, submission_id: int | None) -> None:
    column = SessionMaterial.session_id if session_id else SessionMaterial.submission_id
    count = db.session.scalar(
        sa.select(sa.func.count()).where(column == (session_id or submission_id))
    )
    if count >= MAX_PER_SESSION:
        raise DomainError(
            _("There are already %(num)d materials here: remove one first.", num=count),
            code="too_many",
        )


def add_file(
    actor,
    edition,
    *,
    title: str,
    kind: str,
    data: bytes,
    filename: str,
    session: ProgrammeSession | None = None,
    submission=None,
) -> SessionMaterial:
    """Check, clean and store an uploaded file as a material of ``session`` or ``submission``.

    The caller has checked ``session.materials_manage`` or ``submission.materials``.
    """
    if kind not in (MaterialKind.SLIDES, MaterialKind.DOCUMENT):
        raise DomainError(_("Choose slides or a document."), code="invalid")
    title = _clean_title(title)
    session_id = session.id if session is not None else None
    submission_id = submission.id if submission is not None else None
    if session is not None and submission_id is None:
        presented = presented_submissions(session)
        submission_id = presented[0] if len(presented) == 1 else None
    if session is None and submission is not None:
        placed = placed_session(SessionMaterial(submission_id=submission.id))
        session_id = placed.id if placed is not None else None
    _check_count(session_id, submission_id)
    cleaned, doc_type = clean_document(data)
    key = new_key(doc_type.extension)
    material = SessionMaterial(
        edition_id=edition.id,
        session_id=session_id,
        submission_id=submission_id,
        title=title,
        kind=kind,
        storage_key=key,
        filename=(filename or "")[:200],
        content_type=doc_type.content_type,
        size=len(cleaned),
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(material)
    db.session.flush()
    file_store().save(key, cleaned)
    _record(actor, edition, material, "material.add")
    return material


def add_recording(
    actor, edition, *, title: str, url: str, session: ProgrammeSession
) -> SessionMaterial:
    """A link to the recording of ``session`` (the caller checked ``materials_manage``)."""
    title = _clean_title(title)
    url = clean_recording_url(url)
    _check_count(session.id, None)
    material = SessionMaterial(
        edition_id=edition.id,
        session_id=session.id,
        submission_id=None,
        title=title,
        kind=MaterialKind.RECORDING,
        url=url,
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(material)
    db.session.flush()
    _record(actor, edition, material, "material.add")
    return material


def delete_material(actor, edition, material: SessionMaterial) -> None:
    """Remove a material and its stored file (the caller checked the permission)."""
    key = material.storage_key
    _record(actor, edition, material, "material.delete")
    db.session.delete(material)
    db.session.flush()
    if key:
        file_store().delete(key)


def may_manage(user, edition, material: SessionMaterial) -> bool:
    """Whether ``user`` may remove ``material`` from the session it shows on."""
    session = placed_session(material)
    return session is not None and can(user, "session.materials_manage", session, edition=edition)


def set_materials_access(actor, edition, session: ProgrammeSession, access: str) -> None:
    """Decide who sees ``session``'s materials (organisers only)."""
    if not can(actor, "session.materials_access", session, edition=edition):
        raise NotAllowed(_("Only the edition's organisers decide who sees the materials."))
    if access not in set(MaterialVisibility):
        raise DomainError(_("Choose who may see the materials."), code="invalid")
    if session.materials_access == access:
        return
    previous = session.materials_access
    session.materials_access = access
    record_change(
        session, actor, "session.materials_access", edition, before=previous, after=access
    )


def read_file(material: SessionMaterial) -> bytes:
    if material.storage_key is None:
        raise NotFound(_("This material is a link, not a file."))
    try:
        return file_store().read(material.storage_key)
    except FileNotFoundError:
        raise NotFound(_("The file of this material is missing.")) from None


def _record(actor, edition, material: SessionMaterial, action: str) -> None:
    audit.record(
        actor,
        action,
        material,
        edition=edition,
        title=material.title,
        kind=material.kind,
        session_id=material.session_id,
        submission_id=material.submission_id,
    )
    session = placed_session(material)
    if session is not None:  # the session's pages, feeds and exports follow
        touch_programme(edition)
        db.session.flush()
        session_changed.send(session, actor=actor)
