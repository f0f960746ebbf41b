"""Domain errors raised by services and turned into 4xx answers by views and the API."""

from __future__ import annotations


class DomainError(ValueError):
    """A rule was broken; ``message`` is meant for a person to read."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code


class NotAllowed(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, full, already decided…)."""

    status_code = 409
    code = "conflict"
