"""Builders for partitioning: a missing partition or inheritance child created from its parent,
a partition attached or detached, a child's parents changed. (A partition key cannot change in
place: that is a new table, and the plan says so.)"""
from __future__ import annotations

from auditor.diff import DriftItem
from auditor.dialects import Dialect
from auditor.model import Column, Table
from auditor.partitions import own_parts, parents_of
from auditor.plan.hazard_table import hazards_of
from auditor.plan.model import Context, Statement, manual
from auditor.plan.sql import (
    check_body, column_sql, default_sql, do_if, primary_key_body, qualified_sql, unique_body)


def bounds_sql(table: Table) -> str:
    """``DEFAULT`` or ``FOR VALUES ...``, as the spec or the server wrote the bounds."""
    assert table.for_values is not None
    text = table.for_values.text
    return "DEFAULT" if text.strip().upper() == "DEFAULT" else f"FOR VALUES {text}"


def _table_sql(key: str, dialect: Dialect) -> str:
    schema, _, name = key.rpartition(".")
    return dialect.qualified(schema or None, name)


def create_child_sql(table: Table, parents: list[Table], dialect: Dialect) -> str:
    """CREATE TABLE ... PARTITION OF (or INHERITS) with only what the parents do not give it."""
    own = own_parts(table, parents)
    inherited = {c.name: c for p in parents for c in p.columns}
    # A partition takes no columns of its own; one it has otherwise than its parent (a default of
    # its own) is said WITH OPTIONS. An inheritance child may declare a parent's column again.
    parts = [_with_options(c, inherited[c.name], dialect) if table.partition_of and c.name in inherited
             else _without_parent_default(column_sql(c, own, dialect), c, inherited.get(c.name))
             for c in own.columns]
    parts = [p for p in parts if p]
    if own.primary_key:
        parts.append(primary_key_body(own.primary_key, dialect))
    parts += [(f"CONSTRAINT {dialect.quote(u.name)} " if u.name else "") + unique_body(u, dialect)
              for u in own.unique_constraints]
    parts += [(f"CONSTRAINT {dialect.quote(c.name)} " if c.name else "") + check_body(c) for c in own.checks]
    body = "(\n  " + ",\n  ".join(parts) + "\n)" if parts else ""
    head = f"CREATE TABLE IF NOT EXISTS {qualified_sql(table, dialect)}"
    if table.partition_of:
        sql = f"{head} PARTITION OF {_table_sql(table.partition_of, dialect)}{' ' + body if body else ''} " \
              f"{bounds_sql(table)}"
    else:
        sql = f"{head} {body or '()'} INHERITS ({', '.join(_table_sql(p, dialect) for p in table.inherits)})"
    return sql + (f" PARTITION BY {table.partition_by.text}" if table.partition_by else "")


def _with_options(col: Column, parent: Column, dialect: Dialect) -> str:
    options = _without_parent_default("" if col.nullable else " NOT NULL", col, parent) + \
        (f" DEFAULT {default_sql(col.default, dialect)}" if col.default is not None else "")
    return f"{dialect.quote(col.name)} WITH OPTIONS{options}" if options else ""


def _without_parent_default(sql: str, col: Column, parent: Column | None) -> str:
    """A child column without a default, whose parent has one, says ``DEFAULT NULL``: a child
    created from its parent takes the parent's default otherwise (a partition made with LIKE and
    then attached has none). Postgres stores no default for a plain NULL."""
    return sql + " DEFAULT NULL" if parent and parent.default is not None and col.default is None else sql


def _is_parent(child: str, parent: str, dialect: Dialect) -> str:
    return (f"EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = {_regclass(child, dialect)} "
            f"AND inhparent = {_regclass(parent, dialect)})")


def _regclass(key: str, dialect: Dialect) -> str:
    return "'" + _table_sql(key, dialect).replace("'", "''") + "'::regclass"


def partition_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """ATTACH or DETACH PARTITION, INHERIT or NO INHERIT, each guarded by pg_inherits so that a
    second run changes nothing; a changed partition key is a manual step."""
    want, have, dialect = ctx.want, ctx.have, ctx.dialect
    assert want is not None and have is not None
    if item.name == "partition_by":
        return [manual(item, "alter_columns", f"{want.key}'s partition key cannot change in place: create a new "
                                               f"table PARTITION BY {_shown(want)}, move the rows, and swap the names")]
    if item.name == "inherits":
        return _inherits(item, want, have, dialect)
    out = []
    table = qualified_sql(want, dialect)
    if have.partition_of:
        detach = f"ALTER TABLE {_table_sql(have.partition_of, dialect)} DETACH PARTITION {table}"
        out.append(Statement(do_if(_is_parent(want.key, have.partition_of, dialect), [detach]), item,
                             "alter_columns", hazards_of("detach_partition")))
    if want.partition_of:
        attach = f"ALTER TABLE {_table_sql(want.partition_of, dialect)} ATTACH PARTITION {table} {bounds_sql(want)}"
        out.append(Statement(do_if(f"NOT {_is_parent(want.key, want.partition_of, dialect)}", [attach]), item,
                             "alter_columns", hazards_of("attach_partition")))
    return out


def _shown(table: Table) -> str:
    return table.partition_by.text if table.partition_by else "(none)"


def _inherits(item: DriftItem, want: Table, have: Table, dialect: Dialect) -> list[Statement]:
    table = qualified_sql(want, dialect)
    out = [Statement(do_if(_is_parent(want.key, parent, dialect),
                           [f"ALTER TABLE {table} NO INHERIT {_table_sql(parent, dialect)}"]),
                     item, "alter_columns", hazards_of("no_inherit"))
           for parent in have.inherits if parent not in want.inherits]
    out += [Statement(do_if(f"NOT {_is_parent(want.key, parent, dialect)}",
                            [f"ALTER TABLE {table} INHERIT {_table_sql(parent, dialect)}"]),
                      item, "alter_columns", hazards_of("inherit"))
            for parent in want.inherits if parent not in have.inherits]
    return out


def parents_in(table: Table, ctx: Context) -> list[Table] | None:
    """The expected parents of a child, or None where the spec lacks one of them."""
    tables = ctx.expected.table_map()
    parents = [tables.get(key) for key in parents_of(table)]
    return None if None in parents else parents  # type: ignore[return-value]
