"""Partitions and inheritance children, as their parents make them.

Postgres builds a partition (``CREATE TABLE child PARTITION OF parent``) from its parent: the same
columns (with their defaults, NOT NULL and generation expressions, but neither identity nor
comments), and clones of the parent's primary key, unique constraints, foreign keys and checks;
the parent's indexes get attached copies, which this model keeps on the parent only. An
inheritance child (``INHERITS (parent)``) takes the columns and the checks (not ``NO INHERIT``
ones), not the keys. A spec lists a child with what it adds (``partition_of`` and
``for_values``, its own indexes, columns or checks), and ``with_parents_parts`` fills in the
rest, so that one parent describes hundreds of children. Children that someone else creates on
a schedule match one of the parent's ``partitions`` patterns and are expected the same way
(``with_rolling_children``), with the bounds they have.
"""
from __future__ import annotations

from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Callable, Hashable, Iterable, TypeVar

from auditor.model import Column, Schema, Table

T = TypeVar("T")


def parents_of(table: Table) -> tuple[str, ...]:
    """The keys of the tables ``table`` is a partition or an inheritance child of."""
    return ((table.partition_of,) if table.partition_of else ()) + table.inherits


def is_child(table: Table) -> bool:
    """Whether the table is built from a parent (a partition or an inheritance child)."""
    return bool(table.partition_of or table.inherits)


def with_parents_parts(schema: Schema) -> Schema:
    """The schema with each child completed from its parents (parents first, so that a
    sub-partition takes what its partition took from the table above)."""
    if not any(map(is_child, schema.tables)):
        return schema
    done: dict[str, Table] = {t.key: t for t in schema.tables if not is_child(t)}
    pending = [t for t in schema.tables if is_child(t)]
    while pending:
        ready = [t for t in pending if all(p in done or p not in _keys(schema) for p in parents_of(t))]
        if not ready:  # a cycle: a spec error the engine will report; leave the rest as written
            done.update((t.key, t) for t in pending)
            break
        for child in ready:
            done[child.key] = built_child(child, [done[p] for p in parents_of(child) if p in done])
        pending = [t for t in pending if t.key not in done]
    return schema.with_tables(tuple(done[t.key] for t in schema.tables))


def _keys(schema: Schema) -> set[str]:
    return {t.key for t in schema.tables}


def built_child(child: Table, parents: list[Table]) -> Table:
    """``child`` with what its parents give it: their columns (the child's own override by name
    and come after), checks, and for a partition the keys and foreign keys too."""
    columns: dict[str, Column] = {}
    for parent in parents:
        columns.update((c.name, replace(c, identity=None, comment=None)) for c in parent.columns
                       if c.name not in columns)
    columns.update((c.name, c) for c in child.columns)
    inherited_checks = [c for p in parents for c in p.checks if not c.no_inherit]
    partition_parent = parents[0] if child.partition_of and parents else None
    if partition_parent is None:
        return replace(child, columns=tuple(columns.values()),
                       checks=_union(inherited_checks, child.checks, lambda c: c.shape))
    return replace(
        child,
        columns=tuple(columns.values()),
        primary_key=child.primary_key or partition_parent.primary_key,
        unique_constraints=_union(partition_parent.unique_constraints, child.unique_constraints, lambda u: u.shape),
        foreign_keys=_union(partition_parent.foreign_keys, child.foreign_keys, lambda fk: fk.shape),
        checks=_union(inherited_checks, child.checks, lambda c: c.shape),
    )


def _union(inherited: Iterable[T], own: Iterable[T], shape: Callable[[T], Hashable]) -> tuple[T, ...]:
    """The parts of both, one per shape (the child's own where both have it)."""
    out = {shape(x): x for x in inherited}
    out.update((shape(x), x) for x in own)
    return tuple(out.values())


def own_parts(child: Table, parents: list[Table]) -> Table:
    """What ``child`` has beyond what its parents give it: the parts a CREATE TABLE ... PARTITION
    OF (or INHERITS) must still add."""
    given = built_child(replace(child, columns=(), checks=(), unique_constraints=(), foreign_keys=(),
                                primary_key=None), parents)
    inherited_columns = {c.name: c for c in given.columns}
    return replace(
        child,
        columns=tuple(c for c in child.columns if inherited_columns.get(c.name) != c),
        primary_key=None if _key_shape(child) == _key_shape(given) else child.primary_key,
        unique_constraints=_without(child.unique_constraints, given.unique_constraints, lambda u: u.shape),
        foreign_keys=_without(child.foreign_keys, given.foreign_keys, lambda fk: fk.shape),
        checks=_without(child.checks, given.checks, lambda c: c.shape),
    )


def _key_shape(table: Table) -> object:
    return table.primary_key.shape if table.primary_key else None


def _without(parts: tuple[T, ...], given: tuple[T, ...], shape: Callable[[T], Hashable]) -> tuple[T, ...]:
    shapes = {shape(g) for g in given}
    return tuple(p for p in parts if shape(p) not in shapes)


def partitions_of(parent: Table, schema: Schema) -> list[Table]:
    """The partitions of ``parent`` in ``schema``, and theirs, each after its own parent."""
    if not parent.partition_by:
        return []
    out: list[Table] = []
    level = {parent.key}
    while level:
        children = [t for t in schema.tables if t.partition_of in level]
        out += children
        level = {t.key for t in children} - level
    return out


def matches_pattern(parent: Table, child_key: str) -> bool:
    """Whether a live child is one the parent's ``partitions`` patterns expect: a pattern with a
    schema matches ``schema.name``, one without matches a name in the parent's schema."""
    schema, _, name = child_key.rpartition(".")
    return any(fnmatchcase(child_key, p) if "." in p else (schema == (parent.schema or "") and fnmatchcase(name, p))
               for p in parent.partitions)


def with_rolling_children(expected: Schema, actual: Schema) -> Schema:
    """``expected`` plus the live children it expects by pattern and does not list, each built
    from its parent with the bounds and partition key it has (rolling partitions are created on a
    schedule; what they hold is the parent's business, where their bounds fall is not)."""
    tables = expected.table_map()
    if not any(t.partitions for t in tables.values()):
        return expected
    added = True
    while added:  # a rolling child partitioned again expects its own children by the same patterns
        added = False
        for live in actual.tables:
            parent = next((tables[p] for p in parents_of(live) if p in tables and tables[p].partitions), None)
            if live.key in tables or parent is None or not matches_pattern(parent, live.key):
                continue
            # Its own indexes and triggers (a pg_partman template's, say) are taken as they are;
            # the parent's attached ones (and trigger clones) are the parent's.
            shell = Table(live.name, live.schema, partition_of=live.partition_of, for_values=live.for_values,
                          inherits=live.inherits, partition_by=live.partition_by, indexes=live.indexes,
                          partitions=parent.partitions, triggers=live.triggers)
            tables[live.key] = built_child(shell, [tables[p] for p in parents_of(live) if p in tables])
            added = True
    return expected.with_tables(tuple(tables.values()))
