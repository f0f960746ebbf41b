"""Demo data of issue 21 (``flask seed-demo``): speaker profiles with photos, materials on an
open and on a restricted session, a recording of a past talk, and confirmations of 2025 talks.

Runs after the programme, submissions and review steps: it links the programme's named
speakers to the demo speakers' accounts (by name), so that their profiles show on the session
pages. Photos and PDFs are generated here (Pillow, ReportLab), then go through the same
checks and cleaning as uploads. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from conference.extensions import db
from conference.programme.models import ProgrammeSession, SessionSpeaker
from conference.programme.services import materials, speakers
from conference.programme.speaker_models import MaterialVisibility, SessionMaterial
from conference.submissions.models import Decision, Submission

_TITLES = re.compile(r"^(Dr\.|Prof\.|Professor)\s+")
_COLOURS = ["#005a9c", "#7a3e9d", "#00735c", "#a0522d", "#1d4e89", "#8b1e3f"]

BIOGRAPHIES = {
    "Marieke Jansen": "Marieke Jansen leads the knowledge security desk of Leiden University "
    "and advises Dutch universities on due diligence for international partnerships.",
    "Per Lindqvist": "Per Lindqvist heads international relations at KTH and chairs the "
    "Nordic working group on responsible internationalisation.",
}

# (year, session title, material title, kind, visibility or None, recording link or None)
MATERIALS = [
    (
        2027,
        "Panel: due diligence for international partnerships",
        "Slides: a due diligence checklist",
        "slides",
        MaterialVisibility.PUBLIC,
        None,
    ),
    (
        2027,
        "Member State experts' roundtable on national frameworks",
        "Briefing notes for Member State experts",
        "document",
        MaterialVisibility.CLEARED,
        None,
    ),
    (2025, None, "Slides of the talk", "slides", MaterialVisibility.PUBLIC, None),
    (
        2025,
        None,
        "Recording",
        "recording",
        MaterialVisibility.PUBLIC,
        "https://video.example.org/efcrs-2025/opening",
    ),
]


def _photo(name: str, colour: str) -> bytes:
    """A round-cornered portrait placeholder: the person's initials on a colour."""
    image = Image.new("RGB", (480, 480), colour)
    draw = ImageDraw.Draw(image)
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    try:
        font = ImageFont.load_default(size=180)
    except TypeError:  # Pillow without FreeType: the small bitmap font
        font = ImageFont.load_default()
    draw.text((240, 240), initials, fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _pdf(title: str, lines: list[str]) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=landscape(A4))
    pdf.setAuthor("Demo speaker")  # removed when stored, as for every upload
    pdf.setFont("Helvetica-Bold", 28)
    pdf.drawString(60, 480, title)
    pdf.setFont("Helvetica", 18)
    for n, line in enumerate(lines):
        pdf.drawString(60, 420 - 30 * n, line)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _link_speakers(demo, edition) -> list:
    """Programme speakers named like a demo account become that account (for profiles)."""
    by_name = {u.full_name: u for u in demo.users.values() if u.full_name}
    linked = {}
    rows = db.session.scalars(
        sa.select(SessionSpeaker)
        .join(ProgrammeSession, ProgrammeSession.id == SessionSpeaker.session_id)
        .where(ProgrammeSession.edition_id == edition.id, SessionSpeaker.user_id.is_(None))
    )
    for speaker in rows:
        user = by_name.get(_TITLES.sub("", speaker.name).strip())
        if user is not None:
            speaker.user_id = user.id
            linked[user.id] = user
    db.session.flush()
    return list(linked.values())


def _profiles(edition, people) -> None:
    for n, user in enumerate(people):
        if speakers.get_profile(edition, user.id) is not None:
            continue
        speakers.save_profile(
            user,
            edition,
            biography=BIOGRAPHIES.get(user.full_name, ""),
            organisation=user.organisation,
            position="Head of research security" if n % 2 == 0 else "Senior policy adviser",
            photo=_photo(user.full_name, _COLOURS[n % len(_COLOURS)]),
        )


def _session(edition, title: str | None):
    query = sa.select(ProgrammeSession).where(ProgrammeSession.edition_id == edition.id)
    if title is not None:
        query = query.where(ProgrammeSession.title == title)
    else:  # the first talk of the edition with speakers
        query = query.join(SessionSpeaker).order_by(ProgrammeSession.starts_at)
    return db.session.scalars(query.limit(1)).first()


def _materials(demo) -> None:
    organiser = demo.users.get("organiser@demo.test")
    for year, title, material_title, kind, visibility, link in MATERIALS:
        edition = demo.editions.get(year)
        session = _session(edition, title) if edition is not None else None
        if session is None:
            continue
        exists = db.session.scalar(
            sa.select(SessionMaterial.id).where(
                SessionMaterial.session_id == session.id, SessionMaterial.title == material_title
            )
        )
        if exists is not None:
            continue
        session.materials_access = visibility
        if link:
            materials.add_recording(
                organiser, edition, title=material_title, url=link, session=session
            )
        else:
            materials.add_file(
                organiser,
                edition,
                title=material_title,
                kind=kind,
                data=_pdf(session.title[:60], [material_title, f"{edition.title}"]),
                filename=re.sub(r"[^a-z0-9]+", "-", material_title.lower()) + ".pdf",
                session=session,
            )


def _confirmations(demo) -> None:
    """Three of the accepted 2025 talks were confirmed; the others show on the organisers'
    list of talks not confirmed."""
    edition = demo.editions.get(2025)
    if edition is None:
        return
    accepted = list(
        db.session.scalars(
            sa.select(Submission)
            .where(Submission.edition_id == edition.id, Submission.decision == Decision.ACCEPTED)
            .order_by(Submission.id)
        )
    )
    if any(s.participation_confirmed_at for s in accepted):
        return
    for submission in accepted[:3]:
        submission.participation_confirmed_at = submission.decision_published_at


def seed(demo) -> None:
    for year in (2027, 2025):
        edition = demo.editions.get(year)
        if edition is not None:
            _profiles(edition, _link_speakers(demo, edition))
    _materials(demo)
    _confirmations(demo)
    db.session.commit()
