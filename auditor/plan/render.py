"""render_script: a plan as a SQL script for a person to read or run; statement_notes: the
comment lines each statement is shown with (migration files show them too)."""
from __future__ import annotations

from typing import Mapping

from auditor.dialects import Dialect
from auditor.plan.model import Precheck, Statement
from auditor.plan.sql import comment_text


def render_script(statements: list[Statement], dialect: Dialect, violations: Mapping[Precheck, int] | None = None) -> str:
    """The plan as a SQL script for a person to read or run (``psql -f``, ``sqlite3``), each
    statement with its hazards and, where ``violations`` has them, its pre-check counts."""
    if not statements:
        return "-- no changes: the database matches the spec\n"
    lines = [f"-- schema-auditor plan for {dialect.name}: {len(statements)} statement(s)"]
    if dialect.guarded_blocks:
        lines.append("-- every statement is idempotent: the script is safe to run twice")
    else:
        lines.append("-- ADD/DROP/RENAME COLUMN have no IF [NOT] EXISTS here: schema-auditor apply checks first")
    for st in statements:
        first, *rest = statement_notes(st, violations)
        lines += [f"\n-- {first}", *(f"-- {note}" for note in rest)]
        lines.append(st.sql if st.manual else f"{st.sql};")
    return "\n".join(lines) + "\n"


def statement_notes(st: Statement, violations: Mapping[Precheck, int] | None = None) -> list[str]:
    """The comment lines a statement is shown with, without their comment marker: what it fixes
    with its hazards, whether it runs outside the main transaction, and its pre-check counts."""
    item = st.fixes
    target = f"{item.label}.{item.name}" if item.name else item.label
    note = f" [hazards: {', '.join(st.hazards)}]" if st.hazards else ""
    what = f"table {item.label}: rebuild" if st.rebuild else f"{item.kind} {target}"
    notes = [f"{comment_text(what)}{note}"]
    if st.own_transaction:
        notes.append(_why_alone(st))
    notes += [f"precheck: {comment_text(check.describe(violations[check]))}"
              for check in st.prechecks if violations is not None and check in violations]
    return notes


def _why_alone(statement: Statement) -> str:
    """The comment on a statement that runs outside the main transaction, saying why."""
    if "INDEX CONCURRENTLY" in statement.sql:
        return ("runs on its own, outside the main transaction: CONCURRENTLY, since the table holds rows "
                "and its reads and writes go on meanwhile (--no-concurrent-indexes: in the transaction, locked)")
    return "runs on its own, outside the main transaction"
