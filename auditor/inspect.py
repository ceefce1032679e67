"""The inspector: a live database read (read-only) into the canonical schema model."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable, TypeVar

from sqlalchemy.exc import DBAPIError

from auditor.canon import normalize_schema
from auditor.database import (
    connect,
    describe_error,
    dialect_of,
    hot_journal,
    hot_journal_error,
    parse_url,
)
from auditor.dialects import Dialect
from auditor.dialects.unaudited import count_unaudited
from auditor.errors import ConnectError
from auditor.model import Schema
from auditor.target import Target

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

T = TypeVar("T")


def schemas_to_read(expected: Schema, dialect: Dialect) -> tuple[str, ...]:
    """The namespaces an audit reads, those the spec manages: the ones its ``schemas:`` lists and
    the ones its objects are in; else the engine's default one (none when it manages none:
    ``schemas: []`` and no object)."""
    objects = (*expected.tables, *expected.enums, *expected.views, *expected.sequences, *expected.functions)
    names = {o.schema for o in objects if o.schema} | set(expected.schemas or ())
    if not names and dialect.default_schema and expected.schemas is None:
        names = {dialect.default_schema}
    return tuple(sorted(names))


def user_schemas(conn: Connection, dialect: Dialect) -> tuple[str, ...]:
    """Every namespace that holds a database's own objects (none on engines without namespaces)."""
    if not dialect.user_schemas_sql:
        return ()
    return tuple(row[0] for row in conn.exec_driver_sql(dialect.user_schemas_sql))


def read_live_schema(conn: Connection, dialect: Dialect, schemas: tuple[str, ...], privileges: bool = False) -> Schema:
    """The canonical schema of an open connection; with its grants and owners when ``privileges``
    (one more catalog query, on engines that have them)."""
    live = normalize_schema(dialect.reader(conn, schemas), dialect)
    if privileges and dialect.has_privileges:
        from auditor.dialects.pgprivileges import read_privileges

        live = replace(live, privileges=read_privileges(conn, schemas))
    return live


def read_audited_schema(conn: Connection, dialect: Dialect, schemas: tuple[str, ...],
                        present: tuple[str, ...] | None = None,
                        privileges: bool = False) -> tuple[Schema, dict[str, int]]:
    """What an audit reads: the canonical schema of an open connection, with the schemas it reads
    that exist as ``Schema.schemas`` (so that a managed one that is missing is drift), and the count
    per kind of the live objects it does not compare (``dialects.unaudited``), the database's other
    schemas among them. ``present`` is ``user_schemas``, when the caller has read it already."""
    if present is None:
        present = user_schemas(conn, dialect)
    unmanaged = len(set(present) - set(schemas))
    return (read_managed_schema(conn, dialect, schemas, present, privileges),
            count_unaudited(conn, dialect, schemas, {"unmanaged_schema": unmanaged}))


def read_managed_schema(conn: Connection, dialect: Dialect, schemas: tuple[str, ...],
                        present: tuple[str, ...] | None = None, privileges: bool = False) -> Schema:
    """The canonical schema of ``schemas``, with those of them that exist as ``Schema.schemas``: a
    schema the spec manages that is missing is drift (``missing_schema``)."""
    live = read_live_schema(conn, dialect, schemas, privileges)
    if not dialect.has_schemas:
        return live
    present = user_schemas(conn, dialect) if present is None else present
    return replace(live, schemas=tuple(s for s in schemas if s in present))


def inspect_target(target: Target, schemas: tuple[str, ...], privileges: bool = False) -> Schema:
    """Read a target's live schema in one read-only transaction (with grants and owners when
    ``privileges``)."""
    return read_target(target, lambda conn, dialect: read_managed_schema(conn, dialect, schemas,
                                                                         privileges=privileges))


def read_target(target: Target, read: Callable[[Connection, Dialect], T]) -> T:
    """``read(connection, dialect)`` in one read-only transaction; catalog errors are masked."""
    url = parse_url(target.url)
    with connect(target, readonly=True) as conn:
        try:
            return read(conn, dialect_of(url))
        except DBAPIError as exc:
            journal = hot_journal(url)
            if journal is not None:
                raise hot_journal_error(target, journal) from None
            raise ConnectError(f"{target.name}: cannot read the catalog: {describe_error(exc, url)}") from None
