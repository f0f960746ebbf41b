"""Uploaded files: checking them by content, cleaning them, and the store they are kept in.

Why this module exists: a file's name and the browser's ``Content-Type`` are the uploader's
claims, so every upload is recognised from its bytes (a renamed HTML page or an SVG with a
script is refused whatever it is called), bounded in size (and, for the zip-based office
formats, in what it unpacks to), cleaned (photos re-encoded without their metadata, PDFs
without their author and producer fields) and stored under a random key, never under the
name it came with.

The store is a small interface (``FileStore``: ``save``, ``read``, ``delete``). The default,
``LocalFileStore``, keeps files in ``MATERIALS_DIR`` (``<INSTANCE_DIR>/materials``), outside
the web root: they are reached only through the application's permission checks. Another store
(an S3-compatible bucket, say) is plugged in with ``MATERIALS_STORE=package.module:factory``,
a callable taking the app's config and returning an object with the same three methods.
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import re
import secrets
import warnings
import zipfile
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from flask import current_app, make_response
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from conference.errors import DomainError

DEFAULT_MATERIAL_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_SIZE = 400  # longest side of a stored photo, in pixels
PHOTO_MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_UNPACKED = 500 * 1024 * 1024
_KEY = re.compile(r"^[a-f0-9]{32}\.(pdf|pptx|docx|odp|jpg)$")


@dataclasses.dataclass(frozen=True)
class DocumentType:
    extension: str
    content_type: str
    label: str


PDF = DocumentType("pdf", "application/pdf", "PDF")
PPTX = DocumentType(
    "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "PowerPoint",
)
DOCX = DocumentType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "Word",
)
ODP = DocumentType("odp", "application/vnd.oasis.opendocument.presentation", "OpenDocument")


def _refuse() -> DomainError:
    return DomainError(
        _(
            "This file is not a PDF, PowerPoint (PPTX), OpenDocument presentation (ODP) or "
            "Word (DOCX) document."
        ),
        code="unsupported_file",
        status_code=415,
    )


def _too_large(limit: int) -> DomainError:
    return DomainError(
        _("The file is too large (at most %(size)s MB).", size=limit // (1024 * 1024)),
        code="too_large",
        status_code=413,
    )


def material_max_bytes() -> int:
    return int(current_app.config.get("MATERIALS_MAX_BYTES") or DEFAULT_MATERIAL_MAX_BYTES)


def photo_max_bytes() -> int:
    return int(current_app.config.get("PHOTO_MAX_BYTES") or DEFAULT_PHOTO_MAX_BYTES)


def _office_type(data: bytes) -> DocumentType:
    """A zip file is accepted only as a PPTX, DOCX or ODP, and only if it unpacks sanely."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse() from None
    if len(entries) > ZIP_MAX_ENTRIES or sum(e.file_size for e in entries) > ZIP_MAX_UNPACKED:
        raise _refuse()
    names = {e.filename for e in entries}
    if any(n.startswith("/") or ".." in n.split("/") for n in names):
        raise _refuse()
    try:
        if "mimetype" in names:
            mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
            if mimetype == ODP.content_type and "content.xml" in names:
                return ODP
            raise _refuse()
        if "[Content_Types].xml" in names:
            if "ppt/presentation.xml" in names:
                return PPTX
            if "word/document.xml" in names:
                return DOCX
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
        raise _refuse() from None
    raise _refuse()


def document_type(data: bytes) -> DocumentType:
    """What ``data`` really is (PDF, PPTX, DOCX or ODP), or a DomainError (415/413)."""
    if not data:
        raise DomainError(_("The file is empty."), code="empty_file")
    if len(data) > material_max_bytes():
        raise _too_large(material_max_bytes())
    if data.startswith(b"%PDF-"):
        try:
            PdfReader(io.BytesIO(data), strict=False).pages[0]  # noqa: B018 (parses it)
        except (PdfReadError, ValueError, KeyError, IndexError, TypeError, OSError):
            raise _refuse() from None
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    raise _refuse()


def strip_pdf_metadata(data: bytes) -> bytes:
    """The PDF without its document information (author, creator, producer…) and XMP metadata.

    Used on every uploaded PDF, so that a submission's file reaches double-blind reviewers
    without its author's name in the properties.
    """
    reader = PdfReader(io.BytesIO(data), strict=False)
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.metadata = None  # no document information at all (not even a Producer)
    root = writer.root_object
    for key in ("/Metadata", "/PieceInfo"):
        if key in root:
            del root[key]
    for page in writer.pages:
        for key in ("/Metadata", "/PieceInfo"):
            if key in page:
                del page[key]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def clean_document(data: bytes) -> tuple[bytes, DocumentType]:
    """Check ``data`` and return what is stored: PDFs lose their metadata."""
    kind = document_type(data)
    if kind is PDF:
        try:
            data = strip_pdf_metadata(data)
        except (PdfReadError, ValueError, KeyError, TypeError, OSError):
            raise _refuse() from None
    return data, kind


def clean_photo(data: bytes) -> bytes:
    """A JPEG or PNG photo, checked by content, shrunk to ``PHOTO_SIZE`` and re-encoded as a
    JPEG without any metadata (EXIF location, camera, comments). DomainError otherwise."""
    refused = DomainError(
        _("The photo must be a JPEG or PNG image."), code="unsupported_file", status_code=415
    )
    if not data:
        raise DomainError(_("The file is empty."), code="empty_file")
    if len(data) > photo_max_bytes():
        raise _too_large(photo_max_bytes())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ("JPEG", "PNG"):
                raise refused
            width, height = image.size
            if width * height > PHOTO_MAX_PIXELS or width < 1 or height < 1:
                raise refused
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        raise refused from None
    except Image.DecompressionBombWarning:
        raise refused from None
    image = ImageOps.exif_transpose(image)  # upright, as the camera meant it
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def new_key(extension: str) -> str:
    """A random storage key: the uploader's file name never reaches the file system."""
    return f"{secrets.token_hex(16)}.{extension}"


def download_name(filename: str, extension: str, fallback: str = "material") -> str:
    """A harmless file name for ``Content-Disposition``: letters, digits, ``-_.`` and spaces,
    no directories, always ending in the extension of the type the file really is."""
    base = Path(filename.replace("\\", "/")).name
    base = re.sub(r"[^\w .-]+", "", base, flags=re.UNICODE).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[:120].strip(" .") or fallback
    return f"{stem}.{extension}"


class FileStore(Protocol):
    def save(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class LocalFileStore:
    """Files in a directory outside the web root, two levels of fan-out by key."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key[:2] / key

    def save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(path)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def file_store() -> FileStore:
    """The configured store: ``MATERIALS_STORE`` (``module:factory``) or the local directory."""
    config = current_app.config
    factory = config.get("MATERIALS_STORE")
    if factory:
        module, _sep, name = str(factory).partition(":")
        return getattr(importlib.import_module(module), name)(config)
    root = config.get("MATERIALS_DIR") or Path(config["INSTANCE_DIR"]) / "materials"
    return LocalFileStore(Path(root))


def serve_file(
    data: bytes,
    content_type: str,
    name: str,
    *,
    public: bool,
    inline: bool = False,
    no_store: bool = False,
):
    """A stored file as a response: its checked type, ``nosniff``, a download disposition, and
    private caching unless anyone at all may fetch it. ``no_store``: a personal copy (a
    labelled material, watermarked for one person) that no cache may keep; no ETag."""
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A PDF shown in the browser: browsers refuse to render one in a sandboxed document.
    sandbox = "" if inline and content_type == PDF.content_type else "; sandbox"
    response.headers["Content-Security-Policy"] = f"default-src 'none'{sandbox}"
    disposition = "inline" if inline else "attachment"
    ascii_name = name.encode("ascii", "ignore").decode("ascii") or "download"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    if no_store:
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Pragma"] = "no-cache"
        response.headers.pop("ETag", None)
    else:
        response.headers["Cache-Control"] = (
            "public, max-age=300" if public else "private, max-age=300"
        )
    return response
