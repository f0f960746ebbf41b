"""Badge PDFs with reportlab: one A6 badge, or A4 sheets holding four A6 badges.

Text is set in DejaVu Sans (Debian's fonts-dejavu-core), which covers the Latin, Greek and
Cyrillic scripts of every EU language; long names shrink, then wrap, to fit. The QR code is
drawn as vector squares (crisp at any printer resolution) with its four-module quiet zone.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable
from pathlib import Path

import qrcode
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from conference import countries
from conference.badges import qr_codewords
from conference.badges.models import Badge
from conference.badges.qr_svg import row_runs
from conference.errors import DomainError
from conference.i18n import PSEUDO_LOCALE, offered_languages

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
WIDTH, HEIGHT = A6
MARGIN = 6 * mm
BAND = 19 * mm
QR_SIZE = 44 * mm


def register_fonts() -> None:
    """Register DejaVu Sans with reportlab once per process."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(
        current_app.config.get("BADGE_FONT_DIR")
        or os.environ.get("BADGE_FONT_DIR")
        or DEFAULT_FONT_DIR
    )
    regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
    if not regular.exists() or not bold.exists():
        raise DomainError(
            f"The badge fonts are missing in {folder}: install Debian's fonts-dejavu-core "
            "(make system-deps) or set BADGE_FONT_DIR.",
            status_code=503,
            code="fonts_missing",
        )
    pdfmetrics.registerFont(TTFont(FONT, str(regular)))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))


def fit_text(text: str, font: str, width: float, sizes: list[tuple[int, float, float]]):
    """Lines and font size for ``text``: the first (max_lines, largest, smallest) that fits.

    Falls back to the last rule's smallest size, cutting the last line with an ellipsis.
    """
    text = " ".join((text or "").split())
    for max_lines, largest, smallest in sizes:
        size = largest
        while size >= smallest - 0.01:
            lines = simpleSplit(text, font, size, width)
            if len(lines) <= max_lines and all(
                pdfmetrics.stringWidth(line, font, size) <= width for line in lines
            ):
                return lines or [""], size
            size -= 0.5
    max_lines, _largest, size = sizes[-1]
    lines = []
    current = ""
    for char in text:  # hard wrap, character by character (very long words)
        if pdfmetrics.stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = char
        else:
            current += char
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and pdfmetrics.stringWidth(last + "…", font, size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines, size


def _colour(value: str | None) -> HexColor:
    return HexColor(value if value and _HEX.match(value) else "#1f4e79")


def _text_colour(colour: HexColor):
    luminance = 0.2126 * colour.red + 0.7152 * colour.green + 0.0722 * colour.blue
    return HexColor("#000000") if luminance > 0.55 else white


# One fixed mask pattern instead of qrcode's search over all eight (which scores each candidate
# in pure Python and was two thirds of a bulk print): every mask gives a valid, decodable
# symbol; the search only trims a little contrast risk that the quiet zone and vector drawing
# already rule out. Pattern 2 (vertical stripes every third column) decodes well in zbar.
QR_MASK_PATTERN = 2


_QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_qr_versions: dict[int, int] = {}  # length of an alphanumeric text -> smallest QR version


def qr_matrix(text: str) -> list[list[bool]]:
    """The module matrix of ``text`` (error correction M, 4-module quiet zone, fixed mask).

    Badge codes are alphanumeric, and for those the smallest version depends on the length
    only: it is found once per length instead of once per badge.
    """
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, mask_pattern=QR_MASK_PATTERN)
    qr.add_data(text)
    known = _qr_versions.get(len(text)) if _QR_ALPHANUMERIC.issuperset(text) else None
    if known is not None:
        qr.version = known
        # The codewords with table-driven error correction (qr_codewords.py): the same list,
        # half the time of qrcode's polynomial division.
        qr.data_cache = qr_codewords.create_data(known, ERROR_CORRECT_M, qr.data_list)
        qr.make(fit=False)
    else:
        qr.make(fit=True)
        if _QR_ALPHANUMERIC.issuperset(text):
            _qr_versions[len(text)] = qr.version
    return qr.get_matrix()


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw ``text`` as a QR code in a square, as vector squares.

    The symbol is one filled path of row runs in module units (the canvas is scaled so one
    module is one unit): a few hundred short integer ``re`` operators per badge instead of one
    rectangle call, with its float formatting, per run.
    """
    matrix = qr_matrix(text)
    count = len(matrix)
    module = size / count
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#000000"))
    runs = [f"{col} {count - row - 1} {length} 1 re" for row, col, length in row_runs(matrix)]
    canvas.saveState()
    canvas.transform(module, 0, 0, module, x, y)
    canvas.addLiteral("\n".join(runs) + "\nf")
    canvas.restoreState()


def _centred_lines(canvas, lines, font, size, top: float, leading: float = 1.18) -> float:
    """Draw ``lines`` centred below ``top``; returns the y below the last line."""
    canvas.setFont(font, size)
    y = top
    for line in lines:
        y -= size * leading
        canvas.drawCentredString(WIDTH / 2, y + size * 0.22, line)
    return y


def holder_language(badge: Badge):
    """The fixed words of a badge in its holder's profile language when the edition offers
    it (a sheet mixes languages badge by badge), else in the current language."""
    user = badge.registration.user
    code = getattr(user, "locale", None)
    if code and code != PSEUDO_LOCALE and code in offered_languages(badge.registration.edition):
        return force_locale(code.replace("-", "_"))
    return contextlib.nullcontext()


def draw_badge(canvas: Canvas, badge: Badge, code: str) -> None:
    """Draw one A6 badge with its lower-left corner at the canvas origin."""
    with holder_language(badge):
        _draw_badge(canvas, badge, code)


def _draw_badge(canvas: Canvas, badge: Badge, code: str) -> None:
    registration = badge.registration
    edition = registration.edition
    category = registration.category or registration.requested_category
    colour = _colour(category.colour if category else None)
    inner = WIDTH - 2 * MARGIN

    canvas.setFillColor(white)
    canvas.rect(0, 0, WIDTH, HEIGHT, stroke=0, fill=1)

    # Header: edition title and year.
    canvas.setFillColor(HexColor("#003399"))
    canvas.rect(0, HEIGHT - 5 * mm, WIDTH, 5 * mm, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#1a1a1a"))
    title_lines, title_size = fit_text(edition.title, FONT, inner, [(1, 10, 8), (2, 9, 6.5)])
    y = _centred_lines(canvas, title_lines, FONT, title_size, HEIGHT - 6 * mm)
    canvas.setFont(FONT_BOLD, 12)
    canvas.drawCentredString(WIDTH / 2, y - 12, str(edition.year))
    y -= 12 + 5 * mm

    # The person.
    name_lines, name_size = fit_text(
        registration.full_name or "—", FONT_BOLD, inner, [(1, 22, 13), (2, 17, 10), (3, 11, 8)]
    )
    y = _centred_lines(canvas, name_lines, FONT_BOLD, name_size, y, leading=1.12)
    y -= 1.5 * mm
    if edition.badge_show_organisation and registration.organisation:
        org_lines, org_size = fit_text(
            registration.organisation, FONT, inner, [(1, 11, 8), (2, 9, 7)]
        )
        y = _centred_lines(canvas, org_lines, FONT, org_size, y)
    if edition.badge_show_country and registration.country:
        canvas.setFillColor(HexColor("#4a4a4a"))
        country_lines, country_size = fit_text(
            countries.name(registration.country), FONT, inner, [(1, 9.5, 7)]
        )
        _centred_lines(canvas, country_lines, FONT, country_size, y)

    # QR code above the band.
    qr_y = BAND + 7 * mm
    draw_qr(canvas, code, (WIDTH - QR_SIZE) / 2, qr_y, QR_SIZE)
    canvas.setFillColor(HexColor("#4a4a4a"))
    canvas.setFont(FONT, 6.5)
    footer = _(
        "No. %(number)s · Badge %(id)s·%(version)s",
        number=badge.number,
        id=badge.id,
        version=badge.version,
    )
    if edition.badge_footer:
        footer = f"{edition.badge_footer} · {footer}"
    footer_lines, footer_size = fit_text(footer, FONT, inner, [(1, 6.5, 5)])
    canvas.setFont(FONT, footer_size)
    canvas.drawCentredString(WIDTH / 2, BAND + 2.5 * mm, footer_lines[0])

    # Category: colour band with the category in words.
    canvas.setFillColor(colour)
    canvas.rect(0, 0, WIDTH, BAND, stroke=0, fill=1)
    canvas.setFillColor(_text_colour(colour))
    label = category.name if category else badge.category_code
    label_lines, label_size = fit_text(label.upper(), FONT_BOLD, inner, [(1, 18, 9), (2, 11, 7)])
    block = len(label_lines) * label_size * 1.15
    _centred_lines(canvas, label_lines, FONT_BOLD, label_size, (BAND + block) / 2, leading=1.15)


def _new_canvas(buffer, pagesize, title: str) -> Canvas:
    canvas = Canvas(buffer, pagesize=pagesize, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("Research Security Conference")
    canvas.setCreator("conference badges")
    return canvas


def render_badge(badge: Badge, code: str) -> bytes:
    """One A6 portrait page for ``badge``, whose signed QR text is ``code``."""
    register_fonts()
    buffer = io.BytesIO()
    with holder_language(badge):
        title = _("Badge — %(name)s", name=badge.registration.full_name)
    canvas = _new_canvas(buffer, A6, title)
    draw_badge(canvas, badge, code)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_sheets(
    edition,
    badges: list[Badge],
    code_for: Callable[[Badge], str],
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """A4 portrait sheets with four A6 badges each (2 × 2), with light cutting guides.

    ``code_for(badge)`` gives each badge's signed QR text (the services sign; this draws).
    """
    register_fonts()
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, A4, _("Badges %(year)s", year=edition.year))
    page_w, page_h = A4
    off_x = (page_w - 2 * WIDTH) / 2
    off_y = (page_h - 2 * HEIGHT) / 2
    slots = [(0, 1), (1, 1), (0, 0), (1, 0)]
    if not badges:
        canvas.setFont(FONT, 12)
        canvas.drawString(20 * mm, page_h - 30 * mm, _("No badges match this selection."))
        canvas.showPage()
    for index, badge in enumerate(badges):
        slot = index % 4
        col, row = slots[slot]
        canvas.saveState()
        canvas.translate(off_x + col * WIDTH, off_y + row * HEIGHT)
        draw_badge(canvas, badge, code_for(badge))
        canvas.restoreState()
        if slot == 3 or index == len(badges) - 1:
            canvas.setStrokeColor(HexColor("#bbbbbb"))
            canvas.setLineWidth(0.3)
            canvas.setDash(2, 2)
            canvas.line(page_w / 2, 0, page_w / 2, page_h)
            canvas.line(0, page_h / 2, page_w, page_h / 2)
            canvas.showPage()
            if progress is not None:
                progress(index + 1)
    canvas.save()
    return buffer.getvalue()
