"""Alembic's downgrade: the statements that undo a migration, planned by the planner itself.

Only what a migration adds is undone: a table, column, index, view, unique, check or foreign key
constraint, or sequence that was missing is dropped again (the inverse drift item, planned from the
spec's schema back to the live one). Everything else (a type or default changed, something dropped
or renamed, a manual step) cannot be undone without the data or the old state it replaced.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from auditor.diff import DriftItem
from auditor.dialects import Dialect
from auditor.model import Schema
from auditor.plan import Statement, plan_changes

_ADDED = ("table", "column", "index", "view", "unique", "check", "foreign_key", "sequence")
INVERSE = {f"missing_{kind}": f"extra_{kind}" for kind in _ADDED}


@dataclass(frozen=True)
class Downgrade:
    """The reverse statements (in the order they run) and the forward ones nothing undoes."""

    statements: tuple[Statement, ...]
    irreversible: tuple[Statement, ...]


def downgrade_of(included: Sequence[Statement], expected: Schema, actual: Schema, dialect: Dialect,
                 concurrent: bool = False) -> Downgrade:
    """The downgrade of a migration of ``included`` statements that turn ``actual`` into ``expected``.
    An item is reversible when its kind is in ``INVERSE`` and the planner drops it again with
    statements that run as they are (no manual step, no SQLite rebuild)."""
    items = list(dict.fromkeys(st.fixes for st in included))
    inverse = {replace(item, kind=INVERSE[item.kind]): item for item in items if item.kind in INVERSE}
    reverse = plan_changes(list(inverse), actual, expected, dialect, concurrent)
    undone = {inverse[st.fixes] for st in reverse if st.fixes in inverse}
    stuck: set[DriftItem] = {inverse[st.fixes] for st in reverse if (st.manual or st.rebuild) and st.fixes in inverse}
    stuck |= {item for item in items if item not in undone}
    return Downgrade(tuple(st for st in reverse if inverse.get(st.fixes) not in stuck),
                     tuple(st for st in included if st.fixes in stuck))
