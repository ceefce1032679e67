"""plan_changes: every drift item through its builder, SQLite's rebuilds assembled, the whole in
phase order."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from auditor.diff import DriftItem, resolve_renames
from auditor.dialects import Dialect
from auditor.model import Schema
from auditor.partitions import with_rolling_children
from auditor.plan.builders import BUILDERS
from auditor.plan.model import Context, Statement
from auditor.plan.order import in_phase_order
from auditor.plan.rebuild import rebuild_tables


def plan_changes(drift: Iterable[DriftItem], expected: Schema, actual: Schema,
                 dialect: Dialect, concurrent_indexes: bool = False) -> list[Statement]:
    """The statements that turn ``actual`` into ``expected``, in phase order, each SQL once.
    ``concurrent_indexes`` builds and drops indexes of existing Postgres tables CONCURRENTLY."""
    items = list(drift)
    expected = with_rolling_children(expected, actual)  # as the differ compared them
    renamed, _ = resolve_renames(expected, actual, dialect)
    want, have = expected.table_map(), renamed.table_map()
    pending: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for item in items:
        pending[item.table_key].add((item.kind, item.name))
    statements: list[Statement] = []
    for item in items:
        ctx = Context(expected, renamed, want.get(item.table_key), have.get(item.table_key), dialect,
                      frozenset(pending[item.table_key]), concurrent_indexes and dialect.concurrent_indexes)
        statements.extend(BUILDERS[item.kind](item, ctx))
    statements = rebuild_tables(statements, items, want, have, dialect)
    return in_phase_order(statements, renamed, expected)
