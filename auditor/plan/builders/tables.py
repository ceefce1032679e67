"""Builders for whole tables: create (with its indexes, foreign keys and comments), drop, rename,
and comments."""
from __future__ import annotations

from dataclasses import replace

from auditor.diff import DriftItem
from auditor.dialects import Dialect
from auditor.model import Table
from auditor.plan.builders.constraints import add_foreign_key
from auditor.partitions import is_child, own_parts, partitions_of
from auditor.plan.builders.objects import create_schema
from auditor.plan.builders.partitions import create_child_sql, parents_in
from auditor.plan.builders.triggers import with_new_table
from auditor.plan.hazard_table import hazards_of
from auditor.plan.model import Context, Guard, Statement
from auditor.plan.rebuild import placeholder
from auditor.plan.sql import (
    column_comment_sql, create_table_sql, index_comment_sql, index_sql, qualified_sql, table_comment_sql)


def missing_table(item: DriftItem, ctx: Context) -> list[Statement]:
    """The table as the spec has it: schema, table, indexes, foreign keys (Postgres) and comments;
    and its partitions, which the differ reports with it."""
    assert ctx.want is not None
    out = _created(item, ctx.want, ctx)
    for partition in partitions_of(ctx.want, ctx.expected):  # parents first, by depth
        out += _created(item, partition, ctx)
    return out


def _created(item: DriftItem, table: Table, ctx: Context) -> list[Statement]:
    dialect = ctx.dialect
    out = create_schema(item, table.schema, dialect)
    parents = parents_in(table, ctx) if is_child(table) else None
    if parents is not None:  # made from its parents: only its own parts are added
        out.append(Statement(create_child_sql(table, parents, dialect), item, "create_tables",
                             hazards_of("create_partition")))
        own = own_parts(table, parents)
    else:
        sequences = frozenset(s.key for s in ctx.expected.sequences)
        out.append(Statement(create_table_sql(table, dialect, sequences=sequences), item, "create_tables",
                             hazards_of("create_table")))
        own = table
    out += [Statement(index_sql(i, table, dialect), item, "create_indexes", hazards_of("new_table_index"))
            for i in table.indexes]
    if dialect.alter_constraints:
        out += [add_foreign_key(item, table, fk, dialect) for fk in own.foreign_keys]
    return out + _comment_statements(item, table, dialect) + with_new_table(item, table, dialect)


def _comment_statements(item: DriftItem, table: Table, dialect: Dialect) -> list[Statement]:
    if not dialect.has_comments:
        return []
    out = []
    if table.comment is not None:
        out.append(Statement(table_comment_sql(table, table.comment, dialect), item, "comments", hazards_of("comment")))
    for col in table.columns:
        if col.comment is not None:
            out.append(Statement(column_comment_sql(table, col, dialect), item, "comments", hazards_of("comment")))
    out += [Statement(index_comment_sql(table, i, dialect), item, "comments", hazards_of("comment"))
            for i in table.indexes if i.comment is not None]
    return out


def extra_table(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP TABLE."""
    assert ctx.have is not None
    return [Statement(f"DROP TABLE IF EXISTS {qualified_sql(ctx.have, ctx.dialect)}", item,
                      "drop_tables", hazards_of("drop_table"))]


def renamed_table(item: DriftItem, ctx: Context) -> list[Statement]:
    """ALTER TABLE ... RENAME TO, guarded where the engine has no IF EXISTS form."""
    table, dialect = ctx.want, ctx.dialect
    assert table is not None and item.actual is not None
    old = replace(table, name=item.actual)
    hazards = hazards_of("rename_table")
    if dialect.guarded_blocks:
        sql = f"ALTER TABLE IF EXISTS {qualified_sql(old, dialect)} RENAME TO {dialect.quote(table.name)}"
        return [Statement(sql, item, "renames", hazards)]
    sql = f"ALTER TABLE {qualified_sql(old, dialect)} RENAME TO {dialect.quote(table.name)}"
    return [Statement(sql, item, "renames", hazards, guard=Guard(True, old.key))]


def comment(item: DriftItem, ctx: Context) -> list[Statement]:
    """COMMENT ON TABLE or COLUMN, as the spec has it."""
    table, dialect = ctx.want, ctx.dialect
    assert table is not None
    if item.name is None:
        sql = table_comment_sql(table, item.expected or "", dialect)
    else:
        col = table.column(item.name)
        assert col is not None
        sql = column_comment_sql(table, col, dialect)
    return [Statement(sql, item, "comments", hazards_of("comment"))]


def table_kind(item: DriftItem, ctx: Context) -> list[Statement]:
    """A SQLite table made (or no longer) STRICT or WITHOUT ROWID: only a rebuild can."""
    return placeholder(item, hazards_of("change_table_kind"))
