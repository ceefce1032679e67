"""Builders for functions and procedures (Postgres): created from the spec's own statement (as
``CREATE OR REPLACE``), replaced in place where Postgres allows it, else dropped and created.

Order (see ``plan.model.PHASES``): functions are created before the tables whose defaults, checks,
generated columns and index expressions call them, with ``check_function_bodies`` off for the
transaction (as pg_dump does: a body may read tables made later); a function whose arguments or
result name a table's or view's row type, or whose body is ``BEGIN ATOMIC`` or ``RETURN`` (bound to
what it names when it is made), waits until the tables exist. Drops come after the tables and
columns that used them. An IMMUTABLE function whose body changes leaves the indexes that call it
holding values of the old body: they are rebuilt (REINDEX) once it is replaced.
"""
from __future__ import annotations

import json
import re

from auditor.diff import DriftItem
from auditor.dialects import Dialect
from auditor.model import Function, Schema
from auditor.plan.builders.objects import create_schema
from auditor.plan.builders.types import types_made_after_tables
from auditor.plan.hazard_table import hazards_of
from auditor.plan.model import Context, Statement, drop_then_add
from auditor.plan.order import relations_read
from auditor.plan.sql import qualified_sql

# Off for the rest of the plan's transaction: bodies are checked when they run, not when made.
NO_BODY_CHECKS = "SET LOCAL check_function_bodies = off"


def _the(functions: tuple[Function, ...], item: DriftItem) -> Function:
    return next(f for f in functions if f.key == item.table_key)


def signature_sql(function: Function, dialect: Dialect) -> str:
    """``schema.name(type, type)``: the function as DROP and REINDEX name it."""
    from auditor.dialects.pgfunctions import input_types_sql

    return f"{qualified_sql(function, dialect)}({', '.join(input_types_sql(function))})"


def _phase(function: Function, expected: Schema) -> str:
    """When the function is made: ``create_functions``, before the tables; after the tables
    (``create_table_functions``) when it is bound to some at creation, by the row types in its
    signature or by a BEGIN ATOMIC / RETURN body that reads them; after the views (in their
    phase, after them) when what it is bound to is a view."""
    named = set(re.findall(r"[a-z_][a-z0-9_$.]*", " ".join((*function.arguments, function.returns or "",
                                                              function.parameters))))
    if function.atomic:
        named |= relations_read(function.body.canon)
    views = {key for v in expected.views for key in (v.key, v.name)}
    if views & named:
        return "create_views"
    tables = {key for t in expected.tables for key in (t.key, t.name)} | types_made_after_tables(expected)
    return "create_table_functions" if function.atomic or tables & named else "create_functions"


def create_function(item: DriftItem, function: Function, ctx: Context) -> list[Statement]:
    """The spec's statement as CREATE OR REPLACE (after its schema, with body checks off)."""
    from auditor.dialects.pgfunctions import create_sql

    phase = _phase(function, ctx.expected)
    sql = create_sql(function.sql, function.schema, ctx.dialect.quote(function.schema or ""))
    return create_schema(item, function.schema, ctx.dialect) + [
        Statement(NO_BODY_CHECKS, item, phase, hazards_of("function_settings")),
        Statement(sql, item, phase, hazards_of("create_function"))]


def missing_function(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE OR REPLACE FUNCTION (or PROCEDURE), from the spec's text."""
    return create_function(item, _the(ctx.expected.functions, item), ctx)


def drop_function(item: DriftItem, function: Function, phase: str, dialect: Dialect) -> Statement:
    """DROP FUNCTION (or PROCEDURE) IF EXISTS by signature. Postgres refuses it while a view,
    trigger, default, check, index or policy uses the function, and names them."""
    sql = f"DROP {function.kind.upper()} IF EXISTS {signature_sql(function, dialect)}"
    return Statement(sql, item, phase, hazards_of("drop_function"))


def extra_function(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP FUNCTION IF EXISTS, once the tables and columns that used it are gone."""
    function = _the(ctx.actual.functions, item)
    return [drop_function(item, function, _DROP_PHASES[_phase(function, ctx.actual)], ctx.dialect)]


# A function bound to a view's or a table's row type pins it: it drops before them.
_DROP_PHASES = {"create_views": "drop_view_functions", "create_table_functions": "drop_table_functions",
                "create_functions": "drop_functions"}


def replaceable(want: Function, have: Function) -> bool:
    """Whether CREATE OR REPLACE can turn ``have`` into ``want``: the same kind, result type and
    arguments (names, modes, types), and no default taken away."""
    if (want.kind, want.returns, want.window) != (have.kind, have.returns, have.window):
        return False
    new, old = json.loads(want.parameters or "[]"), json.loads(have.parameters or "[]")
    return [p[:3] for p in new] == [p[:3] for p in old] and \
        all(n[3] is not None for n, o in zip(new, old) if o[3] is not None)


def function_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE OR REPLACE where Postgres allows it, else DROP and CREATE (which fails, naming them,
    while other objects use the function); REINDEX of the indexes an IMMUTABLE function's new
    body changes the values of."""
    want, have = _the(ctx.expected.functions, item), _the(ctx.actual.functions, item)
    create = create_function(item, want, ctx)
    if not replaceable(want, have):
        phase = create[-1].phase
        create = drop_then_add([drop_function(item, have, phase, ctx.dialect)], create)
    return create + _reindex(item, want, have, ctx)


def _reindex(item: DriftItem, want: Function, have: Function, ctx: Context) -> list[Statement]:
    """REINDEX of each index whose expression or predicate calls the function, when its body
    changes and it is (or was) IMMUTABLE: the index holds values the old body computed."""
    if want.body == have.body or "IMMUTABLE" not in (want.volatility, have.volatility):
        return []
    call = re.compile(rf"\b{re.escape(want.name)}\s*\(", re.I)
    # After the new body: at once for a function made before the tables, else once it is made.
    made = _phase(want, ctx.expected)
    phase = "create_indexes" if made == "create_functions" else "create_triggers" if made == "create_views" \
        else "create_views"
    out = []
    for table in ctx.actual.tables:
        for index in table.indexes:
            texts = (*index.written, index.where.text if index.where else "")
            if any(call.search(text) for text in texts):
                sql = f"REINDEX INDEX {ctx.dialect.qualified(table.schema, index.name)}"
                out.append(Statement(sql, item, phase, hazards_of("reindex")))
    return out
