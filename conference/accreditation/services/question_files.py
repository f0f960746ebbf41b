"""Files answering registration questions: checked by content, kept outside the web root.

A file is accepted only when its first bytes are those of a PDF, a JPEG or a PNG (its name
and the browser's content type are not trusted: a renamed HTML page or an SVG is refused), it
is at most ``QUESTION_FILE_MAX_BYTES`` long, and its name has no path in it. It is stored under
``UPLOAD_DIR/questions/<edition id>/`` with a random name; the person's file name is kept in the
database only and sent back in ``Content-Disposition: attachment``.
"""

from __future__ import annotations

import contextlib
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from conference.errors import DomainError, NotFound

# Magic numbers: the only three kinds of file accepted.
SIGNATURES = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
)
_STORED_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/")


@dataclass
class PendingFile:
    """A checked upload, not yet written."""

    name: str
    content_type: str
    content: bytes


def _clean_name(raw: str) -> str:
    name = unicodedata.normalize("NFC", raw or "").strip()
    if (
        not name
        or len(name) > 200
        or "/" in name
        or "\\" in name
        or ".." in name
        or name.startswith(".")
        or any(unicodedata.category(ch).startswith("C") for ch in name)
    ):
        raise DomainError(
            _("The file name is not acceptable: please rename the file (for example cv.pdf).")
        )
    return name


def check_file(storage) -> PendingFile | None:
    """The upload as a ``PendingFile``, None when no file was sent; raises ``DomainError``."""
    if storage is None or not getattr(storage, "filename", None):
        return None
    name = _clean_name(storage.filename)
    limit = current_app.config["QUESTION_FILE_MAX_BYTES"]
    try:
        content = storage.stream.read(limit + 1)
    finally:
        # A large upload is spooled to a temporary file: close it now, not at collection.
        storage.close()
    if len(content) > limit:
        raise DomainError(
            _("The file is too large: at most %(size)s.", size=f"{limit / 1024 / 1024:.1f} MB")
        )
    if not content:
        raise DomainError(_("The file is empty."))
    for magic, content_type, extensions in SIGNATURES:
        if content.startswith(magic):
            if not name.lower().endswith(extensions):
                name = f"{name.rsplit('.', 1)[0] if '.' in name else name}{extensions[0]}"
            return PendingFile(name=name, content_type=content_type, content=content)
    raise DomainError(_("Only PDF, JPEG and PNG files are accepted."))


def _root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "questions"


def path_of(stored_name: str) -> Path:
    """The path of a stored file; refuses a name that could leave the upload folder."""
    if (
        not stored_name
        or ".." in stored_name
        or stored_name.startswith("/")
        or not set(stored_name) <= _STORED_NAME_CHARS
    ):
        raise NotFound(_("There is no such file."))
    path = _root() / stored_name
    if not path.is_file():
        raise NotFound(_("The file is no longer kept."))
    return path


def store_file(edition_id: int, pending: PendingFile) -> str:
    """Write ``pending`` and return its stored name (relative to the upload folder)."""
    stored_name = f"{int(edition_id)}/{secrets.token_urlsafe(24)}"
    path = _root() / stored_name
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    path.write_bytes(pending.content)
    path.chmod(0o640)
    return stored_name


def remove_file(stored_name: str) -> None:
    with contextlib.suppress(NotFound, FileNotFoundError):
        path_of(stored_name).unlink()
