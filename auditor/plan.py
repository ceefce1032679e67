"""The planner: drift items -> an ordered list of idempotent DDL statements.

Every statement says which drift item it fixes, whether it is destructive (it drops something or
can fail on or change existing data), and, where the engine has no ``IF [NOT] EXISTS`` form, a
guard that ``apply`` checks against the live schema right before running it. What an engine cannot
do in place is planned as a ``manual`` statement: a comment saying why, never executed.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from auditor.canon import render_type, serial_shorthand, tokenize
from auditor.diff import DriftItem, check_name, fk_name, resolve_renames, unique_name
from auditor.dialects import Dialect
from auditor.model import (
    CheckConstraint, Column, Enum, ForeignKey, Index, Schema, Sequence, Table, UniqueConstraint, View)

# Phases, in the order they run:
# - renames first: every later statement uses the new names;
# - then whatever is in the way goes: views (they pin the columns they read), foreign keys,
#   constraints and indexes, so that columns and tables can change under them;
# - extensions, schemas, enums and sequences exist before the tables that use them; tables
#   before their columns; columns before the keys and indexes on them; every table before the
#   foreign keys that reference it; views once all they select from is there;
# - a primary key changes before column alterations, because a column leaving the key can only
#   then drop its NOT NULL;
# - drops of columns, tables, types and extensions come last, once nothing planned needs them.
PHASES = (
    "renames",
    "drop_views",
    "drop_foreign_keys",
    "drop_constraints",
    "drop_indexes",
    "create_extensions",
    "create_types",
    "create_tables",
    "add_columns",
    "primary_keys",
    "alter_columns",
    "add_constraints",
    "create_indexes",
    "add_foreign_keys",
    "create_views",
    "comments",
    "drop_columns",
    "drop_tables",
    "drop_types",
    "drop_extensions",
)

_DDL_WORDS = frozenset({"ALTER", "CREATE", "DROP", "COMMENT"})

# A value SQLite cannot take in ADD COLUMN ... DEFAULT: the time functions.
_NON_CONSTANT_DEFAULTS = ("current_timestamp", "current_date", "current_time")


@dataclass(frozen=True)
class Guard:
    """A live-schema condition for a statement (SQLite's missing IF forms): it runs only while
    the table (or its ``column``) exists exactly when ``exists`` says."""

    exists: bool
    table_key: str
    column: str | None = None


@dataclass(frozen=True)
class Statement:
    """One planned change. ``sql`` has no trailing semicolon; for ``manual`` it is a comment."""

    sql: str
    fixes: DriftItem
    phase: str
    destructive: bool = False
    manual: bool = False
    guard: Guard | None = None

    @property
    def summary(self) -> str:
        """One line saying what the statement does (inside a DO block: its first DDL line)."""
        lines = [line.strip().rstrip(";") for line in self.sql.splitlines() if line.strip()]
        ddl = [line for line in lines if line.split(" ")[0] in _DDL_WORDS]
        return (ddl or lines or [""])[0]

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the statement."""
        return {"sql": self.sql, "phase": self.phase, "destructive": self.destructive,
                "manual": self.manual, "fixes": self.fixes.to_dict()}


@dataclass(frozen=True)
class _Context:
    expected: Schema
    actual: Schema  # with declared renames already made
    want: Table | None
    have: Table | None
    dialect: Dialect
    # (kind, name) of every drift item on the same table: some fixes must wait for others.
    pending: frozenset[tuple[str, str | None]] = frozenset()


def plan_changes(drift: Iterable[DriftItem], expected: Schema, actual: Schema,
                 dialect: Dialect) -> list[Statement]:
    """The statements that turn ``actual`` into ``expected``, in phase order, each SQL once."""
    items = list(drift)
    renamed, _ = resolve_renames(expected, actual)
    want, have = expected.table_map(), renamed.table_map()
    pending: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for item in items:
        pending[item.table_key].add((item.kind, item.name))
    statements: list[Statement] = []
    for item in items:
        ctx = _Context(expected, renamed, want.get(item.table_key), have.get(item.table_key), dialect,
                       frozenset(pending[item.table_key]))
        statements.extend(_BUILDERS[item.kind](item, ctx))
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


# ---------------------------------------------------------------------------------------------
# SQL fragments


def _table_sql(table: Table, dialect: Dialect) -> str:
    return dialect.qualified(table.schema, table.name)


def _object_sql(obj: Enum | View | Sequence, dialect: Dialect) -> str:
    return dialect.qualified(obj.schema, obj.name)


def column_sql(col: Column, table: Table, dialect: Dialect) -> str:
    """A column definition: name, type, collation, generation or identity, NOT NULL, default."""
    serial = serial_shorthand(col, table, dialect)
    text = f"{dialect.quote(col.name)} {serial or render_type(col.type, dialect)}".rstrip()
    if col.collation:
        text += f" COLLATE {dialect.quote_collation(col.collation)}"
    if col.generated:
        text += f" GENERATED ALWAYS AS ({col.generated}) {dialect.generated_storage}"
    if col.identity in ("always", "by default"):
        text += f" GENERATED {col.identity.upper()} AS IDENTITY"
    if col.identity == "autoincrement":
        text += " PRIMARY KEY AUTOINCREMENT"  # SQLite takes AUTOINCREMENT only here
    text += "" if col.nullable or col.identity == "autoincrement" or _is_rowid_alias(col, table, dialect) else " NOT NULL"
    return text + (f" DEFAULT {col.default}" if col.default is not None and not serial else "")


def _is_rowid_alias(col: Column, table: Table, dialect: Dialect) -> bool:
    """SQLite's INTEGER PRIMARY KEY: NOT NULL by nature, and reported without the flag."""
    pk = table.primary_key.columns if table.primary_key else ()
    return dialect.integer_pk_is_rowid and pk == (col.name,) and col.type == "integer"


def _elements_sql(elements: tuple[str, ...], table: Table, dialect: Dialect) -> str:
    names = {c.name for c in table.columns}
    return ", ".join(dialect.quote(e) if e in names else e for e in elements)


def _index_sql(index: Index, table: Table, dialect: Dialect) -> str:
    unique = "UNIQUE " if index.unique else ""
    method = f" USING {index.method}" if index.method and index.method != dialect.default_index_method else ""
    text = (f"CREATE {unique}INDEX IF NOT EXISTS {dialect.quote(index.name)} "
            f"ON {_table_sql(table, dialect)}{method} ({_elements_sql(index.columns, table, dialect)})")
    text += f" INCLUDE ({_elements_sql(index.include, table, dialect)})" if index.include else ""
    return text + (f" WHERE {index.where}" if index.where else "")


def _drop_index_sql(name: str, table: Table, dialect: Dialect) -> str:
    return f"DROP INDEX IF EXISTS {dialect.qualified(table.schema, name)}"


def _references_sql(fk: ForeignKey, dialect: Dialect) -> str:
    schema, _, name = fk.ref_table.rpartition(".")
    ref_cols = ", ".join(dialect.quote(c) for c in fk.ref_columns)
    text = (f"FOREIGN KEY ({', '.join(dialect.quote(c) for c in fk.columns)}) "
            f"REFERENCES {dialect.qualified(schema or None, name)} ({ref_cols})")
    text += f" ON DELETE {fk.on_delete}" if fk.on_delete != "NO ACTION" else ""
    text += f" ON UPDATE {fk.on_update}" if fk.on_update != "NO ACTION" else ""
    if fk.deferrable:
        text += " DEFERRABLE" + (" INITIALLY DEFERRED" if fk.initially_deferred else "")
    return text


def _unique_body(unique: UniqueConstraint, dialect: Dialect) -> str:
    return f"UNIQUE ({', '.join(dialect.quote(c) for c in unique.columns)})"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _do_if(condition: str, statements: list[str]) -> str:
    """A Postgres DO block running ``statements`` only while ``condition`` holds."""
    body = "".join(f"    {statement};\n" for statement in statements)
    return _do_block(f"BEGIN\n  IF {condition} THEN\n{body}  END IF;\nEND")


def _do_block(body: str) -> str:
    """``DO $tag$ body $tag$`` with a dollar-quote tag the body (names included) does not contain."""
    tag, n = "$$", 0
    while tag in body:
        n += 1
        tag = f"$auditor{n}$"
    return f"DO {tag}\n{body} {tag}"


def _constraint_absent(table: Table, name: str, dialect: Dialect) -> str:
    return (f"NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = {_literal(name)}"
            f" AND conrelid = {_literal(_table_sql(table, dialect))}::regclass)")


def _add_constraint(table: Table, name: str, body: str, dialect: Dialect) -> str:
    """Postgres has no ADD CONSTRAINT IF NOT EXISTS: check the catalog in a DO block."""
    return _do_if(_constraint_absent(table, name, dialect),
                  [f"ALTER TABLE {_table_sql(table, dialect)} ADD CONSTRAINT {dialect.quote(name)} {body}"])


def _drop_constraint(table: Table, name: str, dialect: Dialect) -> str:
    return f"ALTER TABLE {_table_sql(table, dialect)} DROP CONSTRAINT IF EXISTS {dialect.quote(name)}"


def comment_text(text: str) -> str:
    """Text made safe for a ``--`` comment: a line break in a name must not end the comment."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


def _manual(item: DriftItem, phase: str, why: str) -> Statement:
    return Statement(f"-- manual: {comment_text(why)}", item, phase, manual=True)


_REBUILD = "SQLite cannot alter this in place; it needs a table rebuild (not planned automatically yet)"


def _destructive(statement: Statement) -> Statement:
    return replace(statement, destructive=True)


# ---------------------------------------------------------------------------------------------
# Tables


def _create_table_sql(table: Table, dialect: Dialect) -> str:
    parts = [column_sql(c, table, dialect) for c in table.columns]
    autoincrement = any(c.identity == "autoincrement" for c in table.columns)
    if table.primary_key and not autoincrement:
        parts.append(f"PRIMARY KEY ({', '.join(dialect.quote(c) for c in table.primary_key.columns)})")
    parts += [(f"CONSTRAINT {dialect.quote(u.name)} " if u.name else "") + _unique_body(u, dialect)
              for u in table.unique_constraints]
    parts += [(f"CONSTRAINT {dialect.quote(c.name)} " if c.name else "") + f"CHECK ({c.expression})"
              for c in table.checks]
    # Postgres needs the referenced tables to exist first, so its foreign keys come in a later
    # phase; SQLite can only declare them here (it checks the target lazily).
    if not dialect.alter_constraints:
        parts += [(f"CONSTRAINT {dialect.quote(fk.name)} " if fk.name else "") + _references_sql(fk, dialect)
                  for fk in table.foreign_keys]
    body = ",\n  ".join(parts)
    return f"CREATE TABLE IF NOT EXISTS {_table_sql(table, dialect)} (\n  {body}\n)"


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


def _column_comment_sql(table: Table, col: Column, dialect: Dialect) -> str:
    target = f"{_table_sql(table, dialect)}.{dialect.quote(col.name)}"
    return f"COMMENT ON COLUMN {target} IS {_literal(col.comment) if col.comment is not None else 'NULL'}"


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
                      "drop_tables", destructive=True)]


def _renamed_table(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.want, ctx.dialect
    assert table is not None and item.actual is not None
    old = replace(table, name=item.actual)
    if dialect.guarded_blocks:
        sql = f"ALTER TABLE IF EXISTS {_table_sql(old, dialect)} RENAME TO {dialect.quote(table.name)}"
        return [Statement(sql, item, "renames")]
    sql = f"ALTER TABLE {_table_sql(old, dialect)} RENAME TO {dialect.quote(table.name)}"
    return [Statement(sql, item, "renames", guard=Guard(True, old.key))]


# ---------------------------------------------------------------------------------------------
# Columns


def _missing_column(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.want, ctx.dialect
    assert table is not None and item.name is not None
    col = table.column(item.name)
    assert col is not None
    if dialect.add_column_needs_constant_default:
        if not col.nullable and col.default is None:
            return [_manual(item, "add_columns", "SQLite cannot add a NOT NULL column without a default")]
        if col.default is not None and (col.default in _NON_CONSTANT_DEFAULTS or col.default.startswith("(")):
            return [_manual(item, "add_columns", f"SQLite cannot add a column with default {col.default}")]
        if col.identity or col.generated:
            return [_manual(item, "add_columns", "SQLite cannot add this kind of column; it needs a table rebuild")]
    if_not_exists = "IF NOT EXISTS " if dialect.add_column_if_not_exists else ""
    guard = None if if_not_exists else Guard(False, table.key, col.name)
    sql = f"ALTER TABLE {_table_sql(table, dialect)} ADD COLUMN {if_not_exists}{column_sql(col, table, dialect)}"
    # NOT NULL without a default fails on a table that has rows: held back like SET NOT NULL.
    may_fail = not col.nullable and col.default is None and not col.identity and not col.generated
    out = [Statement(sql, item, "add_columns", destructive=may_fail, guard=guard)]
    if col.comment is not None and dialect.has_comments:
        out.append(Statement(_column_comment_sql(table, col, dialect), item, "comments"))
    return out


def _extra_column(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.have, ctx.dialect
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


def _renamed_column(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.want, ctx.dialect
    assert table is not None and item.name is not None and item.actual is not None
    sql = (f"ALTER TABLE {_table_sql(table, dialect)} RENAME COLUMN {dialect.quote(item.actual)} "
           f"TO {dialect.quote(item.name)}")
    if not dialect.guarded_blocks:
        return [Statement(sql, item, "renames", guard=Guard(True, table.key, item.actual))]
    condition = (f"EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {_literal(_table_sql(table, dialect))}"
                 f"::regclass AND attname = {_literal(item.actual)} AND NOT attisdropped)")
    return [Statement(_do_if(condition, [sql]), item, "renames")]


_Clauses = Callable[[Column, Column, _Context], tuple[list[str], bool]]


def _alter_column(clauses_for: _Clauses) -> Callable[[DriftItem, _Context], list[Statement]]:
    """A builder for ALTER COLUMN changes; ``clauses_for`` gives the clauses and whether to hold back."""

    def build(item: DriftItem, ctx: _Context) -> list[Statement]:
        want, have, dialect = ctx.want, ctx.have, ctx.dialect
        assert want is not None and have is not None and item.name is not None
        if not dialect.alter_column:
            return [_manual(item, "alter_columns", _REBUILD)]
        col, live = want.column(item.name), have.column(item.name)
        assert col is not None and live is not None
        clauses, destructive = clauses_for(col, live, ctx)
        if not clauses:
            return [_manual(item, "alter_columns", f"Postgres cannot change this in place: {item.message}")]
        target = f"ALTER COLUMN {dialect.quote(col.name)}"
        sql = f"ALTER TABLE {_table_sql(want, dialect)} " + ", ".join(f"{target} {c}" for c in clauses)
        out = [Statement(sql, item, "alter_columns", destructive=destructive)]
        if item.kind in ("type_mismatch", "collation_mismatch"):
            out += _rebuild_views_reading(item, ctx, want, col)
        return out

    return build


def _rebuild_views_reading(item: DriftItem, ctx: _Context, table: Table, col: Column) -> list[Statement]:
    """Postgres refuses to change the type of a column a view reads: drop such views first and
    create them again (as the spec has them) afterwards, with the change."""
    out = []
    for view in ctx.actual.views:
        words = {t.text[1:-1].replace('""', '"') if t.kind == "qid" else t.text
                 for t in tokenize(view.definition, ctx.dialect)}
        if table.name in words and col.name in words:
            out += [_destructive(s) for s in _drop_view(item, view, ctx.dialect)]
            wanted = next((v for v in ctx.expected.views if v.key == view.key), None)
            out += [_destructive(_create_view(item, wanted, ctx.dialect))] if wanted else []
    return out


def _type_clauses(col: Column, live: Column, ctx: _Context) -> tuple[list[str], bool]:
    spelled = render_type(col.type, ctx.dialect)
    collate = f" COLLATE {ctx.dialect.quote_collation(col.collation)}" if col.collation else ""
    change = f"TYPE {spelled}{collate} USING {ctx.dialect.quote(col.name)}::{spelled}"
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
    leaving_key = ("primary_key_mismatch", None) in ctx.pending and ctx.have is not None and \
        ctx.have.primary_key is not None and col.name in ctx.have.primary_key.columns
    return ["DROP NOT NULL"], leaving_key


def _default_clauses(col: Column, live: Column, ctx: _Context) -> tuple[list[str], bool]:
    # A new default may only fit the new type: with a type change pending, it waits for it.
    waits_for_type = ("type_mismatch", col.name) in ctx.pending
    return (["DROP DEFAULT"] if col.default is None else [f"SET DEFAULT {col.default}"]), waits_for_type


def _identity(item: DriftItem, ctx: _Context) -> list[Statement]:
    want, have, dialect = ctx.want, ctx.have, ctx.dialect
    assert want is not None and have is not None and item.name is not None
    col, live = want.column(item.name), have.column(item.name)
    assert col is not None and live is not None
    if not dialect.alter_column:
        return [_manual(item, "alter_columns", _REBUILD)]
    table, column = _table_sql(want, dialect), dialect.quote(col.name)
    if col.identity is None:
        return [Statement(f"ALTER TABLE {table} ALTER COLUMN {column} DROP IDENTITY IF EXISTS", item,
                          "alter_columns", destructive=True)]
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
    return [Statement(_do_if(condition, steps), item, "alter_columns")]


def _collation_clauses(col: Column, live: Column, ctx: _Context) -> tuple[list[str], bool]:
    if ("type_mismatch", col.name) in ctx.pending:
        return [], True  # the type change carries the collation
    spelled = render_type(col.type, ctx.dialect)
    collate = ctx.dialect.quote_collation(col.collation) if col.collation else '"default"'
    return [f"TYPE {spelled} COLLATE {collate}"], True


def _generated_clauses(col: Column, live: Column, ctx: _Context) -> tuple[list[str], bool]:
    # Postgres can only stop generating a column (DROP EXPRESSION), not change what it computes.
    return (["DROP EXPRESSION IF EXISTS"], True) if col.generated is None else ([], True)


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
    if not dialect.alter_constraints:
        return [_manual(item, "primary_keys", _REBUILD)]
    drop = _drop_constraint(have, have.primary_key.name or f"{have.name}_pkey", dialect) if have.primary_key else None
    if not want.primary_key:
        assert drop is not None
        return [Statement(drop, item, "primary_keys", destructive=True)]
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
    return [Statement(_do_if(condition, steps), item, "primary_keys", destructive=True)]


# ---------------------------------------------------------------------------------------------
# Constraints and indexes


def _unique_of(table: Table | None, name: str | None) -> UniqueConstraint:
    assert table is not None
    return next(u for u in table.unique_constraints if (u.name or unique_name(table, u.columns)) == name)


def _check_of(table: Table | None, name: str | None) -> CheckConstraint:
    assert table is not None
    return next(c for c in table.checks if (c.name or check_name(table, c.expression)) == name)


# Adding a unique or check constraint, a foreign key or a unique index to a table that holds rows
# fails if a row violates it, so, like SET NOT NULL, it is held back unless --allow-destructive.
def _add_unique(item: DriftItem, ctx: _Context, destructive: bool = True) -> list[Statement]:
    if not ctx.dialect.alter_constraints:
        return [_manual(item, "add_constraints", _REBUILD)]
    assert ctx.want is not None and item.name is not None
    unique = _unique_of(ctx.want, item.name)
    sql = _add_constraint(ctx.want, item.name, _unique_body(unique, ctx.dialect), ctx.dialect)
    return [Statement(sql, item, "add_constraints", destructive=destructive)]


def _add_check(item: DriftItem, ctx: _Context, destructive: bool = True) -> list[Statement]:
    if not ctx.dialect.alter_constraints:
        return [_manual(item, "add_constraints", _REBUILD)]
    assert ctx.want is not None and item.name is not None
    check = _check_of(ctx.want, item.name)
    sql = _add_constraint(ctx.want, item.name, f"CHECK ({check.expression})", ctx.dialect)
    return [Statement(sql, item, "add_constraints", destructive=destructive)]


def _drop_named_constraint(item: DriftItem, ctx: _Context) -> list[Statement]:
    if not ctx.dialect.alter_constraints:
        return [_manual(item, "drop_constraints", _REBUILD)]
    assert ctx.have is not None and item.name is not None
    return [Statement(_drop_constraint(ctx.have, item.name, ctx.dialect), item, "drop_constraints", destructive=True)]


def _replace_constraint(add: Callable[..., list[Statement]]) -> Callable[[DriftItem, _Context], list[Statement]]:
    def build(item: DriftItem, ctx: _Context) -> list[Statement]:
        if not ctx.dialect.alter_constraints:
            return [_manual(item, "drop_constraints", _REBUILD)]
        return _drop_named_constraint(item, ctx) + add(item, ctx, destructive=True)

    return build


def _missing_index(item: DriftItem, ctx: _Context) -> list[Statement]:
    table = ctx.want
    assert table is not None and item.name is not None
    index = table.index(item.name)
    assert index is not None
    return [Statement(_index_sql(index, table, ctx.dialect), item, "create_indexes", destructive=index.unique)]


def _extra_index(item: DriftItem, ctx: _Context) -> list[Statement]:
    assert ctx.have is not None and item.name is not None
    return [Statement(_drop_index_sql(item.name, ctx.have, ctx.dialect), item, "drop_indexes", destructive=True)]


def _index_mismatch(item: DriftItem, ctx: _Context) -> list[Statement]:
    return _extra_index(item, ctx) + [_destructive(s) for s in _missing_index(item, ctx)]


def _add_fk_statement(item: DriftItem, table: Table, fk: ForeignKey, dialect: Dialect) -> Statement:
    sql = _add_constraint(table, fk_name(table, fk), _references_sql(fk, dialect), dialect)
    return Statement(sql, item, "add_foreign_keys")


def _missing_foreign_key(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.want, ctx.dialect
    assert table is not None
    if not dialect.alter_constraints:
        return [_manual(item, "add_foreign_keys", _REBUILD)]
    fk = next(f for f in table.foreign_keys if fk_name(table, f) == item.name)
    return [_destructive(_add_fk_statement(item, table, fk, dialect))]


def _extra_foreign_key(item: DriftItem, ctx: _Context) -> list[Statement]:
    table, dialect = ctx.have, ctx.dialect
    assert table is not None and item.name is not None
    if not dialect.alter_constraints:
        return [_manual(item, "drop_foreign_keys", _REBUILD)]
    return [Statement(_drop_constraint(table, item.name, dialect), item, "drop_foreign_keys", destructive=True)]


def _foreign_key_mismatch(item: DriftItem, ctx: _Context) -> list[Statement]:
    if not ctx.dialect.alter_constraints:
        return [_manual(item, "drop_foreign_keys", _REBUILD)]
    return _extra_foreign_key(item, ctx) + [_destructive(s) for s in _missing_foreign_key(item, ctx)]


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
    return [Statement(f"DROP TYPE IF EXISTS {_object_sql(enum, ctx.dialect)}", item, "drop_types", destructive=True)]


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
    return [Statement(sql, item, "drop_views", destructive=True)]


def _missing_view(item: DriftItem, ctx: _Context) -> list[Statement]:
    view = _view_of(item, ctx.expected)
    return _create_schema(item, view.schema, ctx.dialect) + [_create_view(item, view, ctx.dialect)]


def _extra_view(item: DriftItem, ctx: _Context) -> list[Statement]:
    return _drop_view(item, _view_of(item, ctx.actual), ctx.dialect)


def _view_mismatch(item: DriftItem, ctx: _Context) -> list[Statement]:
    return _extra_view(item, ctx) + [_destructive(s) for s in _missing_view(item, ctx)]


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
                      destructive=True)]


def _sequence_mismatch(item: DriftItem, ctx: _Context) -> list[Statement]:
    seq = _sequence_of(item, ctx.expected)
    return [Statement(f"ALTER SEQUENCE {_object_sql(seq, ctx.dialect)} {_sequence_options(seq)}", item,
                      "create_types")]


def _missing_extension(item: DriftItem, ctx: _Context) -> list[Statement]:
    return [Statement(f"CREATE EXTENSION IF NOT EXISTS {ctx.dialect.quote(item.table)}", item, "create_extensions")]


def _extra_extension(item: DriftItem, ctx: _Context) -> list[Statement]:
    return [Statement(f"DROP EXTENSION IF EXISTS {ctx.dialect.quote(item.table)}", item, "drop_extensions",
                      destructive=True)]


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


def render_script(statements: list[Statement], dialect: Dialect) -> str:
    """The plan as a SQL script for a person to read or run (``psql -f``, ``sqlite3``)."""
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
        note = " [destructive: apply needs --allow-destructive]" if st.destructive else ""
        lines.append(f"\n-- {item.kind} {comment_text(target)}{note}")
        lines.append(st.sql if st.manual else f"{st.sql};")
    return "\n".join(lines) + "\n"
