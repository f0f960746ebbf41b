"""JSON bodies that cannot hurt: bounded nesting and valid Unicode text, or a 400.

Python's parser recurses once per ``[`` or ``{``, so 100 KB of ``[[[[…`` raised RecursionError
(a 500); and it accepts ``"\\ud800"``, a lone surrogate that no database or encoder takes
later. Every ``request.get_json()`` goes through ``SafeJSONProvider.loads``, which answers
both with a ``BadRequest`` carrying a message a person understands (an HTTP error, not a
``ValueError``, so that ``get_json(silent=True)`` does not turn it into "no body").
"""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

MAX_DEPTH = 32


def check_value(data: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise ``BadRequest`` when ``data`` nests deeper than ``max_depth`` or holds a string
    (value or key) that is not valid Unicode."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict | list):
            if depth > max_depth:
                raise BadRequest(
                    f"The JSON body is nested too deeply (at most {max_depth} levels)."
                )
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_text(key)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def _check_text(text: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(
            "The JSON body contains text that is not valid Unicode (a lone surrogate such as "
            "\\ud800). Send the text as UTF-8."
        ) from None


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with bounded nesting and Unicode checks on parsing."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            data = json.loads(s, **kwargs)
        except RecursionError:
            raise BadRequest(
                f"The JSON body is nested too deeply (at most {MAX_DEPTH} levels)."
            ) from None
        check_value(data)
        return data
