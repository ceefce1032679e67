"""What differs between engines, as data: capability flags and type tables.

Each engine module (``sqlite``, ``postgresql``) defines one ``Dialect`` value and a ``read_schema``
function that reads its catalogs. Everything else in the package asks the dialect value, never the
engine name, so adding an engine means adding data, not branches.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from auditor.model import Schema

# Spellings that mean the same type on every engine we support, mapped to one canonical name.
COMMON_TYPE_SYNONYMS: Mapping[str, str] = MappingProxyType({
    "int": "integer", "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "character varying": "varchar",
    "character": "char", "bpchar": "char",
    "bool": "boolean",
    "float8": "double", "double precision": "double", "float": "double",
    "float4": "real",
    "decimal": "numeric",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "time without time zone": "time",
    "time with time zone": "timetz",
})


@dataclass(frozen=True)
class Dialect:
    """One engine's facts. ``module`` names the engine module holding ``read_schema``."""

    name: str
    module: str
    sqlalchemy_module: str
    default_schema: str | None
    # Canonical type name -> how this engine's DDL spells it, where the two differ.
    type_spelling: Mapping[str, str] = field(default_factory=dict)
    # Canonical type name -> the arguments the engine assumes when none are written.
    implicit_type_args: Mapping[str, str] = field(default_factory=dict)
    type_synonyms: Mapping[str, str] = field(default_factory=lambda: COMMON_TYPE_SYNONYMS)
    numeric_scale_defaults_to_zero: bool = False
    uppercase_types: bool = False
    bracket_identifiers: bool = False
    # SQLite reads a double-quoted word that names no column as a string literal.
    double_quoted_fallback: bool = False
    # serial-like types: an integer type whose default draws from a sequence named after the column.
    serial_types: Mapping[str, str] = field(default_factory=dict)
    default_index_method: str | None = None
    default_collations: tuple[str | None, ...] = (None, "default")
    collations_ignore_case: bool = False
    # Extensions every database has, never reported.
    builtin_extensions: tuple[str, ...] = ()
    # Which objects and column kinds the engine has; a spec's others are not compared there.
    identities: tuple[str, ...] = ()
    has_enums: bool = False
    has_sequences: bool = False
    has_extensions: bool = False
    has_comments: bool = False
    quote_collations: bool = False
    generated_storage: str = "STORED"
    integer_pk_is_rowid: bool = False
    # SQLite's WITHOUT ROWID and STRICT tables.
    has_table_kinds: bool = False
    # Longer names are silently truncated by the engine (None: no limit).
    max_identifier_bytes: int | None = None
    create_or_replace_view: str = "VIEW IF NOT EXISTS"
    # DDL capabilities: what can be done in place, and what has an idempotent IF [NOT] EXISTS form.
    has_schemas: bool = False
    add_column_if_not_exists: bool = False
    drop_column_if_exists: bool = False
    alter_column: bool = False
    alter_constraints: bool = False
    guarded_blocks: bool = False
    # SQLite refuses DROP COLUMN on a column that a key, unique constraint or index uses.
    drop_constrained_column: bool = True
    # CREATE/DROP INDEX CONCURRENTLY (outside a transaction), and the locks a plain build takes.
    concurrent_indexes: bool = False
    # pg_try_advisory_lock: one apply at a time, coordinated outside the DDL's own locks.
    advisory_locks: bool = False
    # SET lock_timeout / statement_timeout: a statement gives up instead of queueing behind a lock.
    lock_timeouts: bool = False
    # How apply opens its transaction when the driver will not (None: the driver's own BEGIN).
    begin_statement: str | None = None
    # SQLite's ADD COLUMN takes neither NOT NULL without a default nor a non-constant default.
    add_column_needs_constant_default: bool = False
    # Lists the namespaces a database's own objects live in (None: the engine has one).
    user_schemas_sql: str | None = None
    # Of the type names %(names)s (lower case, ``schema.name`` where qualified), those the server
    # knows; None: the engine declares any name (SQLite).
    known_types_sql: str | None = None
    # A user's query (the version query) runs as a prepared statement: the server takes exactly
    # one statement, so no "COMMIT; INSERT ..." can ride along (SQLite's driver takes one anyway).
    prepared_user_queries: bool = False
    # Expressions compared by the engine's own parse tree (``dialects.pgexpr``), not by tokens.
    parse_tree_expressions: bool = False
    # UNIQUE ... NULLS NOT DISTINCT (Postgres 15); CHECK ... NO INHERIT (table inheritance).
    nulls_not_distinct: bool = False
    has_inheritance: bool = False
    # integer[][] is integer[]: the engine keeps no array dimensions in a column's type.
    array_dimensions_ignored: bool = False
    # PRIMARY KEY / UNIQUE ... DEFERRABLE (SQLite defers foreign keys only).
    deferrable_keys: bool = False
    # Declarative partitioning and table inheritance (``partitions``).
    has_partitions: bool = False
    # CREATE TABLE t (): a table without columns (Postgres; SQLite needs one).
    zero_column_tables: bool = False
    # Functions and procedures (Postgres: ``dialects.pgfunctions``).
    has_functions: bool = False
    # Domains, composite types and exclusion constraints (Postgres: ``dialects.pgtypes``).
    has_user_types: bool = False
    # Row-level security and its policies (Postgres).
    has_row_security: bool = False
    # Keywords the engine refuses as bare names that SQLAlchemy's quoting does not know.
    extra_reserved_words: tuple[str, ...] = ()
    # Grants and owners (Postgres: ``dialects.pgprivileges``).
    has_privileges: bool = False

    @cached_property
    def _preparer(self) -> Any:
        dialect_cls = import_module(self.sqlalchemy_module).dialect
        preparer = dialect_cls().identifier_preparer
        # SQLAlchemy's lists miss some words the engines refuse as names (see ``reserved_words``).
        preparer.reserved_words = frozenset(preparer.reserved_words) | self.reserved_words()
        return preparer

    def reserved_words(self) -> frozenset[str]:
        """Words that must be quoted as names beyond SQLAlchemy's list: on Postgres every reserved
        and type-or-function-name keyword of its parser (pglast's lists: ``concurrently``,
        ``collation``, ``lateral``, ``tablesample``, ``system_user`` were written bare and did not
        parse); on SQLite its keywords that are no fallback name (``returning``, ``nothing``)."""
        if self.name == "postgresql":
            from pglast import keywords

            return frozenset(keywords.RESERVED_KEYWORDS) | frozenset(keywords.TYPE_FUNC_NAME_KEYWORDS)
        return frozenset(self.extra_reserved_words)

    def quote(self, identifier: str) -> str:
        """The identifier, quoted by the engine's own rules when it needs quoting."""
        return self._preparer.quote(identifier)

    def quote_collation(self, name: str) -> str:
        """A collation name as DDL writes it (Postgres collation names are case-sensitive)."""
        return '"' + name.replace('"', '""') + '"' if self.quote_collations else name

    def qualified(self, schema: str | None, name: str) -> str:
        """``schema.name`` (each part quoted as needed), or just ``name`` without a schema."""
        if schema and self.has_schemas:
            return f"{self.quote(schema)}.{self.quote(name)}"
        return self.quote(name)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by name (the engines' dialects are singletons), so that audit results can come
        back from worker processes."""
        return (dialect_named, (self.name,))

    @property
    def reader(self) -> Callable[[Connection, tuple[str, ...]], Schema]:
        """The engine's catalog reader: ``read_schema(connection, schemas) -> Schema`` (raw)."""
        return import_module(self.module).read_schema


SQLITE = Dialect(
    name="sqlite",
    module="auditor.dialects.sqlite",
    sqlalchemy_module="sqlalchemy.dialects.sqlite.base",
    default_schema=None,
    uppercase_types=True,
    bracket_identifiers=True,
    double_quoted_fallback=True,
    add_column_needs_constant_default=True,
    drop_constrained_column=False,
    default_collations=(None, "BINARY"),
    collations_ignore_case=True,
    identities=("autoincrement",),
    generated_storage="VIRTUAL",
    integer_pk_is_rowid=True,
    has_table_kinds=True,
    # Python's sqlite3 opens no transaction for DDL; IMMEDIATE also takes the write lock up
    # front, so no other writer slips in between our statements.
    begin_statement="BEGIN IMMEDIATE",
    # Found by trying every SQLite keyword as a table, column, constraint, index and trigger name.
    extra_reserved_words=("returning", "nothing"),
)

POSTGRESQL = Dialect(
    name="postgresql",
    module="auditor.dialects.postgresql",
    sqlalchemy_module="sqlalchemy.dialects.postgresql.base",
    default_schema="public",
    type_spelling=MappingProxyType({"double": "double precision"}),
    implicit_type_args=MappingProxyType({"char": "1"}),
    numeric_scale_defaults_to_zero=True,
    serial_types=MappingProxyType({"serial": "integer", "bigserial": "bigint", "smallserial": "smallint",
                                   "serial4": "integer", "serial8": "bigint", "serial2": "smallint"}),
    default_index_method="btree",
    builtin_extensions=("plpgsql",),
    identities=("always", "by default"),
    has_enums=True,
    has_sequences=True,
    has_extensions=True,
    has_comments=True,
    quote_collations=True,
    create_or_replace_view="OR REPLACE VIEW",
    max_identifier_bytes=63,
    has_schemas=True,
    add_column_if_not_exists=True,
    drop_column_if_exists=True,
    alter_column=True,
    alter_constraints=True,
    guarded_blocks=True,
    concurrent_indexes=True,
    advisory_locks=True,
    lock_timeouts=True,
    parse_tree_expressions=True,
    nulls_not_distinct=True,
    has_inheritance=True,
    array_dimensions_ignored=True,
    deferrable_keys=True,
    has_partitions=True,
    has_functions=True,
    has_user_types=True,
    has_row_security=True,
    has_privileges=True,
    zero_column_tables=True,
    prepared_user_queries=True,
    known_types_sql="SELECT name FROM unnest(%(names)s::text[]) AS name WHERE EXISTS (SELECT 1 FROM pg_type AS t "
                    "JOIN pg_namespace AS n ON n.oid = t.typnamespace WHERE t.typname = split_part(name, '.', "
                    "CASE WHEN strpos(name, '.') > 0 THEN 2 ELSE 1 END) "
                    "AND (strpos(name, '.') = 0 OR n.nspname = split_part(name, '.', 1)))",
    # Not pg_catalog, pg_toast*, pg_temp*, information_schema, nor a schema an extension made.
    user_schemas_sql="SELECT n.nspname FROM pg_namespace AS n WHERE n.nspname !~ '^pg_' "
                     "AND n.nspname <> 'information_schema' AND NOT EXISTS (SELECT 1 FROM pg_depend AS d "
                     "WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e') "
                     "ORDER BY 1",
)

DIALECTS: Mapping[str, Dialect] = MappingProxyType({d.name: d for d in (SQLITE, POSTGRESQL)})


def dialect_named(name: str) -> Dialect:
    """The dialect for a SQLAlchemy backend name (``sqlite``, ``postgresql``)."""
    return DIALECTS[name]
