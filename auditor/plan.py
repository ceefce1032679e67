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
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping

from auditor.canon import render_type, serial_shorthand, tokenize
from auditor.diff import DriftItem, check_name, fk_name, resolve_renames, unique_name
from auditor.dialects import Dialect
from auditor.hazards import (
    ACQUIRES_ACCESS_EXCLUSIVE_LOCK, ACQUIRES_SHARE_LOCK, BACKWARD_INCOMPATIBLE, DELETES_DATA, INDEX_BUILD,
    INDEX_DROPPED, MAY_FAIL_ON_EXISTING_DATA, TABLE_REWRITE, ordered)
from auditor.rebuild import Rebuild
from auditor.model import (
    CheckConstraint, Column, Enum, ForeignKey, Index, Schema, Sequence, Table, UniqueConstraint, View, display_name)

# Phases, in the order they run:
# - renames first: every later statement uses the new names;
# - then whatever is in the way goes: views (they pin the columns they read), foreign keys,
#   constraints and indexes, so that columns and tables can change under them;
# - extensions, schemas, enums and sequences exist before the tables that use them; tables
#   before their columns; columns before the keys and indexes on them; every table before the
#   foreign keys that reference it; views once all they select from is there;
# - a primary key changes before column alterations, because a column leaving the key can only
#   then drop its NOT NULL;
# - SQLite's table rebuilds come once every table and index they may point to exists;
# - drops of columns, tables, types and extensions come last, once nothing planned needs them;
# - VALIDATE CONSTRAINT runs after the main transaction commits: the scan then holds only a lock
#   that lets reads and writes go on.
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
    "rebuild_tables",
    "add_foreign_keys",
    "create_views",
    "comments",
    "drop_columns",
    "drop_tables",
    "drop_types",
    "drop_extensions",
    "validate",
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
class Precheck:
    """A query counting the rows that would make a statement fail; ``message`` has ``{count}``."""

    sql: str
    message: str

    def describe(self, count: int) -> str:
        """The message for ``count`` offending rows."""
        return self.message.format(count=count)


@dataclass(frozen=True)
class Statement:
    """One planned change. ``sql`` has no trailing semicolon; for ``manual`` it is a comment."""

    sql: str
    fixes: DriftItem
    phase: str
    hazards: tuple[str, ...] = ()
    manual: bool = False
    guard: Guard | None = None
    prechecks: tuple[Precheck, ...] = ()
    # CONCURRENTLY and VALIDATE run on their own, after (or, for drops, before) the main transaction.
    own_transaction: bool = False
    rebuild: Rebuild | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "hazards", ordered(self.hazards))  # each once, in vocabulary order

    @property
    def summary(self) -> str:
        """One line saying what the statement does (inside a DO block: its first DDL line)."""
        if self.rebuild:
            return f"rebuild table {self.rebuild.table} (create, copy, drop, rename)"
        lines = [line.strip().rstrip(";") for line in self.sql.splitlines() if line.strip()]
        ddl = [line for line in lines if line.split(" ")[0] in _DDL_WORDS]
        return (ddl or lines or [""])[0]

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the statement."""
        out: dict[str, object] = {"sql": self.sql, "phase": self.phase, "hazards": list(self.hazards),
                                  "manual": self.manual, "fixes": self.fixes.to_dict()}
        if self.prechecks:
            out["prechecks"] = [{"sql": p.sql, "message": p.message} for p in self.prechecks]
        if self.own_transaction:
            out["own_transaction"] = True
        return out


@dataclass(frozen=True)
class _Context:
    expected: Schema
    actual: Schema  # with declared renames already made
    want: Table | None
    have: Table | None
    dialect: Dialect
    # (kind, name) of every drift item on the same table: some fixes must wait for others.
    pending: frozenset[tuple[str, str | None]] = frozenset()
    concurrent: bool = False  # build and drop indexes CONCURRENTLY (Postgres)

    @property
    def existing(self) -> bool:
        """True when the table holds rows already (it is not created by this plan)."""
        return self.have is not None


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


# Placeholder of a change SQLite cannot make in place: _rebuild_tables swaps every statement of
# such a table for one rebuild.
_REBUILD = "SQLite cannot alter this in place; it needs a table rebuild"


def _with(statement: Statement, *hazards: str) -> Statement:
    """The statement with more hazards."""
    return replace(statement, hazards=(*statement.hazards, *hazards))


def _needs_rebuild(statement: Statement) -> bool:
    return statement.manual and statement.phase == "rebuild_tables"  # only placeholders are both


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


# ---------------------------------------------------------------------------------------------
# Pre-checks: queries counting the rows a new rule would reject. They run on both engines.


def _count(table: Table, where: str, dialect: Dialect) -> str:
    return f"SELECT count(*) FROM {_table_sql(table, dialect)} WHERE {where}"


def _nulls_precheck(table: Table, column: str, dialect: Dialect) -> Precheck:
    return Precheck(_count(table, f"{dialect.quote(column)} IS NULL", dialect),
                    f"{{count}} row(s) of {display_name(table.schema, table.name)} have NULL {column}")


def _rows_precheck(table: Table, column: str, dialect: Dialect) -> Precheck:
    """A NOT NULL column without a default: every existing row would break it."""
    return Precheck(f"SELECT count(*) FROM {_table_sql(table, dialect)}",
                    f"{{count}} row(s) of {display_name(table.schema, table.name)} would have NULL {column}")


_ORDER_WORDS = re.compile(r"\s+(?:asc|desc)?\s*(?:nulls\s+(?:first|last))?$")


def _duplicates_precheck(table: Table, elements: tuple[str, ...], dialect: Dialect,
                         where: str | None = None, key: bool = False) -> Precheck:
    """Rows sharing a value of ``elements`` (and, for a primary ``key``, rows with a NULL in it)."""
    names = {c.name for c in table.columns}
    exprs = [dialect.quote(e) if e in names else f"({_ORDER_WORDS.sub('', e)})" for e in elements]
    filters = [f"{e} IS NOT NULL" for e in exprs] + ([f"({where})"] if where else [])
    groups = (f"SELECT count(*) AS n FROM {_table_sql(table, dialect)} WHERE {' AND '.join(filters)} "
              f"GROUP BY {', '.join(exprs)} HAVING count(*) > 1")
    sql = f"SELECT coalesce(sum(n), 0) FROM ({groups}) AS repeated"
    label, listed = display_name(table.schema, table.name), ", ".join(elements)
    if key:
        nulls = _count(table, " OR ".join(f"{e} IS NULL" for e in exprs), dialect)
        return Precheck(f"SELECT ({sql}) + ({nulls})", f"{{count}} row(s) of {label} have a NULL or repeated ({listed})")
    return Precheck(sql, f"{{count}} row(s) of {label} repeat a value of ({listed})")


def _check_precheck(table: Table, expression: str, dialect: Dialect) -> Precheck:
    return Precheck(_count(table, f"NOT ({expression})", dialect),
                    f"{{count}} row(s) of {display_name(table.schema, table.name)} break CHECK ({expression})")


def _foreign_key_precheck(table: Table, fk: ForeignKey, dialect: Dialect) -> Precheck:
    schema, _, name = fk.ref_table.rpartition(".")
    parent = dialect.qualified(schema or None, name)
    child = [f"c.{dialect.quote(c)}" for c in fk.columns]
    match = " AND ".join(f"p.{dialect.quote(r)} = {c}" for r, c in zip(fk.ref_columns, child))
    where = " AND ".join(f"{c} IS NOT NULL" for c in child)
    sql = (f"SELECT count(*) FROM {_table_sql(table, dialect)} AS c WHERE {where} "
           f"AND NOT EXISTS (SELECT 1 FROM {parent} AS p WHERE {match})")
    return Precheck(sql, f"{{count}} row(s) of {display_name(table.schema, table.name)} point to no row of "
                         f"{display_name(schema or None, name)}")


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
