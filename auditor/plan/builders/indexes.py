"""Builders for indexes: create, drop, and replace, CONCURRENTLY where the plan asks for it."""
from __future__ import annotations

from auditor.diff import DriftItem
from auditor.hazards import ACQUIRES_ACCESS_EXCLUSIVE_LOCK, ACQUIRES_SHARE_LOCK, INDEX_BUILD, INDEX_DROPPED, \
    MAY_FAIL_ON_EXISTING_DATA
from auditor.plan.model import Context, Precheck, Statement, with_hazards
from auditor.plan.prechecks import duplicates_precheck
from auditor.plan.sql import drop_index_sql, index_sql


def missing_index(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE INDEX (CONCURRENTLY, on its own, when asked), counting duplicates for a unique one."""
    table, dialect = ctx.want, ctx.dialect
    assert table is not None and item.name is not None
    index = table.index(item.name)
    assert index is not None
    sql = index_sql(index, table, dialect)
    hazards: tuple[str, ...] = (INDEX_BUILD,)
    if ctx.concurrent:
        sql = sql.replace(" INDEX IF NOT EXISTS ", " INDEX CONCURRENTLY IF NOT EXISTS ", 1)
    elif dialect.concurrent_indexes:
        hazards = (ACQUIRES_SHARE_LOCK, INDEX_BUILD)  # writes wait until the build ends
    prechecks: tuple[Precheck, ...] = ()
    if index.unique:
        hazards += (MAY_FAIL_ON_EXISTING_DATA,)
        prechecks = (duplicates_precheck(table, index.columns, dialect, where=index.where),)
    return [Statement(sql, item, "create_indexes", hazards, prechecks=prechecks, own_transaction=ctx.concurrent)]


def extra_index(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP INDEX (CONCURRENTLY, on its own, when asked)."""
    assert ctx.have is not None and item.name is not None
    sql = drop_index_sql(item.name, ctx.have, ctx.dialect)
    hazards: tuple[str, ...] = (INDEX_DROPPED,)
    if ctx.concurrent:
        sql = sql.replace("DROP INDEX IF EXISTS", "DROP INDEX CONCURRENTLY IF EXISTS", 1)
    elif ctx.dialect.concurrent_indexes:
        hazards += (ACQUIRES_ACCESS_EXCLUSIVE_LOCK,)
    return [Statement(sql, item, "drop_indexes", hazards, own_transaction=ctx.concurrent)]


def index_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """The index dropped and built again."""
    drop = extra_index(item, ctx)
    return drop + [with_hazards(s, *drop[0].hazards) for s in missing_index(item, ctx)]
