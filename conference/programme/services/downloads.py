"""Handing a material's file to one person, and the log of labelled downloads (issue 23).

Why this module exists: a labelled material (GREEN and stricter) is not one file served to
everyone but a personal copy. ``deliver`` decides how the copy leaves: a PDF carries the
person's watermark (``watermark``), a RED material is shown in the browser only (``inline``),
and nothing labelled may be kept by a cache (``no_store``). Every copy of a labelled material
is written to ``material_downloads`` (who, when, which file, which label), which the
organisers list per material (``downloads_of``). The file store keeps the original.

The caller (the download view) has asked ``materials.may_see_material`` first.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from conference import tlp
from conference.accreditation.models import Registration
from conference.db import utcnow
from conference.extensions import db
from conference.programme.services import materials
from conference.programme.services.files import download_name
from conference.programme.services.watermark import Recipient, watermark_pdf
from conference.programme.speaker_models import MaterialDownload, SessionMaterial

# Labels whose PDFs are watermarked (all but CLEAR).
WATERMARKED = frozenset({tlp.TLP.GREEN, tlp.TLP.AMBER, tlp.TLP.AMBER_STRICT, tlp.TLP.RED})
PAGE_SIZE = 50


@dataclasses.dataclass(frozen=True)
class Copy:
    """One person's copy of a material's file, ready to serve."""

    data: bytes
    content_type: str
    name: str
    label: str
    inline: bool  # RED: shown in the browser, never offered as a download
    no_store: bool  # labelled: personal, never kept by any cache
    watermarked: bool


def registration_number(user, edition) -> str:
    """What identifies the person in a watermark: their registration for the edition (its
    number), else their account."""
    registration_id = db.session.scalar(
        sa.select(Registration.id).where(
            Registration.edition_id == edition.id, Registration.user_id == user.id
        )
    )
    if registration_id is not None:
        return _("Registration no. %(number)s", number=registration_id)
    return _("Account no. %(number)s", number=user.id)


def recipient(user, edition, label: str) -> Recipient:
    return Recipient(
        name=user.display_name,
        number=registration_number(user, edition),
        at=utcnow(),
        zone=edition.tz,
        zone_name=edition.timezone,
        label=label,
    )


def deliver(user, edition, material: SessionMaterial) -> Copy:
    """``user``'s copy of ``material``'s file: watermarked when labelled and a PDF, inline
    when RED, logged when labelled. DomainError (422) for a labelled PDF that cannot be read."""
    session = materials.placed_session(material)
    label = materials.effective_label(edition, material, session)
    data = materials.read_file(material)
    extension = material.storage_key.rsplit(".", 1)[-1]
    labelled = label != tlp.TLP.CLEAR
    watermarked = labelled and material.is_pdf and label in WATERMARKED
    if watermarked:
        data = watermark_pdf(data, recipient(user, edition, label))
    inline = label == tlp.TLP.RED
    if labelled:
        record(user, edition, material, label, inline=inline, watermarked=watermarked)
    return Copy(
        data=data,
        content_type=material.content_type,
        name=download_name(material.filename or material.title, extension),
        label=label,
        inline=inline,
        no_store=labelled,
        watermarked=watermarked,
    )


def record_link(user, edition, material: SessionMaterial) -> None:
    """A labelled recording link followed: logged like a file."""
    label = materials.effective_label(edition, material)
    if label != tlp.TLP.CLEAR:
        record(user, edition, material, label, inline=True, watermarked=False)


def record(
    user, edition, material, label: str, *, inline: bool, watermarked: bool, at=None
) -> MaterialDownload:
    """Write one copy of a labelled material to the log (``at``: now)."""
    row = MaterialDownload(
        material_id=material.id,
        user_id=getattr(user, "id", None),
        edition_id=edition.id,
        label=label,
        inline=inline,
        watermarked=watermarked,
        downloaded_at=at or utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


@dataclasses.dataclass(frozen=True)
class DownloadPage:
    rows: list[MaterialDownload]
    total: int
    page: int
    pages: int


def downloads_of(material: SessionMaterial, *, page: int = 1) -> DownloadPage:
    """The log of ``material``, newest first, ``PAGE_SIZE`` rows a page."""
    total = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MaterialDownload)
        .where(MaterialDownload.material_id == material.id)
    )
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = list(
        db.session.scalars(
            sa.select(MaterialDownload)
            .options(so.selectinload(MaterialDownload.user))
            .where(MaterialDownload.material_id == material.id)
            .order_by(MaterialDownload.downloaded_at.desc(), MaterialDownload.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return DownloadPage(rows=rows, total=total, page=page, pages=pages)


CSV_MAX_ROWS = 20000


def download_rows(material: SessionMaterial) -> list[tuple]:
    """The log of ``material`` as rows for the CSV file, newest first (at most
    ``CSV_MAX_ROWS``): time (UTC, ISO 8601), name, e-mail, label, inline, watermarked."""
    rows = db.session.scalars(
        sa.select(MaterialDownload)
        .options(so.selectinload(MaterialDownload.user))
        .where(MaterialDownload.material_id == material.id)
        .order_by(MaterialDownload.downloaded_at.desc(), MaterialDownload.id.desc())
        .limit(CSV_MAX_ROWS)
    )
    return [
        (
            row.downloaded_at.isoformat(),
            row.user.display_name if row.user else "",
            row.user.email if row.user else "",
            row.label,
            "yes" if row.inline else "no",
            "yes" if row.watermarked else "no",
        )
        for row in rows
    ]


def download_counts(material_ids) -> dict[int, int]:
    """How many logged copies each material has (for the materials list)."""
    ids = list(material_ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(MaterialDownload.material_id, sa.func.count())
            .where(MaterialDownload.material_id.in_(ids))
            .group_by(MaterialDownload.material_id)
        ).all()
    )


def downloads_by_person(user_id: int) -> list[MaterialDownload]:
    """A person's own downloads (the personal-data export)."""
    return list(
        db.session.scalars(
            sa.select(MaterialDownload)
            .options(so.selectinload(MaterialDownload.material))
            .where(MaterialDownload.user_id == user_id)
            .order_by(MaterialDownload.id)
        )
    )


def forget_person(user_id: int) -> None:
    """An erased account's downloads stay in the log, without the person."""
    db.session.execute(
        sa.update(MaterialDownload).where(MaterialDownload.user_id == user_id).values(user_id=None)
    )
