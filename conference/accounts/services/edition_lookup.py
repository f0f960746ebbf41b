"""How accounts finds editions, which sit above it in the layers.

Roles and check-in tokens belong to an edition, but accounts may not import the editions
area: the editions area hands its look-ups over once, when it is imported (``provide``), the
way Flask-Login is told how to load a user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_lookups: dict[str, Callable] = {}


def provide(
    *,
    newest_first: Callable[[], list],
    by_year: Callable[[int], Any],
    may_scan: Callable[[Any, Any], bool],
) -> None:
    """Called by the editions area: every edition (newest first), one by its year, and
    whether a user may scan badges in an edition."""
    _lookups.update(newest_first=newest_first, by_year=by_year, may_scan=may_scan)


def _lookup(name: str) -> Callable:
    try:
        return _lookups[name]
    except KeyError:
        raise RuntimeError("The editions area has not provided its look-ups yet.") from None


def editions_newest_first() -> list:
    return _lookup("newest_first")()


def edition_for_year(year: int):
    """The edition of ``year``, or None."""
    return _lookup("by_year")(year)


def checkin_editions(user) -> list:
    """Editions (newest first) in which ``user`` may scan badges: the choices of a check-in
    token's edition."""
    may_scan = _lookup("may_scan")
    return [e for e in editions_newest_first() if may_scan(user, e)]
