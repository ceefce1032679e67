"""The order of a plan: statements sorted by phase (tables dropped referencing ones first), each
SQL once."""
from __future__ import annotations

from collections import defaultdict

from auditor.model import Schema
from auditor.plan.model import PHASES, Statement

_RANK = {phase: i for i, phase in enumerate(PHASES)}


def in_phase_order(statements: list[Statement], actual: Schema) -> list[Statement]:
    """``statements`` in phase order, each SQL once (manual notes all kept). Within a phase, drift
    order, except that a table referencing another (in ``actual``) drops before it."""
    drops = drop_order(actual) if any(s.phase == "drop_tables" for s in statements) else {}
    # Stable sort: drift order within a phase, except that tables drop referencing ones first.
    ordered = sorted(statements, key=lambda s: (_RANK[s.phase], drops.get(s.fixes.table_key, 0)
                                                if s.phase == "drop_tables" else 0))
    seen: set[str] = set()  # e.g. two new tables in one new schema: CREATE SCHEMA once
    return [s for s in ordered if s.manual or not (s.sql in seen or seen.add(s.sql))]  # type: ignore[func-returns-value]


def drop_order(actual: Schema) -> dict[str, int]:
    """Table key -> rank such that a table referencing another drops before it (cycles: any).

    A table's rank is one more than the highest rank of the tables referencing it, found by one
    depth-first walk without recursion: real schemas chain foreign keys thousands of tables deep."""
    referenced_by: dict[str, set[str]] = defaultdict(set)
    for table in actual.tables:
        for fk in table.foreign_keys:
            if fk.ref_table != table.key:
                referenced_by[fk.ref_table].add(table.key)
    rank: dict[str, int] = {}
    for root in (t.key for t in actual.tables if t.key not in rank):
        stack, on_path = [(root, iter(sorted(referenced_by[root])))], {root}
        while stack:
            key, children = stack[-1]
            child = next((c for c in children if c not in on_path), None)  # on the path: a cycle
            if child is None:
                stack.pop()
                on_path.discard(key)
                rank[key] = 1 + max((rank.get(r, -1) for r in referenced_by[key] if r not in on_path), default=-1)
            elif child not in rank:
                stack.append((child, iter(sorted(referenced_by[child]))))
                on_path.add(child)
    return rank
