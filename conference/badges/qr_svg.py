"""The badge's QR code as inline SVG, for the attendee's on-screen badge and the door's print
page (no image request, no JavaScript, crisp at any size)."""

from __future__ import annotations

import qrcode
from markupsafe import Markup
from qrcode.constants import ERROR_CORRECT_M


def qr_svg(text: str, *, label: str = "Badge QR code") -> Markup:
    """An SVG square (4-module quiet zone) drawing ``text`` as a QR code: one path of runs."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    count = len(matrix)
    runs = []
    for row, cells in enumerate(matrix):
        col = 0
        while col < count:
            if cells[col]:
                start = col
                while col < count and cells[col]:
                    col += 1
                runs.append(f"M{start} {row}h{col - start}v1h-{col - start}z")
            else:
                col += 1
    safe_label = Markup.escape(label)
    # Numbers and path commands we built, and the escaped label: nothing else goes in.
    return Markup(  # noqa: S704
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {count} {count}" '
        f'role="img" aria-label="{safe_label}" shape-rendering="crispEdges">'
        f'<rect width="{count}" height="{count}" fill="#fff"/>'
        f'<path d="{"".join(runs)}" fill="#000"/></svg>'
    )
