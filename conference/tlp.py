"""The Traffic Light Protocol (FIRST TLP 2.0) labels, from least to most strict.

A label says how the *content* of a session, contribution or material may travel once
shared; who may attend a session is its access rule (``permissions.Clearance``). What each
label lets out on each channel is decided in one place, ``permissions.tlp_disclosure``.
This module only knows the labels themselves: their order and their colours.
"""

from __future__ import annotations

import enum


class TLP(enum.StrEnum):
    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"


# From least to most strict.
ORDER: tuple[TLP, ...] = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
VALUES: tuple[str, ...] = tuple(str(label) for label in ORDER)

# FIRST TLP 2.0 colours: the label's text in its colour on a black background.
COLOURS: dict[str, str] = {
    TLP.CLEAR: "#FFFFFF",
    TLP.GREEN: "#33FF00",
    TLP.AMBER: "#FFC000",
    TLP.AMBER_STRICT: "#FFC000",
    TLP.RED: "#FF2B2B",
}

# For CHECK constraints: the column holds one of the values.
SQL_VALUES = ", ".join(f"'{v}'" for v in VALUES)


def normalise(value: str | None) -> str | None:
    """``value`` as one of the five labels (case and a leading "TLP:" ignored), else None."""
    if value is None:
        return None
    text = str(value).strip().upper()
    if text.startswith("TLP:"):
        text = text[4:]
    return text if text in VALUES else None


def rank(label: str | None) -> int:
    """The label's strictness (0 for CLEAR … 4 for RED); an unknown label counts as RED."""
    try:
        return VALUES.index(str(label))
    except ValueError:
        return len(VALUES) - 1


def strictest(*labels: str | None) -> str:
    """The strictest of ``labels`` (None ignored; CLEAR when none is given)."""
    given = [label for label in labels if label is not None]
    if not given:
        return TLP.CLEAR.value
    return VALUES[max(rank(label) for label in given)]


def at_least(label: str | None, floor: str | None) -> bool:
    """Whether ``label`` is at least as strict as ``floor``."""
    return rank(label) >= rank(floor)
