"""The planner: drift items -> an ordered list of idempotent DDL statements.

Every statement says which drift item it fixes, its hazards (see ``auditor.hazards``), the rows
that would make it fail (a pre-check query), and, where the engine has no ``IF [NOT] EXISTS`` form,
a guard that ``apply`` checks against the live schema right before running it. What SQLite cannot
alter in place is planned as one table rebuild; what no engine can do in place is planned as a
``manual`` statement: a comment saying why, never executed.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping

from auditor.diff import DriftItem, resolve_renames
from auditor.dialects import Dialect
from auditor.model import Schema
from auditor.plan.builders import BUILDERS
from auditor.plan.model import PHASES, Context, Guard, Precheck, Statement
from auditor.plan.rebuild import rebuild_tables
from auditor.plan.sql import column_sql, comment_text

__all__ = ["PHASES", "Guard", "Precheck", "Statement", "column_sql", "comment_text", "plan_changes", "render_script"]


def plan_changes(drift: Iterable[DriftItem], expected: Schema, actual: Schema,
                 dialect: Dialect, concurrent_indexes: bool = False) -> list[Statement]:
    """The statements that turn ``actual`` into ``expected``, in phase order, each SQL once.
    ``concurrent_indexes`` builds and drops indexes of existing Postgres tables CONCURRENTLY."""
    items = list(drift)
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
    order = {phase: i for i, phase in enumerate(PHASES)}
    drops = _drop_order(renamed)
    # Stable sort: drift order within a phase, except that tables drop referencing ones first.
    ordered = sorted(statements, key=lambda s: (order[s.phase], drops.get(s.fixes.table_key, 0)
                                                if s.phase == "drop_tables" else 0))
    seen: set[str] = set()  # e.g. two new tables in one new schema: CREATE SCHEMA once
    return [s for s in ordered if s.manual or not (s.sql in seen or seen.add(s.sql))]  # type: ignore[func-returns-value]


def _drop_order(actual: Schema) -> dict[str, int]:
    """Table key -> rank such that a table referencing another drops before it (cycles: any)."""
    referenced_by: dict[str, set[str]] = defaultdict(set)
    for table in actual.tables:
        for fk in table.foreign_keys:
            if fk.ref_table != table.key:
                referenced_by[fk.ref_table].add(table.key)

    def depth(key: str, seen: frozenset[str]) -> int:
        return 1 + max((depth(r, seen | {key}) for r in referenced_by[key] if r not in seen), default=-1)

    return {t.key: depth(t.key, frozenset()) for t in actual.tables}


def render_script(statements: list[Statement], dialect: Dialect, violations: Mapping[Precheck, int] | None = None) -> str:
    """The plan as a SQL script for a person to read or run (``psql -f``, ``sqlite3``), each
    statement with its hazards and, where ``violations`` has them, its pre-check counts."""
    if not statements:
        return "-- no changes: the database matches the spec\n"
    lines = [f"-- schema-auditor plan for {dialect.name}: {len(statements)} statement(s)"]
    if dialect.guarded_blocks:
        lines.append("-- every statement is idempotent: the script is safe to run twice")
    else:
        lines.append("-- ADD/DROP/RENAME COLUMN have no IF [NOT] EXISTS here: schema-auditor apply checks first")
    for st in statements:
        item = st.fixes
        target = f"{item.label}.{item.name}" if item.name else item.label
        note = f" [hazards: {', '.join(st.hazards)}]" if st.hazards else ""
        what = f"table {item.label}: rebuild" if st.rebuild else f"{item.kind} {target}"
        lines.append(f"\n-- {comment_text(what)}{note}")
        if st.own_transaction:
            lines.append("-- runs on its own, outside the main transaction")
        for check in st.prechecks:
            if violations is not None and check in violations:
                lines.append(f"-- precheck: {comment_text(check.describe(violations[check]))}")
        lines.append(st.sql if st.manual else f"{st.sql};")
    return "\n".join(lines) + "\n"
