"""Speaker profiles: a biography, organisation, position and photo per person and edition.

Shown beside the speaker on session pages and in the schedule exports, only to viewers who
may see a session the person speaks at (``permissions``: ``speaker.profile``); never in the
reviewers' blinded view, which reads submissions, not profiles.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from flask_babel import gettext as _

from conference import audit
from conference.editions.services import touch_programme
from conference.extensions import db
from conference.programme.models import ProgrammeSession, SessionSpeaker
from conference.programme.services.common import clean_text
from conference.programme.services.files import clean_photo, file_store, new_key
from conference.programme.speaker_models import SpeakerProfile

BIOGRAPHY_MAX = 3000
FIELD_MAX = 200


@dataclasses.dataclass(frozen=True)
class ProfileView:
    """What a viewer sees of a speaker's profile."""

    user_id: int
    biography: str
    organisation: str
    position: str
    has_photo: bool
    photo_version: int


def profile_of(user, edition) -> SpeakerProfile | None:
    if user is None or not getattr(user, "is_authenticated", False) or edition is None:
        return None
    return db.session.scalar(
        sa.select(SpeakerProfile).where(
            SpeakerProfile.edition_id == edition.id, SpeakerProfile.user_id == user.id
        )
    )


def get_profile(edition, user_id: int) -> SpeakerProfile | None:
    return db.session.scalar(
        sa.select(SpeakerProfile).where(
            SpeakerProfile.edition_id == edition.id, SpeakerProfile.user_id == user_id
        )
    )


def _view(profile: SpeakerProfile) -> ProfileView:
    return ProfileView(
        user_id=profile.user_id,
        biography=profile.biography or "",
        organisation=profile.organisation or "",
        position=profile.position or "",
        has_photo=profile.photo_key is not None,
        photo_version=int(profile.updated_at.timestamp()) if profile.updated_at else 0,
    )


def profiles_for(edition, user_ids) -> dict[int, ProfileView]:
    """Profiles of the given speakers in one query, keyed by user id.

    The callers pass only speakers of sessions the viewer may see in detail (``SessionView``
    lists no speakers otherwise), which is the ``speaker.profile`` rule in bulk.
    """
    ids = {i for i in user_ids if i}
    if edition is None or not ids:
        return {}
    rows = db.session.scalars(
        sa.select(SpeakerProfile).where(
            SpeakerProfile.edition_id == edition.id, SpeakerProfile.user_id.in_(ids)
        )
    )
    return {p.user_id: _view(p) for p in rows}


def save_profile(
    user,
    edition,
    *,
    biography: str | None,
    organisation: str | None,
    position: str | None,
    photo: bytes | None = None,
    remove_photo: bool = False,
) -> SpeakerProfile:
    """Create or change ``user``'s profile in ``edition``; a new photo is checked, shrunk and
    stripped of its metadata (``files.clean_photo``) before it is stored."""
    biography = clean_text(biography, _("Biography"), BIOGRAPHY_MAX)
    organisation = clean_text(organisation, _("Organisation"), FIELD_MAX)
    position = clean_text(position, _("Position"), FIELD_MAX)
    cleaned = clean_photo(photo) if photo else None
    profile = profile_of(user, edition)
    if profile is None:
        profile = SpeakerProfile(edition_id=edition.id, user_id=user.id)
        db.session.add(profile)
    old_key = profile.photo_key
    profile.biography = biography
    profile.organisation = organisation
    profile.position = position
    store = file_store()
    if cleaned is not None:
        profile.photo_key = new_key("jpg")
        store.save(profile.photo_key, cleaned)
    elif remove_photo:
        profile.photo_key = None
    db.session.flush()
    if old_key and old_key != profile.photo_key:
        store.delete(old_key)
    audit.record(
        user, "speaker_profile.save", profile, edition=edition, photo=bool(profile.photo_key)
    )
    if _speaks_in(user.id, edition):  # cached session pages and exports show the change
        touch_programme(edition)
    return profile


def _speaks_in(user_id: int, edition) -> bool:
    return (
        db.session.scalar(
            sa.select(SessionSpeaker.id)
            .join(ProgrammeSession, ProgrammeSession.id == SessionSpeaker.session_id)
            .where(ProgrammeSession.edition_id == edition.id, SessionSpeaker.user_id == user_id)
            .limit(1)
        )
        is not None
    )


def read_photo(profile: SpeakerProfile) -> bytes | None:
    if profile.photo_key is None:
        return None
    try:
        return file_store().read(profile.photo_key)
    except FileNotFoundError:
        return None


def remove_profiles_of(user_id: int) -> int:
    """Delete a person's profiles and photos (their account is being deleted)."""
    profiles = list(
        db.session.scalars(sa.select(SpeakerProfile).where(SpeakerProfile.user_id == user_id))
    )
    store = file_store()
    for profile in profiles:
        if profile.photo_key:
            store.delete(profile.photo_key)
        db.session.delete(profile)
    return len(profiles)
