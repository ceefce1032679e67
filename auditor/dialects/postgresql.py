"""Postgres's catalog, read with three bulk queries whatever the number of tables.

The server formats types, defaults and predicates itself (``format_type``, ``pg_get_expr``,
``pg_get_indexdef``), so what we compare is the engine's own spelling, canonicalized by ``canon``.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from auditor.model import Column, ForeignKey, Index, PrimaryKey, Schema, Table, UniqueConstraint

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_TABLES_AND_COLUMNS_SQL = """
SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid)
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef AS d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY(%(schemas)s)
ORDER BY n.nspname, c.relname, a.attnum"""

# Indexes that back a unique or exclusion constraint belong to that constraint, not to the
# table's index list; the primary key's index gives the key itself.
_INDEXES_SQL = """
SELECT n.nspname, t.relname, i.relname, ix.indisunique, ix.indisprimary,
       pg_get_expr(ix.indpred, ix.indrelid),
       ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true)
             FROM generate_series(1, ix.indnkeyatts) AS k ORDER BY k),
       con.contype
FROM pg_index AS ix
JOIN pg_class AS i ON i.oid = ix.indexrelid
JOIN pg_class AS t ON t.oid = ix.indrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
LEFT JOIN pg_constraint AS con ON con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x')
WHERE t.relkind IN ('r', 'p') AND NOT t.relispartition AND n.nspname = ANY(%(schemas)s)
ORDER BY n.nspname, t.relname, i.relname"""

_FOREIGN_KEYS_SQL = """
SELECT n.nspname, t.relname, con.conname,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord)
             JOIN pg_attribute AS a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord),
       rn.nspname, rt.relname,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord)
             JOIN pg_attribute AS a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord),
       con.confdeltype, con.confupdtype
FROM pg_constraint AS con
JOIN pg_class AS t ON t.oid = con.conrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
JOIN pg_class AS rt ON rt.oid = con.confrelid
JOIN pg_namespace AS rn ON rn.oid = rt.relnamespace
WHERE con.contype = 'f' AND n.nspname = ANY(%(schemas)s)
ORDER BY n.nspname, t.relname, con.conname"""

FK_ACTION_CODES = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}

# The number of catalog queries one inspection runs, whatever the table count.
QUERY_COUNT = 3


def read_schema(conn: Connection, schemas: tuple[str, ...] = ("public",)) -> Schema:
    """The tables of the given namespaces, raw (not yet canonical)."""
    params = {"schemas": list(schemas)}
    columns: dict[tuple[str, str], list[Column]] = {}
    for nsp, table, name, type_, notnull, default in conn.exec_driver_sql(_TABLES_AND_COLUMNS_SQL, params):
        cols = columns.setdefault((nsp, table), [])
        if name is not None:
            cols.append(Column(name, type_, not notnull, default))
    indexes: dict[tuple[str, str], list[Index]] = defaultdict(list)
    primary_keys: dict[tuple[str, str], PrimaryKey] = {}
    uniques: dict[tuple[str, str], list[UniqueConstraint]] = defaultdict(list)
    for nsp, table, index, unique, primary, where, elements, contype in conn.exec_driver_sql(_INDEXES_SQL, params):
        if primary:
            primary_keys[(nsp, table)] = PrimaryKey(tuple(elements), index)
        elif contype == "u":
            uniques[(nsp, table)].append(UniqueConstraint(tuple(elements), index))
        elif contype is None:
            indexes[(nsp, table)].append(Index(index, tuple(elements), unique, where))
    foreign_keys: dict[tuple[str, str], list[ForeignKey]] = defaultdict(list)
    for row in conn.exec_driver_sql(_FOREIGN_KEYS_SQL, params):
        nsp, table, name, cols, ref_nsp, ref_table, ref_cols, on_delete, on_update = row
        foreign_keys[(nsp, table)].append(ForeignKey(
            tuple(cols), f"{ref_nsp}.{ref_table}", tuple(ref_cols),
            FK_ACTION_CODES[on_delete], FK_ACTION_CODES[on_update], name))
    return Schema(tables=tuple(
        Table(name=table, schema=nsp, columns=tuple(cols), primary_key=primary_keys.get((nsp, table)),
              indexes=tuple(indexes[(nsp, table)]), foreign_keys=tuple(foreign_keys[(nsp, table)]),
              unique_constraints=tuple(uniques[(nsp, table)]))
        for (nsp, table), cols in columns.items()
    ))
