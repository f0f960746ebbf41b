"""Fixtures for the calendar tests: the edition, a query counter, the schemas."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factories import make_edition

HERE = Path(__file__).parent


@pytest.fixture
def edition(app):
    return make_edition(2027, venue="Egmont Palace", timezone="Europe/Brussels")


class QueryLog:
    def __init__(self):
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    def touching(self, fragment: str) -> list[str]:
        return [s for s in self.statements if fragment in s]


@pytest.fixture
def count_queries(db):
    """``with count_queries() as log:`` records every SQL statement run inside the block."""

    @contextlib.contextmanager
    def counter():
        log = QueryLog()

        def before(conn, cursor, statement, parameters, context, executemany):
            log.statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield log
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counter


@pytest.fixture(scope="session")
def schedule_schema():
    return json.loads((HERE / "schedule.schema.json").read_text())


@pytest.fixture(scope="session")
def schedule_xsd():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(HERE / "schedule.xml.xsd")))
