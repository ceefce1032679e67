"""Builders for indexes: create, drop, and replace, CONCURRENTLY where the plan asks for it."""
from __future__ import annotations

from auditor.diff import DriftItem
from auditor.plan.hazard_table import hazards_of
from auditor.plan.model import Context, Precheck, Statement, drop_then_add
from auditor.plan.prechecks import duplicates_precheck
from auditor.plan.sql import drop_index_sql, index_comment_sql, index_sql


def _index_kind(ctx: Context, concurrently: str, plain: str, no_concurrent_form: str, empty: str | None = None) -> str:
    """The hazard table row of an index statement, as the plan runs it: CONCURRENTLY, plain on an
    engine that could have run it concurrently (``empty``, if given, on a table without rows), or
    on one that has no concurrent form."""
    if ctx.concurrent:
        return concurrently
    if not ctx.dialect.concurrent_indexes:
        return no_concurrent_form
    return empty if empty and not ctx.has_rows else plain


def missing_index(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE INDEX (CONCURRENTLY, on its own, when asked), counting duplicates for a unique one."""
    table, dialect = ctx.want, ctx.dialect
    assert table is not None and item.name is not None
    index = table.index(item.name)
    assert index is not None
    sql = index_sql(index, table, dialect)
    if ctx.concurrent:
        sql = sql.replace(" INDEX IF NOT EXISTS ", " INDEX CONCURRENTLY IF NOT EXISTS ", 1)
    hazards = hazards_of(_index_kind(ctx, "create_index_concurrently", "create_index",
                                     "create_index_no_concurrent_form", "create_index_on_empty_table"))
    prechecks: tuple[Precheck, ...] = ()
    if index.unique and ctx.has_rows:  # an empty table has no repeated values to fail it
        hazards += hazards_of("unique_index")
        prechecks = (duplicates_precheck(table, index.written, dialect, where=index.where),)
    made = Statement(sql, item, "create_indexes", hazards, prechecks=prechecks, own_transaction=ctx.concurrent)
    return [made, *index_comment(item, ctx)] if index.comment is not None else [made]


def index_comment(item: DriftItem, ctx: Context) -> list[Statement]:
    """COMMENT ON INDEX, as the spec has it."""
    table = ctx.want
    assert table is not None and item.name is not None
    index = table.index(item.name)
    assert index is not None
    return [Statement(index_comment_sql(table, index, ctx.dialect), item, "comments", hazards_of("comment"))]


def extra_index(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP INDEX (CONCURRENTLY, on its own, when asked)."""
    assert ctx.have is not None and item.name is not None
    sql = drop_index_sql(item.name, ctx.have, ctx.dialect)
    if ctx.concurrent:
        sql = sql.replace("DROP INDEX IF EXISTS", "DROP INDEX CONCURRENTLY IF EXISTS", 1)
    hazards = hazards_of(_index_kind(ctx, "drop_index_concurrently", "drop_index", "drop_index_no_concurrent_form"))
    return [Statement(sql, item, "drop_indexes", hazards, own_transaction=ctx.concurrent)]


def index_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """The index dropped and built again."""
    return drop_then_add(extra_index(item, ctx), missing_index(item, ctx))
