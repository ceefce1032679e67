"""The planner: drift items -> an ordered list of idempotent DDL statements.

Every statement says which drift item it fixes, whether it is destructive (it drops something or
can fail on or change existing data), and, where the engine has no ``IF [NOT] EXISTS`` form, a
guard that ``apply`` checks against the live schema right before running it. What an engine cannot
do in place is planned as a ``manual`` statement: a comment saying why, never executed.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

from auditor.canon import render_type
from auditor.diff import DriftItem, fk_name
from auditor.dialects import Dialect
from auditor.model import Column, ForeignKey, Index, Schema, Table

# Phases, in the order they run. Constraints and indexes that are in the way go first, so that
# columns and tables can change under them; tables exist before their columns, columns before the
# keys and indexes on them, and every table before the foreign keys that reference it. A primary
# key changes before column alterations, because a column leaving the key can only then drop its
# NOT NULL. Drops of columns and tables come last, once nothing planned still needs them.
PHASES = (
    "drop_foreign_keys",
    "drop_indexes",
    "create_tables",
    "add_columns",
    "primary_keys",
    "alter_columns",
    "create_indexes",
    "add_foreign_keys",
    "drop_columns",
    "drop_tables",
)

# A value Postgres cannot take in ADD COLUMN ... DEFAULT on SQLite: the time functions.
_NON_CONSTANT_DEFAULTS = ("current_timestamp", "current_date", "current_time")


@dataclass(frozen=True)
class Guard:
    """A live-schema condition that must hold for a statement to run (SQLite's missing IF forms)."""

    column_exists: bool
    table_key: str
    column: str


@dataclass(frozen=True)
class Statement:
    """One planned change. ``sql`` has no trailing semicolon; for ``manual`` it is a comment."""

    sql: str
    fixes: DriftItem
    phase: str
    destructive: bool = False
    manual: bool = False
    guard: Guard | None = None

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the statement."""
        return {"sql": self.sql, "phase": self.phase, "destructive": self.destructive,
                "manual": self.manual, "fixes": self.fixes.to_dict()}


@dataclass(frozen=True)
class _Context:
    expected: Table | None
    actual: Table | None
    dialect: Dialect
    # (kind, name) of every drift item on the same table: some fixes must wait for others.
    pending: frozenset[tuple[str, str | None]] = frozenset()


def plan_changes(drift: Iterable[DriftItem], expected: Schema, actual: Schema,
                 dialect: Dialect) -> list[Statement]:
    """The statements that turn ``actual`` into ``expected``, in phase order."""
    items = list(drift)
    want, have = expected.table_map(), actual.table_map()
    pending: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for item in items:
        pending[item.table_key].add((item.kind, item.name))
    statements: list[Statement] = []
    for item in items:
        ctx = _Context(want.get(item.table_key), have.get(item.table_key), dialect,
                       frozenset(pending[item.table_key]))
        statements.extend(_BUILDERS[item.kind](item, ctx))
    order = {phase: i for i, phase in enumerate(PHASES)}
    drops = _drop_order(actual)
    # Stable sort: drift order within a phase, except that tables drop referencing ones first.
    return sorted(statements, key=lambda s: (order[s.phase], drops.get(s.fixes.table_key, 0)
                                             if s.phase == "drop_tables" else 0))


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


# ---------------------------------------------------------------------------------------------
# SQL fragments


def _table_sql(table: Table, dialect: Dialect) -> str:
    return dialect.qualified(table.schema, table.name)


def column_sql(col: Column, dialect: Dialect) -> str:
    """A column definition: ``name TYPE [NOT NULL] [DEFAULT expr]``."""
    text = f"{dialect.quote(col.name)} {render_type(col.type, dialect)}".rstrip()
    text += "" if col.nullable else " NOT NULL"
    return text + (f" DEFAULT {col.default}" if col.default is not None else "")


def _elements_sql(elements: tuple[str, ...], table: Table, dialect: Dialect) -> str:
    names = {c.name for c in table.columns}
    return ", ".join(dialect.quote(e) if e in names else e for e in elements)


def _index_sql(index: Index, table: Table, dialect: Dialect) -> str:
    unique = "UNIQUE " if index.unique else ""
    text = (f"CREATE {unique}INDEX IF NOT EXISTS {dialect.quote(index.name)} "
            f"ON {_table_sql(table, dialect)} ({_elements_sql(index.columns, table, dialect)})")
    return text + (f" WHERE {index.where}" if index.where else "")


def _drop_index_sql(index: Index, table: Table, dialect: Dialect) -> str:
    return f"DROP INDEX IF EXISTS {dialect.qualified(table.schema, index.name)}"


def _references_sql(fk: ForeignKey, table: Table, dialect: Dialect) -> str:
    schema, _, name = fk.ref_table.rpartition(".")
    ref_cols = ", ".join(dialect.quote(c) for c in fk.ref_columns)
    text = (f"FOREIGN KEY ({', '.join(dialect.quote(c) for c in fk.columns)}) "
            f"REFERENCES {dialect.qualified(schema or None, name)} ({ref_cols})")
    text += f" ON DELETE {fk.on_delete}" if fk.on_delete != "NO ACTION" else ""
    return text + (f" ON UPDATE {fk.on_update}" if fk.on_update != "NO ACTION" else "")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _guarded_constraint(table: Table, name: str, body: str, dialect: Dialect) -> str:
    """Postgres has no ADD CONSTRAINT IF NOT EXISTS: check the catalog in a DO block."""
    regclass = _literal(_table_sql(table, dialect))
    return (
        "DO $$\nBEGIN\n"
        f"  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = {_literal(name)}"
        f" AND conrelid = {regclass}::regclass) THEN\n"
        f"    ALTER TABLE {_table_sql(table, dialect)} ADD CONSTRAINT {dialect.quote(name)} {body};\n"
        "  END IF;\nEND $$"
    )


def _manual(item: DriftItem, phase: str, why: str) -> Statement:
    return Statement(f"-- manual: {why}", item, phase, manual=True)


_REBUILD = "SQLite cannot alter this in place; it needs a table rebuild (not planned automatically yet)"


# ---------------------------------------------------------------------------------------------
# One builder per drift kind


def _missing_table(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.expected, ctx.dialect
    assert table is not None
    parts = [column_sql(c, dialect) for c in table.columns]
    if table.primary_key:
        pk_cols = ", ".join(dialect.quote(c) for c in table.primary_key.columns)
        parts.append(f"PRIMARY KEY ({pk_cols})")
    # Postgres needs the referenced tables to exist first, so its foreign keys come in a later
    # phase; SQLite can only declare them here (it checks the target lazily).
    inline_fks = () if dialect.alter_constraints else table.foreign_keys
    parts += [_references_sql(fk, table, dialect) for fk in inline_fks]
    body = ",\n  ".join(parts)
    out = [Statement(f"CREATE TABLE IF NOT EXISTS {_table_sql(table, dialect)} (\n  {body}\n)",
                     item, "create_tables")]
    out += [Statement(_index_sql(i, table, dialect), item, "create_indexes") for i in table.indexes]
    if dialect.alter_constraints:
        out += [_add_fk_statement(item, table, fk, dialect) for fk in table.foreign_keys]
    return out


def _extra_table(item: DriftItem, ctx: _Context) -> list[Statement]:
    assert ctx.actual is not None
    return [Statement(f"DROP TABLE IF EXISTS {_table_sql(ctx.actual, ctx.dialect)}", item,
                      "drop_tables", destructive=True)]


def _missing_column(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.expected, ctx.dialect
    assert table is not None and item.name is not None
    col = table.column(item.name)
    assert col is not None
    if dialect.add_column_needs_constant_default:
        if not col.nullable and col.default is None:
            return [_manual(item, "add_columns", "SQLite cannot add a NOT NULL column without a default")]
        if col.default is not None and (col.default in _NON_CONSTANT_DEFAULTS or col.default.startswith("(")):
            return [_manual(item, "add_columns", f"SQLite cannot add a column with default {col.default}")]
    if_not_exists = "IF NOT EXISTS " if dialect.add_column_if_not_exists else ""
    guard = None if if_not_exists else Guard(False, table.key, col.name)
    sql = f"ALTER TABLE {_table_sql(table, dialect)} ADD COLUMN {if_not_exists}{column_sql(col, dialect)}"
    # NOT NULL without a default fails on a table that has rows: held back like SET NOT NULL.
    may_fail = not col.nullable and col.default is None
    return [Statement(sql, item, "add_columns", destructive=may_fail, guard=guard)]


def _extra_column(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.actual, ctx.dialect
    assert table is not None and item.name is not None
    if not dialect.drop_constrained_column and item.name in _constrained_columns(table):
        return [_manual(item, "drop_columns", f"SQLite cannot drop {item.name} while a key or index uses it; "
                                              "it needs a table rebuild (not planned automatically yet)")]
    if_exists = "IF EXISTS " if dialect.drop_column_if_exists else ""
    guard = None if if_exists else Guard(True, table.key, item.name)
    sql = f"ALTER TABLE {_table_sql(table, dialect)} DROP COLUMN {if_exists}{dialect.quote(item.name)}"
    return [Statement(sql, item, "drop_columns", destructive=True, guard=guard)]


def _constrained_columns(table: Table) -> set[str]:
    """Columns named by the table's primary key, unique constraints, indexes or foreign keys."""
    groups = [table.primary_key.columns if table.primary_key else ()]
    groups += [u.columns for u in table.unique_constraints] + [i.columns for i in table.indexes]
    groups += [fk.columns for fk in table.foreign_keys]
    return {col for group in groups for col in group}


_Clauses = Callable[[Column, Column, _Context], tuple[list[str], bool]]


def _alter_column(clauses_for: _Clauses) -> Callable[[DriftItem, _Context], list[Statement]]:
    """A builder for ALTER COLUMN changes; ``clauses_for`` gives the clauses and whether to hold back."""

    def build(item: DriftItem, ctx: _Context) -> list[Statement]:
        want, have, dialect = ctx.expected, ctx.actual, ctx.dialect
        assert want is not None and have is not None and item.name is not None
        if not dialect.alter_column:
            return [_manual(item, "alter_columns", _REBUILD)]
        col, live = want.column(item.name), have.column(item.name)
        assert col is not None and live is not None
        clauses, destructive = clauses_for(col, live, ctx)
        target = f"ALTER COLUMN {dialect.quote(col.name)}"
        sql = f"ALTER TABLE {_table_sql(want, dialect)} " + ", ".join(f"{target} {c}" for c in clauses)
        return [Statement(sql, item, "alter_columns", destructive=destructive)]

    return build


def _type_clauses(col: Column, live: Column, ctx: _Context) -> tuple[list[str], bool]:
    spelled = render_type(col.type, ctx.dialect)
    change = f"TYPE {spelled} USING {ctx.dialect.quote(col.name)}::{spelled}"
    if live.default is None:
        return [change], True
    # The old default may not cast to the new type: take it off, change, put the spec's one on.
    restore = [f"SET DEFAULT {col.default}"] if col.default is not None else []
    return ["DROP DEFAULT", change, *restore], True


def _nullable_clauses(col: Column, live: Column, ctx: _Context) -> tuple[list[str], bool]:
    if not col.nullable:
        return ["SET NOT NULL"], True
    # A column leaving the primary key keeps NOT NULL until the key is dropped, so this waits
    # for (and is held back with) the key change.
    leaving_key = ("primary_key_mismatch", None) in ctx.pending and ctx.actual is not None and \
        ctx.actual.primary_key is not None and col.name in ctx.actual.primary_key.columns
    return ["DROP NOT NULL"], leaving_key


def _default_clauses(col: Column, live: Column, ctx: _Context) -> tuple[list[str], bool]:
    # A new default may only fit the new type: with a type change pending, it waits for it.
    waits_for_type = ("type_mismatch", col.name) in ctx.pending
    return (["DROP DEFAULT"] if col.default is None else [f"SET DEFAULT {col.default}"]), waits_for_type


def _primary_key(item: DriftItem, ctx: _Context) -> list[Statement]:
    want, have, dialect = ctx.expected, ctx.actual, ctx.dialect
    assert want is not None and have is not None
    if not dialect.alter_constraints:
        return [_manual(item, "primary_keys", _REBUILD)]
    table = _table_sql(want, dialect)
    drop = (f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "
            f"{dialect.quote(have.primary_key.name or have.name + '_pkey')}") if have.primary_key else None
    if not want.primary_key:
        assert drop is not None
        return [Statement(drop, item, "primary_keys", destructive=True)]
    name = want.primary_key.name or f"{want.name}_pkey"
    cols = ", ".join(dialect.quote(c) for c in want.primary_key.columns)
    steps = ([drop] if drop else []) + [f"ALTER TABLE {table} ADD CONSTRAINT {dialect.quote(name)} PRIMARY KEY ({cols})"]
    # Guarded by the key's current columns, so that running the block again changes nothing.
    wanted = "ARRAY[" + ", ".join(_literal(c) for c in want.primary_key.columns) + "]::text[]"
    sql = (
        "DO $$\nBEGIN\n"
        "  IF NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.contype = 'p'"
        f" AND c.conrelid = {_literal(table)}::regclass\n"
        "      AND ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(num, ord)"
        " JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.ord)"
        f" = {wanted}) THEN\n"
        + "".join(f"    {step};\n" for step in steps)
        + "  END IF;\nEND $$"
    )
    return [Statement(sql, item, "primary_keys", destructive=True)]


def _missing_index(item: DriftItem, ctx: _Context) -> list[Statement]:
    table = ctx.expected
    assert table is not None and item.name is not None
    index = table.index(item.name)
    assert index is not None
    return [Statement(_index_sql(index, table, ctx.dialect), item, "create_indexes")]


def _extra_index(item: DriftItem, ctx: _Context) -> list[Statement]:
    table = ctx.actual
    assert table is not None and item.name is not None
    index = table.index(item.name)
    assert index is not None
    return [Statement(_drop_index_sql(index, table, ctx.dialect), item, "drop_indexes", destructive=True)]


def _index_mismatch(item: DriftItem, ctx: _Context) -> list[Statement]:
    dropped = _extra_index(item, ctx)
    return dropped + [_destructive(s) for s in _missing_index(item, ctx)]


def _destructive(statement: Statement) -> Statement:
    return Statement(statement.sql, statement.fixes, statement.phase, True, statement.manual, statement.guard)


def _add_fk_statement(item: DriftItem, table: Table, fk: ForeignKey, dialect: Dialect) -> Statement:
    sql = _guarded_constraint(table, fk_name(table, fk), _references_sql(fk, table, dialect), dialect)
    return Statement(sql, item, "add_foreign_keys")


def _missing_foreign_key(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.expected, ctx.dialect
    assert table is not None
    if not dialect.alter_constraints:
        return [_manual(item, "add_foreign_keys", _REBUILD)]
    fk = next(f for f in table.foreign_keys if fk_name(table, f) == item.name)
    return [_add_fk_statement(item, table, fk, dialect)]


def _extra_foreign_key(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.actual, ctx.dialect
    assert table is not None and item.name is not None
    if not dialect.alter_constraints:
        return [_manual(item, "drop_foreign_keys", _REBUILD)]
    sql = f"ALTER TABLE {_table_sql(table, dialect)} DROP CONSTRAINT IF EXISTS {dialect.quote(item.name)}"
    return [Statement(sql, item, "drop_foreign_keys", destructive=True)]


_BUILDERS: dict[str, Callable[[DriftItem, _Context], list[Statement]]] = {
    "missing_table": _missing_table,
    "extra_table": _extra_table,
    "missing_column": _missing_column,
    "extra_column": _extra_column,
    "type_mismatch": _alter_column(_type_clauses),
    "nullable_mismatch": _alter_column(_nullable_clauses),
    "default_mismatch": _alter_column(_default_clauses),
    "primary_key_mismatch": _primary_key,
    "missing_index": _missing_index,
    "extra_index": _extra_index,
    "index_mismatch": _index_mismatch,
    "missing_foreign_key": _missing_foreign_key,
    "extra_foreign_key": _extra_foreign_key,
}


def render_script(statements: list[Statement], dialect: Dialect) -> str:
    """The plan as a SQL script for a person to read or run (``psql -f``, ``sqlite3``)."""
    if not statements:
        return "-- no changes: the database matches the spec\n"
    lines = [f"-- schema-auditor plan for {dialect.name}: {len(statements)} statement(s)"]
    if dialect.guarded_blocks:
        lines.append("-- every statement is idempotent: the script is safe to run twice")
    else:
        lines.append("-- ADD/DROP COLUMN have no IF [NOT] EXISTS here: schema-auditor apply checks first")
    for st in statements:
        item = st.fixes
        target = f"{item.label}.{item.name}" if item.name else item.label
        note = " [destructive: apply needs --allow-destructive]" if st.destructive else ""
        lines.append(f"\n-- {item.kind} {target}{note}")
        lines.append(st.sql if st.manual else f"{st.sql};")
    return "\n".join(lines) + "\n"
