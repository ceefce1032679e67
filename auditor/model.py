"""The schema model: one set of frozen values for the desired (spec) and the live (inspected) schema.

Both the spec loader and the inspectors build these values, and ``canon.normalize_schema`` brings
either side into the same canonical form for a dialect, so that comparing them is plain equality.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace


def display_name(schema: str | None, name: str) -> str:
    """How reports name a table: bare in the default ``public`` namespace, else ``schema.name``."""
    return f"{schema}.{name}" if schema not in (None, "public") else name


@dataclass(frozen=True)
class Column:
    """A table column. ``type`` and ``default`` are canonical SQL text (see ``canon``)."""

    name: str
    type: str
    nullable: bool = True
    default: str | None = None


@dataclass(frozen=True)
class PrimaryKey:
    """A primary key; ``name`` is informational (SQLite has none) and never compared."""

    columns: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True)
class UniqueConstraint:
    """A UNIQUE constraint (not a unique index). Read from live databases; not yet in the spec
    format or the diff, but the planner must know which columns one holds."""

    columns: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True)
class Index:
    """An index that is not the backing index of a primary key or constraint."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    where: str | None = None


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key. Identity is its shape (columns, target, actions), not its name."""

    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    name: str | None = None

    @property
    def shape(self) -> tuple[object, ...]:
        """What makes two foreign keys the same constraint, whatever they are called."""
        return (self.columns, self.ref_table, self.ref_columns, self.on_delete, self.on_update)


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

    @property
    def key(self) -> str:
        """The table's identity: ``schema.name`` or ``name``."""
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def column(self, name: str) -> Column | None:
        """The column called ``name``, if the table has one."""
        return next((c for c in self.columns if c.name == name), None)

    def index(self, name: str) -> Index | None:
        """The index called ``name``, if the table has one."""
        return next((i for i in self.indexes if i.name == name), None)


@dataclass(frozen=True)
class Schema:
    """A whole database schema: its tables, and the version the spec says it describes."""

    tables: tuple[Table, ...] = ()
    version: str | None = None
    ignore: tuple[str, ...] = field(default=(), compare=False)

    def table(self, key: str) -> Table | None:
        """The table whose key is ``key``, if any."""
        return next((t for t in self.tables if t.key == key), None)

    def table_map(self) -> dict[str, Table]:
        """Tables keyed by ``Table.key``, in their order."""
        return {t.key: t for t in self.tables}

    def with_tables(self, tables: tuple[Table, ...]) -> Schema:
        """A copy of this schema holding ``tables`` instead."""
        return replace(self, tables=tables)
