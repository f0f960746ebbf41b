"""The badge's QR code as inline SVG, for the attendee's on-screen badge and the door's print
page (no image request, no JavaScript, crisp at any size)."""

from __future__ import annotations

import qrcode
from flask_babel import gettext as _
from markupsafe import Markup
from qrcode.constants import ERROR_CORRECT_M


def row_runs(matrix) -> list[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules, top row first:
    a QR symbol drawn as a few hundred runs instead of one square per module."""
    runs = []
    for row, cells in enumerate(matrix):
        count = len(cells)
        col = 0
        while col < count:
            if cells[col]:
                start = col
                while col < count and cells[col]:
                    col += 1
                runs.append((row, start, col - start))
            else:
                col += 1
    return runs


def qr_svg(text: str, *, label: str | None = None) -> Markup:
    """An SVG square (4-module quiet zone) drawing ``text`` as a QR code: one path of runs.
    ``label`` names it for screen readers ("Badge QR code" in the page's language)."""
    if label is None:
        label = _("Badge QR code")
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    count = len(matrix)
    runs = [f"M{col} {row}h{length}v1h-{length}z" for row, col, length in row_runs(matrix)]
    safe_label = Markup.escape(label)
    # Numbers and path commands we built, and the escaped label: nothing else goes in.
    return Markup(  # noqa: S704
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {count} {count}" '
        f'role="img" aria-label="{safe_label}" shape-rendering="crispEdges">'
        f'<rect width="{count}" height="{count}" fill="#fff"/>'
        f'<path d="{"".join(runs)}" fill="#000"/></svg>'
    )
