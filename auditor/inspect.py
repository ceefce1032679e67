"""The inspector: a live database read (read-only) into the canonical schema model."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, TypeVar

from sqlalchemy.exc import DBAPIError

from auditor.canon import normalize_schema
from auditor.database import Target, connect, describe_error, dialect_of, parse_url
from auditor.dialects import Dialect
from auditor.dialects.unaudited import count_unaudited
from auditor.errors import ConnectError
from auditor.model import Schema

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

T = TypeVar("T")


def schemas_to_read(expected: Schema, dialect: Dialect) -> tuple[str, ...]:
    """The namespaces an audit reads, those the spec manages: the ones its ``schemas:`` lists and
    the ones its objects are in; else the engine's default one (none when it manages none:
    ``schemas: []`` and no object)."""
    objects = (*expected.tables, *expected.enums, *expected.views, *expected.sequences)
    names = {o.schema for o in objects if o.schema} | set(expected.schemas or ())
    if not names and dialect.default_schema and expected.schemas is None:
        names = {dialect.default_schema}
    return tuple(sorted(names))


def user_schemas(conn: Connection, dialect: Dialect) -> tuple[str, ...]:
    """Every namespace that holds a database's own objects (none on engines without namespaces)."""
    if not dialect.user_schemas_sql:
        return ()
    return tuple(row[0] for row in conn.exec_driver_sql(dialect.user_schemas_sql))


def read_live_schema(conn: Connection, dialect: Dialect, schemas: tuple[str, ...]) -> Schema:
    """The canonical schema of an open connection."""
    return normalize_schema(dialect.reader(conn, schemas), dialect)


def read_audited_schema(conn: Connection, dialect: Dialect,
                        schemas: tuple[str, ...]) -> tuple[Schema, dict[str, int]]:
    """What an audit reads: the canonical schema of an open connection, and the count per kind of
    the live objects it does not compare (``dialects.unaudited``), in one more query."""
    return read_live_schema(conn, dialect, schemas), count_unaudited(conn, dialect, schemas)


def inspect_target(target: Target, schemas: tuple[str, ...]) -> Schema:
    """Read a target's live schema in one read-only transaction."""
    return read_target(target, lambda conn, dialect: read_live_schema(conn, dialect, schemas))


def read_target(target: Target, read: Callable[[Connection, Dialect], T]) -> T:
    """``read(connection, dialect)`` in one read-only transaction; catalog errors are masked."""
    url = parse_url(target.url)
    with connect(target, readonly=True) as conn:
        try:
            return read(conn, dialect_of(url))
        except DBAPIError as exc:
            raise ConnectError(f"{target.name}: cannot read the catalog: {describe_error(exc, url)}") from None
