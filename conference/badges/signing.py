"""Badge codes: a compact binary payload signed with the edition's Ed25519 key.

The QR text is ``EF1.`` followed by the RFC 4648 base32 encoding (upper case, no padding) of
``payload || signature``. Base32 keeps every character inside the QR alphanumeric set, which
packs 5.5 bits per character instead of 8 and keeps the symbol small (version 6, 41×41 modules,
at error correction M for a typical category code).

Payload (big-endian), 10 bytes plus the category code::

    1 byte   format version (1)
    2 bytes  edition year
    4 bytes  badge id
    2 bytes  badge version
    1 byte   length of the category code (0–20)
    n bytes  category code (ASCII)

The 64-byte Ed25519 signature covers exactly those payload bytes. No personal data is in the
code: scanners show a name only when they ask the server.

Keys (one per edition) come from the environment variable ``BADGE_SIGNING_KEY_<YEAR>`` (a PEM
private key, or the base64 of the raw 32-byte seed) or from ``<BADGE_KEY_DIR>/<year>.pem``
(mode 0600), written by ``flask badges keygen``. Public keys of earlier keys of the same edition
are kept in ``<year>.previous.pub`` (one base64url raw key per line) and in the environment
variable ``BADGE_PREVIOUS_PUBLIC_KEYS_<YEAR>`` (comma-separated), so that badges printed before a
rotation keep verifying.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import current_app

from conference.errors import DomainError

PREFIX = "EF1."
FORMAT_VERSION = 1
SIGNATURE_LENGTH = 64
MAX_CODE_LENGTH = 400  # a genuine code is ~135 characters; anything far longer is garbage
_HEADER = struct.Struct(">BHIHB")


class KeyMissing(DomainError):
    status_code = 409
    code = "badge_key_missing"


@dataclass(frozen=True)
class BadgeClaims:
    """What a badge code says (only trustworthy once its signature has been verified)."""

    year: int
    badge_id: int
    version: int
    category_code: str


@dataclass(frozen=True)
class ParsedCode:
    claims: BadgeClaims
    payload: bytes
    signature: bytes


# --- encoding ----------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_payload(claims: BadgeClaims) -> bytes:
    code = claims.category_code.encode("ascii")
    if len(code) > 20:
        raise ValueError("category code longer than 20 bytes")
    return (
        _HEADER.pack(FORMAT_VERSION, claims.year, claims.badge_id, claims.version, len(code)) + code
    )


def decode_payload(payload: bytes) -> BadgeClaims:
    """The claims in ``payload``; ValueError when it is not a well-formed version-1 payload."""
    if len(payload) < _HEADER.size:
        raise ValueError("payload too short")
    fmt, year, badge_id, version, length = _HEADER.unpack_from(payload)
    if fmt != FORMAT_VERSION:
        raise ValueError("unknown payload format")
    if len(payload) != _HEADER.size + length or length > 20:
        raise ValueError("payload length does not match")
    code = payload[_HEADER.size :].decode("ascii")
    return BadgeClaims(year=year, badge_id=badge_id, version=version, category_code=code)


def parse_code(text) -> ParsedCode | None:
    """Split a QR text into claims and signature; None for anything malformed."""
    if not isinstance(text, str) or not text or len(text) > MAX_CODE_LENGTH:
        return None
    text = text.strip().upper()
    if not text.startswith(PREFIX):
        return None
    body = text[len(PREFIX) :]
    if not body or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in body):
        return None
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        return None
    if len(raw) <= SIGNATURE_LENGTH + _HEADER.size:
        return None
    payload, signature = raw[:-SIGNATURE_LENGTH], raw[-SIGNATURE_LENGTH:]
    try:
        claims = decode_payload(payload)
    except (ValueError, UnicodeDecodeError, struct.error):
        return None
    return ParsedCode(claims=claims, payload=payload, signature=signature)


def make_code(claims: BadgeClaims, private_key: Ed25519PrivateKey) -> str:
    payload = encode_payload(claims)
    signature = private_key.sign(payload)
    return PREFIX + base64.b32encode(payload + signature).decode("ascii").rstrip("=")


def verify(parsed: ParsedCode, public_keys: list[Ed25519PublicKey]) -> bool:
    for key in public_keys:
        try:
            key.verify(parsed.signature, parsed.payload)
            return True
        except InvalidSignature:
            continue
    return False


# --- keys --------------------------------------------------------------------------------


def key_dir() -> Path:
    return Path(current_app.config["BADGE_KEY_DIR"])


def key_path(year: int) -> Path:
    return key_dir() / f"{int(year)}.pem"


def previous_path(year: int) -> Path:
    return key_dir() / f"{int(year)}.previous.pub"


def _load_private(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 key")
        return key
    raw = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4))
    if len(raw) != 32:
        raise ValueError("a raw Ed25519 private key has 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def env_name(year: int) -> str:
    return f"BADGE_SIGNING_KEY_{int(year)}"


def private_key(year: int) -> Ed25519PrivateKey | None:
    """The edition's signing key (environment first, then the key file), or None."""
    source = os.environ.get(env_name(year)) or current_app.config.get(env_name(year))
    if source:
        try:
            return _load_private(source)
        except (ValueError, TypeError, binascii.Error) as exc:
            raise KeyMissing(f"{env_name(year)} does not hold an Ed25519 private key: {exc}")
    path = key_path(year)
    if not path.exists():
        return None
    try:
        return _load_private(path.read_text())
    except (ValueError, TypeError, binascii.Error) as exc:
        raise KeyMissing(f"{path} does not hold an Ed25519 private key: {exc}")


def require_private_key(year: int) -> Ed25519PrivateKey:
    key = private_key(year)
    if key is None:
        raise KeyMissing(
            f"There is no badge signing key for {year}. Create one with "
            f"`flask badges keygen --edition {year}` or set {env_name(year)}."
        )
    return key


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def previous_public_keys(year: int) -> list[Ed25519PublicKey]:
    """Public keys of the edition's earlier signing keys (kept so old badges still verify)."""
    texts: list[str] = []
    env = os.environ.get(f"BADGE_PREVIOUS_PUBLIC_KEYS_{int(year)}", "")
    texts += [t for t in env.split(",") if t.strip()]
    path = previous_path(year)
    if path.exists():
        texts += [line for line in path.read_text().splitlines() if line.strip()]
    keys = []
    for text in texts:
        try:
            raw = b64url_decode(text)
            keys.append(Ed25519PublicKey.from_public_bytes(raw))
        except (ValueError, binascii.Error):
            current_app.logger.warning("ignoring a malformed previous badge key for %s", year)
    return keys


def public_keys(year: int) -> list[tuple[Ed25519PublicKey, bool]]:
    """(key, is_current) for every key that verifies badges of ``year``."""
    out: list[tuple[Ed25519PublicKey, bool]] = []
    current = private_key(year)
    if current is not None:
        out.append((current.public_key(), True))
    seen = {raw_public(k) for k, _ in out}
    for key in previous_public_keys(year):
        if raw_public(key) not in seen:
            seen.add(raw_public(key))
            out.append((key, False))
    return out


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_suffix(".pem.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def generate_key(year: int, *, rotate: bool = False, keep_previous: bool = True) -> Path:
    """Create the edition's key file; with ``rotate`` replace an existing key.

    On rotation the old public key is appended to ``<year>.previous.pub`` unless
    ``keep_previous`` is False (a compromised key: old badges stop verifying and must be
    printed again).
    """
    if os.environ.get(env_name(year)):
        raise DomainError(
            f"{env_name(year)} is set: the key comes from the environment. Rotate it there."
        )
    path = key_path(year)
    old = private_key(year) if path.exists() else None
    if old is not None and not rotate:
        raise DomainError(f"A key for {year} exists already ({path}). Use --rotate to replace it.")
    if old is not None:
        prev = previous_path(year)
        if keep_previous:
            with prev.open("a") as handle:
                handle.write(b64url(raw_public(old.public_key())) + "\n")
        elif prev.exists():
            prev.unlink()
    _write_private(path, Ed25519PrivateKey.generate())
    return path


def ensure_key(year: int) -> Ed25519PrivateKey:
    """The edition's key, created in the key folder when there is none (demo data)."""
    key = private_key(year)
    if key is None:
        generate_key(year)
        key = require_private_key(year)
    return key


def jwk(key: Ed25519PublicKey) -> dict:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw_public(key))}
