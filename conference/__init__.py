"""The conference application: ``create_app`` builds it (the factory is in ``conference.app``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict | None = None, *, mode: str | None = None) -> Flask:
    """Build the application.

    ``mode`` is development, production or testing (default: the APP_ENV variable);
    ``config`` overrides individual settings.
    """
    # Every module of the package runs this file first: importing the whole application
    # here, at the top, would make `import conference.db` import every area.
    from conference.app import create_app as build

    return build(config, mode=mode)
