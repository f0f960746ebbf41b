"""Safe text helpers: Markdown to HTML without raw HTML, and spreadsheet-safe CSV cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response, has_app_context
from flask_babel import ngettext as babel_ngettext
from markdown_it import MarkdownIt
from markupsafe import Markup

# html=False: raw HTML in the source is escaped; markdown-it refuses javascript:/data: links.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable("image")


def render_markdown(source: str | None) -> Markup:
    """Render user Markdown to HTML that can contain no script or raw HTML."""
    return Markup(_md.render(source or ""))  # noqa: S704


def markdown_to_text(source: str | None) -> str:
    """User Markdown as plain text (for calendar feeds): no markup left, a link as
    "text (url)", list items as "- item", paragraphs separated by a blank line."""
    blocks: list[tuple[str, int]] = []  # (text, the outermost list it is in, or 0)
    lists: list[list] = []  # [ordered?, next number] per open list
    prefix = ""
    group = 0
    for token in _md.parse(source or ""):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            group += not lists
            start = int(token.attrGet("start") or 1)
            lists.append([token.type == "ordered_list_open", start])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "list_item_open":
            ordered, number = lists[-1]
            prefix = "  " * (len(lists) - 1) + (f"{number}. " if ordered else "- ")
            lists[-1][1] = number + 1
        elif token.type == "inline":
            blocks.append((prefix + _inline_text(token.children or []), group if lists else 0))
            prefix = ""
        elif token.type in ("fence", "code_block"):
            blocks.append((token.content.rstrip("\n"), group if lists else 0))
    text = ""
    for i, (block, in_list) in enumerate(blocks):
        if i:
            text += "\n" if in_list and blocks[i - 1][1] == in_list else "\n\n"
        text += block
    return text.strip()


def _inline_text(children) -> str:
    out: list[str] = []
    hrefs: list[tuple[str, int]] = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "link_open":
            hrefs.append((str(child.attrGet("href") or ""), len(out)))
        elif child.type == "link_close" and hrefs:
            href, start = hrefs.pop()
            label = "".join(out[start:])
            if href and href not in (label, "mailto:" + label):
                out.append(f" ({href})")
    return "".join(out)


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """``singular`` or ``plural`` for ``num`` in the request's language, formatted with
    ``%(num)d`` and ``variables`` (Flask-Babel's ``ngettext``; outside an application, the
    English forms)."""
    if has_app_context():
        return babel_ngettext(singular, plural, num, **variables)
    text = singular if num == 1 else plural
    return text % {"num": num, **variables}


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
    safe_name = "".join(c for c in filename if c.isalnum() or c in "-_.") or "export.csv"
    return Response(
        "\ufeff" + csv_text(header, rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{safe_name}"',
            "Cache-Control": "no-store",
        },
    )
