"""Which existing tables hold rows, and the plan that needs to know: the plan builds an index on such a Postgres table
CONCURRENTLY (writes go on during the build), and one on an empty table inside the transaction
(there is nothing to wait for). One read-only query, asked only about the tables that get an index
built or dropped, each answered by ``EXISTS`` (the first row found ends its scan)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from sqlalchemy.exc import DBAPIError

from auditor.database import connect
from auditor.dialects import Dialect
from auditor.diff import DriftItem
from auditor.model import Schema, Table
from auditor.plan import Statement, plan_changes
from auditor.target import Target

if TYPE_CHECKING:
    from auditor.audit import AuditResult

# The kinds whose statements build or drop an index on an existing table.
INDEX_KINDS = frozenset({"missing_index", "extra_index", "index_mismatch"})


def tables_to_ask(drift: Iterable[DriftItem], actual: Schema) -> list[Table]:
    """Each existing table an index item is about, once, in order."""
    live = actual.table_map()
    keys = dict.fromkeys(item.table_key for item in drift if item.kind in INDEX_KINDS and item.table_key in live)
    return [live[key] for key in keys]


def rows_sql(tables: list[Table], dialect: Dialect) -> str:
    """One query: a row (its position in ``tables``) per table that holds at least one row."""
    return " UNION ALL ".join(f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {dialect.qualified(t.schema, t.name)})"
                              for i, t in enumerate(tables))


# A table someone holds ACCESS EXCLUSIVE cannot be read: after this long, it is taken to hold rows.
LOCK_TIMEOUT = "2s"


def tables_with_rows(target: Target, drift: Iterable[DriftItem], actual: Schema,
                     dialect: Dialect) -> frozenset[str] | None:
    """The keys of the tables, of those index items are about, that hold rows now (read only;
    nothing is asked when no index is built or dropped on an existing table); None when a table
    could not be read in time: every table may then hold rows (the safe assumption)."""
    tables = tables_to_ask(drift, actual)
    if not tables:
        return frozenset()
    with connect(target, readonly=True) as conn:
        try:
            if dialect.concurrent_indexes:  # Postgres: a locked table is not waited for long
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            found = [row[0] for row in conn.exec_driver_sql(rows_sql(tables, dialect))]
        except DBAPIError:
            return None
    return frozenset(tables[i].key for i in found)


def plan_of(result: AuditResult, concurrent_indexes: bool = True) -> list[Statement]:
    """An audit result's plan, with the live fact it needs: on Postgres, which of the tables that
    get an index hold rows (those are built CONCURRENTLY unless ``concurrent_indexes`` is False;
    a tenant's tables are all taken to hold rows)."""
    assert result.dialect is not None and result.expected is not None and result.actual is not None
    rows = None
    if result.dialect.concurrent_indexes and result.tenant is None:
        rows = tables_with_rows(result.target, result.drift, result.actual, result.dialect)
    return plan_changes(result.drift, result.expected, result.actual, result.dialect, concurrent_indexes, rows)
