"""SQLite's catalog, read with pragma table-valued functions: one query per kind of object."""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from auditor.canon import Token, render_tokens, tokenize
from auditor.dialects import SQLITE
from auditor.model import Column, ForeignKey, Index, PrimaryKey, Schema, Table, UniqueConstraint

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_USER_TABLES = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"

_COLUMNS_SQL = f"""
SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.pk
FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
WHERE {_USER_TABLES}
ORDER BY m.name, p.cid"""

# origin 'c' = made by CREATE INDEX; 'u' backs a UNIQUE constraint; 'pk' the primary key
# (which table_info gives already).
_INDEXES_SQL = f"""
SELECT m.name, il.name, il.origin, il."unique", il.partial, ii.name, s.sql
FROM sqlite_master AS m
JOIN pragma_index_list(m.name) AS il
JOIN pragma_index_info(il.name) AS ii
LEFT JOIN sqlite_master AS s ON s.type = 'index' AND s.name = il.name
WHERE {_USER_TABLES} AND il.origin IN ('c', 'u')
ORDER BY m.name, il.name, ii.seqno"""

_FOREIGN_KEYS_SQL = f"""
SELECT m.name, f.id, f."table", f."from", f."to", f.on_delete, f.on_update
FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f
WHERE {_USER_TABLES}
ORDER BY m.name, f.id, f.seq"""


def read_schema(conn: Connection, schemas: tuple[str, ...] = ()) -> Schema:
    """Every user table of the main database, raw (not yet canonical). ``schemas`` is unused."""
    columns: dict[str, list[Column]] = defaultdict(list)
    pk_positions: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for table, name, type_, notnull, default, pk in conn.exec_driver_sql(_COLUMNS_SQL):
        columns[table].append(Column(name, type_ or "", not notnull, default))
        if pk:
            pk_positions[table].append((pk, name))
    primary_keys = {t: tuple(name for _, name in sorted(p)) for t, p in pk_positions.items()}
    indexes, uniques = _read_indexes(conn)
    foreign_keys = _read_foreign_keys(conn, primary_keys)
    tables = tuple(
        Table(
            name=table,
            columns=tuple(cols),
            primary_key=PrimaryKey(primary_keys[table]) if table in primary_keys else None,
            indexes=tuple(indexes.get(table, ())),
            foreign_keys=tuple(foreign_keys.get(table, ())),
            unique_constraints=tuple(uniques.get(table, ())),
        )
        for table, cols in columns.items()
    )
    return Schema(tables=tables)


def _read_indexes(conn: Connection) -> tuple[dict[str, list[Index]], dict[str, list[UniqueConstraint]]]:
    rows: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for table, index, origin, unique, partial, column, sql in conn.exec_driver_sql(_INDEXES_SQL):
        rows[(table, index)].append((origin, unique, partial, column, sql))
    indexes: dict[str, list[Index]] = defaultdict(list)
    uniques: dict[str, list[UniqueConstraint]] = defaultdict(list)
    for (table, index), parts in rows.items():
        origin, unique, partial, _, sql = parts[0]
        names = [column for _, _, _, column, _ in parts]
        if origin == "u":
            uniques[table].append(UniqueConstraint(tuple(names)))
            continue
        elements, where = index_sql_parts(str(sql or ""))
        columns = tuple(names) if all(names) else tuple(elements)
        indexes[table].append(Index(index, columns, bool(unique), where if partial else None))
    return indexes, uniques


def _read_foreign_keys(conn: Connection, primary_keys: dict[str, tuple[str, ...]]) -> dict[str, list[ForeignKey]]:
    grouped: dict[tuple[str, int], list[tuple[str, str, str | None, str, str]]] = defaultdict(list)
    for table, fk_id, ref_table, col, ref_col, on_delete, on_update in conn.exec_driver_sql(_FOREIGN_KEYS_SQL):
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


def index_sql_parts(sql: str) -> tuple[list[str], str | None]:
    """The element list and WHERE clause of a ``CREATE INDEX`` statement, as SQL text."""
    tokens = tokenize(sql, SQLITE)
    try:
        start = next(i for i, t in enumerate(tokens) if t == Token("word", "on")) + 1
        start = tokens.index(Token("op", "("), start)
    except (StopIteration, ValueError):
        return [], None
    depth, elements, current = 0, [], []
    for i in range(start, len(tokens)):
        tok = tokens[i]
        depth += {"(": 1, ")": -1}.get(tok.text, 0) if tok.kind == "op" else 0
        if depth == 0:
            elements.append(current)
            rest = tokens[i + 1:]
            break
        if depth == 1 and tok in (Token("op", ","), Token("op", "(")):
            if tok.text == ",":
                elements.append(current)
                current = []
            continue
        current.append(tok)
    else:
        return [], None
    where = render_tokens(rest[1:]) if rest and rest[0] == Token("word", "where") else None
    return [render_tokens(e) for e in elements], where
