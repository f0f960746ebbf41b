"""URL helpers: absolute links from BASE_URL (never the Host header), safe ``next=`` targets."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute URL built from the configured BASE_URL, for mails and feeds."""
    path = url_for(endpoint, _external=False, **values)
    return current_app.config["BASE_URL"] + path


def safe_next(target: str | None, default: str = "/") -> str:
    """Only our own paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target:
        return default
    target = target.strip()
    if any(c in target for c in "\\\r\n\t") or not target.startswith("/"):
        return default
    if target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
