"""Demo data of labelled materials (issue 23, ``flask seed-demo``): a PDF on an AMBER+STRICT
and on a RED session of 2027 (watermarked on download; the RED one view-only), a material
with its own stricter label on an open panel, one "not shared" material, and a few rows of
the download log.

Runs after the speakers' step. It uses the sessions the programme's step labelled; if no
session carries AMBER+STRICT or RED yet, it labels a closed-door session itself. Idempotent:
a material already there (by title) is left alone, and so are its log rows.
"""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from conference import tlp
from conference.db import utcnow
from conference.extensions import db
from conference.programme.models import ProgrammeSession
from conference.programme.services import downloads, materials
from conference.programme.speaker_models import SessionMaterial

# (label wanted on the session, session used when none carries it yet, material title, own
# label, shared, pages, people whose copies are in the log)
MATERIALS = [
    (
        tlp.TLP.AMBER_STRICT,
        "Closed-door meeting: threat assessment exchange",
        "Threat assessment summary",
        None,
        True,
        3,
        ["organiser@demo.test", "attendee@demo.test"],
    ),
    (
        tlp.TLP.AMBER_STRICT,
        "Closed-door meeting: threat assessment exchange",
        "Liaison officers' contact sheet",
        tlp.TLP.RED,
        False,
        1,
        [],
    ),
    (
        tlp.TLP.RED,
        "Ministerial briefing (invitation only)",
        "Speaking notes of the Minister",
        None,
        True,
        2,
        ["attendee@demo.test"],
    ),
    (
        None,
        "Panel: due diligence for international partnerships",
        "Annex: partner screening worksheet",
        tlp.TLP.AMBER,
        True,
        2,
        ["attendee@demo.test"],
    ),
]


def _pdf(title: str, pages: int) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for n in range(1, pages + 1):
        pdf.setFont("Helvetica-Bold", 22)
        pdf.drawString(60, 760, title)
        pdf.setFont("Helvetica", 13)
        pdf.drawString(60, 720, f"Page {n} of {pages}")
        pdf.drawString(60, 700, "Demo content: European Forum on Research Security.")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _session(edition, label, title: str) -> ProgrammeSession | None:
    """A session labelled ``label`` (the one named ``title`` first), else ``title`` given it."""
    query = sa.select(ProgrammeSession).where(ProgrammeSession.edition_id == edition.id)
    named = db.session.scalar(query.where(ProgrammeSession.title == title))
    if label is None or (named is not None and named.tlp == label):
        return named
    labelled = db.session.scalars(
        query.where(ProgrammeSession.tlp == label).order_by(ProgrammeSession.id).limit(1)
    ).first()
    if labelled is not None:
        return labelled
    if named is not None and tlp.rank(named.tlp) < tlp.rank(label):
        named.tlp = label
        db.session.flush()
    return named


def seed(demo) -> None:
    edition = demo.editions.get(2027)
    organiser = demo.users.get("organiser@demo.test")
    if edition is None or organiser is None:
        return
    for wanted, title, material_title, own, shared, pages, readers in MATERIALS:
        session = _session(edition, wanted, title)
        if session is None:
            continue
        exists = db.session.scalar(
            sa.select(SessionMaterial.id).where(
                SessionMaterial.edition_id == edition.id,
                SessionMaterial.title == material_title,
            )
        )
        if exists is not None:
            continue
        material = materials.add_file(
            organiser,
            edition,
            title=material_title,
            kind="document",
            data=_pdf(material_title, pages),
            filename=material_title.lower().replace(" ", "-").replace("'", "") + ".pdf",
            session=session,
            label=own,
            shared=shared,
        )
        label = materials.effective_label(edition, material, session)
        for n, email in enumerate(readers):
            user = demo.users.get(email)
            if user is not None:  # spread over the last days, the newest last
                downloads.record(
                    user,
                    edition,
                    material,
                    label,
                    inline=label == tlp.TLP.RED,
                    watermarked=True,
                    at=utcnow() - dt.timedelta(days=len(readers) - n, hours=3),
                )
    db.session.commit()
