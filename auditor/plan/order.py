"""The order of a plan: statements sorted by phase (tables dropped referencing ones first), each
SQL once."""
from __future__ import annotations

from collections import defaultdict

from auditor.model import Schema
from auditor.partitions import is_child, parents_of
from auditor.plan.model import PHASES, Statement

_RANK = {phase: i for i, phase in enumerate(PHASES)}


def in_phase_order(statements: list[Statement], actual: Schema, expected: Schema | None = None) -> list[Statement]:
    """``statements`` in phase order, each SQL once (manual notes all kept). Within a phase, drift
    order, except that a table referencing another (in ``actual``) drops before it, and a parent
    (in ``expected``) is created before its partitions and children."""
    drops = drop_order(actual) if any(s.phase == "drop_tables" for s in statements) else {}
    creates = create_order(expected) if expected is not None and any(map(is_child, expected.tables)) else {}
    views = view_order(expected) if expected is not None and any(s.phase == "create_views" for s in statements) else {}
    after_views = 1 + max(views.values(), default=0)

    def rank(s: Statement) -> int:
        if s.phase == "drop_tables":
            return drops.get(s.fixes.table_key, 0)
        if s.phase == "create_views":  # a function bound to a view comes once every view is there
            return views.get(s.fixes.table_key, after_views)
        return creates.get(s.fixes.table_key, 0) if s.phase == "create_tables" else 0

    # Stable sort: drift order within a phase, but for those two orders.
    ordered = sorted(statements, key=lambda s: (_RANK[s.phase], rank(s)))
    seen: set[str] = set()  # e.g. two new tables in one new schema: CREATE SCHEMA once
    return [s for s in ordered if s.manual or not (s.sql in seen or seen.add(s.sql))]  # type: ignore[func-returns-value]


def relations_read(canon: str) -> set[str]:
    """The relations (``name`` and ``schema.name``, unqualified ones taken as in ``public``) a
    canonical query or body names; none where the canonical form is not a parse tree."""
    from auditor.dialects.pgfunctions import dict_nodes

    found: set[str] = set()
    for node in dict_nodes(canon):
        var = node.get("RangeVar", node)  # an INSERT's, UPDATE's or DELETE's own relation is bare
        if isinstance(var, dict) and "relname" in var:
            found.update({var["relname"], f"{var.get('schemaname', 'public')}.{var['relname']}"})
    return found


def view_order(expected: Schema) -> dict[str, int]:
    """View key -> its depth over the views it selects from (0: it reads none), so that a view is
    created after them (Postgres binds a view's query when it is created; cycles: any order)."""
    keys = {v.key for v in expected.views}
    reads = {v.key: sorted(r for r in relations_read(v.definition.canon) if r in keys and r != v.key)
             for v in expected.views}
    depth: dict[str, int] = {}
    for root in (key for key in reads if key not in depth):
        stack, on_path = [root], {root}
        while stack:  # depth first without recursion, as drop_order
            key = stack[-1]
            pending = [r for r in reads[key] if r not in depth and r not in on_path]
            if pending:
                stack.append(pending[0])
                on_path.add(pending[0])
                continue
            stack.pop()
            on_path.discard(key)
            depth[key] = 1 + max((depth[r] for r in reads[key] if r in depth), default=-1)
    return depth


def create_order(expected: Schema) -> dict[str, int]:
    """Table key -> its depth below the parents it is created from (0 for a plain table)."""
    tables = expected.table_map()
    depth: dict[str, int] = {}
    for key in tables:
        chain, seen = key, {key}
        while (parents := [p for p in parents_of(tables[chain]) if p in tables and p not in seen]):
            chain = parents[0]
            seen.add(chain)
        depth[key] = len(seen) - 1
    return depth


def drop_order(actual: Schema) -> dict[str, int]:
    """Table key -> rank such that a table referencing another drops before it (cycles: any).

    A table's rank is one more than the highest rank of the tables referencing it, found by one
    depth-first walk without recursion: real schemas chain foreign keys thousands of tables deep."""
    referenced_by: dict[str, set[str]] = defaultdict(set)
    for table in actual.tables:
        for fk in table.foreign_keys:
            if fk.ref_table != table.key:
                referenced_by[fk.ref_table].add(table.key)
        for parent in parents_of(table):  # a child drops before its parent, as a referencing table
            referenced_by[parent].add(table.key)
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
