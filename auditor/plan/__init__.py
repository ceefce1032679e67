"""The planner: drift items -> an ordered list of idempotent DDL statements.

Every statement says which drift item it fixes, its hazards (see ``auditor.hazards``), the rows
that would make it fail (a pre-check query), and, where the engine has no ``IF [NOT] EXISTS`` form,
a guard that ``apply`` checks against the live schema right before running it. What SQLite cannot
alter in place is planned as one table rebuild; what no engine can do in place is planned as a
``manual`` statement: a comment saying why, never executed.

The modules, one concept each:

- ``model``: Statement, Guard, Precheck, the builders' Context, and PHASES (why each comes where);
- ``sql``: DDL fragments (names, columns, tables, indexes, references, constraints, DO blocks);
- ``prechecks``: the queries counting the rows a new rule would reject;
- ``builders``: one builder per drift kind (``tables``, ``columns``, ``constraints``, ``indexes``,
  ``objects``), registered in ``builders.BUILDERS``;
- ``hazard_table``: every kind of statement with its hazards, the one place builders take them from;
- ``rebuild``: SQLite's rebuild placeholders, and the one rebuild per table they become;
- ``order``: phase order, tables dropped referencing ones first, each SQL once;
- ``planner``: ``plan_changes``, the whole of it; ``render``: ``render_script``, the text form.
"""
from __future__ import annotations

from auditor.plan.model import PHASES, Guard, Precheck, Statement
from auditor.plan.planner import plan_changes
from auditor.plan.render import render_script
from auditor.plan.sql import column_sql, comment_text

__all__ = ["PHASES", "Guard", "Precheck", "Statement", "column_sql", "comment_text", "plan_changes", "render_script"]
