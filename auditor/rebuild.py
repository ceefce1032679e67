"""SQLite's table rebuild: what it cannot ALTER in place, done by create, copy, drop and rename.

This is the procedure SQLite documents ("Making Other Kinds Of Table Schema Changes"), run inside
the apply transaction with foreign keys off: build the new table under a temporary name, copy every
row (rowids included), drop the old table, rename the new one, then create the indexes and the
triggers again. ``PRAGMA foreign_key_check`` before commit refuses a rebuild that would leave a row
pointing nowhere that did not before.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError

from auditor.dialects import SQLITE
from auditor.errors import ApplyError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Rebuild:
    """One table rebuild, as SQL rendered by the planner. ``source`` is the live table's name,
    ``table`` the name it has afterwards (they differ when the table is also renamed)."""

    table: str
    source: str
    create_sql: str  # CREATE TABLE <temporary name> (...), as the spec has the table
    copy_sql: str  # INSERT INTO <temporary name> ([rowid,] ...) SELECT [rowid,] ... FROM <source>
    drop_sql: str
    rename_sql: str
    index_sql: tuple[str, ...]
    # The spec's triggers on the table, made again from its text; the live ones it does not name
    # (reported as extra) are read at apply time and made again as they were.
    trigger_sql: tuple[str, ...] = ()
    spec_triggers: tuple[str, ...] = ()  # their names, lower-cased

    def steps(self) -> list[str]:
        """The statements of the rebuild, in order (the live triggers the spec does not name are
        read at apply time, and come last)."""
        return [self.create_sql, self.copy_sql, self.drop_sql, self.rename_sql, *self.index_sql, *self.trigger_sql]


def run_rebuild(conn: Connection, rebuild: Rebuild) -> None:
    """Rebuild one table inside the caller's transaction (foreign keys must be off)."""
    triggers = [sql for name, sql in conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND sql IS NOT NULL",
        (rebuild.source,)) if name.lower() not in rebuild.spec_triggers]
    sequence = conn.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = ?", (rebuild.source,)).scalar() \
        if _has_sequence_table(conn) else None
    broken_before = _foreign_key_violations(conn)
    # Legacy rename leaves views and other tables' triggers that name the table as they are:
    # after the rename they name the new table, and nothing needs to be dropped for it.
    legacy = conn.exec_driver_sql("PRAGMA legacy_alter_table").scalar()
    _run(conn, "PRAGMA legacy_alter_table = ON")
    try:
        for sql in rebuild.steps() + triggers:
            _run(conn, sql)
    finally:
        _run(conn, f"PRAGMA legacy_alter_table = {int(bool(legacy))}")
    if sequence is not None:  # AUTOINCREMENT never reuses a number, even of rows deleted before
        conn.exec_driver_sql("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (sequence, rebuild.table))
    _refuse_new_violations(rebuild.table, broken_before, _foreign_key_violations(conn))


def _run(conn: Connection, sql: str) -> None:
    conn.execution_options(no_parameters=True).exec_driver_sql(sql)


def _has_sequence_table(conn: Connection) -> bool:
    return conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").first() is not None


def _foreign_key_violations(conn: Connection) -> Counter[tuple[str, str]]:
    """Rows pointing nowhere, counted per (child table, parent table). A table whose foreign key
    names a parent key that is not (yet) unique cannot be checked: SQLite refuses the whole check
    ("foreign key mismatch"), so each table is checked on its own and such a table is left to the
    rebuild that gives its parent the key (that rebuild's check covers it)."""
    found: Counter[tuple[str, str]] = Counter()
    for (table,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").all():
        try:
            rows = conn.exec_driver_sql(f"PRAGMA foreign_key_check({SQLITE.quote(table)})").all()
        except OperationalError as exc:
            if "foreign key mismatch" not in str(exc):
                raise
            continue
        found.update((row[0], row[2]) for row in rows)
    return found


def _refuse_new_violations(table: str, before: Counter[tuple[str, str]], after: Counter[tuple[str, str]]) -> None:
    new = after - before
    if new:
        worst = ", ".join(f"{n} row(s) of {child} point to no row of {parent}" for (child, parent), n in new.items())
        raise ApplyError(f"rebuilding {table} would break foreign keys: {worst}",
                         "fix those rows first; nothing was changed")
