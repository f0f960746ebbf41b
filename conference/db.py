"""The declarative base, shared column types and the clock.

Every model in the application derives from ``Base``; the naming convention makes Alembic name
constraints identically on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp that is always stored and returned as an aware UTC datetime.

    SQLite has no time zone support and silently drops the offset; this type normalises on the
    way in and re-attaches UTC on the way out, so that comparisons never mix naive and aware.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError("UTCDateTime needs a datetime")
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(so.DeclarativeBase):
    """Declarative base with a constraint naming convention."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


_frozen_now: dt.datetime | None = None


def utcnow() -> dt.datetime:
    """The current time as an aware UTC datetime; tests may freeze it with ``freeze``."""
    if _frozen_now is not None:
        return _frozen_now
    return dt.datetime.now(dt.UTC)


def freeze(moment: dt.datetime | None) -> None:
    """Freeze the clock at ``moment`` (aware), or unfreeze it with ``None``."""
    global _frozen_now
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze needs an aware datetime")
    _frozen_now = moment


class TimestampMixin:
    """created_at / updated_at columns maintained by the ORM."""

    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )


# SQLite's messages, and PostgreSQL's SQLSTATEs: read-only transaction (25006), disk full
# (53100), out of memory / too many connections are not storage faults and stay 500.
_SQLITE_WRITE_REFUSED = (
    "attempt to write a readonly database",
    "database or disk is full",
    "readonly database",
    "disk i/o error",
)
_PG_WRITE_REFUSED = {"25006", "53100"}


def write_refused(exc: BaseException) -> bool:
    """Whether ``exc`` means the database refuses writes (read-only, disk full)."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    original = exc.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate in _PG_WRITE_REFUSED:
        return True
    message = str(original).lower()
    return any(text in message for text in _SQLITE_WRITE_REFUSED)


def copy_row(row, **overrides):
    """A new row of ``row``'s model with its column values, minus the id, plus ``overrides``
    (cloning an edition: each area copies its own set-up)."""
    model = type(row)
    values = {
        column.key: getattr(row, column.key)
        for column in model.__table__.columns
        if column.key != "id"
    }
    values.update(overrides)
    return model(**values)
