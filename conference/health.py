"""Health checks: database reachable, migrations current."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory

from conference.config import ROOT
from conference.extensions import db


def expected_heads() -> set[str]:
    config = AlembicConfig()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return set(ScriptDirectory.from_config(config).get_heads())


def check() -> tuple[bool, dict]:
    try:
        current = set(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return False, {"database": "unreachable or not migrated", "error": type(exc).__name__}
    heads = expected_heads()
    if current != heads:
        return False, {"database": "ok", "migrations": "pending"}
    return True, {"database": "ok", "migrations": "current"}
