"""Safe text helpers: Markdown to HTML without raw HTML, and spreadsheet-safe CSV cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from markdown_it import MarkdownIt
from markupsafe import Markup

# html=False: raw HTML in the source is escaped; markdown-it refuses javascript:/data: links.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable("image")


def render_markdown(source: str | None) -> Markup:
    """Render user Markdown to HTML that can contain no script or raw HTML."""
    return Markup(_md.render(source or ""))  # noqa: S704


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def safe_cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_START[:4]):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """CSV with every cell passed through ``safe_cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]):
    """A Flask response downloading a formula-safe CSV file."""
    from flask import Response

    safe_name = "".join(c for c in filename if c.isalnum() or c in "-_.") or "export.csv"
    return Response(
        "\ufeff" + csv_text(header, rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{safe_name}"',
            "Cache-Control": "no-store",
        },
    )
