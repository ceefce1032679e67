"""SQLite's catalog, read with pragma table-valued functions: one query per kind of object.

What the pragmas do not report (collations, AUTOINCREMENT, generation expressions, CHECK
constraints, partial-index predicates, view bodies) is read from the stored CREATE statements.
"""
from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from auditor.canon import Token, render_tokens, tokenize
from auditor.dialects import SQLITE
from auditor.model import (
    CheckConstraint, Column, ForeignKey, Index, PrimaryKey, Schema, Table, Trigger, UniqueConstraint, View,
    interned_column, raw_expr)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_C = TypeVar("_C", UniqueConstraint, ForeignKey)

_USER_TABLES = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"

# hidden: 0 a plain column, 2 a virtual and 3 a stored generated column (1: a virtual table's).
# pragma_table_list tells plain tables from virtual (FTS, R*Tree) and shadow ones, which belong to
# their module and are not compared.
_PLAIN_TABLES = (f"{_USER_TABLES} AND m.name IN "
                 "(SELECT tl.name FROM pragma_table_list AS tl WHERE tl.schema = 'main' AND tl.type = 'table')")

# pragma_table_list reports WITHOUT ROWID (wr) and STRICT since SQLite 3.37; before, they are
# read from the end of the CREATE TABLE text.
# (A join: as a subquery per table, pragma_table_list cost the query a third more at 500 tables,
# joined a tenth.)
_KINDS_FROM_PRAGMA = sqlite3.sqlite_version_info >= (3, 37)
# Joined, pragma_table_list also says which tables are plain ones, in place of _PLAIN_TABLES's
# subquery.
_KINDS_SQL, _KINDS_JOIN, _COLUMN_TABLES = (
    ("tl.wr + 2 * tl.strict",
     "JOIN pragma_table_list AS tl ON tl.name = m.name AND tl.schema = 'main' AND tl.type = 'table'", _USER_TABLES)
    if _KINDS_FROM_PRAGMA else ("NULL", "", _PLAIN_TABLES))

# The CREATE TABLE text and the table's kind only on each table's first row: repeated on every
# column row, copying the text was most of the query's time on large schemas.
_COLUMNS_SQL = f"""
SELECT m.name, CASE WHEN p.cid = 0 THEN m.sql END, CASE WHEN p.cid = 0 THEN {_KINDS_SQL} END,
       p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
FROM sqlite_master AS m {_KINDS_JOIN} JOIN pragma_table_xinfo(m.name) AS p
WHERE {_COLUMN_TABLES}
ORDER BY m.name, p.cid"""

# origin 'c' = made by CREATE INDEX; 'u' backs a UNIQUE constraint; 'pk' the primary key
# (which table_info gives already). key = 0 rows are the rowid the index stores, not elements.
_INDEXES_SQL = f"""
SELECT m.name, il.name, il.origin, il."unique", il.partial, ii.name, ii."desc", s.sql, ii.coll
FROM sqlite_master AS m
JOIN pragma_index_list(m.name) AS il
JOIN pragma_index_xinfo(il.name) AS ii
LEFT JOIN sqlite_master AS s ON s.type = 'index' AND s.name = il.name
WHERE {_PLAIN_TABLES} AND il.origin IN ('c', 'u') AND ii.key = 1
ORDER BY m.name, il.name, ii.seqno"""

_FOREIGN_KEYS_SQL = f"""
SELECT m.name, f.id, f."table", f."from", f."to", f.on_delete, f.on_update
FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f
WHERE {_PLAIN_TABLES}
ORDER BY m.name, f.id, f.seq"""

_VIEWS_SQL = "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name"

_TRIGGERS_SQL = "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL ORDER BY name"


def read_schema(conn: Connection, schemas: tuple[str, ...] = ()) -> Schema:
    """Every user table and view of the main database, raw (not yet canonical). ``schemas`` is unused."""
    columns: dict[str, list[Column]] = defaultdict(list)
    pk_positions: dict[str, list[tuple[int, str]]] = defaultdict(list)
    table_sql: dict[str, TableSql] = {}
    created: dict[str, tuple[str | None, int]] = {}  # the CREATE text and the kind bits, per table
    for table, sql, kinds, name, type_, notnull, default, pk, hidden in conn.exec_driver_sql(_COLUMNS_SQL).all():
        info = table_sql.get(table)
        if info is None:  # once per table, not per column
            info = table_sql[table] = parse_create_table(str(sql or ""))
            created[table] = (sql, kinds if kinds is not None else table_kind_bits(str(sql or "")))
        extra = info.columns.get(name.lower(), ColumnSql())
        columns[table].append(interned_column(
            name, type_ or "", not notnull, raw_expr(_string_default(default)),
            "autoincrement" if extra.autoincrement else None,
            raw_expr(extra.generated) if hidden in (2, 3) else None, extra.collation, None, None))
        if pk:
            pk_positions[table].append((pk, name))
    primary_keys = {t: tuple(name for _, name in sorted(p)) for t, p in pk_positions.items()}
    indexes, uniques = _read_indexes(conn, table_sql)
    foreign_keys = _read_foreign_keys(conn, primary_keys)
    triggers: dict[str, list[Trigger]] = defaultdict(list)
    for table, name, sql in conn.exec_driver_sql(_TRIGGERS_SQL):
        triggers[table.lower()].append(Trigger(name, sql=sql))
    for table, info in table_sql.items():
        uniques[table] = [_named(u, info.unique_names) for u in uniques.get(table, [])]
        foreign_keys[table] = [_deferred(_named(fk, info.foreign_key_names), info.foreign_key_deferral)
                               for fk in foreign_keys.get(table, [])]
    tables = tuple(
        Table(
            name=table,
            columns=tuple(cols),
            primary_key=PrimaryKey(primary_keys[table]) if table in primary_keys else None,
            indexes=tuple(indexes.get(table, ())),
            foreign_keys=tuple(foreign_keys.get(table, ())),
            unique_constraints=tuple(uniques.get(table, ())),
            checks=tuple(table_sql[table].checks),
            without_rowid=bool(created[table][1] & 1),
            strict=bool(created[table][1] & 2),
            sql=created[table][0],
            triggers=tuple(triggers.get(table.lower(), ())),
        )
        for table, cols in columns.items()
    )
    views = tuple(View(name, None, raw_expr(view_body(str(sql or "")))) for name, sql in conn.exec_driver_sql(_VIEWS_SQL))
    return Schema(tables=tables, views=views)


def _named(constraint: _C, names: dict[tuple[str, ...], str]) -> _C:
    """The constraint with the name its CREATE TABLE gave it, if any."""
    name = names.get(tuple(c.lower() for c in constraint.columns))
    return replace(constraint, name=name) if name else constraint


def _deferred(fk: ForeignKey, deferral: dict[tuple[str, ...], tuple[bool, bool]]) -> ForeignKey:
    """The foreign key with the DEFERRABLE its CREATE TABLE gave it, if any."""
    said = deferral.get(tuple(c.lower() for c in fk.columns))
    return replace(fk, deferrable=said[0], initially_deferred=said[1]) if said else fk


def _string_default(default: str | None) -> str | None:
    """SQLite reads DEFAULT "text" as a string (a default cannot name a column): say so in SQL."""
    if default and len(default) > 1 and default[0] == default[-1] == '"':
        return "'" + default[1:-1].replace('""', '"').replace("'", "''") + "'"
    return default


def _read_indexes(conn: Connection, table_sql: dict[str, TableSql]
                  ) -> tuple[dict[str, list[Index]], dict[str, list[UniqueConstraint]]]:
    rows: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for table, index, origin, unique, partial, column, desc, sql, collation in conn.exec_driver_sql(_INDEXES_SQL).all():
        if origin == "c" and column is not None and collation.upper() != _declared_collation(table_sql, table, column):
            column = f"{SQLITE.quote(column)} COLLATE {collation}"  # an element, no longer a bare name
        rows[(table, index)].append((origin, unique, partial, column, desc, sql))
    indexes: dict[str, list[Index]] = defaultdict(list)
    uniques: dict[str, list[UniqueConstraint]] = defaultdict(list)
    for (table, index), parts in rows.items():
        origin, unique, partial, _, _, sql = parts[0]
        names = [column for _, _, _, column, _, _ in parts]
        if origin == "u":
            uniques[table].append(UniqueConstraint(tuple(names)))
            continue
        # Plain columns: the pragma's names and order flags. Expressions and predicates are only
        # in the CREATE INDEX statement, which is parsed just for those.
        elements = [name + (" DESC" if desc else "") for _, _, _, name, desc, _ in parts] if all(names) else []
        where = None
        if partial or not elements:
            parsed, where = index_sql_parts(str(sql or ""))
            elements = elements or parsed
        indexes[table].append(Index(index, tuple(elements), bool(unique), raw_expr(where) if partial else None))
    return indexes, uniques


def _declared_collation(table_sql: dict[str, TableSql], table: str, column: str) -> str:
    """The collation a column's definition gives it (an index on it uses that by default)."""
    info = table_sql.get(table)
    declared = info.columns.get(column.lower()) if info else None
    return (declared.collation or "BINARY").upper() if declared else "BINARY"


def _read_foreign_keys(conn: Connection, primary_keys: dict[str, tuple[str, ...]]) -> dict[str, list[ForeignKey]]:
    grouped: dict[tuple[str, int], list[tuple[str, str, str | None, str, str]]] = defaultdict(list)
    for table, fk_id, ref_table, col, ref_col, on_delete, on_update in conn.exec_driver_sql(_FOREIGN_KEYS_SQL).all():
        grouped[(table, fk_id)].append((ref_table, col, ref_col, on_delete, on_update))
    out: dict[str, list[ForeignKey]] = defaultdict(list)
    for (table, _), parts in grouped.items():
        ref_table, _, _, on_delete, on_update = parts[0]
        ref_columns = [ref_col for _, _, ref_col, _, _ in parts]
        if not all(ref_columns):  # "REFERENCES users" without columns means users' primary key
            ref_columns = list(primary_keys.get(ref_table, ()))
        out[table].append(ForeignKey(
            columns=tuple(col for _, col, _, _, _ in parts),
            ref_table=ref_table,
            ref_columns=tuple(str(c) for c in ref_columns),
            on_delete=on_delete,
            on_update=on_update,
        ))
    return out


# ---------------------------------------------------------------------------------------------
# The stored CREATE statements


@dataclass
class ColumnSql:
    """What a column definition says beyond what the pragmas report."""

    collation: str | None = None
    autoincrement: bool = False
    generated: str | None = None


@dataclass
class TableSql:
    """What a CREATE TABLE statement says beyond what the pragmas report."""

    columns: dict[str, ColumnSql] = field(default_factory=dict)  # keyed by lower-cased name
    checks: list[CheckConstraint] = field(default_factory=list)
    # Names of table-level UNIQUE and FOREIGN KEY constraints, by their lower-cased columns.
    unique_names: dict[tuple[str, ...], str] = field(default_factory=dict)
    foreign_key_names: dict[tuple[str, ...], str] = field(default_factory=dict)
    # (DEFERRABLE, INITIALLY DEFERRED) of the foreign keys that say DEFERRABLE, by their lower-cased
    # columns (pragma_foreign_key_list does not report it).
    foreign_key_deferral: dict[tuple[str, ...], tuple[bool, bool]] = field(default_factory=dict)


_TABLE_CONSTRAINT_WORDS = frozenset({"constraint", "primary", "unique", "check", "foreign"})


def _split_top_level(tokens: list[Token]) -> list[list[Token]]:
    """Tokens split at the commas that are not inside parentheses."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.kind == "op" and tok.text in "()":
            depth += 1 if tok.text == "(" else -1
        if depth == 0 and tok == Token("op", ","):
            parts.append([])
        else:
            parts[-1].append(tok)
    return [p for p in parts if p]


def _group_after(tokens: list[Token], start: int) -> tuple[list[Token], int]:
    """The tokens inside the parenthesis that opens at or after ``start``, and the index after it."""
    open_at = next(i for i in range(start, len(tokens)) if tokens[i] == Token("op", "("))
    depth = 0
    for i in range(open_at, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[i].text, 0) if tokens[i].kind == "op" else 0
        if depth == 0:
            return tokens[open_at + 1:i], i + 1
    return tokens[open_at + 1:], len(tokens)


def _name(tok: Token) -> str:
    """A name token as SQLite reads it. A string is a name too where a name stands: a constraint's
    ``CONSTRAINT "ck"`` reads as one once a double-quoted word naming no column is a string."""
    if tok.kind == "qid":
        return tok.text[1:-1].replace('""', '"')
    return tok.text[1:-1].replace("''", "'") if tok.kind == "str" else tok.text


# Every word parse_create_table looks for; a statement with none of them (anywhere, even in a
# string) has nothing to add to the pragmas, and is not tokenized at all.
_TABLE_SQL_WORDS_RE = re.compile(r"\b(?:collate|autoincrement|check|constraint|as|deferrable)\b", re.IGNORECASE)


def parse_create_table(sql: str) -> TableSql:
    """Collations, AUTOINCREMENT, generation expressions and CHECKs of a CREATE TABLE statement."""
    out = TableSql()
    if not _TABLE_SQL_WORDS_RE.search(sql):
        return out
    tokens = tokenize(sql, SQLITE)
    if Token("op", "(") not in tokens:
        return out  # CREATE TABLE ... AS SELECT
    body, _ = _group_after(tokens, 0)
    names = frozenset(_name(p[0]) for p in _split_top_level(body)
                      if not (p[0].kind == "word" and p[0].text in _TABLE_CONSTRAINT_WORDS))
    # Read again knowing the columns: a double-quoted word that names none of them is a string.
    body, _ = _group_after(tokenize(sql, SQLITE, names), 0)
    for part in _split_top_level(body):
        if part[0].kind == "word" and part[0].text in _TABLE_CONSTRAINT_WORDS:
            out.checks += _checks_in(part, out)
            columns = _foreign_key_columns(part)
        else:
            out.columns[_name(part[0]).lower()] = _column_sql(part)
            out.checks += _checks_in(part)
            columns = (_name(part[0]).lower(),)
        deferral = _deferral(part)
        if columns and deferral is not None:
            out.foreign_key_deferral[columns] = deferral
    return out


def _foreign_key_columns(part: list[Token]) -> tuple[str, ...]:
    """The lower-cased columns of a table constraint's ``FOREIGN KEY (...)``; () for another kind."""
    at = next((i for i, tok in enumerate(part) if tok == Token("word", "foreign")), None)
    if at is None:
        return ()
    inner, _ = _group_after(part, at)
    return tuple(_name(group[0]).lower() for group in _split_top_level(inner))


def _deferral(part: list[Token]) -> tuple[bool, bool] | None:
    """(deferrable, initially deferred) of the REFERENCES clause in a definition that says
    ``[NOT] DEFERRABLE [INITIALLY DEFERRED | IMMEDIATE]``; None when it says neither."""
    words = [t.text if t.kind == "word" else "" for t in part]
    if "references" not in words or "deferrable" not in words[words.index("references"):]:
        return None
    at = words.index("deferrable", words.index("references"))
    if at and words[at - 1] == "not":
        return (False, False)
    return (True, words[at + 1:at + 3] == ["initially", "deferred"])


def _checks_in(part: list[Token], out: TableSql | None = None) -> list[CheckConstraint]:
    """The CHECKs of a column or table-constraint definition; names of named UNIQUE and FOREIGN
    KEY constraints go to ``out``."""
    checks, name, i = [], None, 0
    while i < len(part):
        tok = part[i]
        if tok == Token("word", "constraint") and i + 1 < len(part):
            name, i = _name(part[i + 1]), i + 2
            continue
        if tok == Token("word", "check"):
            inner, i = _group_after(part, i)
            checks.append(CheckConstraint(raw_expr(render_tokens(inner)), name))  # type: ignore[arg-type]
            name = None
            continue
        if tok.kind == "word" and tok.text in ("unique", "foreign") and name and out is not None:
            inner, i = _group_after(part, i)
            columns = tuple(_name(group[0]).lower() for group in _split_top_level(inner))
            (out.unique_names if tok.text == "unique" else out.foreign_key_names)[columns] = name
            name = None
            continue
        i += 1
    return checks


def _column_sql(part: list[Token]) -> ColumnSql:
    info = ColumnSql()
    i = 1
    while i < len(part):
        tok = part[i]
        if tok == Token("word", "collate") and i + 1 < len(part):
            info.collation = _name(part[i + 1])
            i += 2
            continue
        if tok == Token("word", "autoincrement"):
            info.autoincrement = True
        if tok == Token("word", "as") and i + 1 < len(part) and part[i + 1] == Token("op", "("):
            inner, i = _group_after(part, i)
            info.generated = render_tokens(inner)
            continue
        if tok == Token("word", "check"):  # skip its expression: it may hold COLLATE or AS
            _, i = _group_after(part, i)
            continue
        i += 1
    return info


def table_kind_bits(sql: str) -> int:
    """WITHOUT ROWID (1) and STRICT (2) from the table options after a CREATE TABLE's column list
    (where pragma_table_list does not report them)."""
    tokens = tokenize(sql, SQLITE)
    if Token("op", "(") not in tokens:
        return 0  # CREATE TABLE ... AS SELECT
    _, after = _group_after(tokens, 0)
    words = {t.text for t in tokens[after:] if t.kind == "word"}
    return (1 if "rowid" in words else 0) | (2 if "strict" in words else 0)


def view_body(sql: str) -> str:
    """The SELECT of a ``CREATE VIEW name [(cols)] AS select`` statement."""
    tokens = tokenize(sql, SQLITE)
    at = next((i for i, t in enumerate(tokens) if t == Token("word", "as")), None)
    return render_tokens(tokens[at + 1:]) if at is not None else sql


def index_sql_parts(sql: str) -> tuple[list[str], str | None]:
    """The element list and WHERE clause of a ``CREATE INDEX`` statement, as SQL text."""
    tokens = tokenize(sql, SQLITE)
    on = next((i for i, t in enumerate(tokens) if t == Token("word", "on")), None)
    if on is None or Token("op", "(") not in tokens[on:]:
        return [], None
    inner, after = _group_after(tokens, on)
    rest = tokens[after:]
    where = render_tokens(rest[1:]) if rest and rest[0] == Token("word", "where") else None
    return [render_tokens(e) for e in _split_top_level(inner)], where
