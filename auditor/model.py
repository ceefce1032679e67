"""The schema model: one set of frozen values for the desired (spec) and the live (inspected) schema.

Both the spec loader and the inspectors build these values, and ``canon.normalize_schema`` brings
either side into the same canonical form for a dialect, so that comparing them is plain equality.
Names are informational where an engine makes them up (SQLite keeps no constraint names): such
objects are matched by their shape, not their name.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import lru_cache


def display_name(schema: str | None, name: str) -> str:
    """How reports name a table: bare in the default ``public`` namespace, else ``schema.name``."""
    return f"{schema}.{name}" if schema not in (None, "public") else name


def qualified_key(schema: str | None, name: str) -> str:
    """The key of a schema-level object: ``schema.name``, or ``name`` without namespaces."""
    return f"{schema}.{name}" if schema else name


@dataclass(frozen=True)
class Column:
    """A table column. ``type``, ``default`` and ``generated`` are canonical SQL text (see ``canon``).

    ``identity`` is ``always`` or ``by default`` (Postgres identity) or ``autoincrement`` (SQLite);
    ``generated`` is the expression of a generated (computed) column; ``comment`` is compared only
    where the spec gives one (None means "any").
    """

    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    identity: str | None = None
    generated: str | None = None
    collation: str | None = None
    comment: str | None = field(default=None, compare=False)
    renamed_from: str | None = field(default=None, compare=False)


@lru_cache(maxsize=1 << 16)
def interned_column(name: str, type_: str, nullable: bool, default: str | None, identity: str | None,
                    generated: str | None, collation: str | None, comment: str | None,
                    renamed_from: str | None) -> Column:
    """The one Column with these fields (every field, in order). An inspection builds tens of
    thousands, most of them repeats (``id``, ``created_at``), and a frozen dataclass costs more to
    build than to look up; and equal canonical columns being one object makes comparing them cheap."""
    return Column(name, type_, nullable, default, identity, generated, collation, comment, renamed_from)


@dataclass(frozen=True)
class PrimaryKey:
    """A primary key; ``name`` is informational (SQLite has none) and never compared."""

    columns: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True)
class UniqueConstraint:
    """A UNIQUE constraint (not a unique index), matched by its columns."""

    columns: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True)
class CheckConstraint:
    """A CHECK constraint, matched by its canonical expression."""

    expression: str
    name: str | None = None
    # False while added NOT VALID and not yet validated: older rows may break it. Not part of
    # what makes two checks the same; the differ reports it on its own.
    validated: bool = field(default=True, compare=False)


@dataclass(frozen=True)
class Index:
    """An index that is not the backing index of a primary key or constraint.

    ``columns`` are elements: a column name, or a canonical expression, either followed by
    ``desc`` / ``nulls first`` / ``nulls last`` where they differ from the default order.
    ``method`` is the access method (``btree``, ``gin``, ...; None where the engine has one kind).
    """

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    where: str | None = None
    method: str | None = None
    include: tuple[str, ...] = ()
    # False for an index a failed CREATE INDEX CONCURRENTLY left behind: it exists, but no query uses it.
    valid: bool = True


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key. Identity is its shape (columns, target, actions), not its name."""

    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    name: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    validated: bool = field(default=True, compare=False)  # as for CheckConstraint

    @property
    def shape(self) -> tuple[object, ...]:
        """What makes two foreign keys the same constraint, whatever they are called."""
        return (self.columns, self.ref_table, self.ref_columns, self.on_delete, self.on_update,
                self.deferrable, self.initially_deferred)


@dataclass(frozen=True)
class Table:
    """A table. ``key`` is ``schema.name`` on engines with schemas, else ``name``."""

    name: str
    schema: str | None = None
    columns: tuple[Column, ...] = ()
    primary_key: PrimaryKey | None = None
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique_constraints: tuple[UniqueConstraint, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    comment: str | None = field(default=None, compare=False)
    # Old names this table or its columns had, so that the plan can RENAME instead of drop + add.
    renamed_from: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """The table's identity: ``schema.name`` or ``name``."""
        return qualified_key(self.schema, self.name)

    def column(self, name: str) -> Column | None:
        """The column called ``name``, if the table has one."""
        return next((c for c in self.columns if c.name == name), None)

    def index(self, name: str) -> Index | None:
        """The index called ``name``, if the table has one."""
        return next((i for i in self.indexes if i.name == name), None)


@dataclass(frozen=True)
class Enum:
    """A Postgres enum type and its values, in order."""

    name: str
    schema: str | None = None
    values: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """``schema.name``."""
        return qualified_key(self.schema, self.name)


@dataclass(frozen=True)
class View:
    """A view or (Postgres) materialized view; ``definition`` is its canonical SELECT."""

    name: str
    schema: str | None = None
    definition: str = ""
    materialized: bool = False

    @property
    def key(self) -> str:
        """``schema.name`` or ``name``."""
        return qualified_key(self.schema, self.name)


@dataclass(frozen=True)
class Sequence:
    """A Postgres sequence that no column owns (serial and identity sequences belong to columns)."""

    name: str
    schema: str | None = None
    data_type: str = "bigint"
    start: int = 1
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cycle: bool = False

    @property
    def key(self) -> str:
        """``schema.name``."""
        return qualified_key(self.schema, self.name)


@dataclass(frozen=True)
class Schema:
    """A whole database schema and, for a spec, the version it describes and what it ignores."""

    tables: tuple[Table, ...] = ()
    version: str | None = None
    ignore: tuple[str, ...] = field(default=(), compare=False)
    enums: tuple[Enum, ...] = ()
    views: tuple[View, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    # None: the spec does not say, so installed extensions are not compared.
    extensions: tuple[str, ...] | None = None

    def table(self, key: str) -> Table | None:
        """The table whose key is ``key``, if any."""
        return next((t for t in self.tables if t.key == key), None)

    def table_map(self) -> dict[str, Table]:
        """Tables keyed by ``Table.key``, in their order."""
        return {t.key: t for t in self.tables}

    def with_tables(self, tables: tuple[Table, ...]) -> Schema:
        """A copy of this schema holding ``tables`` instead."""
        return replace(self, tables=tables)


def fingerprint(schema: Schema) -> str:
    """A digest of everything the model holds of a schema: equal exactly when the schemas are.
    A reviewed plan records it, so apply can tell that the database changed since."""
    tables = sorted(schema.tables, key=lambda t: t.key)
    digest = hashlib.sha256(repr((tables, sorted(map(repr, (*schema.enums, *schema.views, *schema.sequences))),
                                  sorted(schema.extensions or ()))).encode())
    return digest.hexdigest()
