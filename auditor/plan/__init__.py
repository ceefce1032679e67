"""The planner: drift items -> an ordered list of idempotent DDL statements.

Every statement says which drift item it fixes, its hazards (see ``auditor.hazards``), the rows
that would make it fail (a pre-check query), and, where the engine has no ``IF [NOT] EXISTS`` form,
a guard that ``apply`` checks against the live schema right before running it. What SQLite cannot
alter in place is planned as one table rebuild; what no engine can do in place is planned as a
``manual`` statement: a comment saying why, never executed.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Callable, Iterable, Mapping

from auditor.canon import render_type, tokenize
from auditor.diff import DriftItem, check_name, fk_name, resolve_renames, unique_name
from auditor.dialects import Dialect
from auditor.hazards import (
    ACQUIRES_ACCESS_EXCLUSIVE_LOCK, ACQUIRES_SHARE_LOCK, BACKWARD_INCOMPATIBLE, DELETES_DATA, INDEX_BUILD,
    INDEX_DROPPED, MAY_FAIL_ON_EXISTING_DATA, TABLE_REWRITE)
from auditor.model import CheckConstraint, Column, Enum, ForeignKey, Schema, Sequence, Table, UniqueConstraint, View
from auditor.plan.model import PHASES, Guard, Precheck, Statement
from auditor.plan.model import Context as _Context
from auditor.plan.model import manual as _manual
from auditor.plan.model import with_hazards as _with
from auditor.plan.prechecks import check_precheck as _check_precheck
from auditor.plan.prechecks import duplicates_precheck as _duplicates_precheck
from auditor.plan.prechecks import foreign_key_precheck as _foreign_key_precheck
from auditor.plan.prechecks import nulls_precheck as _nulls_precheck
from auditor.plan.prechecks import rows_precheck as _rows_precheck
from auditor.plan.sql import add_constraint as _add_constraint
from auditor.plan.sql import column_comment_sql as _column_comment_sql
from auditor.plan.sql import column_sql, comment_text
from auditor.plan.sql import create_table_sql as _create_table_sql
from auditor.plan.sql import do_block as _do_block
from auditor.plan.sql import do_if as _do_if
from auditor.plan.sql import drop_constraint as _drop_constraint
from auditor.plan.sql import drop_index_sql as _drop_index_sql
from auditor.plan.sql import index_sql as _index_sql
from auditor.plan.sql import is_rowid_alias as _is_rowid_alias
from auditor.plan.sql import literal as _literal
from auditor.plan.sql import qualified_sql as _object_sql
from auditor.plan.sql import qualified_sql as _table_sql
from auditor.plan.sql import references_sql as _references_sql
from auditor.plan.sql import unique_body as _unique_body
from auditor.rebuild import Rebuild

__all__ = ["PHASES", "Guard", "Precheck", "Statement", "column_sql", "comment_text", "plan_changes", "render_script"]

# A value SQLite cannot take in ADD COLUMN ... DEFAULT: the time functions.
_NON_CONSTANT_DEFAULTS = ("current_timestamp", "current_date", "current_time")


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
        ctx = _Context(expected, renamed, want.get(item.table_key), have.get(item.table_key), dialect,
                       frozenset(pending[item.table_key]), concurrent_indexes and dialect.concurrent_indexes)
        statements.extend(_BUILDERS[item.kind](item, ctx))
    statements = _rebuild_tables(statements, items, want, have, dialect)
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


# Placeholder of a change SQLite cannot make in place: _rebuild_tables swaps every statement of
# such a table for one rebuild.
_REBUILD = "SQLite cannot alter this in place; it needs a table rebuild"


def _needs_rebuild(statement: Statement) -> bool:
    return statement.manual and statement.phase == "rebuild_tables"  # only placeholders are both


# ---------------------------------------------------------------------------------------------
# Tables


def _comment_statements(item: DriftItem, table: Table, dialect: Dialect) -> list[Statement]:
    if not dialect.has_comments:
        return []
    out = []
    if table.comment is not None:
        out.append(Statement(f"COMMENT ON TABLE {_table_sql(table, dialect)} IS {_literal(table.comment)}",
                             item, "comments"))
    for col in table.columns:
        if col.comment is not None:
            out.append(Statement(_column_comment_sql(table, col, dialect), item, "comments"))
    return out


def _create_schema(item: DriftItem, schema: str | None, dialect: Dialect) -> list[Statement]:
    """CREATE SCHEMA for an object in a namespace that may not exist yet (plan keeps one of each)."""
    if not schema or schema == dialect.default_schema or not dialect.has_schemas:
        return []
    return [Statement(f"CREATE SCHEMA IF NOT EXISTS {dialect.quote(schema)}", item, "create_types")]


def _missing_table(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.want, ctx.dialect
    assert table is not None
    out = _create_schema(item, table.schema, dialect)
    out.append(Statement(_create_table_sql(table, dialect), item, "create_tables"))
    out += [Statement(_index_sql(i, table, dialect), item, "create_indexes") for i in table.indexes]
    if dialect.alter_constraints:
        out += [_add_fk_statement(item, table, fk, dialect) for fk in table.foreign_keys]
    return out + _comment_statements(item, table, dialect)


def _extra_table(item: DriftItem, ctx: _Context) -> list[Statement]:
    assert ctx.have is not None
    return [Statement(f"DROP TABLE IF EXISTS {_table_sql(ctx.have, ctx.dialect)}", item,
                      "drop_tables", hazards=(DELETES_DATA, BACKWARD_INCOMPATIBLE))]


def _renamed_table(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.want, ctx.dialect
    assert table is not None and item.actual is not None
    old = replace(table, name=item.actual)
    hazards = (BACKWARD_INCOMPATIBLE,)
    if dialect.guarded_blocks:
        sql = f"ALTER TABLE IF EXISTS {_table_sql(old, dialect)} RENAME TO {dialect.quote(table.name)}"
        return [Statement(sql, item, "renames", hazards)]
    sql = f"ALTER TABLE {_table_sql(old, dialect)} RENAME TO {dialect.quote(table.name)}"
    return [Statement(sql, item, "renames", hazards, guard=Guard(True, old.key))]


def _rebuild_placeholder(item: DriftItem, hazards: tuple[str, ...] = (),
                         prechecks: tuple[Precheck, ...] = ()) -> list[Statement]:
    """What SQLite cannot do in place: a placeholder, carrying the hazards the rebuild takes on."""
    return [Statement(f"-- manual: {_REBUILD}", item, "rebuild_tables", hazards, manual=True, prechecks=prechecks)]


# ---------------------------------------------------------------------------------------------
# Columns

# Function calls in a default that Postgres must evaluate once per row, rewriting the table.
_VOLATILE = re.compile(r"\b(random|gen_random_uuid|uuid_generate_v[14]|clock_timestamp|timeofday|nextval)\s*\(", re.I)


def _missing_column(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.want, ctx.dialect
    assert table is not None and item.name is not None
    col = table.column(item.name)
    assert col is not None
    # NOT NULL without a default fails on a table that has rows.
    must_fill = not col.nullable and col.default is None and not col.identity and not col.generated
    prechecks = (_rows_precheck(table, col.name, dialect),) if must_fill else ()
    hazards = (MAY_FAIL_ON_EXISTING_DATA,) if must_fill else ()
    if dialect.add_column_needs_constant_default and (
            must_fill or col.identity or col.generated or (col.default is not None and (
                col.default.text.lower() in _NON_CONSTANT_DEFAULTS or col.default.text.startswith("(")))):
        return _rebuild_placeholder(item, hazards, prechecks)
    if col.identity or col.generated or (col.default and _VOLATILE.search(col.default.text)):
        hazards += (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE)  # every row gets its own value
    if_not_exists = "IF NOT EXISTS " if dialect.add_column_if_not_exists else ""
    guard = None if if_not_exists else Guard(False, table.key, col.name)
    sql = f"ALTER TABLE {_table_sql(table, dialect)} ADD COLUMN {if_not_exists}{column_sql(col, table, dialect)}"
    out = [Statement(sql, item, "add_columns", hazards, guard=guard, prechecks=prechecks)]
    if col.comment is not None and dialect.has_comments:
        out.append(Statement(_column_comment_sql(table, col, dialect), item, "comments"))
    return out


def _extra_column(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.have, ctx.dialect
    assert table is not None and item.name is not None
    hazards = (DELETES_DATA, BACKWARD_INCOMPATIBLE)
    if not dialect.drop_constrained_column and item.name in _constrained_columns(table):
        return _rebuild_placeholder(item, hazards)
    if_exists = "IF EXISTS " if dialect.drop_column_if_exists else ""
    guard = None if if_exists else Guard(True, table.key, item.name)
    sql = f"ALTER TABLE {_table_sql(table, dialect)} DROP COLUMN {if_exists}{dialect.quote(item.name)}"
    return [Statement(sql, item, "drop_columns", hazards, guard=guard)]


def _constrained_columns(table: Table) -> set[str]:
    """Columns named by the table's primary key, unique constraints, indexes or foreign keys."""
    groups = [table.primary_key.columns if table.primary_key else ()]
    groups += [u.columns for u in table.unique_constraints] + [i.columns for i in table.indexes]
    groups += [fk.columns for fk in table.foreign_keys]
    return {col for group in groups for col in group}


def _renamed_column(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.want, ctx.dialect
    assert table is not None and item.name is not None and item.actual is not None
    sql = (f"ALTER TABLE {_table_sql(table, dialect)} RENAME COLUMN {dialect.quote(item.actual)} "
           f"TO {dialect.quote(item.name)}")
    hazards = (BACKWARD_INCOMPATIBLE,)
    if not dialect.guarded_blocks:
        return [Statement(sql, item, "renames", hazards, guard=Guard(True, table.key, item.actual))]
    condition = (f"EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {_literal(_table_sql(table, dialect))}"
                 f"::regclass AND attname = {_literal(item.actual)} AND NOT attisdropped)")
    return [Statement(_do_if(condition, [sql]), item, "renames", hazards)]


# (ALTER COLUMN clauses, hazards, pre-checks) for one column change; no clauses: not possible in place.
_Change = tuple[list[str], tuple[str, ...], tuple[Precheck, ...]]
_Clauses = Callable[[Column, Column, _Context], _Change]

_TYPE_CHANGE = (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE, MAY_FAIL_ON_EXISTING_DATA)
_KEY_CHANGE = (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, INDEX_BUILD, INDEX_DROPPED, MAY_FAIL_ON_EXISTING_DATA)


def _alter_column(clauses_for: _Clauses) -> Callable[[DriftItem, _Context], list[Statement]]:
    """A builder for ALTER COLUMN changes; ``clauses_for`` gives the clauses, hazards and pre-checks."""

    def build(item: DriftItem, ctx: _Context) -> list[Statement]:
        want, have, dialect = ctx.want, ctx.have, ctx.dialect
        assert want is not None and have is not None and item.name is not None
        col, live = want.column(item.name), have.column(item.name)
        assert col is not None and live is not None
        clauses, hazards, prechecks = clauses_for(col, live, ctx)
        if not dialect.alter_column:
            return _rebuild_placeholder(item, hazards, prechecks)
        if not clauses:
            return [_manual(item, "alter_columns", f"Postgres cannot change this in place: {item.message}")]
        target = f"ALTER COLUMN {dialect.quote(col.name)}"
        sql = f"ALTER TABLE {_table_sql(want, dialect)} " + ", ".join(f"{target} {c}" for c in clauses)
        out = [Statement(sql, item, "alter_columns", hazards, prechecks=prechecks)]
        if item.kind in ("type_mismatch", "collation_mismatch"):
            out += [_with(s, *hazards) for s in _rebuild_views_reading(item, ctx, want, col)]
        return out

    return build


def _rebuild_views_reading(item: DriftItem, ctx: _Context, table: Table, col: Column) -> list[Statement]:
    """Postgres refuses to change the type of a column a view reads: drop such views first and
    create them again (as the spec has them) afterwards, with the change."""
    out = []
    for view in ctx.actual.views:
        words = {t.text[1:-1].replace('""', '"') if t.kind == "qid" else t.text
                 for t in tokenize(view.definition.text, ctx.dialect)}
        if table.name in words and col.name in words:
            out += _drop_view(item, view, ctx.dialect)
            wanted = next((v for v in ctx.expected.views if v.key == view.key), None)
            out += [_create_view(item, wanted, ctx.dialect)] if wanted else []
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


def _type_clauses(col: Column, live: Column, ctx: _Context) -> _Change:
    spelled = render_type(col.type, ctx.dialect)
    collate = f" COLLATE {ctx.dialect.quote_collation(col.collation)}" if col.collation else ""
    change = f"TYPE {spelled}{collate} USING {ctx.dialect.quote(col.name)}::{spelled}"
    hazards = () if _widens(live.type, col.type) and not collate else _TYPE_CHANGE
    if live.default is None:
        return [change], hazards, ()
    # The old default may not cast to the new type: take it off, change, put the spec's one on.
    restore = [f"SET DEFAULT {col.default}"] if col.default is not None else []
    return ["DROP DEFAULT", change, *restore], hazards, ()


def _nullable_clauses(col: Column, live: Column, ctx: _Context) -> _Change:
    assert ctx.want is not None
    if not col.nullable:
        return ["SET NOT NULL"], (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, MAY_FAIL_ON_EXISTING_DATA), \
            (_nulls_precheck(ctx.want, col.name, ctx.dialect),)
    # A column leaving the primary key keeps NOT NULL until the key is dropped, so this waits
    # for (and is held back with) the key change.
    leaving_key = ("primary_key_mismatch", None) in ctx.pending and ctx.have is not None and \
        ctx.have.primary_key is not None and col.name in ctx.have.primary_key.columns
    return ["DROP NOT NULL"], _KEY_CHANGE if leaving_key else (), ()


def _default_clauses(col: Column, live: Column, ctx: _Context) -> _Change:
    # A new default may only fit the new type: with a type change pending, it waits for it.
    waits_for_type = ("type_mismatch", col.name) in ctx.pending
    clauses = ["DROP DEFAULT"] if col.default is None else [f"SET DEFAULT {col.default}"]
    return clauses, _TYPE_CHANGE if waits_for_type else (), ()


def _identity(item: DriftItem, ctx: _Context) -> list[Statement]:
    want, have, dialect = ctx.want, ctx.have, ctx.dialect
    assert want is not None and have is not None and item.name is not None
    col, live = want.column(item.name), have.column(item.name)
    assert col is not None and live is not None
    if not dialect.alter_column:
        return _rebuild_placeholder(item)
    table, column = _table_sql(want, dialect), dialect.quote(col.name)
    if col.identity is None:
        return [Statement(f"ALTER TABLE {table} ALTER COLUMN {column} DROP IDENTITY IF EXISTS", item,
                          "alter_columns", (BACKWARD_INCOMPATIBLE,))]
    if live.identity is not None:
        return [Statement(f"ALTER TABLE {table} ALTER COLUMN {column} SET GENERATED {col.identity.upper()}",
                          item, "alter_columns")]
    if live.default is not None:
        return [_manual(item, "alter_columns", f"{item.label}.{col.name} has a default; drop it before it "
                                               "can become an identity column")]
    # ADD ... AS IDENTITY has no IF NOT EXISTS; and its sequence must start past the rows' values.
    condition = (f"NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {_literal(table)}::regclass"
                 f" AND attname = {_literal(col.name)} AND attidentity <> '')")
    steps = [f"ALTER TABLE {table} ALTER COLUMN {column} ADD GENERATED {col.identity.upper()} AS IDENTITY",
             f"PERFORM setval(pg_get_serial_sequence({_literal(table)}, {_literal(col.name)}), max({column}))"
             f" FROM {table} HAVING max({column}) IS NOT NULL"]
    return [Statement(_do_if(condition, steps), item, "alter_columns", (ACQUIRES_ACCESS_EXCLUSIVE_LOCK,))]


def _generated_clauses(col: Column, live: Column, ctx: _Context) -> _Change:
    # Postgres can only stop generating a column (DROP EXPRESSION), not change what it computes.
    return (["DROP EXPRESSION IF EXISTS"], (), ()) if col.generated is None else ([], (TABLE_REWRITE,), ())


def _collation_clauses(col: Column, live: Column, ctx: _Context) -> _Change:
    hazards = (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE)
    if ("type_mismatch", col.name) in ctx.pending:
        return [], hazards, ()  # the type change carries the collation
    spelled = render_type(col.type, ctx.dialect)
    collate = ctx.dialect.quote_collation(col.collation) if col.collation else '"default"'
    return [f"TYPE {spelled} COLLATE {collate}"], hazards, ()


def _comment(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.want, ctx.dialect
    assert table is not None
    if item.name is None:
        sql = f"COMMENT ON TABLE {_table_sql(table, dialect)} IS {_literal(item.expected or '')}"
    else:
        col = table.column(item.name)
        assert col is not None
        sql = _column_comment_sql(table, col, dialect)
    return [Statement(sql, item, "comments")]


def _primary_key(item: DriftItem, ctx: _Context) -> list[Statement]:
    want, have, dialect = ctx.want, ctx.have, ctx.dialect
    assert want is not None and have is not None
    prechecks = (_duplicates_precheck(want, want.primary_key.columns, dialect, key=True),) \
        if want.primary_key else ()
    if not dialect.alter_constraints:
        return _rebuild_placeholder(item, _KEY_CHANGE, prechecks)
    drop = _drop_constraint(have, have.primary_key.name or f"{have.name}_pkey", dialect) if have.primary_key else None
    if not want.primary_key:
        assert drop is not None
        return [Statement(drop, item, "primary_keys", (INDEX_DROPPED, BACKWARD_INCOMPATIBLE))]
    table = _table_sql(want, dialect)
    name = want.primary_key.name or f"{want.name}_pkey"
    cols = ", ".join(dialect.quote(c) for c in want.primary_key.columns)
    steps = ([drop] if drop else []) + [f"ALTER TABLE {table} ADD CONSTRAINT {dialect.quote(name)} PRIMARY KEY ({cols})"]
    # Guarded by the key's current columns, so that running the block again changes nothing.
    wanted = "ARRAY[" + ", ".join(_literal(c) for c in want.primary_key.columns) + "]::text[]"
    condition = (
        "NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.contype = 'p'"
        f" AND c.conrelid = {_literal(table)}::regclass\n"
        "      AND ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(num, ord)"
        " JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.ord)"
        f" = {wanted})")
    hazards = _KEY_CHANGE if drop else tuple(h for h in _KEY_CHANGE if h != INDEX_DROPPED)
    return [Statement(_do_if(condition, steps), item, "primary_keys", hazards, prechecks=prechecks)]


# ---------------------------------------------------------------------------------------------
# Constraints and indexes


def _unique_of(table: Table | None, name: str | None) -> UniqueConstraint:
    assert table is not None
    return next(u for u in table.unique_constraints if (u.name or unique_name(table, u.columns)) == name)


def _check_of(table: Table | None, name: str | None) -> CheckConstraint:
    assert table is not None
    return next(c for c in table.checks if (c.name or check_name(table, c.expression)) == name)


def _add_unique(item: DriftItem, ctx: _Context) -> list[Statement]:
    assert ctx.want is not None and item.name is not None
    unique = _unique_of(ctx.want, item.name)
    hazards = (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, INDEX_BUILD, MAY_FAIL_ON_EXISTING_DATA)
    prechecks = (_duplicates_precheck(ctx.want, unique.columns, ctx.dialect),)
    if not ctx.dialect.alter_constraints:
        return _rebuild_placeholder(item, hazards, prechecks)
    sql = _add_constraint(ctx.want, item.name, _unique_body(unique, ctx.dialect), ctx.dialect)
    return [Statement(sql, item, "add_constraints", hazards, prechecks=prechecks)]


def _validated(item: DriftItem, table: Table, name: str, body: str, precheck: Precheck,
               dialect: Dialect) -> list[Statement]:
    """A CHECK or foreign key on a table with rows: added NOT VALID in the main transaction (a
    brief lock; new rows are checked from then on), then VALIDATEd in a transaction of its own,
    whose scan blocks neither reads nor writes."""
    hazards = (MAY_FAIL_ON_EXISTING_DATA,)
    add = Statement(_add_constraint(table, name, f"{body} NOT VALID", dialect), item, "add_constraints",
                    hazards, prechecks=(precheck,))
    validate = f"ALTER TABLE {_table_sql(table, dialect)} VALIDATE CONSTRAINT {dialect.quote(name)}"
    return [add, Statement(validate, item, "validate", hazards, own_transaction=True)]


def _add_check(item: DriftItem, ctx: _Context) -> list[Statement]:
    assert ctx.want is not None and item.name is not None
    check = _check_of(ctx.want, item.name)
    precheck = _check_precheck(ctx.want, check.expression, ctx.dialect)
    if not ctx.dialect.alter_constraints:
        return _rebuild_placeholder(item, (MAY_FAIL_ON_EXISTING_DATA,), (precheck,))
    return _validated(item, ctx.want, item.name, f"CHECK ({check.expression})", precheck, ctx.dialect)


def _drop_named_constraint(item: DriftItem, ctx: _Context) -> list[Statement]:
    hazards = (BACKWARD_INCOMPATIBLE,) + ((INDEX_DROPPED,) if "unique" in item.kind else ())
    if not ctx.dialect.alter_constraints:
        return _rebuild_placeholder(item, hazards)
    assert ctx.have is not None and item.name is not None
    return [Statement(_drop_constraint(ctx.have, item.name, ctx.dialect), item, "drop_constraints", hazards)]


def _replace_constraint(add: Callable[[DriftItem, _Context], list[Statement]]
                        ) -> Callable[[DriftItem, _Context], list[Statement]]:
    def build(item: DriftItem, ctx: _Context) -> list[Statement]:
        drop = _drop_named_constraint(item, ctx)
        return drop + [_with(s, *drop[0].hazards) for s in add(item, ctx)]

    return build


def _missing_index(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.want, ctx.dialect
    assert table is not None and item.name is not None
    index = table.index(item.name)
    assert index is not None
    sql = _index_sql(index, table, dialect)
    hazards: tuple[str, ...] = (INDEX_BUILD,)
    if ctx.concurrent:
        sql = sql.replace(" INDEX IF NOT EXISTS ", " INDEX CONCURRENTLY IF NOT EXISTS ", 1)
    elif dialect.concurrent_indexes:
        hazards = (ACQUIRES_SHARE_LOCK, INDEX_BUILD)  # writes wait until the build ends
    prechecks = ()
    if index.unique:
        hazards += (MAY_FAIL_ON_EXISTING_DATA,)
        prechecks = (_duplicates_precheck(table, index.columns, dialect, where=index.where),)
    return [Statement(sql, item, "create_indexes", hazards, prechecks=prechecks, own_transaction=ctx.concurrent)]


def _extra_index(item: DriftItem, ctx: _Context) -> list[Statement]:
    assert ctx.have is not None and item.name is not None
    sql = _drop_index_sql(item.name, ctx.have, ctx.dialect)
    hazards: tuple[str, ...] = (INDEX_DROPPED,)
    if ctx.concurrent:
        sql = sql.replace("DROP INDEX IF EXISTS", "DROP INDEX CONCURRENTLY IF EXISTS", 1)
    elif ctx.dialect.concurrent_indexes:
        hazards += (ACQUIRES_ACCESS_EXCLUSIVE_LOCK,)
    return [Statement(sql, item, "drop_indexes", hazards, own_transaction=ctx.concurrent)]


def _index_mismatch(item: DriftItem, ctx: _Context) -> list[Statement]:
    drop = _extra_index(item, ctx)
    return drop + [_with(s, *drop[0].hazards) for s in _missing_index(item, ctx)]


def _add_fk_statement(item: DriftItem, table: Table, fk: ForeignKey, dialect: Dialect) -> Statement:
    sql = _add_constraint(table, fk_name(table, fk), _references_sql(fk, dialect), dialect)
    return Statement(sql, item, "add_foreign_keys")


def _missing_foreign_key(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.want, ctx.dialect
    assert table is not None
    fk = next(f for f in table.foreign_keys if fk_name(table, f) == item.name)
    precheck = _foreign_key_precheck(table, fk, dialect)
    if not dialect.alter_constraints:
        return _rebuild_placeholder(item, (MAY_FAIL_ON_EXISTING_DATA,), (precheck,))
    statements = _validated(item, table, fk_name(table, fk), _references_sql(fk, dialect), precheck, dialect)
    return [replace(s, phase="add_foreign_keys") if s.phase == "add_constraints" else s for s in statements]


def _extra_foreign_key(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.have, ctx.dialect
    assert table is not None and item.name is not None
    hazards = (BACKWARD_INCOMPATIBLE,)
    if not dialect.alter_constraints:
        return _rebuild_placeholder(item, hazards)
    return [Statement(_drop_constraint(table, item.name, dialect), item, "drop_foreign_keys", hazards)]


def _not_validated(item: DriftItem, ctx: _Context) -> list[Statement]:
    """The second step of a NOT VALID constraint, which an interrupted apply never took."""
    table = ctx.have
    assert table is not None and item.name is not None
    check = next((c for c in table.checks if c.name == item.name), None)
    fk = next((f for f in table.foreign_keys if f.name == item.name), None)
    precheck = _check_precheck(table, check.expression, ctx.dialect) if check else \
        _foreign_key_precheck(table, fk, ctx.dialect)  # type: ignore[arg-type]
    sql = f"ALTER TABLE {_table_sql(table, ctx.dialect)} VALIDATE CONSTRAINT {ctx.dialect.quote(item.name)}"
    return [Statement(sql, item, "validate", (MAY_FAIL_ON_EXISTING_DATA,), prechecks=(precheck,),
                      own_transaction=True)]


def _foreign_key_mismatch(item: DriftItem, ctx: _Context) -> list[Statement]:
    drop = _extra_foreign_key(item, ctx)
    return drop + [_with(s, *drop[0].hazards) for s in _missing_foreign_key(item, ctx)]


# ---------------------------------------------------------------------------------------------
# SQLite table rebuilds


def _rebuild_tables(statements: list[Statement], items: list[DriftItem], want: dict[str, Table],
                    have: dict[str, Table], dialect: Dialect) -> list[Statement]:
    """Every statement of a table SQLite must rebuild, swapped for that one rebuild: it makes the
    whole table as the spec has it, so it also fixes the table's other drift."""
    keys = list(dict.fromkeys(s.fixes.table_key for s in statements if _needs_rebuild(s)))
    if not keys:
        return statements
    kept = [s for s in statements if s.fixes.table_key not in keys]
    for key in keys:
        replaced = [s for s in statements if s.fixes.table_key == key]
        table_items = [i for i in items if i.table_key == key]
        kept.append(_rebuild_statement(table_items, replaced, want[key], have[key], dialect))
    return kept


def _rebuild_statement(items: list[DriftItem], replaced: list[Statement], table: Table, live: Table,
                       dialect: Dialect) -> Statement:
    renamed = next((i.actual for i in items if i.kind == "renamed_table"), None)
    source = dialect.quote(renamed or live.name)
    old_names = {i.name: i.actual for i in items if i.kind == "renamed_column"}
    live_columns = {c.name for c in live.columns}
    copied = [c.name for c in table.columns if c.name in live_columns and not c.generated]
    temp = replace(table, name=f"_auditor_rebuild_{table.name}")
    # Rowids are kept too: something outside the table (an FTS index, a cache) may point at them.
    targets = [] if any(_is_rowid_alias(c, table, dialect) for c in table.columns) else ["rowid"]
    columns = targets + [dialect.quote(c) for c in copied]
    sources = targets + [dialect.quote(old_names.get(c) or c) for c in copied]
    rebuild = Rebuild(
        table=table.name, source=renamed or live.name,
        create_sql=_create_table_sql(temp, dialect),
        copy_sql=f"INSERT INTO {_table_sql(temp, dialect)} ({', '.join(columns)}) "
                 f"SELECT {', '.join(sources)} FROM {source}",
        drop_sql=f"DROP TABLE {source}",
        rename_sql=f"ALTER TABLE {_table_sql(temp, dialect)} RENAME TO {dialect.quote(table.name)}",
        index_sql=tuple(_index_sql(i, table, dialect) for i in table.indexes))
    # The copy holds SQLite's write lock throughout, and readers wait once it spills to the file.
    hazards = (*(h for s in replaced for h in s.hazards), ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE)
    fixed = ", ".join(dict.fromkeys(f"{i.kind} {i.name}" if i.name else i.kind for i in items))
    sql = f"-- rebuild {comment_text(table.name)}, fixing: {comment_text(fixed)}\n" + ";\n".join(rebuild.steps())
    prechecks = tuple(dict.fromkeys(p for s in replaced for p in s.prechecks))
    return Statement(sql, items[0], "rebuild_tables", hazards, prechecks=prechecks,
                     rebuild=rebuild)


# ---------------------------------------------------------------------------------------------
# Enums, views, sequences, extensions (Postgres has them all; SQLite has views)


def _enum_of(item: DriftItem, schema: Schema) -> Enum:
    return next(e for e in schema.enums if e.key == item.table_key)


def _missing_enum(item: DriftItem, ctx: _Context) -> list[Statement]:
    enum, dialect = _enum_of(item, ctx.expected), ctx.dialect
    values = ", ".join(_literal(v) for v in enum.values)
    # No CREATE TYPE IF NOT EXISTS: a second run meets duplicate_object and does nothing.
    sql = _do_block(f"BEGIN\n  CREATE TYPE {_object_sql(enum, dialect)} AS ENUM ({values});\n"
                    "EXCEPTION WHEN duplicate_object THEN NULL;\nEND")
    return _create_schema(item, enum.schema, dialect) + [Statement(sql, item, "create_types")]


def _extra_enum(item: DriftItem, ctx: _Context) -> list[Statement]:
    enum = _enum_of(item, ctx.actual)
    return [Statement(f"DROP TYPE IF EXISTS {_object_sql(enum, ctx.dialect)}", item, "drop_types",
                      (BACKWARD_INCOMPATIBLE,))]


def _enum_values(item: DriftItem, ctx: _Context) -> list[Statement]:
    want, have = _enum_of(item, ctx.expected), _enum_of(item, ctx.actual)
    kept = [v for v in want.values if v in have.values]
    if kept != list(have.values):
        return [_manual(item, "create_types", "Postgres cannot remove or reorder enum values in place; "
                                              "create a new type and move the columns to it")]
    out = []
    for i, value in enumerate(want.values):
        if value not in have.values:
            place = f" AFTER {_literal(want.values[i - 1])}" if i else f" BEFORE {_literal(want.values[1])}" \
                if len(want.values) > 1 else ""
            sql = f"ALTER TYPE {_object_sql(want, ctx.dialect)} ADD VALUE IF NOT EXISTS {_literal(value)}{place}"
            out.append(Statement(sql, item, "create_types"))
    return out


def _view_of(item: DriftItem, schema: Schema) -> View:
    return next(v for v in schema.views if v.key == item.table_key)


def _create_view(item: DriftItem, view: View, dialect: Dialect) -> Statement:
    if view.materialized:
        sql = f"CREATE MATERIALIZED VIEW IF NOT EXISTS {_object_sql(view, dialect)} AS {view.definition}"
    else:
        sql = f"CREATE {dialect.create_or_replace_view} {_object_sql(view, dialect)} AS {view.definition}"
    return Statement(sql, item, "create_views")


def _drop_view(item: DriftItem, view: View, dialect: Dialect) -> list[Statement]:
    kind = "MATERIALIZED VIEW" if view.materialized else "VIEW"
    sql = f"DROP {kind} IF EXISTS {_object_sql(view, dialect)}"
    if dialect.guarded_blocks:
        # DROP VIEW IF EXISTS fails on a materialized view of that name (and the other way round),
        # as it is once a view became one: drop only what is still of the old kind.
        condition = (f"EXISTS (SELECT 1 FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
                     f" WHERE n.nspname = {_literal(view.schema or '')} AND c.relname = {_literal(view.name)}"
                     f" AND c.relkind = {_literal('m' if view.materialized else 'v')})")
        sql = _do_if(condition, [sql])
    return [Statement(sql, item, "drop_views", (BACKWARD_INCOMPATIBLE,))]


def _missing_view(item: DriftItem, ctx: _Context) -> list[Statement]:
    view = _view_of(item, ctx.expected)
    return _create_schema(item, view.schema, ctx.dialect) + [_create_view(item, view, ctx.dialect)]


def _extra_view(item: DriftItem, ctx: _Context) -> list[Statement]:
    return _drop_view(item, _view_of(item, ctx.actual), ctx.dialect)


def _view_mismatch(item: DriftItem, ctx: _Context) -> list[Statement]:
    return [_with(s, BACKWARD_INCOMPATIBLE) for s in _extra_view(item, ctx) + _missing_view(item, ctx)]


def _sequence_of(item: DriftItem, schema: Schema) -> Sequence:
    return next(s for s in schema.sequences if s.key == item.table_key)


def _sequence_options(seq: Sequence) -> str:
    return (f"AS {seq.data_type} INCREMENT BY {seq.increment} MINVALUE {seq.min_value} MAXVALUE {seq.max_value} "
            f"START WITH {seq.start} {'CYCLE' if seq.cycle else 'NO CYCLE'}")


def _missing_sequence(item: DriftItem, ctx: _Context) -> list[Statement]:
    seq = _sequence_of(item, ctx.expected)
    sql = f"CREATE SEQUENCE IF NOT EXISTS {_object_sql(seq, ctx.dialect)} {_sequence_options(seq)}"
    return _create_schema(item, seq.schema, ctx.dialect) + [Statement(sql, item, "create_types")]


def _extra_sequence(item: DriftItem, ctx: _Context) -> list[Statement]:
    seq = _sequence_of(item, ctx.actual)
    return [Statement(f"DROP SEQUENCE IF EXISTS {_object_sql(seq, ctx.dialect)}", item, "drop_types",
                      (DELETES_DATA, BACKWARD_INCOMPATIBLE))]


def _sequence_mismatch(item: DriftItem, ctx: _Context) -> list[Statement]:
    seq = _sequence_of(item, ctx.expected)
    # New bounds fail if the sequence's current value lies outside them.
    return [Statement(f"ALTER SEQUENCE {_object_sql(seq, ctx.dialect)} {_sequence_options(seq)}", item,
                      "create_types", (MAY_FAIL_ON_EXISTING_DATA,))]


def _missing_extension(item: DriftItem, ctx: _Context) -> list[Statement]:
    return [Statement(f"CREATE EXTENSION IF NOT EXISTS {ctx.dialect.quote(item.table)}", item, "create_extensions")]


def _extra_extension(item: DriftItem, ctx: _Context) -> list[Statement]:
    return [Statement(f"DROP EXTENSION IF EXISTS {ctx.dialect.quote(item.table)}", item, "drop_extensions",
                      (DELETES_DATA, BACKWARD_INCOMPATIBLE))]


_BUILDERS: dict[str, Callable[[DriftItem, _Context], list[Statement]]] = {
    "missing_table": _missing_table,
    "extra_table": _extra_table,
    "renamed_table": _renamed_table,
    "missing_column": _missing_column,
    "extra_column": _extra_column,
    "renamed_column": _renamed_column,
    "type_mismatch": _alter_column(_type_clauses),
    "nullable_mismatch": _alter_column(_nullable_clauses),
    "default_mismatch": _alter_column(_default_clauses),
    "identity_mismatch": _identity,
    "generated_mismatch": _alter_column(_generated_clauses),
    "collation_mismatch": _alter_column(_collation_clauses),
    "comment_mismatch": _comment,
    "primary_key_mismatch": _primary_key,
    "missing_unique": _add_unique,
    "extra_unique": _drop_named_constraint,
    "unique_mismatch": _replace_constraint(_add_unique),
    "missing_check": _add_check,
    "extra_check": _drop_named_constraint,
    "check_mismatch": _replace_constraint(_add_check),
    "missing_index": _missing_index,
    "extra_index": _extra_index,
    "index_mismatch": _index_mismatch,
    "missing_foreign_key": _missing_foreign_key,
    "extra_foreign_key": _extra_foreign_key,
    "foreign_key_mismatch": _foreign_key_mismatch,
    "constraint_not_validated": _not_validated,
    "missing_enum": _missing_enum,
    "extra_enum": _extra_enum,
    "enum_values_mismatch": _enum_values,
    "missing_view": _missing_view,
    "extra_view": _extra_view,
    "view_mismatch": _view_mismatch,
    "missing_sequence": _missing_sequence,
    "extra_sequence": _extra_sequence,
    "sequence_mismatch": _sequence_mismatch,
    "missing_extension": _missing_extension,
    "extra_extension": _extra_extension,
}


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
