"""Speaker profiles and materials react to other areas: the data download and account
deletion (``personal_data_requested``, ``account_deleting``). The download log of labelled
materials keeps its rows when an account is deleted, without the person (the organisers
still see that a copy went out); the person's own downloads are in their data download."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation import privacy
from conference.extensions import db
from conference.programme.services import downloads
from conference.programme.services.speakers import remove_profiles_of
from conference.programme.speaker_models import SessionMaterial, SpeakerProfile
from conference.signals import account_deleting, personal_data_requested


@personal_data_requested.connect
def personal_data_speaker_profiles(user, **_) -> tuple[str, list]:
    """The person's speaker profiles (the photo is mentioned, not embedded)."""
    return "speaker_profiles", [
        {
            **privacy.row(p, "edition_id", "biography", "organisation", "position", "updated_at"),
            "photo": p.photo_key is not None,
        }
        for p in db.session.scalars(
            sa.select(SpeakerProfile)
            .where(SpeakerProfile.user_id == user.id)
            .order_by(SpeakerProfile.id)
        )
    ]


@personal_data_requested.connect
def personal_data_materials(user, **_) -> tuple[str, list]:
    """The materials the person uploaded."""
    return "materials_uploaded", [
        privacy.row(m, "edition_id", "session_id", "title", "kind", "filename", "url", "created_at")
        for m in db.session.scalars(
            sa.select(SessionMaterial)
            .where(SessionMaterial.uploaded_by_id == user.id)
            .order_by(SessionMaterial.id)
        )
    ]


@account_deleting.connect
def forget_speaker_profiles(user, **_) -> None:
    """A deleted account's profiles and photos go; the materials it uploaded stay with the
    session (they belong to the programme), without the uploader."""
    remove_profiles_of(user.id)


@personal_data_requested.connect
def personal_data_material_downloads(user, **_) -> tuple[str, list]:
    """The labelled materials the person downloaded or viewed (when, which, which label)."""
    return "material_downloads", [
        {
            "edition_id": row.edition_id,
            "material_id": row.material_id,
            "title": row.material.title if row.material else None,
            "label": row.label,
            "inline": row.inline,
            "watermarked": row.watermarked,
            "downloaded_at": row.downloaded_at.isoformat(),
        }
        for row in downloads.downloads_by_person(user.id)
    ]


@account_deleting.connect
def anonymise_material_downloads(user, **_) -> None:
    """A deleted account's downloads stay in the log, without the person."""
    downloads.forget_person(user.id)
