"""Builders for columns: add, drop, rename, and every ALTER COLUMN change (type, nullability,
default, identity, generation, collation)."""
from __future__ import annotations

import re
from typing import Callable

from auditor.canon import default_sql, render_type, tokenize
from auditor.diff import DriftItem
from auditor.dialects.pgnarrowing import narrowing
from auditor.model import Column, Table
from auditor.plan.builders.objects import create_view, drop_view
from auditor.plan.hazard_table import hazards_of
from auditor.plan.model import Context, Guard, Precheck, Statement, manual, with_hazards
from auditor.plan.prechecks import narrowing_precheck, nulls_precheck, rows_precheck
from auditor.plan.rebuild import placeholder
from auditor.plan.sql import attribute_exists, column_comment_sql, column_sql, do_if, literal, qualified_sql

# A value SQLite cannot take in ADD COLUMN ... DEFAULT: the time functions.
_NON_CONSTANT_DEFAULTS = ("current_timestamp", "current_date", "current_time")

# Function calls in a default that Postgres must evaluate once per row, rewriting the table.
_VOLATILE = re.compile(r"\b(random|gen_random_uuid|uuid_generate_v[14]|clock_timestamp|timeofday|nextval)\s*\(", re.I)


def missing_column(item: DriftItem, ctx: Context) -> list[Statement]:
    """ADD COLUMN (guarded where the engine has no IF NOT EXISTS), or a rebuild where SQLite cannot."""
    table, dialect = ctx.want, ctx.dialect
    assert table is not None and item.name is not None
    col = table.column(item.name)
    assert col is not None
    # NOT NULL without a default fails on a table that has rows.
    must_fill = not col.nullable and col.default is None and not col.identity and not col.generated
    prechecks = (rows_precheck(table, col.name, dialect),) if must_fill else ()
    hazards = hazards_of("add_column_not_null" if must_fill else "add_column")
    if dialect.add_column_needs_constant_default and (
            must_fill or col.identity or col.generated or (col.default is not None and (
                col.default.text.lower() in _NON_CONSTANT_DEFAULTS or default_sql(col.default, dialect).startswith("(")))):
        return placeholder(item, hazards, prechecks)
    if col.identity or col.generated or (col.default and _VOLATILE.search(col.default.text)):
        hazards += hazards_of("add_column_volatile")  # every row gets its own value
    if_not_exists = "IF NOT EXISTS " if dialect.add_column_if_not_exists else ""
    guard = None if if_not_exists else Guard(False, table.key, col.name)
    definition = column_sql(col, table, dialect, frozenset(s.key for s in ctx.expected.sequences))
    sql = f"ALTER TABLE {qualified_sql(table, dialect)} ADD COLUMN {if_not_exists}{definition}"
    out = [Statement(sql, item, "add_columns", hazards, guard=guard, prechecks=prechecks)]
    if col.comment is not None and dialect.has_comments:
        out.append(Statement(column_comment_sql(table, col, dialect), item, "comments", hazards_of("comment")))
    return out


def extra_column(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP COLUMN (guarded where the engine has no IF EXISTS), or a rebuild where SQLite cannot."""
    table, dialect = ctx.have, ctx.dialect
    assert table is not None and item.name is not None
    hazards = hazards_of("drop_column")
    if not dialect.drop_constrained_column and item.name in _constrained_columns(table):
        return placeholder(item, hazards)
    if_exists = "IF EXISTS " if dialect.drop_column_if_exists else ""
    guard = None if if_exists else Guard(True, table.key, item.name)
    sql = f"ALTER TABLE {qualified_sql(table, dialect)} DROP COLUMN {if_exists}{dialect.quote(item.name)}"
    return [Statement(sql, item, "drop_columns", hazards, guard=guard)]


def _constrained_columns(table: Table) -> set[str]:
    """Columns named by the table's primary key, unique constraints, indexes or foreign keys."""
    groups = [table.primary_key.columns if table.primary_key else ()]
    groups += [u.columns for u in table.unique_constraints] + [i.columns for i in table.indexes]
    groups += [fk.columns for fk in table.foreign_keys]
    return {col for group in groups for col in group}


def renamed_column(item: DriftItem, ctx: Context) -> list[Statement]:
    """RENAME COLUMN, only while the old name is there (a DO block, or a guard)."""
    table, dialect = ctx.want, ctx.dialect
    assert table is not None and item.name is not None and item.actual is not None
    sql = (f"ALTER TABLE {qualified_sql(table, dialect)} RENAME COLUMN {dialect.quote(item.actual)} "
           f"TO {dialect.quote(item.name)}")
    hazards = hazards_of("rename_column")
    if not dialect.guarded_blocks:
        return [Statement(sql, item, "renames", hazards, guard=Guard(True, table.key, item.actual))]
    condition = attribute_exists(table, item.actual, "NOT attisdropped", dialect)
    return [Statement(do_if(condition, [sql]), item, "renames", hazards)]


# (ALTER COLUMN clauses, hazards, pre-checks) for one column change; no clauses: not possible in place.
_Change = tuple[list[str], tuple[str, ...], tuple[Precheck, ...]]
_Clauses = Callable[[Column, Column, Context], _Change]


def _columns(item: DriftItem, ctx: Context) -> tuple[Table, Column, Column]:
    """The item's table as the spec has it, and its column on each side."""
    want, have = ctx.want, ctx.have
    assert want is not None and have is not None and item.name is not None
    col, live = want.column(item.name), have.column(item.name)
    assert col is not None and live is not None
    return want, col, live


def alter_column(clauses_for: _Clauses) -> Callable[[DriftItem, Context], list[Statement]]:
    """A builder for ALTER COLUMN changes; ``clauses_for`` gives the clauses, hazards and pre-checks."""

    def build(item: DriftItem, ctx: Context) -> list[Statement]:
        dialect = ctx.dialect
        want, col, live = _columns(item, ctx)
        clauses, hazards, prechecks = clauses_for(col, live, ctx)
        if not dialect.alter_column:
            return placeholder(item, hazards, prechecks)
        if not clauses:
            return [manual(item, "alter_columns", f"Postgres cannot change this in place: {item.message}")]
        target = f"ALTER COLUMN {dialect.quote(col.name)}"
        sql = f"ALTER TABLE {qualified_sql(want, dialect)} " + ", ".join(f"{target} {c}" for c in clauses)
        out = [Statement(sql, item, "alter_columns", hazards, prechecks=prechecks)]
        if item.kind in ("type_mismatch", "collation_mismatch"):
            out += [with_hazards(s, *hazards) for s in _rebuild_views_reading(item, ctx, want, col)]
        return out

    return build


def _rebuild_views_reading(item: DriftItem, ctx: Context, table: Table, col: Column) -> list[Statement]:
    """Postgres refuses to change the type of a column a view reads: drop such views first and
    create them again (as the spec has them) afterwards, with the change."""
    out = []
    for view in ctx.actual.views:
        words = {t.text[1:-1].replace('""', '"') if t.kind == "qid" else t.text
                 for t in tokenize(view.definition.text, ctx.dialect)}
        if table.name in words and col.name in words:
            out += drop_view(item, view, ctx.dialect)
            wanted = next((v for v in ctx.expected.views if v.key == view.key), None)
            out += [create_view(item, wanted, ctx.dialect)] if wanted else []
    return out


_VARCHAR = re.compile(r"varchar(?:\((\d+)\))?$")


def _widens(old: str, new: str) -> bool:
    """True for the type changes Postgres makes without a scan: a longer (or unlimited) varchar."""
    before, after = _VARCHAR.match(old), _VARCHAR.match(new)
    if before is None or not (after or new == "text"):
        return False
    if new == "text" or not after.group(1):  # type: ignore[union-attr]
        return True
    return bool(before.group(1)) and int(after.group(1)) >= int(before.group(1))  # type: ignore[union-attr]


def type_clauses(col: Column, live: Column, ctx: Context) -> _Change:
    """TYPE ... USING, with the default taken off and put back around it."""
    spelled = render_type(col.type, ctx.dialect)
    collate = f" COLLATE {ctx.dialect.quote_collation(col.collation)}" if col.collation else ""
    change = f"TYPE {spelled}{collate} USING {ctx.dialect.quote(col.name)}::{spelled}"
    hazards = hazards_of("widening_type_change" if _widens(live.type, col.type) and not collate else "type_change")
    # Postgres casts each value (USING col::type); a SQLite rebuild copies values as they are.
    loss = narrowing(live.type, col.type) if ctx.dialect.alter_column else None
    prechecks: tuple[Precheck, ...] = ()
    if loss is not None:  # values may change (rounded, cut) or fail: never without the flag, and counted
        hazards += hazards_of("lossy_type_change")
        assert ctx.want is not None
        if loss.changed is not None:
            prechecks = (narrowing_precheck(ctx.want, col.name, (live.type, col.type), loss, ctx.dialect),)
    if live.default is None:
        return [change], hazards, prechecks
    # The old default may not cast to the new type: take it off, change, put the spec's one on.
    restore = [f"SET DEFAULT {col.default.text}"] if col.default is not None else []
    return ["DROP DEFAULT", change, *restore], hazards, prechecks


def nullable_clauses(col: Column, live: Column, ctx: Context) -> _Change:
    """SET NOT NULL (counting NULLs first) or DROP NOT NULL."""
    assert ctx.want is not None
    if not col.nullable:
        return ["SET NOT NULL"], hazards_of("set_not_null"), (nulls_precheck(ctx.want, col.name, ctx.dialect),)
    # A column leaving the primary key keeps NOT NULL until the key is dropped, so this waits
    # for (and is held back with) the key change.
    leaving_key = ("primary_key_mismatch", None) in ctx.pending and ctx.have is not None and \
        ctx.have.primary_key is not None and col.name in ctx.have.primary_key.columns
    return ["DROP NOT NULL"], hazards_of("drop_not_null_leaving_key" if leaving_key else "drop_not_null"), ()


def default_clauses(col: Column, live: Column, ctx: Context) -> _Change:
    """SET DEFAULT or DROP DEFAULT."""
    # A new default may only fit the new type: with a type change pending, it waits for it.
    waits_for_type = ("type_mismatch", col.name) in ctx.pending
    clauses = ["DROP DEFAULT"] if col.default is None else [f"SET DEFAULT {col.default.text}"]
    return clauses, hazards_of("set_default_with_type_change" if waits_for_type else "set_default"), ()


def identity(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP IDENTITY, SET GENERATED, or ADD ... AS IDENTITY with its sequence past the rows' values."""
    dialect = ctx.dialect
    want, col, live = _columns(item, ctx)
    if not dialect.alter_column:
        return placeholder(item)
    table, column = qualified_sql(want, dialect), dialect.quote(col.name)
    if col.identity is None:
        return [Statement(f"ALTER TABLE {table} ALTER COLUMN {column} DROP IDENTITY IF EXISTS", item,
                          "alter_columns", hazards_of("drop_identity"))]
    if live.identity is not None:
        return [Statement(f"ALTER TABLE {table} ALTER COLUMN {column} SET GENERATED {col.identity.upper()}",
                          item, "alter_columns", hazards_of("change_identity"))]
    if live.default is not None:
        return [manual(item, "alter_columns", f"{item.label}.{col.name} has a default; drop it before it "
                                              "can become an identity column")]
    # ADD ... AS IDENTITY has no IF NOT EXISTS; and its sequence must start past the rows' values.
    condition = "NOT " + attribute_exists(want, col.name, "attidentity <> ''", dialect)
    steps = [f"ALTER TABLE {table} ALTER COLUMN {column} ADD GENERATED {col.identity.upper()} AS IDENTITY",
             f"PERFORM setval(pg_get_serial_sequence({literal(table)}, {literal(col.name)}), max({column}))"
             f" FROM {table} HAVING max({column}) IS NOT NULL"]
    return [Statement(do_if(condition, steps), item, "alter_columns", hazards_of("add_identity"))]


def generated_clauses(col: Column, live: Column, ctx: Context) -> _Change:
    """DROP EXPRESSION; a new expression cannot be made in place."""
    # Postgres can only stop generating a column (DROP EXPRESSION), not change what it computes.
    if col.generated is None:
        return ["DROP EXPRESSION IF EXISTS"], hazards_of("drop_expression"), ()
    return [], hazards_of("change_generated_expression"), ()


def collation_clauses(col: Column, live: Column, ctx: Context) -> _Change:
    """TYPE ... COLLATE; with a type change pending, that change carries the collation."""
    hazards = hazards_of("collation_change")
    if ("type_mismatch", col.name) in ctx.pending:
        return [], hazards, ()  # the type change carries the collation
    spelled = render_type(col.type, ctx.dialect)
    collate = ctx.dialect.quote_collation(col.collation) if col.collation else '"default"'
    return [f"TYPE {spelled} COLLATE {collate}"], hazards, ()
