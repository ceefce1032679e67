"""plan_changes: every drift item through its builder, SQLite's rebuilds assembled, the whole in
phase order."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from auditor.diff import DriftItem, resolve_renames
from auditor.dialects import Dialect
from auditor.model import Schema, Table
from auditor.partitions import with_rolling_children
from auditor.plan.builders import BUILDERS
from auditor.plan.model import Context, Statement
from auditor.plan.order import in_phase_order
from auditor.plan.rebuild import rebuild_tables


def plan_changes(drift: Iterable[DriftItem], expected: Schema, actual: Schema, dialect: Dialect,
                 concurrent_indexes: bool = False, tables_with_rows: frozenset[str] | None = None) -> list[Statement]:
    """The statements that turn ``actual`` into ``expected``, in phase order, each SQL once.
    ``concurrent_indexes`` builds and drops the indexes of existing Postgres tables CONCURRENTLY
    where the table holds rows: the keys in ``tables_with_rows`` (None: every table may)."""
    items = list(drift)
    expected = with_rolling_children(expected, actual)  # as the differ compared them
    renamed, _ = resolve_renames(expected, actual, dialect)
    want, have = expected.table_map(), renamed.table_map()
    pending: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for item in items:
        pending[item.table_key].add((item.kind, item.name))
    statements: list[Statement] = []
    for item in items:
        live = have.get(item.table_key)
        has_rows = live is not None and (tables_with_rows is None or item.table_key in tables_with_rows)
        ctx = Context(expected, renamed, want.get(item.table_key), live, dialect, frozenset(pending[item.table_key]),
                      concurrent_indexes and dialect.concurrent_indexes and has_rows and _concurrent_form(live),
                      has_rows)
        statements.extend(BUILDERS[item.kind](item, ctx))
    statements = rebuild_tables(statements, items, want, have, dialect)
    return in_phase_order(statements, renamed, expected)


def _concurrent_form(table: Table | None) -> bool:
    """Postgres builds no index CONCURRENTLY on a partitioned table (only on each partition)."""
    return table is not None and table.partition_by is None
