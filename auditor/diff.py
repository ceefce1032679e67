"""The differ: a pure function from (expected, actual) canonical schemas to drift items.

Objects are matched by key (table key, column name, index name, foreign-key shape); everything
compared is already canonical, so each check is plain equality.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Callable, Hashable, Iterable, Iterator, TypeVar

from auditor.model import Column, ForeignKey, Index, Schema, Table, display_name

T = TypeVar("T")

ERROR = "error"
WARNING = "warning"

# Every kind the differ can report, with its severity: missing or different objects break the
# application (error); extra ones are usually harmless leftovers (warning).
KINDS: dict[str, str] = {
    "missing_table": ERROR,
    "extra_table": WARNING,
    "missing_column": ERROR,
    "extra_column": WARNING,
    "type_mismatch": ERROR,
    "nullable_mismatch": ERROR,
    "default_mismatch": ERROR,
    "primary_key_mismatch": ERROR,
    "missing_index": ERROR,
    "extra_index": WARNING,
    "index_mismatch": ERROR,
    "missing_foreign_key": ERROR,
    "extra_foreign_key": WARNING,
}


@dataclass(frozen=True)
class DriftItem:
    """One difference. ``name`` is the column, index or constraint, or None for a whole table."""

    kind: str
    schema: str | None
    table: str
    name: str | None
    expected: str | None
    actual: str | None
    message: str

    @property
    def severity(self) -> str:
        """``error`` or ``warning``, fixed per kind."""
        return KINDS[self.kind]

    @property
    def label(self) -> str:
        """The table as reports name it."""
        return display_name(self.schema, self.table)

    @property
    def table_key(self) -> str:
        """The key of the table this item is about (``Table.key``)."""
        return f"{self.schema}.{self.table}" if self.schema else self.table

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the item."""
        return {**asdict(self), "severity": self.severity}


def failing_items(items: Iterable[DriftItem], strict: bool = False) -> list[DriftItem]:
    """The items that fail a run: errors, and warnings too when ``strict``."""
    return [item for item in items if strict or item.severity != WARNING]


def diff_schemas(expected: Schema, actual: Schema, ignore: tuple[str, ...] = ()) -> list[DriftItem]:
    """Every drift item between the spec and the live schema, minus what ``ignore`` globs match."""
    patterns = tuple(expected.ignore) + tuple(ignore)
    missing, extra, both = match_by_key(expected.tables, actual.tables, lambda t: t.key)
    items = [_item("missing_table", t, None, "present", None, f"table {_label(t)} is missing") for t in missing]
    for want, have in both:
        items.extend(_diff_table(want, have))
    items += [_item("extra_table", t, None, None, "present", f"table {_label(t)} is not in the spec") for t in extra]
    return [item for item in items if not is_ignored(item, patterns)]


def match_by_key(want: Iterable[T], have: Iterable[T],
                 key: Callable[[T], Hashable]) -> tuple[list[T], list[T], list[tuple[T, T]]]:
    """(missing, extra, present in both) of two object lists matched by ``key``, in their order."""
    want_by, have_by = {key(o): o for o in want}, {key(o): o for o in have}
    return ([o for k, o in want_by.items() if k not in have_by],
            [o for k, o in have_by.items() if k not in want_by],
            [(o, have_by[k]) for k, o in want_by.items() if k in have_by])


def is_ignored(item: DriftItem, patterns: tuple[str, ...]) -> bool:
    """True when a glob matches the item's table (``tmp_*``) or object (``jobs.legacy_*``)."""
    names = {item.table, item.table_key}
    if item.name:
        names = {f"{n}.{item.name}" for n in names}
    return any(fnmatchcase(name, pattern) for name in names for pattern in patterns)


def _label(table: Table) -> str:
    return display_name(table.schema, table.name)


def _item(kind: str, table: Table, name: str | None, expected: str | None, actual: str | None,
          message: str) -> DriftItem:
    return DriftItem(kind, table.schema, table.name, name, expected, actual, message)


def _diff_table(want: Table, have: Table) -> Iterator[DriftItem]:
    yield from _diff_columns(want, have)
    want_pk, have_pk = _pk(want), _pk(have)
    if want_pk != have_pk:
        yield _item("primary_key_mismatch", want, None, _cols(want_pk) or None, _cols(have_pk) or None,
                    f"primary key of {_label(want)} is {_cols(have_pk) or 'absent'}, "
                    f"spec says {_cols(want_pk) or 'none'}")
    yield from _diff_indexes(want, have)
    yield from _diff_foreign_keys(want, have)


def _diff_columns(want: Table, have: Table) -> Iterator[DriftItem]:
    missing, extra, both = match_by_key(want.columns, have.columns, lambda c: c.name)
    for col in missing:
        yield _item("missing_column", want, col.name, describe_column(col), None,
                    f"column {_label(want)}.{col.name} ({col.type}) is missing")
    for col, live in both:
        yield from _column_changes(want, have, col, live)
    for col in extra:
        yield _item("extra_column", want, col.name, None, describe_column(col),
                    f"column {_label(want)}.{col.name} ({col.type}) is not in the spec")


def _column_changes(want: Table, have: Table, col: Column, live: Column) -> Iterator[DriftItem]:
    where = f"{_label(want)}.{col.name}"
    if col.type != live.type:
        yield _item("type_mismatch", want, col.name, col.type, live.type,
                    f"column {where} has type {live.type or '(none)'}, spec says {col.type}")
    # A column that becomes part of the primary key becomes NOT NULL with it: the key item says so.
    joins_key = not col.nullable and col.name in _pk(want) and col.name not in _pk(have)
    if col.nullable != live.nullable and not joins_key:
        yield _item("nullable_mismatch", want, col.name, _null(col), _null(live),
                    f"column {where} is {_null(live)}, spec says {_null(col)}")
    if col.default != live.default:
        yield _item("default_mismatch", want, col.name, col.default, live.default,
                    f"column {where} has default {live.default or '(none)'}, spec says {col.default or '(none)'}")


def _diff_indexes(want: Table, have: Table) -> Iterator[DriftItem]:
    missing, extra, both = match_by_key(want.indexes, have.indexes, lambda i: i.name)
    for index in missing:
        yield _item("missing_index", want, index.name, describe_index(index), None,
                    f"index {index.name} on {_label(want)} {_cols(index.columns)} is missing")
    for index, live in both:
        if index != live:
            yield _item("index_mismatch", want, index.name, describe_index(index), describe_index(live),
                        f"index {index.name} on {_label(want)} is {describe_index(live)}, "
                        f"spec says {describe_index(index)}")
    for index in extra:
        yield _item("extra_index", want, index.name, None, describe_index(index),
                    f"index {index.name} on {_label(want)} is not in the spec")


def _diff_foreign_keys(want: Table, have: Table) -> Iterator[DriftItem]:
    # Matched by shape: SQLite keeps no constraint names, and Postgres makes its own up.
    missing, extra, _ = match_by_key(want.foreign_keys, have.foreign_keys, lambda fk: fk.shape)
    for fk, kind, expected, actual in [(f, "missing_foreign_key", True, False) for f in missing] + [
            (f, "extra_foreign_key", False, True) for f in extra]:
        text = f"foreign key {_label(want)}{_cols(fk.columns)} -> {describe_foreign_key(fk)}"
        yield _item(kind, want, fk_name(want, fk), describe_foreign_key(fk) if expected else None,
                    describe_foreign_key(fk) if actual else None,
                    f"{text} is missing" if expected else f"{text} is not in the spec")


def fk_name(table: Table, fk: ForeignKey) -> str:
    """The constraint's name, or Postgres's default name for it when it has none."""
    return fk.name or f"{table.name}_{'_'.join(fk.columns)}_fkey"


def describe_column(col: Column) -> str:
    """``type [NOT NULL] [DEFAULT x]``, the way a column reads in DDL."""
    text = col.type + ("" if col.nullable else " NOT NULL")
    return text + (f" DEFAULT {col.default}" if col.default is not None else "")


def describe_index(index: Index) -> str:
    """``[UNIQUE] (a, b) [WHERE ...]``."""
    text = ("UNIQUE " if index.unique else "") + _cols(index.columns)
    return text + (f" WHERE {index.where}" if index.where else "")


def describe_foreign_key(fk: ForeignKey) -> str:
    """``users(id) ON DELETE CASCADE``, actions shown only when not the default."""
    text = f"{fk.ref_table}{_cols(fk.ref_columns)}"
    text += f" ON DELETE {fk.on_delete}" if fk.on_delete != "NO ACTION" else ""
    return text + (f" ON UPDATE {fk.on_update}" if fk.on_update != "NO ACTION" else "")


def _pk(table: Table) -> tuple[str, ...]:
    return table.primary_key.columns if table.primary_key else ()


def _cols(columns: tuple[str, ...]) -> str:
    return f"({', '.join(columns)})" if columns else ""


def _null(col: Column) -> str:
    return "nullable" if col.nullable else "NOT NULL"
