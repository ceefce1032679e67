"""What an audit does not compare, counted: the live objects of kinds the model has no place for.

An audit that compares tables, columns, keys, indexes, views, sequences, enums, extensions and
comments says nothing about a database's functions or rules; so that nothing is skipped silently,
every audit counts those objects per kind, in one catalog query (one row, a column per kind), and
reports the counts as ``not_audited``.

Each kind is one entry of the dialect's tuple below: the subquery that counts it. Once a kind is
compared (the next spec version will compare functions, triggers, policies, domains, composite
types and exclusion constraints), removing its entry is the whole change.

On Postgres, counts are taken in the schemas the audit reads (database-wide objects, such as
publications, everywhere in the database), and never of an object an extension owns
(``pg_depend.deptype = 'e'``): it is the extension's business; nor of one made as part of
another (``deptype = 'i'``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from auditor.dialects import POSTGRESQL, SQLITE, Dialect

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class UnauditedKind:
    """One kind of object that audits do not compare, and the SQL subquery counting it live."""

    name: str
    count_sql: str | None  # None: counted by the caller (``count_unaudited``'s ``counted``)


def _own(catalog: str, oid: str) -> str:
    """The condition that an object (``oid`` in ``catalog``) is the database's own: neither an
    extension's (deptype 'e') nor made as part of another object (deptype 'i': the constructor
    functions and casts of a range type, which go with it). Whole objects only: a partition key's
    column is an internal part of its table (objsubid = its number), the table is still its own."""
    return (f"NOT EXISTS (SELECT 1 FROM pg_depend AS dep WHERE dep.classid = '{catalog}'::regclass "
            f"AND dep.objid = {oid} AND dep.objsubid = 0 AND dep.deptype IN ('e', 'i'))")


def _in_schemas(catalog: str, alias: str, namespace_column: str, where: str = "TRUE") -> str:
    """A count of one catalog's rows in the schemas the audit reads, extension objects left out."""
    return (f"SELECT count(*) FROM {catalog} AS {alias} JOIN pg_namespace AS n ON n.oid = {alias}.{namespace_column} "
            f"WHERE n.nspname = ANY(%(schemas)s) AND ({where}) AND {_own(catalog, f'{alias}.oid')}")


def _on_tables(catalog: str, alias: str, table_column: str, where: str = "TRUE") -> str:
    """A count of rows attached to the tables (and views) of the schemas the audit reads."""
    return (f"SELECT count(*) FROM {catalog} AS {alias} JOIN pg_class AS c ON c.oid = {alias}.{table_column} "
            f"JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%(schemas)s) AND ({where}) "
            f"AND {_own('pg_class', 'c.oid')}")


def _database_wide(catalog: str, alias: str, where: str = "TRUE") -> str:
    """A count of one catalog's rows in the whole database, extension objects left out."""
    return f"SELECT count(*) FROM {catalog} AS {alias} WHERE ({where}) AND {_own(catalog, f'{alias}.oid')}"


# The first oid of objects a user creates (FirstNormalObjectId): lower ones came with initdb.
_FIRST_USER_OID = 16384

POSTGRES_KINDS: tuple[UnauditedKind, ...] = (
    UnauditedKind("aggregate", _in_schemas("pg_proc", "p", "pronamespace", "p.prokind = 'a'")),
    # Triggers on views and foreign tables (those on tables are compared); not a partition's clone.
    UnauditedKind("view_trigger", _on_tables("pg_trigger", "tg", "tgrelid",
                                             "NOT tg.tgisinternal AND tg.tgparentid = 0 AND c.relkind NOT IN ('r', 'p')")),
    # A view's own query is its _RETURN rule.
    UnauditedKind("rule", _on_tables("pg_rewrite", "r", "ev_class", "r.rulename <> '_RETURN'")),
    # CREATE TYPE with input and output functions; not the array types made for every type.
    UnauditedKind("base_type", _in_schemas("pg_type", "ty", "typnamespace", "ty.typtype = 'b' AND ty.typcategory <> 'A'")),
    UnauditedKind("foreign_table", _in_schemas("pg_class", "c", "relnamespace", "c.relkind = 'f'")),
    UnauditedKind("collation", _in_schemas("pg_collation", "co", "collnamespace")),
    UnauditedKind("operator", _in_schemas("pg_operator", "op", "oprnamespace")),
    UnauditedKind("text_search_config", _in_schemas("pg_ts_config", "cfg", "cfgnamespace")),
    UnauditedKind("text_search_dictionary", _in_schemas("pg_ts_dict", "dict", "dictnamespace")),
    UnauditedKind("statistics", _in_schemas("pg_statistic_ext", "st", "stxnamespace")),
    UnauditedKind("publication", _database_wide("pg_publication", "pub")),
    # Readable by every role: all its columns but the connection string are granted to PUBLIC.
    UnauditedKind("subscription", _database_wide(
        "pg_subscription", "sub", "sub.subdbid = (SELECT d.oid FROM pg_database AS d WHERE d.datname = current_database())")),
    UnauditedKind("event_trigger", _database_wide("pg_event_trigger", "evt")),
    UnauditedKind("foreign_data_wrapper", _database_wide("pg_foreign_data_wrapper", "fdw")),
    UnauditedKind("foreign_server", _database_wide("pg_foreign_server", "srv")),
    UnauditedKind("cast", _database_wide("pg_cast", "ca", f"ca.oid >= {_FIRST_USER_OID}")),
    # CREATE UNLOGGED TABLE: the table is compared, not that it skips the WAL (a rebuild logs it).
    UnauditedKind("unlogged_table", _in_schemas("pg_class", "c", "relnamespace",
                                                "c.relkind IN ('r', 'p') AND c.relpersistence = 'u'")),
    # ALTER COLUMN ... SET STORAGE: a column stored otherwise than its type's default.
    UnauditedKind("column_storage", _on_tables(
        "pg_attribute", "a", "attrelid", "a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm') "
        "AND a.attstorage <> (SELECT ty.typstorage FROM pg_type AS ty WHERE ty.oid = a.atttypid)")),
    # A schema of the database's own that the audit does not read (see ``inspect.user_schemas``).
    UnauditedKind("unmanaged_schema", None),
)

SQLITE_KINDS: tuple[UnauditedKind, ...] = (
    # Triggers on views (those on tables are compared).
    UnauditedKind("view_trigger", "SELECT count(*) FROM sqlite_master AS m WHERE m.type = 'trigger' "
                                  "AND m.tbl_name IN (SELECT v.name FROM sqlite_master AS v WHERE v.type = 'view')"),
    # Left to their module (FTS, R*Tree); their shadow tables are neither compared nor counted.
    UnauditedKind("virtual_table", "SELECT count(*) FROM pragma_table_list WHERE schema = 'main' AND type = 'virtual'"),
)

_KINDS: Mapping[str, tuple[UnauditedKind, ...]] = {POSTGRESQL.name: POSTGRES_KINDS, SQLITE.name: SQLITE_KINDS}


def counts_text(counts: Mapping[str, int]) -> str:
    """``3 function, 1 rule``: counts per kind, most first ("" for none)."""
    return ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items(), key=lambda kind: (-kind[1], kind[0])))


def unaudited_kinds(dialect: Dialect) -> tuple[str, ...]:
    """The names of the kinds a dialect's audits count and do not compare, in the order of their list."""
    return tuple(kind.name for kind in _KINDS.get(dialect.name, ()))


def _count_sql(dialect: Dialect) -> str | None:
    """The one query counting every unaudited kind of ``dialect``: one row, a column per kind."""
    kinds = [kind for kind in _KINDS.get(dialect.name, ()) if kind.count_sql]
    return "SELECT " + ",\n       ".join(f"({kind.count_sql})" for kind in kinds) if kinds else None


def count_unaudited(conn: Connection, dialect: Dialect, schemas: tuple[str, ...],
                    counted: Mapping[str, int] | None = None) -> dict[str, int]:
    """The live objects of each kind the audit does not compare, in the schemas it reads: only
    kinds with at least one, in the dialect's order. ``counted`` gives the kinds the caller
    counted itself (those without SQL of their own here)."""
    kinds = _KINDS.get(dialect.name, ())
    sql = _count_sql(dialect)
    row = iter(conn.exec_driver_sql(sql, {"schemas": list(schemas)} if dialect.has_schemas else ()).one()
               if sql else ())
    counts = {kind.name: int(next(row)) if kind.count_sql else (counted or {}).get(kind.name, 0) for kind in kinds}
    return {name: count for name, count in counts.items() if count}
