"""Apply: run a plan in one transaction, then read the schema again and verify.

Destructive statements are withheld unless allowed, manual ones are never run, and any failure
rolls the whole transaction back, so the schema is either fully changed or not at all.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from sqlalchemy.exc import DBAPIError

from auditor.database import Target, connect, describe_error, dialect_of, parse_url
from auditor.diff import DriftItem, diff_schemas
from auditor.dialects import Dialect
from auditor.errors import ApplyError
from auditor.inspect import inspect_target, read_live_schema, schemas_to_read
from auditor.model import Schema
from auditor.plan import Guard, Statement

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class ApplyResult:
    """What apply did: statements run, found already done, held back; and drift that remains."""

    executed: tuple[Statement, ...]
    already_done: tuple[Statement, ...]
    withheld: tuple[Statement, ...]
    remaining: tuple[DriftItem, ...]


def split_plan(statements: list[Statement], allow_destructive: bool) -> tuple[list[Statement], list[Statement]]:
    """(to run, withheld): manual statements and, unless allowed, destructive ones are withheld."""
    runnable = [s for s in statements if not s.manual and (allow_destructive or not s.destructive)]
    withheld = [s for s in statements if s not in runnable]
    return runnable, withheld


def apply_plan(target: Target, statements: list[Statement], expected: Schema,
               allow_destructive: bool = False, ignore: tuple[str, ...] = ()) -> ApplyResult:
    """Run the allowed statements in one transaction, then re-inspect and diff again."""
    runnable, withheld = split_plan(statements, allow_destructive)
    url = parse_url(target.url)
    dialect = dialect_of(url)
    schemas = schemas_to_read(expected, dialect)
    executed: list[Statement] = []
    already_done: list[Statement] = []
    if runnable:
        with connect(target, readonly=False) as conn, _transaction(conn, dialect):
            for statement in runnable:
                if statement.guard and _guard_satisfied(conn, dialect, schemas, statement.guard):
                    already_done.append(statement)
                    continue
                try:
                    # no_parameters: the driver must not read a "%" in our SQL as a placeholder.
                    conn.execution_options(no_parameters=True).exec_driver_sql(statement.sql)
                except DBAPIError as exc:
                    raise ApplyError(f"{target.name}: '{statement.summary}' failed: "
                                     f"{describe_error(exc, url)}; rolled back") from None
                executed.append(statement)
    remaining = diff_schemas(expected, inspect_target(target, schemas), ignore + target.ignore)
    return ApplyResult(tuple(executed), tuple(already_done), tuple(withheld), tuple(remaining))


@contextmanager
def _transaction(conn: Connection, dialect: Dialect) -> Iterator[None]:
    """One transaction around all statements; both engines roll DDL back on failure."""
    if dialect.begin_statement:
        raw = conn.execution_options(isolation_level="AUTOCOMMIT")
        raw.exec_driver_sql(dialect.begin_statement)
        try:
            yield
        except BaseException:
            raw.exec_driver_sql("ROLLBACK")
            raise
        raw.exec_driver_sql("COMMIT")
    else:
        with conn.begin():
            yield


def _guard_satisfied(conn: Connection, dialect: Dialect, schemas: tuple[str, ...], guard: Guard) -> bool:
    """True when the live schema already is what the guarded statement would make it."""
    table = read_live_schema(conn, dialect, schemas).table(guard.table_key)
    exists = table is not None and (guard.column is None or table.column(guard.column) is not None)
    return exists != guard.exists
