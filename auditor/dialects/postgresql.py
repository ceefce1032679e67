"""Postgres's catalog, read with a fixed number of bulk queries whatever the number of tables.

The server formats types, defaults, predicates and definitions itself (``format_type``,
``pg_get_expr``, ``pg_get_indexdef``, ``pg_get_constraintdef``, ``pg_get_viewdef``), so what we
compare is the engine's own spelling, canonicalized by ``canon``. Objects that belong to an
extension (``pg_depend.deptype = 'e'``) are the extension's business and are left out.
"""
from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any

from auditor.dialects import POSTGRESQL
from auditor.model import (
    Attribute, CheckConstraint, Column, CompositeType, Domain, Enum, ExclusionConstraint, Expr, ForeignKey,
    Function, Index, Policy, PrimaryKey, RangeType, Schema, Sequence, Table, Trigger, UniqueConstraint, View,
    ViewIndex, interned_column, raw_expr)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_NOT_FROM_EXTENSION = """NOT EXISTS (SELECT 1 FROM pg_depend AS dep
    WHERE dep.classid = {catalog}::regclass AND dep.objid = {oid} AND dep.deptype = 'e')"""

_TABLES_AND_COLUMNS_SQL = f"""
SELECT n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       -- A default names no column, so it deparses without the table (much faster); a
       -- generated column's expression does name them.
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, 0) ELSE pg_get_expr(d.adbin, d.adrelid) END,
       a.attidentity, a.attgenerated,
       -- A subquery, not a join: only the rare column with a collation of its own looks it up.
       CASE WHEN a.attcollation <> ty.typcollation
            THEN (SELECT co.collname FROM pg_collation AS co WHERE co.oid = a.attcollation) END,
       cd.description, td.description
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_type AS ty ON ty.oid = a.atttypid
LEFT JOIN pg_attrdef AS d ON d.adrelid = c.oid AND d.adnum = a.attnum
LEFT JOIN pg_description AS cd
       ON cd.classoid = 'pg_class'::regclass AND cd.objoid = c.oid AND cd.objsubid = a.attnum
LEFT JOIN pg_description AS td ON td.classoid = 'pg_class'::regclass AND td.objoid = c.oid AND td.objsubid = 0
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%(schemas)s)
  AND {_NOT_FROM_EXTENSION.format(catalog="'pg_class'", oid="c.oid")}
-- No ORDER BY: sorting every column row by collated names is a fifth of this query's time, and
-- at 2,000 tables spills to disk; read_schema orders the tables and columns itself."""

# Partitioned tables, partitions and inheritance children, with their key, bounds and parents: a
# query of its own, since few tables are any of those (on every column row they cost a fifth
# of the column query's time).
_PARTITIONING_SQL = """
SELECT n.nspname, c.relname,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END, c.relispartition,
       ARRAY(SELECT pn.nspname || '.' || pc.relname FROM pg_inherits AS i
             JOIN pg_class AS pc ON pc.oid = i.inhparent JOIN pg_namespace AS pn ON pn.oid = pc.relnamespace
             WHERE i.inhrelid = c.oid ORDER BY i.inhseqno)
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%(schemas)s)
  AND (c.relkind = 'p' OR c.relispartition OR c.oid IN (SELECT inhrelid FROM pg_inherits))"""

# Indexes that back a unique or exclusion constraint belong to that constraint, not to the
# table's index list; the primary key's index gives the key itself. A partition's copy of its
# parent's index (attached: the index is itself a partition) is the parent's index.
_INDEXES_SQL = f"""
SELECT n.nspname, t.relname, i.relname, ix.indisunique, ix.indisprimary,
       pg_get_expr(ix.indpred, ix.indrelid), am.amname,
       -- Elements are column numbers, named from the column rows; only an index with
       -- expressions (number 0) has the server deparse its elements (pg_get_indexdef is slow).
       ix.indkey::int2[], ix.indnkeyatts,
       CASE WHEN ix.indexprs IS NOT NULL
            THEN ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true) FROM generate_series(1, ix.indnatts) AS k) END,
       ix.indoption::int2[], con.contype, ix.indisvalid, {{nulls_not_distinct}},
       -- Per key element: its operator class unless the type's default, and its collation unless
       -- the column's own (elements spell them as DDL does: name COLLATE "C" text_pattern_ops).
       -- Both are looked up only where one is not the default (most indexes: none is), which
       -- an array test tells at once; the default operator classes are read once for the query.
       CASE WHEN NOT ix.indclass::oid[] <@ (SELECT array_agg(oid) FROM pg_opclass WHERE opcdefault)
            THEN ARRAY(SELECT CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname END
                       FROM unnest(ix.indclass::oid[]) WITH ORDINALITY AS k(cls, n)
                       JOIN pg_opclass AS oc ON oc.oid = k.cls ORDER BY k.n) END,
       CASE WHEN NOT ix.indcollation::oid[] <@ ARRAY[0, 100]::oid[]
            THEN ARRAY(SELECT CASE WHEN k.coll IN (0, 100) OR k.coll = a.attcollation THEN NULL
                              ELSE (SELECT co.collname FROM pg_collation AS co WHERE co.oid = k.coll) END
                       FROM unnest(ix.indcollation::oid[]) WITH ORDINALITY AS k(coll, n)
                       LEFT JOIN pg_attribute AS a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k.n - 1]
                       ORDER BY k.n) END,
       con.condeferrable, con.condeferred, d.description
FROM pg_index AS ix
JOIN pg_class AS i ON i.oid = ix.indexrelid
JOIN pg_am AS am ON am.oid = i.relam
JOIN pg_class AS t ON t.oid = ix.indrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
LEFT JOIN pg_constraint AS con ON con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x')
LEFT JOIN pg_description AS d ON d.classoid = 'pg_class'::regclass AND d.objoid = ix.indexrelid AND d.objsubid = 0
WHERE t.relkind IN ('r', 'p') AND n.nspname = ANY(%(schemas)s) AND NOT (i.relispartition AND con.contype IS NULL)
  AND {_NOT_FROM_EXTENSION.format(catalog="'pg_class'", oid="t.oid")}
ORDER BY n.nspname, t.relname, i.relname"""

_CONSTRAINTS_SQL = f"""
SELECT n.nspname, t.relname, con.conname, con.contype,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord)
             JOIN pg_attribute AS a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord),
       rn.nspname, rt.relname,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord)
             JOIN pg_attribute AS a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord),
       con.confdeltype, con.confupdtype, con.condeferrable, con.condeferred,
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid, true)
            WHEN con.contype = 'x' THEN pg_get_constraintdef(con.oid, true) END, con.convalidated,
       con.connoinherit
FROM pg_constraint AS con
JOIN pg_class AS t ON t.oid = con.conrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
LEFT JOIN pg_class AS rt ON rt.oid = con.confrelid
LEFT JOIN pg_namespace AS rn ON rn.oid = rt.relnamespace
WHERE con.contype IN ('f', 'c', 'x') AND n.nspname = ANY(%(schemas)s)
  -- A foreign key to a partitioned table has a clone per partition it references, on the same
  -- table: those are the key's own business (a partition's clone of its parent's key is kept).
  AND NOT (con.contype = 'f' AND con.conparentid <> 0
           AND con.conrelid = (SELECT p.conrelid FROM pg_constraint AS p WHERE p.oid = con.conparentid))
  AND {_NOT_FROM_EXTENSION.format(catalog="'pg_class'", oid="t.oid")}
ORDER BY n.nspname, t.relname, con.conname"""

_ENUMS_SQL = f"""
SELECT n.nspname, ty.typname, ARRAY(SELECT e.enumlabel FROM pg_enum AS e
                                    WHERE e.enumtypid = ty.oid ORDER BY e.enumsortorder)
FROM pg_type AS ty JOIN pg_namespace AS n ON n.oid = ty.typnamespace
WHERE ty.typtype = 'e' AND n.nspname = ANY(%(schemas)s)
  AND {_NOT_FROM_EXTENSION.format(catalog="'pg_type'", oid="ty.oid")}
ORDER BY 1, 2"""

_VIEWS_SQL = f"""
SELECT n.nspname, c.relname, c.relkind = 'm', pg_get_viewdef(c.oid, true),
       -- A materialized view's indexes, as statements (few: pg_get_indexdef is slow at scale).
       CASE WHEN c.relkind = 'm' THEN ARRAY(SELECT ARRAY[i.relname::text, pg_get_indexdef(ix.indexrelid)]
                                              FROM pg_index AS ix JOIN pg_class AS i ON i.oid = ix.indexrelid
                                              WHERE ix.indrelid = c.oid ORDER BY i.relname) END
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY(%(schemas)s)
  AND {_NOT_FROM_EXTENSION.format(catalog="'pg_class'", oid="c.oid")}
ORDER BY 1, 2"""

# Sequences owned by a serial ('a') or identity ('i') column belong to that column.
def serial_made(sequence_oid: str) -> str:
    """The condition that a sequence is one ``serial`` makes, which the spec says as its column's
    type: owned by an integer column (not a domain) of a table in its schema, and named
    ``table_column_seq`` (whatever the column's default says now: a changed default is the
    column's drift). Any other sequence is one of its own, also when OWNED BY a column (that link
    is the sequence's ``owned_by``)."""
    return f"""EXISTS (
    SELECT 1 FROM pg_depend AS own
    JOIN pg_class AS t ON t.oid = own.refobjid
    JOIN pg_attribute AS a ON a.attrelid = own.refobjid AND a.attnum = own.refobjsubid
    JOIN pg_class AS sq ON sq.oid = own.objid
    WHERE own.classid = 'pg_class'::regclass AND own.objid = {sequence_oid} AND own.deptype = 'a'
      AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
      AND sq.relnamespace = t.relnamespace AND sq.relname = t.relname || '_' || a.attname || '_seq')"""


_SEQUENCES_SQL = f"""
SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
       s.seqmin, s.seqmax, s.seqcycle,
       (SELECT tn.nspname || '.' || t.relname || '.' || a.attname
        FROM pg_depend AS own JOIN pg_class AS t ON t.oid = own.refobjid
        JOIN pg_namespace AS tn ON tn.oid = t.relnamespace
        JOIN pg_attribute AS a ON a.attrelid = own.refobjid AND a.attnum = own.refobjsubid
        WHERE own.classid = 'pg_class'::regclass AND own.objid = c.oid AND own.deptype = 'a')
FROM pg_sequence AS s
JOIN pg_class AS c ON c.oid = s.seqrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT 1 FROM pg_depend AS dep WHERE dep.classid = 'pg_class'::regclass
                  AND dep.objid = c.oid AND dep.deptype IN ('i', 'e'))
  AND NOT {serial_made("c.oid")}
ORDER BY 1, 2"""

_EXTENSIONS_SQL = """
SELECT e.extname, n.nspname FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace ORDER BY 1"""

# Functions and procedures (aggregates are not compared), as the server writes their statements;
# not those an extension owns, nor those made as part of another object (a range type's
# constructors: deptype 'i').
_FUNCTIONS_SQL = """
SELECT n.nspname, p.proname, p.prokind, pg_get_functiondef(p.oid),
       -- The input argument types: the identity, even where the statement will not parse.
       ARRAY(SELECT format_type(a.oid, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(oid, n)
             ORDER BY a.n)
FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p', 'w') AND n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT 1 FROM pg_depend AS dep WHERE dep.classid = 'pg_proc'::regclass
                  AND dep.objid = p.oid AND dep.deptype IN ('e', 'i'))
ORDER BY 1, 2, p.oid"""

# Domains ('d'), standalone composite types ('c' whose class is of relkind 'c', not a table's
# row type) and range types ('r'), in one query: a domain's checks and a composite type's attributes as arrays, in
# order; a collation only where it is not the base type's (domain) or the attribute type's.
_USER_TYPES_SQL = f"""
SELECT n.nspname, ty.typname, ty.typtype, format_type(ty.typbasetype, ty.typtypmod), ty.typnotnull,
       coalesce(pg_get_expr(ty.typdefaultbin, 0), ty.typdefault),
       CASE WHEN ty.typtype = 'd' AND ty.typcollation <> bt.typcollation
            THEN (SELECT co.collname FROM pg_collation AS co WHERE co.oid = ty.typcollation) END,
       ARRAY(SELECT con.conname FROM pg_constraint AS con WHERE con.contypid = ty.oid AND con.contype = 'c'
             ORDER BY con.conname),
       ARRAY(SELECT pg_get_expr(con.conbin, 0) FROM pg_constraint AS con WHERE con.contypid = ty.oid
             AND con.contype = 'c' ORDER BY con.conname),
       ARRAY(SELECT a.attname FROM pg_attribute AS a WHERE a.attrelid = ty.typrelid AND a.attnum > 0
             AND NOT a.attisdropped ORDER BY a.attnum),
       ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute AS a WHERE a.attrelid = ty.typrelid
             AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
       ARRAY(SELECT CASE WHEN a.attcollation <> at.typcollation THEN co.collname END
             FROM pg_attribute AS a JOIN pg_type AS at ON at.oid = a.atttypid
             LEFT JOIN pg_collation AS co ON co.oid = a.attcollation
             WHERE a.attrelid = ty.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
       -- A range type: its subtype, and its options where they are not the defaults.
       format_type(rg.rngsubtype, NULL),
       (SELECT oc.opcname FROM pg_opclass AS oc WHERE oc.oid = rg.rngsubopc AND NOT oc.opcdefault),
       (SELECT co.collname FROM pg_collation AS co JOIN pg_type AS st ON st.oid = rg.rngsubtype
        WHERE co.oid = rg.rngcollation AND rg.rngcollation <> st.typcollation),
       nullif(rg.rngcanonical, 0)::regproc::text, nullif(rg.rngsubdiff, 0)::regproc::text,
       (SELECT quote_ident(mn.nspname) || '.' || quote_ident(mt.typname) FROM pg_type AS mt
        JOIN pg_namespace AS mn ON mn.oid = mt.typnamespace WHERE mt.oid = rg.rngmultitypid)
FROM pg_type AS ty
JOIN pg_namespace AS n ON n.oid = ty.typnamespace
LEFT JOIN pg_type AS bt ON bt.oid = ty.typbasetype
LEFT JOIN pg_range AS rg ON rg.rngtypid = ty.oid
WHERE n.nspname = ANY(%(schemas)s)
  AND (ty.typtype IN ('d', 'r') OR (ty.typtype = 'c' AND ty.typrelid IN (SELECT rc.oid FROM pg_class AS rc
                                                                          WHERE rc.relkind = 'c')))
  AND {_NOT_FROM_EXTENSION.format(catalog="'pg_type'", oid="ty.oid")}
ORDER BY 1, 2"""

# Triggers on tables, as the server writes their statements: not the internal ones behind foreign
# keys, nor a partition's clone of its parent's (tgparentid), nor an extension's.
_TRIGGERS_SQL = f"""
SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled
FROM pg_trigger AS t
JOIN pg_class AS c ON c.oid = t.tgrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND c.relkind IN ('r', 'p') AND n.nspname = ANY(%(schemas)s)
  AND {_NOT_FROM_EXTENSION.format(catalog="'pg_trigger'", oid="t.oid")}
ORDER BY 1, 2, 3"""

# Row-level security: the tables that have it enabled or forced, or a policy, with their policies
# (one row per policy; a table without any has one row of NULLs). Role 0 is PUBLIC.
_POLICIES_SQL = """
SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity, pol.polname, pol.polcmd, pol.polpermissive,
       ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE pg_get_userbyid(r.oid) END
             FROM unnest(pol.polroles) AS r(oid)),
       pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid)
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_policy AS pol ON pol.polrelid = c.oid
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%(schemas)s)
  AND (c.relrowsecurity OR c.relforcerowsecurity OR pol.oid IS NOT NULL)
ORDER BY 1, 2, 5"""

TRIGGER_ENABLED_CODES = {"O": "origin", "D": "disabled", "R": "replica", "A": "always"}
POLICY_COMMANDS = {"*": "all", "r": "select", "a": "insert", "w": "update", "d": "delete"}
FK_ACTION_CODES = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
IDENTITY_CODES = {"a": "always", "d": "by default"}

# The number of catalog queries an audit's inspection runs, whatever the table count: twelve read
# the schema, one lists the database's schemas (``inspect.user_schemas``) and one counts the
# objects it does not compare (``unaudited``).
QUERY_COUNT = 14

_Key = tuple[str, str]


def read_schema(conn: Connection, schemas: tuple[str, ...] = ("public",)) -> Schema:
    """The objects of the given namespaces, raw (not yet canonical)."""
    params = {"schemas": list(schemas)}
    tables, column_names = _read_tables(conn.exec_driver_sql(_TABLES_AND_COLUMNS_SQL, params).all())
    for nsp, table, partition_key, bounds, is_partition, parents in conn.exec_driver_sql(_PARTITIONING_SQL, params):
        if (nsp, table) in tables:
            tables[(nsp, table)].update(_partitioning(partition_key, bounds, is_partition, parents))
    for row in conn.exec_driver_sql(_indexes_sql(conn), params).all():
        _add_index(tables, column_names, row)
    for row in conn.exec_driver_sql(_CONSTRAINTS_SQL, params).all():
        _add_constraint(tables, row)
    user_types = _user_types(conn.exec_driver_sql(_USER_TYPES_SQL, params).all())
    for nsp, table, name, definition, enabled in conn.exec_driver_sql(_TRIGGERS_SQL, params):
        if (nsp, table) in tables:
            tables[(nsp, table)].setdefault("triggers", []).append(
                Trigger(name, enabled=TRIGGER_ENABLED_CODES.get(enabled, "origin"), sql=definition))
    for row in conn.exec_driver_sql(_POLICIES_SQL, params):
        _add_policy(tables, row)
    extensions = conn.exec_driver_sql(_EXTENSIONS_SQL).all()
    return Schema(
        tables=tuple(Table(name=table, schema=nsp, **parts) for (nsp, table), parts in tables.items()),
        enums=tuple(Enum(name, nsp, tuple(values))
                    for nsp, name, values in conn.exec_driver_sql(_ENUMS_SQL, params)),
        views=tuple(View(name, nsp, raw_expr(definition), materialized,  # type: ignore[arg-type]
                         tuple(ViewIndex(index, Expr(sql, sql)) for index, sql in indexes or ()))
                    for nsp, name, materialized, definition, indexes in conn.exec_driver_sql(_VIEWS_SQL, params)),
        sequences=tuple(Sequence(name, nsp, *rest) for nsp, name, *rest in conn.exec_driver_sql(_SEQUENCES_SQL, params)),
        extensions=tuple(name for name, _ in extensions),
        extension_schemas=tuple((name, nsp) for name, nsp in extensions),
        functions=tuple(Function(name, nsp, tuple(types), "procedure" if kind == "p" else "function", sql=definition)
                        for nsp, name, kind, definition, types in conn.exec_driver_sql(_FUNCTIONS_SQL, params)),
        **user_types,  # type: ignore[arg-type]
    )


def _read_tables(rows: Any) -> tuple[dict[_Key, dict[str, Any]], dict[_Key, dict[int, str]]]:
    """The tables of the column rows, ordered by name, each with its columns in attnum order; and
    each table's column names by attnum."""
    positioned: dict[_Key, list[tuple[int, Column]]] = {}
    comments: dict[_Key, str | None] = {}
    for nsp, table, position, name, type_, notnull, default, identity, generated, collation, comment, \
            table_comment in rows:
        columns = positioned.get((nsp, table))
        if columns is None:
            columns = positioned[(nsp, table)] = []
            comments[(nsp, table)] = table_comment
        if name is not None:  # a table without columns still has a row
            columns.append((position, interned_column(
                name, type_, not notnull, None if generated else raw_expr(default), IDENTITY_CODES.get(identity),
                raw_expr(default) if generated else None, collation, comment, None)))
    tables = {key: _empty_table(comments[key], [c for _, c in sorted(positioned[key], key=itemgetter(0))])
              for key in sorted(positioned)}
    return tables, {key: {position: c.name for position, c in columns} for key, columns in positioned.items()}


def _add_policy(tables: dict[_Key, dict[str, Any]], row: Any) -> None:
    nsp, table, row_security, force, name, command, permissive, roles, using, with_check = row
    parts = tables.get((nsp, table))
    if parts is None:
        return
    parts.update(row_security=row_security, force_row_security=force)
    if name is not None:
        parts.setdefault("policies", []).append(Policy(name, POLICY_COMMANDS[command], permissive, tuple(roles),
                                                       raw_expr(using), raw_expr(with_check)))


def _partitioning(partition_key: str | None, bounds: str | None, is_partition: bool,
                  parents: list[str]) -> dict[str, Any]:
    """A table's partition key, and its parent and bounds (``FOR VALUES`` left out) or parents."""
    if bounds and bounds.upper().startswith("FOR VALUES "):
        bounds = bounds[len("FOR VALUES "):]
    return {"partition_by": raw_expr(partition_key), "for_values": raw_expr(bounds),
            "partition_of": parents[0] if is_partition and parents else None,
            "inherits": tuple(parents[1:] if is_partition else parents)}


def _empty_table(comment: str | None, columns: list[Column]) -> dict[str, Any]:
    return {"columns": columns, "primary_key": None, "indexes": [], "foreign_keys": [],
            "unique_constraints": [], "checks": [], "exclusions": [],
            "comment": comment}


def _add_index(tables: dict[_Key, dict[str, Any]], column_names: dict[_Key, dict[int, str]], row: Any) -> None:
    (nsp, table, index, unique, primary, where, method, numbers, key_count, deparsed, options, contype, valid,
     nulls_not_distinct, opclasses, collations, deferrable, deferred, comment) = row
    parts = tables.get((nsp, table))
    if parts is None:
        return
    # A column by its name (canonicalization takes a table's column name as it is), an expression
    # (number 0) as the server deparsed it.
    names = column_names[(nsp, table)]
    every = [names[number] if number else deparsed[k] for k, number in enumerate(numbers)]
    elements, include = every[:key_count], tuple(every[key_count:])
    if primary:
        parts["primary_key"] = PrimaryKey(tuple(elements), index, bool(deferrable), bool(deferred))
    elif contype == "u":
        parts["unique_constraints"].append(UniqueConstraint(tuple(elements), index, include, bool(nulls_not_distinct),
                                                            bool(deferrable), bool(deferred)))
    elif contype is None:
        defaults = [None] * len(elements)
        spelled = tuple(_element(e, bool(number), opclass, collation, option) for e, number, opclass, collation, option
                        in zip(elements, numbers, opclasses or defaults, collations or defaults, options))
        parts["indexes"].append(Index(index, spelled, unique, raw_expr(where), method, include, valid,
                                      bool(nulls_not_distinct), comment=comment))


def _element(text: str, is_column: bool, opclass: str | None, collation: str | None, option: int) -> str:
    """An index element as CREATE INDEX spells it: a bare column name where it is just that."""
    if is_column and not (opclass or collation or _order_suffix(option)):
        return text
    head = POSTGRESQL.quote(text) if is_column else f"({text})"
    if collation:
        head += f' COLLATE "{collation.replace(chr(34), chr(34) * 2)}"'
    return head + (f" {opclass}" if opclass else "") + _order_suffix(option)


def _indexes_sql(conn: Connection) -> str:
    """The index query for this server: NULLS NOT DISTINCT exists from Postgres 15 on."""
    version = getattr(conn.dialect, "server_version_info", None) or (0,)
    return _INDEXES_SQL.replace("{nulls_not_distinct}", "ix.indnullsnotdistinct" if version >= (15,) else "false")


def _order_suffix(option: int) -> str:
    """``pg_index.indoption`` bits (1 = DESC, 2 = NULLS FIRST) as the words that say them, where
    they differ from the default order (ASC NULLS LAST, DESC NULLS FIRST): most elements are then a
    bare column name, which canonicalization takes as it is."""
    desc, nulls_first = bool(option & 1), bool(option & 2)
    nulls = "" if nulls_first == desc else " NULLS FIRST" if nulls_first else " NULLS LAST"
    return (" DESC" if desc else "") + nulls


def _add_constraint(tables: dict[_Key, dict[str, Any]], row: Any) -> None:
    (nsp, table, name, contype, cols, ref_nsp, ref_table, ref_cols, on_delete, on_update,
     deferrable, deferred, definition, validated, no_inherit) = row
    parts = tables.get((nsp, table))
    if parts is None:
        return
    if contype == "c":
        parts["checks"].append(CheckConstraint(raw_expr(definition), name, validated, no_inherit))  # type: ignore[arg-type]
        return
    if contype == "x":
        from auditor.dialects.pgtypes import exclusion_parts

        parts["exclusions"].append(ExclusionConstraint(name=name, deferrable=deferrable, initially_deferred=deferred,
                                                       **exclusion_parts(definition)))
        return
    parts["foreign_keys"].append(ForeignKey(
        tuple(cols), f"{ref_nsp}.{ref_table}", tuple(ref_cols),
        FK_ACTION_CODES[on_delete], FK_ACTION_CODES[on_update], name, deferrable, deferred, validated))


def _user_types(rows: Any) -> dict[str, tuple[object, ...]]:
    """The domains, composite types and range types of the user type rows (raw: ``canon``
    canonicalizes them), as Schema fields."""
    out: dict[str, list[object]] = {"domains": [], "composite_types": [], "range_types": []}
    for nsp, name, kind, base, notnull, default, collation, check_names, checks, attributes, types, collations, \
            *ranged in rows:
        if kind == "d":
            out["domains"].append(Domain(name, nsp, base, not notnull, raw_expr(default), collation, tuple(
                CheckConstraint(raw_expr(c), n) for n, c in zip(check_names, checks))))  # type: ignore[arg-type]
        elif kind == "c":
            out["composite_types"].append(CompositeType(name, nsp, tuple(map(Attribute, attributes, types, collations))))
        else:
            out["range_types"].append(RangeType(name, nsp, *ranged))
    return {key: tuple(values) for key, values in out.items()}
