"""Files for the speakers' tests: small real PDFs, office documents, images and fakes."""

from __future__ import annotations

import io
import zipfile

from PIL import Image
from pypdf import PdfWriter


def pdf_bytes(author: str = "Alice Author", title: str = "Secret title") -> bytes:
    """A one-page PDF with an author and title in its document information."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": author, "/Title": title, "/Creator": "Writer of Alice"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pptx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<presentation/>")
    return out.getvalue()


def odp_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.presentation")
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def image_bytes(fmt: str = "JPEG", size=(800, 600), exif: bool = True) -> bytes:
    image = Image.new("RGB", size, (30, 90, 160))
    out = io.BytesIO()
    if exif and fmt == "JPEG":
        data = Image.Exif()
        data[0x010F] = "SecretCameraMaker"  # Make
        data[0x8825] = {2: (50.0, 50.0, 50.0)}  # GPS
        image.save(out, fmt, exif=data)
    else:
        image.save(out, fmt)
    return out.getvalue()


HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
