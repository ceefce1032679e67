"""The differ: a pure function from (expected, actual) canonical schemas to drift items.

Objects are matched by key (table key, column name, index name) or, where engines make names up,
by shape (foreign keys, unique and check constraints); leftovers with the same name on both sides
are one changed object rather than a missing and an extra one. Everything compared is already
canonical, so each check is plain equality. Declared renames are resolved first, so that a renamed
table or column is compared with its old self instead of being dropped and added.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, replace
from fnmatch import fnmatchcase
from operator import attrgetter
from typing import Callable, Hashable, Iterable, Iterator, TypeVar

from auditor.canon import renamed_element, renamed_expr
from auditor.difffunctions import diff_functions
from auditor.diffgrants import KINDS as PRIVILEGE_KINDS, diff_privileges
from auditor.difftypes import diff_exclusions, diff_user_types
from auditor.difftriggers import KINDS as SECURITY_KINDS, diff_security, same_security
from auditor.dialects import Dialect
from auditor.partitions import with_rolling_children
from auditor.model import (
    CheckConstraint, Column, Enum, Expr, ForeignKey, Index, Schema, Sequence, Table, UniqueConstraint, View, display_name,
    qualified_key)

T = TypeVar("T")

ERROR = "error"
WARNING = "warning"

# Every kind the differ can report, with its severity: missing or different objects break the
# application, and a pending rename is a change to make (error); extra ones are usually harmless
# leftovers (warning).
KINDS: dict[str, str] = {
    "missing_schema": ERROR,
    "missing_table": ERROR,
    "extra_table": WARNING,
    "renamed_table": ERROR,
    "missing_column": ERROR,
    "extra_column": WARNING,
    "renamed_column": ERROR,
    "type_mismatch": ERROR,
    "nullable_mismatch": ERROR,
    "default_mismatch": ERROR,
    "identity_mismatch": ERROR,
    "generated_mismatch": ERROR,
    "collation_mismatch": ERROR,
    "comment_mismatch": ERROR,
    "index_comment_mismatch": ERROR,
    "primary_key_mismatch": ERROR,
    "missing_unique": ERROR,
    "extra_unique": WARNING,
    "unique_mismatch": ERROR,
    "missing_check": ERROR,
    "extra_check": WARNING,
    "check_mismatch": ERROR,
    "missing_index": ERROR,
    "extra_index": WARNING,
    "index_mismatch": ERROR,
    "missing_foreign_key": ERROR,
    "extra_foreign_key": WARNING,
    "foreign_key_mismatch": ERROR,
    "constraint_not_validated": ERROR,
    "partition_mismatch": ERROR,
    "table_kind_mismatch": ERROR,
    "missing_enum": ERROR,
    "extra_enum": WARNING,
    "enum_values_mismatch": ERROR,
    "missing_view": ERROR,
    "extra_view": WARNING,
    "view_mismatch": ERROR,
    "missing_view_index": ERROR,
    "extra_view_index": WARNING,
    "view_index_mismatch": ERROR,
    "missing_sequence": ERROR,
    "extra_sequence": WARNING,
    "sequence_mismatch": ERROR,
    "missing_extension": ERROR,
    "extra_extension": WARNING,
    "extension_schema_mismatch": ERROR,
    "missing_function": ERROR,
    "extra_function": WARNING,
    "function_mismatch": ERROR,
    "missing_domain": ERROR,
    "extra_domain": WARNING,
    "domain_mismatch": ERROR,
    "missing_composite_type": ERROR,
    "extra_composite_type": WARNING,
    "composite_type_mismatch": ERROR,
    "missing_exclusion": ERROR,
    "extra_exclusion": WARNING,
    "exclusion_mismatch": ERROR,
    "missing_range_type": ERROR,
    "extra_range_type": WARNING,
    "range_type_mismatch": ERROR,
    **SECURITY_KINDS,
    **PRIVILEGE_KINDS,
}


@dataclass(frozen=True)
class DriftItem:
    """One difference. ``table`` is the table (or the enum, view, sequence, extension) it is
    about; ``name`` the column, index or constraint, or None for the whole object."""

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
        """The key of the object this item is about (``Table.key``, ``Enum.key``, ...)."""
        return qualified_key(self.schema, self.table)

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the item."""
        return {**asdict(self), "severity": self.severity}


def failing_items(items: Iterable[DriftItem], strict: bool = False) -> list[DriftItem]:
    """The items that fail a run: errors, and warnings too when ``strict``."""
    return [item for item in items if strict or item.severity != WARNING]


def match_by_key(want: Iterable[T], have: Iterable[T],
                 key: Callable[[T], Hashable]) -> tuple[list[T], list[T], list[tuple[T, T]]]:
    """(missing, extra, present in both) of two object lists matched by ``key``, in their order."""
    want_by, have_by = {key(o): o for o in want}, {key(o): o for o in have}
    return ([o for k, o in want_by.items() if k not in have_by],
            [o for k, o in have_by.items() if k not in want_by],
            [(o, have_by[k]) for k, o in want_by.items() if k in have_by])


def match_by_shape(want: Iterable[T], have: Iterable[T], shape: Callable[[T], Hashable],
                   name: Callable[[T], str | None]) -> tuple[list[T], list[T], list[tuple[T, T]]]:
    """(missing, extra, changed): matched by shape; unmatched ones with one name are ``changed``."""
    missing, extra, _ = match_by_key(want, have, shape)
    named_extra = {name(o): o for o in extra if name(o)}
    changed = [(o, named_extra[name(o)]) for o in missing if name(o) in named_extra]
    taken = {id(o) for pair in changed for o in pair}
    return ([o for o in missing if id(o) not in taken], [o for o in extra if id(o) not in taken], changed)


# ---------------------------------------------------------------------------------------------
# Renames


def resolve_renames(expected: Schema, actual: Schema, dialect: Dialect) -> tuple[Schema, list[DriftItem]]:
    """``actual`` with declared renames already made, and a ``renamed_*`` item for each
    (``dialect`` says how its canonical expressions name columns).

    A rename counts only when the new name is absent and the old one present; otherwise the
    objects are compared as they are. Foreign keys that point at a renamed table or column follow
    it, as they do in both engines.
    """
    have = actual.table_map()
    items: list[DriftItem] = []
    tables: dict[str, Table] = dict(have)
    moved: dict[str, str] = {}  # old table key -> new
    for want in expected.tables:
        old_key = _old_key(want.schema, want.renamed_from)
        if old_key and want.key not in have and old_key in have:
            old = tables.pop(old_key)
            tables[want.key] = replace(old, name=want.name, schema=want.schema)
            moved[old_key] = want.key
            items.append(_item("renamed_table", want, None, want.name, old.name,
                               f"table {_label(old)} is to be renamed to {want.name}"))
    renamed_columns: dict[str, dict[str, str]] = {}  # table key -> {old column: new}
    for want in expected.tables:
        if want.key in tables:
            tables[want.key], renames, column_items = _rename_columns(want, tables[want.key], dialect)
            renamed_columns[want.key] = renames
            items += column_items

    def follow(fk: ForeignKey) -> ForeignKey:
        ref = moved.get(fk.ref_table, fk.ref_table)
        columns = renamed_columns.get(ref, {})
        return replace(fk, ref_table=ref, ref_columns=tuple(columns.get(c, c) for c in fk.ref_columns))

    if moved or any(renamed_columns.values()):
        tables = {k: replace(t, foreign_keys=tuple(follow(fk) for fk in t.foreign_keys)) for k, t in tables.items()}
    return replace(actual, tables=tuple(tables.values())), items


def _old_key(schema: str | None, renamed_from: str | None) -> str | None:
    if not renamed_from:
        return None
    return renamed_from if "." in renamed_from else qualified_key(schema, renamed_from)


def _rename_columns(want: Table, have: Table, dialect: Dialect) -> tuple[Table, dict[str, str], list[DriftItem]]:
    names = {c.name for c in have.columns}
    renames = {c.renamed_from: c.name for c in want.columns
               if c.renamed_from and c.name not in names and c.renamed_from in names}
    if not renames:
        return have, {}, []
    items = [_item("renamed_column", want, new, new, old, f"column {_label(want)}.{old} is to be renamed to {new}")
             for old, new in renames.items()]

    def rename(cols: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(renamed_element(c, renames, dialect) for c in cols)

    def rename_in(expr: Expr | None) -> Expr | None:  # the engines rewrite expressions on RENAME COLUMN
        return renamed_expr(expr, renames, dialect)

    renamed = replace(
        have,
        columns=tuple(replace(c, name=renames.get(c.name, c.name), generated=rename_in(c.generated))
                      for c in have.columns),
        primary_key=replace(have.primary_key, columns=rename(have.primary_key.columns)) if have.primary_key else None,
        indexes=tuple(replace(i, columns=rename(i.columns), include=rename(i.include), where=rename_in(i.where))
                      for i in have.indexes),
        foreign_keys=tuple(replace(f, columns=rename(f.columns)) for f in have.foreign_keys),
        checks=tuple(replace(c, expression=rename_in(c.expression) or c.expression) for c in have.checks),
        exclusions=tuple(replace(x, definition=rename_in(x.definition)) for x in have.exclusions),
        unique_constraints=tuple(replace(u, columns=rename(u.columns), include=rename(u.include))
                                 for u in have.unique_constraints),
    )
    return renamed, renames, items


# ---------------------------------------------------------------------------------------------
# The diff


def diff_schemas(expected: Schema, actual: Schema, ignore: tuple[str, ...] = (), *,
                 dialect: Dialect) -> list[DriftItem]:
    """Every drift item between the spec and the live schema (both canonical for ``dialect``),
    minus what ``ignore`` globs match."""
    patterns = tuple(expected.ignore) + tuple(ignore)
    expected = with_rolling_children(expected, actual)
    actual, items = resolve_renames(expected, actual, dialect)
    missing, extra, both = match_by_key(expected.tables, actual.tables, lambda t: t.key)
    items += _missing_schemas(expected, actual)
    items += _whole_tables("missing_table", missing, "is missing")
    for want, have in both:
        if not _unchanged(want, have):
            items.extend(_diff_table(want, have))
    items += _whole_tables("extra_table", extra, "is not in the spec")
    items += _diff_enums(expected.enums, actual.enums)
    items += diff_user_types(expected, actual)
    items += _diff_views(expected.views, actual.views)
    items += _diff_sequences(expected.sequences, actual.sequences)
    if expected.extensions is not None:
        items += _diff_extensions(expected.extensions, actual.extensions or ())
        items += _diff_extension_schemas(expected.extension_schemas, actual.extension_schemas)
    items += diff_functions(expected.functions, actual.functions)
    items += diff_privileges(expected.privileges, actual.privileges)
    return [item for item in items if not is_ignored(item, patterns)]


def _missing_schemas(expected: Schema, actual: Schema) -> list[DriftItem]:
    """A schema the spec manages (``schemas:``) that the database lacks; known only where the live
    side says which schemas it has (``actual.schemas`` is None otherwise)."""
    if expected.schemas is None or actual.schemas is None:
        return []
    return [DriftItem("missing_schema", None, name, None, "present", None, f"schema {name} is missing")
            for name in expected.schemas if name not in actual.schemas]


def _whole_tables(kind: str, tables: list[Table], what: str) -> list[DriftItem]:
    """One item per missing or extra table; the partitions of a partitioned table in the list go
    with it (made or dropped with it), and its message counts them."""
    keys = {t.key for t in tables}
    partitions: dict[str, int] = {}
    for table in tables:
        if table.partition_of in keys:
            partitions[table.partition_of] = partitions.get(table.partition_of, 0) + 1
    expected, actual = ("present", None) if kind.startswith("missing") else (None, "present")
    return [_item(kind, t, None, expected, actual, f"table {_label(t)} {what}"
                  + (f", with its {partitions[t.key]} partition(s)" if t.key in partitions else ""))
            for t in tables if t.partition_of not in keys]


def is_ignored(item: DriftItem, patterns: tuple[str, ...]) -> bool:
    """True when a glob matches the item's table (``tmp_*``) or object (``jobs.legacy_*``)."""
    names = {item.table, item.table_key}
    if item.name:
        names = {f"{n}.{item.name}" for n in names}
    return any(fnmatchcase(name, pattern) for name in names for pattern in patterns)


def _label(table: Table | Enum | View | Sequence) -> str:
    return display_name(table.schema, table.name)


def _item(kind: str, table: Table | Enum | View | Sequence, name: str | None, expected: str | None,
          actual: str | None, message: str) -> DriftItem:
    return DriftItem(kind, table.schema, table.name, name, expected, actual, message)


def _unchanged(want: Table, have: Table) -> bool:
    """True when the pair can give no drift item: the parts match on what the comparisons below
    match them by (as ``match_by_key`` does: in any order), comments the spec gives are equal, and
    no constraint is NOT VALID. Most tables of a healthy database are unchanged, and comparing them
    part by part was most of the differ's time."""
    return (_same_by_name(want.columns, have.columns) and _pk_shape(want) == _pk_shape(have)
            and _same_by_name(want.indexes, have.indexes)
            and _constraint_shapes(want) == _constraint_shapes(have)
            and (want.comment is None or want.comment == have.comment)
            and _partitioning(want) == _partitioning(have)
            and want.without_rowid == have.without_rowid and want.strict == have.strict
            and _comments_match(want.columns, have.columns) and _comments_match(want.indexes, have.indexes)
            and not _unvalidated(want, have) and same_security(want, have))


def _same_by_name(want: tuple[Column, ...] | tuple[Index, ...], have: tuple[Column, ...] | tuple[Index, ...]) -> bool:
    # Equal canonical columns are one object, so equal tuples are quick to tell.
    return want == have or {part.name: part for part in want} == {part.name: part for part in have}


def _comments_match(want: tuple[Column, ...] | tuple[Index, ...], have: tuple[Column, ...] | tuple[Index, ...]) -> bool:
    """The comments the spec gives on columns (or indexes) are the live ones of the same name."""
    if not any(map(attrgetter("comment"), want)):  # the spec gives none: any will do
        return True
    live = {part.name: part for part in have}
    return all(part.comment is None or part.name not in live or part.comment == live[part.name].comment
               for part in want)


def _constraint_shapes(table: Table) -> tuple[set[object], ...]:
    """What unique constraints, checks, foreign keys and exclusion constraints are matched by
    (their names are not)."""
    return ({u.shape for u in table.unique_constraints}, {c.shape for c in table.checks},
            {fk.shape for fk in table.foreign_keys}, {x.shape for x in table.exclusions})


def _diff_table(want: Table, have: Table) -> Iterator[DriftItem]:
    items = list(_diff_table_parts(want, have))
    # An extra column's own unique constraints, indexes and foreign keys go with it: one item.
    extra_columns = {i.name for i in items if i.kind == "extra_column"}
    for item in items:
        if not (item.kind in _GOES_WITH_COLUMN and set(_columns_of(have, item)) <= extra_columns):
            yield item


_GOES_WITH_COLUMN = frozenset({"extra_unique", "extra_index", "extra_foreign_key"})


def _columns_of(table: Table, item: DriftItem) -> tuple[str, ...]:
    """The columns of the constraint or index an ``extra_*`` item names (none if unknown)."""
    for index in table.indexes:
        if index.name == item.name:
            return index.columns + index.include
    for u in table.unique_constraints:
        if (u.name or unique_name(table, u.columns)) == item.name:
            return u.columns
    for fk in table.foreign_keys:
        if fk_name(table, fk) == item.name:
            return fk.columns
    return ("",)


def _partitioning(table: Table) -> tuple[object, ...]:
    return (table.partition_by, table.partition_of, table.for_values, table.inherits)


def _diff_partitioning(want: Table, have: Table) -> Iterator[DriftItem]:
    """The partition key; a partition's parent and bounds (one item: ATTACH takes both); the
    parents of an inheritance child."""
    if want.partition_by != have.partition_by:
        yield _item("partition_mismatch", want, "partition_by", _shown(want.partition_by), _shown(have.partition_by),
                    f"partition key of {_label(want)} is {_shown(have.partition_by) or 'none'}, spec says "
                    f"{_shown(want.partition_by) or 'none'}{_proof(want.partition_by, have.partition_by)}")
    if (want.partition_of, want.for_values) != (have.partition_of, have.for_values):
        wanted, live = _partition_of(want), _partition_of(have)
        proof = _proof(want.for_values, have.for_values) if want.partition_of == have.partition_of else ""
        yield _item("partition_mismatch", want, "partition_of", wanted, live,
                    f"{_label(want)} is {live or 'not a partition'}, spec says {wanted or 'not a partition'}{proof}")
    if want.inherits != have.inherits:
        wanted, live = ", ".join(want.inherits) or None, ", ".join(have.inherits) or None
        yield _item("partition_mismatch", want, "inherits", wanted, live,
                    f"{_label(want)} inherits from {live or 'no table'}, spec says {wanted or 'none'}")


def _partition_of(table: Table) -> str | None:
    if not table.partition_of:
        return None
    return f"partition of {table.partition_of} " + (
        "DEFAULT" if table.for_values and table.for_values.text.upper() == "DEFAULT" else
        f"FOR VALUES {_shown(table.for_values)}")


def _kind(table: Table) -> str:
    """A SQLite table's kind: ``STRICT``, ``WITHOUT ROWID``, both, or ``rowid`` (an ordinary table)."""
    return table.options or "rowid"


def _diff_table_parts(want: Table, have: Table) -> Iterator[DriftItem]:
    if _kind(want) != _kind(have):
        yield _item("table_kind_mismatch", want, None, _kind(want), _kind(have),
                    f"table {_label(want)} is a {_kind(have)} table, spec says {_kind(want)}")
    yield from _diff_partitioning(want, have)
    yield from _diff_columns(want, have)
    if _pk_shape(want) != _pk_shape(have):
        want_pk, have_pk = describe_primary_key(want), describe_primary_key(have)
        yield _item("primary_key_mismatch", want, None, want_pk or None, have_pk or None,
                    f"primary key of {_label(want)} is {have_pk or 'absent'}, spec says {want_pk or 'none'}")
    if want.comment is not None and want.comment != have.comment:
        yield _item("comment_mismatch", want, None, want.comment, have.comment,
                    f"comment on table {_label(want)} is {have.comment!r}, spec says {want.comment!r}")
    yield from _diff_uniques(want, have)
    yield from _diff_checks(want, have)
    yield from diff_exclusions(want, have)
    # A detached partition keeps the copies of its parent's indexes, which ATTACH adopts again.
    if want.partition_of == have.partition_of:
        yield from _diff_indexes(want, have)
    yield from _diff_foreign_keys(want, have)
    yield from _diff_validation(want, have)
    yield from diff_security(want, have)


def _unvalidated(want: Table, have: Table) -> list[tuple[str, CheckConstraint | ForeignKey]]:
    """The live checks and foreign keys that match the spec's but are NOT VALID where the spec
    says validated (the default; ``validated: false`` keeps a constraint NOT VALID on purpose)."""
    if all(c.validated for c in have.checks) and all(fk.validated for fk in have.foreign_keys):
        return []
    _, _, checks = match_by_key(want.checks, have.checks, lambda c: c.shape)
    _, _, keys = match_by_key(want.foreign_keys, have.foreign_keys, lambda fk: fk.shape)
    pairs = [*(("check", c) for c in checks), *(("foreign key", k) for k in keys)]
    return [(kind, live) for kind, (spec, live) in pairs if spec.validated and not live.validated]


def _diff_validation(want: Table, have: Table) -> Iterator[DriftItem]:
    """Checks and foreign keys that match the spec but were added NOT VALID and never validated
    (an apply stopped between the two steps): rows older than the constraint may break it."""
    for kind, live in _unvalidated(want, have):
        if live.name:
            yield _item("constraint_not_validated", want, live.name, "validated", "NOT VALID",
                        f"{kind} {live.name} on {_label(want)} is NOT VALID: rows older than it are unchecked")


def _diff_columns(want: Table, have: Table) -> Iterator[DriftItem]:
    missing, extra, both = match_by_key(want.columns, have.columns, lambda c: c.name)
    for col in missing:
        yield _item("missing_column", want, col.name, describe_column(col), None,
                    f"column {_label(want)}.{col.name} ({col.type}) is missing")
    for col, live in both:
        # Most columns match exactly: only the others are compared field by field (equality leaves
        # out the comment, compared only where the spec gives one).
        if col != live or (col.comment is not None and col.comment != live.comment):
            yield from _column_changes(want, have, col, live)
    for col in extra:
        yield _item("extra_column", want, col.name, None, describe_column(col),
                    f"column {_label(want)}.{col.name} ({col.type}) is not in the spec")


# Without the engine (--dev-url), canonical forms cannot prove every two equal spellings equal.
_UNPROVEN = (" (compared by parse tree without the engine: if both mean the same, pass --dev-url to let the "
             "server compare them, or write the spec's the way the database shows it)")
_UNPARSED = " (the parser did not accept one side, so the texts were compared: check the SQL)"


def _proof(want: Expr | None, have: Expr | None) -> str:
    """What a message adds about how far two expressions that differ were compared."""
    if want is None or have is None:
        return ""
    return _UNPROVEN if want.proven and have.proven else _UNPARSED

# (kind, attribute, what the message calls it) of the column attributes compared one by one.
_COLUMN_ATTRIBUTES = (
    ("type_mismatch", "type", "type"),
    ("default_mismatch", "default", "default"),
    ("identity_mismatch", "identity", "identity"),
    ("generated_mismatch", "generated", "generation expression"),
    ("collation_mismatch", "collation", "collation"),
)


def _column_changes(want: Table, have: Table, col: Column, live: Column) -> Iterator[DriftItem]:
    where = f"{_label(want)}.{col.name}"
    for kind, attribute, called in _COLUMN_ATTRIBUTES:
        if kind == "default_mismatch":  # reports read type, nullability, default, like DDL does
            yield from _nullable_change(want, have, col, live)
        spec_value, live_value = getattr(col, attribute), getattr(live, attribute)
        if spec_value != live_value:
            proof = _proof(spec_value, live_value) if isinstance(spec_value, Expr) else \
                _rowid_alias_note(want, col, live)
            spec_text, live_text = _shown(spec_value), _shown(live_value)
            yield _item(kind, want, col.name, spec_text, live_text,
                        f"column {where} has {called} {live_text or '(none)'}, spec says {spec_text or '(none)'}{proof}")
    if col.comment is not None and col.comment != live.comment:
        yield _item("comment_mismatch", want, col.name, col.comment, live.comment,
                    f"comment on column {where} is {live.comment!r}, spec says {col.comment!r}")


def _rowid_alias_note(want: Table, col: Column, live: Column) -> str:
    """What a message adds where the types differ only in being SQLite's rowid alias (canonical
    forms keep ``int`` for a single-column primary key declared otherwise than ``INTEGER``)."""
    if {col.type, live.type} != {"int", "integer"} or _pk(want) != (col.name,):
        return ""
    alias = "spec's" if col.type == "integer" else "database's"
    return (f" (INTEGER PRIMARY KEY is an alias of the rowid, INT PRIMARY KEY is not: the {alias} column is the "
            "rowid itself)")


def _shown(value: Expr | str | None) -> str | None:
    return value.text if isinstance(value, Expr) else value


def _nullable_change(want: Table, have: Table, col: Column, live: Column) -> Iterator[DriftItem]:
    # A column that becomes part of the primary key becomes NOT NULL with it: the key item says so.
    joins_key = not col.nullable and col.name in _pk(want) and col.name not in _pk(have)
    if col.nullable != live.nullable and not joins_key:
        yield _item("nullable_mismatch", want, col.name, _null(col), _null(live),
                    f"column {_label(want)}.{col.name} is {_null(live)}, spec says {_null(col)}")


def _diff_uniques(want: Table, have: Table) -> Iterator[DriftItem]:
    missing, extra, changed = match_by_shape(want.unique_constraints, have.unique_constraints,
                                             lambda u: u.shape, lambda u: u.name)
    where = _label(want)
    for u in missing:
        yield _item("missing_unique", want, u.name or unique_name(want, u.columns), _cols(u.columns), None,
                    f"unique constraint on {where} {_cols(u.columns)} is missing")
    for u, live in changed:
        yield _item("unique_mismatch", want, u.name, describe_unique(u), describe_unique(live),
                    f"unique constraint {u.name} on {where} is {describe_unique(live)}, spec says {describe_unique(u)}")
    for u in extra:
        yield _item("extra_unique", want, u.name or unique_name(want, u.columns), None, _cols(u.columns),
                    f"unique constraint on {where} {_cols(u.columns)} is not in the spec")


def _diff_checks(want: Table, have: Table) -> Iterator[DriftItem]:
    missing, extra, changed = match_by_shape(want.checks, have.checks, lambda c: c.shape, lambda c: c.name)
    where = _label(want)
    for c in missing:
        yield _item("missing_check", want, c.name or check_name(want, c.expression), describe_check(c), None,
                    f"check {describe_check(c)} on {where} is missing")
    for c, live in changed:
        proof = _proof(c.expression, live.expression) if c.expression != live.expression else ""
        yield _item("check_mismatch", want, c.name, describe_check(c), describe_check(live),
                    f"check {c.name} on {where} is {describe_check(live)}, spec says {describe_check(c)}{proof}")
    for c in extra:
        yield _item("extra_check", want, c.name or check_name(want, c.expression), None, describe_check(c),
                    f"check {describe_check(c)} on {where} is not in the spec")


def _diff_indexes(want: Table, have: Table) -> Iterator[DriftItem]:
    missing, extra, both = match_by_key(want.indexes, have.indexes, lambda i: i.name)
    for index in missing:
        yield _item("missing_index", want, index.name, describe_index(index), None,
                    f"index {index.name} on {_label(want)} {_cols(index.columns)} is missing")
    for index, live in both:
        if index != live:
            proof = _proof(index.where, live.where) if index.where != live.where else ""
            yield _item("index_mismatch", want, index.name, describe_index(index), describe_index(live),
                        f"index {index.name} on {_label(want)} is {describe_index(live)}, "
                        f"spec says {describe_index(index)}{proof}")
        elif index.comment is not None and index.comment != live.comment:
            yield _item("index_comment_mismatch", want, index.name, index.comment, live.comment,
                        f"index {index.name} on {_label(want)} has comment {live.comment!r}, spec says {index.comment!r}")
    for index in extra:
        yield _item("extra_index", want, index.name, None, describe_index(index),
                    f"index {index.name} on {_label(want)} is not in the spec")


def _diff_foreign_keys(want: Table, have: Table) -> Iterator[DriftItem]:
    # Matched by shape: SQLite keeps no constraint names, and Postgres makes its own up.
    missing, extra, changed = match_by_shape(want.foreign_keys, have.foreign_keys,
                                             lambda fk: fk.shape, lambda fk: fk.name)
    for fk in missing:
        yield _item("missing_foreign_key", want, fk_name(want, fk), describe_foreign_key(fk), None,
                    f"foreign key {_label(want)}{_cols(fk.columns)} -> {describe_foreign_key(fk)} is missing")
    for fk, live in changed:
        yield _item("foreign_key_mismatch", want, fk.name, describe_foreign_key(fk), describe_foreign_key(live),
                    f"foreign key {fk.name} on {_label(want)}{_cols(live.columns)} is "
                    f"{describe_foreign_key(live)}, spec says {describe_foreign_key(fk)}")
    for fk in extra:
        yield _item("extra_foreign_key", want, fk_name(want, fk), None, describe_foreign_key(fk),
                    f"foreign key {_label(want)}{_cols(fk.columns)} -> {describe_foreign_key(fk)} "
                    "is not in the spec")


def _diff_enums(want: tuple[Enum, ...], have: tuple[Enum, ...]) -> Iterator[DriftItem]:
    missing, extra, both = match_by_key(want, have, lambda e: e.key)
    for e in missing:
        yield _item("missing_enum", e, None, _values(e.values), None, f"enum {_label(e)} is missing")
    for e, live in both:
        if e.values != live.values:
            yield _item("enum_values_mismatch", e, None, _values(e.values), _values(live.values),
                        f"enum {_label(e)} has values {_values(live.values)}, spec says {_values(e.values)}")
    for e in extra:
        yield _item("extra_enum", e, None, None, _values(e.values), f"enum {_label(e)} is not in the spec")


def _diff_views(want: tuple[View, ...], have: tuple[View, ...]) -> Iterator[DriftItem]:
    missing, extra, both = match_by_key(want, have, lambda v: v.key)
    for v in missing:
        yield _item("missing_view", v, None, v.definition.text, None, f"{_view_kind(v)} {_label(v)} is missing")
    for v, live in both:
        if (v.definition, v.materialized) != (live.definition, live.materialized):
            proof = _proof(v.definition, live.definition) if v.definition != live.definition else ""
            yield _item("view_mismatch", v, None, v.definition.text, live.definition.text,
                        f"{_view_kind(live)} {_label(v)} is defined as ({live.definition.text}), spec says "
                        f"{_view_kind(v)} ({v.definition.text}){proof}")
        else:  # made again with the view when that changes
            yield from _diff_view_indexes(v, live)
    for v in extra:
        yield _item("extra_view", v, None, None, v.definition.text, f"{_view_kind(v)} {_label(v)} is not in the spec")


def _diff_view_indexes(want: View, have: View) -> Iterator[DriftItem]:
    missing, extra, both = match_by_key(want.indexes, have.indexes, lambda i: i.name)
    for index in missing:
        yield _item("missing_view_index", want, index.name, index.sql.text, None,
                    f"index {index.name} on materialized view {_label(want)} is missing")
    for index, live in both:
        if index != live:
            yield _item("view_index_mismatch", want, index.name, index.sql.text, live.sql.text,
                        f"index {index.name} on materialized view {_label(want)} is ({live.sql.text}), "
                        f"spec says ({index.sql.text})")
    for index in extra:
        yield _item("extra_view_index", want, index.name, None, index.sql.text,
                    f"index {index.name} on materialized view {_label(want)} is not in the spec")


def _diff_sequences(want: tuple[Sequence, ...], have: tuple[Sequence, ...]) -> Iterator[DriftItem]:
    missing, extra, both = match_by_key(want, have, lambda s: s.key)
    for s in missing:
        yield _item("missing_sequence", s, None, describe_sequence(s), None, f"sequence {_label(s)} is missing")
    for s, live in both:
        if s != live or (s.owned_by is not None and s.owned_by != live.owned_by):
            yield _item("sequence_mismatch", s, None, describe_sequence(s), describe_sequence(live),
                        f"sequence {_label(s)} is {describe_sequence(live)}, spec says {describe_sequence(s)}")
    for s in extra:
        yield _item("extra_sequence", s, None, None, describe_sequence(s), f"sequence {_label(s)} is not in the spec")


def _diff_extensions(want: tuple[str, ...], have: tuple[str, ...]) -> Iterator[DriftItem]:
    for name in want:
        if name not in have:
            yield DriftItem("missing_extension", None, name, None, name, None, f"extension {name} is not installed")
    for name in have:
        if name not in want:
            yield DriftItem("extra_extension", None, name, None, None, name, f"extension {name} is not in the spec")


def _diff_extension_schemas(want: tuple[tuple[str, str], ...],
                            have: tuple[tuple[str, str], ...]) -> Iterator[DriftItem]:
    """An installed extension in another schema than the spec says (one not installed is missing)."""
    installed = dict(have)
    for name, schema in want:
        if name in installed and installed[name] != schema:
            yield DriftItem("extension_schema_mismatch", None, name, None, schema, installed[name],
                            f"extension {name} is in schema {installed[name]}, spec says {schema}")


# ---------------------------------------------------------------------------------------------
# Names and descriptions


def fk_name(table: Table, fk: ForeignKey) -> str:
    """The constraint's name, or Postgres's default name for it when it has none."""
    return fk.name or default_fk_name(table, fk.columns)


def default_fk_name(table: Table, columns: tuple[str, ...]) -> str:
    """Postgres's default name for a foreign key."""
    return f"{table.name}_{'_'.join(columns)}_fkey"


def unique_name(table: Table, columns: tuple[str, ...]) -> str:
    """Postgres's default name for a unique constraint."""
    return f"{table.name}_{'_'.join(columns)}_key"


def check_name(table: Table, expression: Expr) -> str:
    """A stable name for an unnamed check: the table and a short hash of the expression's text
    (white space and case aside), the same on every engine."""
    text = " ".join(expression.text.lower().split())
    return f"{table.name}_check_{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def describe_column(col: Column) -> str:
    """``type [NOT NULL] [DEFAULT x]``, the way a column reads in DDL."""
    text = col.type + ("" if col.nullable else " NOT NULL")
    return text + (f" DEFAULT {col.default.text}" if col.default is not None else "")


def describe_index(index: Index) -> str:
    """``[UNIQUE] [USING method] (a, b) [INCLUDE (c)] [WHERE ...]``."""
    text = ("UNIQUE " if index.unique else "") + (f"USING {index.method} " if index.method else "")
    text += _cols(index.written) + (f" INCLUDE {_cols(index.include)}" if index.include else "")
    text += " NULLS NOT DISTINCT" if index.nulls_not_distinct else ""
    text += f" WHERE {index.where.text}" if index.where else ""
    return text + ("" if index.valid else " (INVALID: left by a failed build; no query uses it)")


def describe_unique(unique: UniqueConstraint) -> str:
    """``(a, b) [INCLUDE (c)] [NULLS NOT DISTINCT] [DEFERRABLE [INITIALLY DEFERRED]]``."""
    text = _cols(unique.columns) + (f" INCLUDE {_cols(unique.include)}" if unique.include else "")
    text += " NULLS NOT DISTINCT" if unique.nulls_not_distinct else ""
    if unique.deferrable:
        text += " DEFERRABLE" + (" INITIALLY DEFERRED" if unique.initially_deferred else "")
    return text


def describe_check(check: CheckConstraint) -> str:
    """``(expression) [NO INHERIT]``, the expression as written or reported."""
    return f"({check.expression.text})" + (" NO INHERIT" if check.no_inherit else "")


def describe_foreign_key(fk: ForeignKey) -> str:
    """``users(id) ON DELETE CASCADE``, actions shown only when not the default."""
    text = f"{fk.ref_table}{_cols(fk.ref_columns)}"
    text += f" ON DELETE {fk.on_delete}" if fk.on_delete != "NO ACTION" else ""
    text += f" ON UPDATE {fk.on_update}" if fk.on_update != "NO ACTION" else ""
    if fk.deferrable:
        text += " DEFERRABLE" + (" INITIALLY DEFERRED" if fk.initially_deferred else "")
    return text


def describe_sequence(s: Sequence) -> str:
    """``AS bigint START 1 INCREMENT 1 MINVALUE 1 MAXVALUE ... [CYCLE]``."""
    text = f"AS {s.data_type} START {s.start} INCREMENT {s.increment} MINVALUE {s.min_value} MAXVALUE {s.max_value}"
    return text + (" CYCLE" if s.cycle else "") + (f" OWNED BY {s.owned_by}" if s.owned_by else "")


def _view_kind(view: View) -> str:
    return "materialized view" if view.materialized else "view"


def _values(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _pk_shape(table: Table) -> tuple[object, ...]:
    return table.primary_key.shape if table.primary_key else ()


def describe_primary_key(table: Table) -> str:
    """``(a, b) [DEFERRABLE [INITIALLY DEFERRED]]``, or empty without a key."""
    pk = table.primary_key
    if pk is None:
        return ""
    return _cols(pk.columns) + (" DEFERRABLE" + (" INITIALLY DEFERRED" if pk.initially_deferred else "")
                                if pk.deferrable else "")


def _pk(table: Table) -> tuple[str, ...]:
    return table.primary_key.columns if table.primary_key else ()


def _cols(columns: tuple[str, ...]) -> str:
    return f"({', '.join(columns)})" if columns else ""


def _null(col: Column) -> str:
    return "nullable" if col.nullable else "NOT NULL"
