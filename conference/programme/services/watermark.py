"""Per-recipient watermarks on labelled PDF materials (issue 23).

Why this module exists: a GREEN, AMBER, AMBER+STRICT or RED material leaves the site as a
file, and the file can travel further than its label allows. Every copy therefore names the
person it was made for: their name, registration number, the date and time (UTC and the
edition's zone) and the label, drawn on every page at download time. The file store keeps
the original; nothing here is cached, so two people never receive the same bytes.

The overlay is drawn with reportlab (one page per distinct page size) and merged onto each
page of the original with pypdf: a light diagonal line across the middle (legible, leaving
the content readable) and a footer line at the bottom edge. Text is set in DejaVu Sans (the
badge fonts, ``BADGE_FONT_DIR``) so that any name prints; without the fonts, Helvetica with
the characters it lacks replaced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import os
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import PdfReadError
from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas

from conference.errors import DomainError

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONT = "DejaVuSans"
FALLBACK_FONT = "Helvetica"
DIAGONAL_GREY = Color(0.45, 0.45, 0.45, alpha=0.22)
FOOTER_GREY = Color(0.2, 0.2, 0.2, alpha=0.85)


@dataclasses.dataclass(frozen=True)
class Recipient:
    """Who a copy is made for, and when."""

    name: str
    number: str  # "Registration no. 12" or "Account no. 7"
    at: dt.datetime  # aware UTC
    zone: dt.tzinfo
    zone_name: str
    label: str  # "AMBER+STRICT"

    def lines(self) -> tuple[str, str]:
        """The diagonal line and the footer line."""
        utc = self.at.astimezone(dt.UTC)
        local = self.at.astimezone(self.zone)
        diagonal = f"TLP:{self.label} · {self.name} · {self.number}"
        footer = _(
            "TLP:%(label)s · Copy for %(name)s (%(number)s) · %(utc)s UTC · %(local)s %(zone)s",
            label=self.label,
            name=self.name,
            number=self.number,
            utc=utc.strftime("%Y-%m-%d %H:%M"),
            local=local.strftime("%Y-%m-%d %H:%M"),
            zone=self.zone_name,
        )
        return diagonal, footer


def _font() -> str:
    """DejaVu Sans, registered once per process; Helvetica when the fonts are missing."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return FONT
    folder = Path(
        current_app.config.get("BADGE_FONT_DIR")
        or os.environ.get("BADGE_FONT_DIR")
        or DEFAULT_FONT_DIR
    )
    regular = folder / "DejaVuSans.ttf"
    if not regular.exists():
        return FALLBACK_FONT
    pdfmetrics.registerFont(TTFont(FONT, str(regular)))
    return FONT


def _printable(text: str, font: str) -> str:
    if font != FALLBACK_FONT:
        return text
    return text.replace("·", "-").encode("latin-1", "replace").decode("latin-1")


def _fit(text: str, font: str, size: float, width: float, smallest: float = 5) -> float:
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def overlay_page(width: float, height: float, recipient: Recipient) -> bytes:
    """A one-page PDF of ``width`` × ``height`` points with the watermark only."""
    font = _font()
    diagonal, footer = (_printable(line, font) for line in recipient.lines())
    out = io.BytesIO()
    canvas = rl_canvas.Canvas(out, pagesize=(width, height))
    canvas.setTitle("watermark")
    # Diagonal across the middle, as long as the page's diagonal allows.
    angle = math.degrees(math.atan2(height, width))
    length = math.hypot(width, height) * 0.8
    size = _fit(diagonal, font, min(width, height) / 14, length, smallest=6)
    canvas.saveState()
    canvas.translate(width / 2, height / 2)
    canvas.rotate(angle)
    canvas.setFillColor(DIAGONAL_GREY)
    canvas.setFont(font, size)
    canvas.drawCentredString(0, -size / 3, diagonal)
    canvas.restoreState()
    # Footer line along the bottom edge, on a white band so that it stays legible.
    size = _fit(footer, font, 7, width - 16)
    canvas.setFillColor(Color(1, 1, 1, alpha=0.8))
    canvas.rect(0, 0, width, size + 6, stroke=0, fill=1)
    canvas.setFillColor(FOOTER_GREY)
    canvas.setFont(font, size)
    canvas.drawCentredString(width / 2, 3.5, footer)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def unreadable() -> DomainError:
    return DomainError(
        _(
            "This PDF cannot be read or is protected, so it cannot be watermarked. Ask the "
            "speaker or the organisers for another copy."
        ),
        code="unreadable_pdf",
        status_code=422,
    )


def watermark_pdf(data: bytes, recipient: Recipient) -> bytes:
    """``data`` (a PDF) with ``recipient``'s watermark merged onto every page, or a
    DomainError (422) for a PDF that cannot be read or is encrypted."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise unreadable()
        writer = PdfWriter(clone_from=reader)
        overlays: dict[tuple[float, float], object] = {}
        for page in writer.pages:
            box = page.mediabox
            size = (round(float(box.width), 2), round(float(box.height), 2))
            if size not in overlays:
                overlay = overlay_page(size[0], size[1], recipient)
                overlays[size] = PdfReader(io.BytesIO(overlay)).pages[0]
            page.merge_transformed_page(
                overlays[size],
                _to_box(box),
                over=True,
                expand=False,
            )
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except DomainError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, OSError, AttributeError):
        raise unreadable() from None


def _to_box(box):
    """The transformation placing an overlay drawn from (0, 0) onto a page whose media box
    starts elsewhere."""
    return Transformation().translate(float(box.left), float(box.bottom))
