"""SQLite table rebuilds, as planned: what SQLite cannot alter in place is first planned as a
placeholder; then every statement of such a table is swapped for one rebuild that makes the whole
table as the spec has it. ``auditor.rebuild`` runs it."""
from __future__ import annotations

from dataclasses import replace

from auditor.diff import DriftItem
from auditor.dialects import Dialect
from auditor.model import Table
from auditor.plan.hazard_table import hazards_of
from auditor.plan.model import Precheck, Statement
from auditor.plan.sql import comment_text, create_table_sql, index_sql, is_rowid_alias, qualified_sql
from auditor.rebuild import Rebuild

_REBUILD = "SQLite cannot alter this in place; it needs a table rebuild"


def placeholder(item: DriftItem, hazards: tuple[str, ...] = (),
                prechecks: tuple[Precheck, ...] = ()) -> list[Statement]:
    """What SQLite cannot do in place: a placeholder, carrying the hazards the rebuild takes on."""
    return [Statement(f"-- manual: {_REBUILD}", item, "rebuild_tables", hazards, manual=True, prechecks=prechecks)]


def _is_placeholder(statement: Statement) -> bool:
    return statement.manual and statement.phase == "rebuild_tables"  # only placeholders are both


def rebuild_tables(statements: list[Statement], items: list[DriftItem], want: dict[str, Table],
                   have: dict[str, Table], dialect: Dialect) -> list[Statement]:
    """Every statement of a table SQLite must rebuild, swapped for that one rebuild: it makes the
    whole table as the spec has it, so it also fixes the table's other drift."""
    keys = list(dict.fromkeys(s.fixes.table_key for s in statements if _is_placeholder(s)))
    if not keys:
        return statements
    kept = [s for s in statements if s.fixes.table_key not in keys]
    for key in keys:
        replaced = [s for s in statements if s.fixes.table_key == key]
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
    temp = replace(table, name=f"_auditor_rebuild_{table.name}")
    # Rowids are kept too: something outside the table (an FTS index, a cache) may point at them.
    targets = [] if any(is_rowid_alias(c, table, dialect) for c in table.columns) else ["rowid"]
    columns = targets + [dialect.quote(c) for c in copied]
    sources = targets + [dialect.quote(old_names.get(c) or c) for c in copied]
    rebuild = Rebuild(
        table=table.name, source=renamed or live.name,
        create_sql=create_table_sql(temp, dialect),
        copy_sql=f"INSERT INTO {qualified_sql(temp, dialect)} ({', '.join(columns)}) "
                 f"SELECT {', '.join(sources)} FROM {source}",
        drop_sql=f"DROP TABLE {source}",
        rename_sql=f"ALTER TABLE {qualified_sql(temp, dialect)} RENAME TO {dialect.quote(table.name)}",
        index_sql=tuple(index_sql(i, table, dialect) for i in table.indexes))
    # The copy holds SQLite's write lock throughout, and readers wait once it spills to the file.
    hazards = (*(h for s in replaced for h in s.hazards), *hazards_of("rebuild_table"))
    fixed = ", ".join(dict.fromkeys(f"{i.kind} {i.name}" if i.name else i.kind for i in items))
    sql = f"-- rebuild {comment_text(table.name)}, fixing: {comment_text(fixed)}\n" + ";\n".join(rebuild.steps())
    prechecks = tuple(dict.fromkeys(p for s in replaced for p in s.prechecks))
    return Statement(sql, items[0], "rebuild_tables", hazards, prechecks=prechecks,
                     rebuild=rebuild)
