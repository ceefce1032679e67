"""SQLite table rebuilds, as planned: what SQLite cannot alter in place is first planned as a
placeholder; then every statement of such a table is swapped for one rebuild that makes the whole
table as the spec has it. ``auditor.rebuild`` runs it."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, TypeVar

from auditor.diff import DriftItem
from auditor.dialects import Dialect
from auditor.canon import canonical_expr
from auditor.dialects.triggers import if_not_exists_sql
from auditor.dialects.sqlitedefs import ATTRIBUTE_CLAUSES, Clause, column_definitions
from auditor.model import CheckConstraint, Column, PrimaryKey, Table, UniqueConstraint
from auditor.plan.hazard_table import hazards_of
from auditor.plan.model import Precheck, Statement
from auditor.plan.sql import comment_text, create_table_sql, index_sql, is_rowid_alias, qualified_sql
from auditor.rebuild import Rebuild

T = TypeVar("T")

_REBUILD = "SQLite cannot alter this in place; it needs a table rebuild"


def placeholder(item: DriftItem, hazards: tuple[str, ...] = (),
                prechecks: tuple[Precheck, ...] = ()) -> list[Statement]:
    """What SQLite cannot do in place: a placeholder, carrying the hazards the rebuild takes on."""
    return [Statement(f"-- manual: {_REBUILD}", item, "rebuild_tables", hazards, manual=True, prechecks=prechecks)]


_TRIGGER_PHASES = frozenset({"drop_triggers", "create_triggers"})


def _is_placeholder(statement: Statement) -> bool:
    return statement.manual and statement.phase == "rebuild_tables"  # only placeholders are both


def rebuild_tables(statements: list[Statement], items: list[DriftItem], want: dict[str, Table],
                   have: dict[str, Table], dialect: Dialect) -> list[Statement]:
    """Every statement of a table SQLite must rebuild, swapped for that one rebuild: it makes the
    whole table as the spec has it, so it also fixes the table's other drift."""
    keys = list(dict.fromkeys(s.fixes.table_key for s in statements if _is_placeholder(s)))
    if not keys:
        return statements
    # A table's triggers are not the rebuild's business: it makes the spec's again, and the
    # trigger statements run around it (a drop of an extra one before, in its own phase).
    kept = [s for s in statements if s.fixes.table_key not in keys or s.phase in _TRIGGER_PHASES]
    for key in keys:
        replaced = [s for s in statements if s.fixes.table_key == key and s.phase not in _TRIGGER_PHASES]
        table_items = [i for i in items if i.table_key == key]
        kept.append(_rebuild_statement(table_items, replaced, want[key], have[key], dialect))
    return kept


def _rebuild_statement(items: list[DriftItem], replaced: list[Statement], table: Table, live: Table,
                       dialect: Dialect) -> Statement:
    renamed = next((i.actual for i in items if i.kind == "renamed_table"), None)
    source = dialect.quote(renamed or live.name)
    old_names = {i.name: i.actual for i in items if i.kind == "renamed_column"}
    live_columns = {c.name for c in live.columns}
    copied = [c.name for c in table.columns if c.name in live_columns and not c.generated]
    definitions, rest = kept_definitions(table, live, old_names, dialect)
    temp = replace(rest, name=f"_auditor_rebuild_{table.name}")
    # Rowids are kept too: something outside the table (an FTS index, a cache) may point at them.
    # A WITHOUT ROWID table has none to give or take.
    no_rowid = table.without_rowid or live.without_rowid or any(is_rowid_alias(c, table, dialect)
                                                                for c in table.columns)
    targets = [] if no_rowid else ["rowid"]
    columns = targets + [dialect.quote(c) for c in copied]
    sources = targets + [dialect.quote(old_names.get(c) or c) for c in copied]
    rebuild = Rebuild(
        table=table.name, source=renamed or live.name,
        create_sql=create_table_sql(temp, dialect, definitions),
        copy_sql=f"INSERT INTO {qualified_sql(temp, dialect)} ({', '.join(columns)}) "
                 f"SELECT {', '.join(sources)} FROM {source}",
        drop_sql=f"DROP TABLE {source}",
        rename_sql=f"ALTER TABLE {qualified_sql(temp, dialect)} RENAME TO {dialect.quote(table.name)}",
        index_sql=tuple(index_sql(i, table, dialect) for i in table.indexes),
        trigger_sql=tuple(if_not_exists_sql(t.sql) for t in table.triggers),
        spec_triggers=tuple(t.name.lower() for t in table.triggers))
    # The copy holds SQLite's write lock throughout, and readers wait once it spills to the file.
    hazards = (*(h for s in replaced for h in s.hazards), *hazards_of("rebuild_table"))
    fixed = ", ".join(dict.fromkeys(f"{i.kind} {i.name}" if i.name else i.kind for i in items))
    sql = f"-- rebuild {comment_text(table.name)}, fixing: {comment_text(fixed)}\n" + ";\n".join(rebuild.steps())
    prechecks = tuple(dict.fromkeys(p for s in replaced for p in s.prechecks))
    return Statement(sql, items[0], "rebuild_tables", hazards, prechecks=prechecks,
                     rebuild=rebuild)


def kept_definitions(table: Table, live: Table, old_names: dict[str, str],
                     dialect: Dialect) -> tuple[dict[str, str], Table]:
    """The definitions of the columns a rebuild leaves as they are, word for word from the live
    CREATE text (declared type, ``DEFAULT NULL``, collation, inline constraints the spec still
    wants), by column name; and ``table`` without the constraints those definitions carry.

    A column is left as it is when its canonical form is the spec's. A column changes (and is
    written from the spec) otherwise, and so does the primary key of a table whose kind changes
    (in a rowid table, INTEGER makes it the rowid's alias; in a WITHOUT ROWID one it does not).
    An inline constraint the spec no longer has is left out; one that names a column or table a
    rename moves is written from the spec instead."""
    found = column_definitions(live.sql) if live.sql else {}
    have = {c.name: c for c in live.columns}
    moves_key = table.without_rowid != live.without_rowid and table.primary_key is not None
    pending = _Pending(table, live, dialect, renames=bool(old_names))
    kept: dict[str, str] = {}
    for col in table.columns:
        found_def = found.get((old_names.get(col.name) or col.name).lower())
        if found_def is None or have.get(col.name) != col or (moves_key and col.name in table.primary_key.columns) \
                or (old_names and col.generated):  # type: ignore[union-attr]
            continue
        clauses = [c for c in found_def.clauses if c.kind in ATTRIBUTE_CLAUSES or pending.take(c, col)]
        text = found_def.text if len(clauses) == len(found_def.clauses) else \
            " ".join([found_def.head, *(c.text for c in clauses)])
        kept[col.name] = dialect.quote(col.name) + text[len(found_def.name_text):] if col.name in old_names else text
    return kept, pending.rest()


class _Pending:
    """The spec's keys and constraints not yet carried by a column definition kept as it is."""

    def __init__(self, table: Table, live: Table, dialect: Dialect, renames: bool) -> None:
        self.table, self.live, self.dialect, self.renames = table, live, dialect, renames
        self.primary_key = table.primary_key
        self.uniques = list(table.unique_constraints)
        self.checks = list(table.checks)
        self.foreign_keys = list(table.foreign_keys)

    def take(self, clause: Clause, col: Column) -> bool:
        """Whether the spec wants the constraint ``clause`` declares on ``col`` (it is then taken)."""
        if clause.kind == "primary":
            if self.primary_key is None or self.primary_key.shape != PrimaryKey((col.name,)).shape:
                return False
            self.primary_key = None
            return True
        if clause.kind == "unique":
            return _take(self.uniques, UniqueConstraint((col.name,)).shape, lambda u: u.shape)
        if self.renames:  # the clause's text names the old columns
            return False
        if clause.kind == "check" and clause.body is not None:
            names = frozenset(c.name for c in self.table.columns)
            expression = canonical_expr(clause.body, self.dialect, names)
            return _take(self.checks, CheckConstraint(expression).shape, lambda c: c.shape)  # type: ignore[arg-type]
        if clause.kind == "references":
            live = [fk for fk in self.live.foreign_keys if fk.columns == (col.name,)]
            # One key on this column, naming the table it still names (a rename moves it).
            if len(live) != 1 or (clause.target or "").lower() != live[0].ref_table.lower():
                return False
            return _take(self.foreign_keys, live[0].shape, lambda fk: fk.shape)
        return False

    def rest(self) -> Table:
        """The table with only what no kept definition carries."""
        return replace(self.table, primary_key=self.primary_key, unique_constraints=tuple(self.uniques),
                       checks=tuple(self.checks), foreign_keys=tuple(self.foreign_keys))


def _take(items: list[T], shape: object, shape_of: Callable[[T], object]) -> bool:
    """Remove the first item of ``shape`` from ``items``; whether there was one."""
    at = next((i for i, item in enumerate(items) if shape_of(item) == shape), None)
    if at is None:
        return False
    del items[at]
    return True
