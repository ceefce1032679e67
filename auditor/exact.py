"""Exact mode: the engine itself canonicalizes the spec's expressions, in a scratch database.

Without an engine, a spec's ``status IN ('a', 'b')`` and the server's
``(status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[])`` are
compared by parse tree, with rules for what the server rewrites (``dialects.pgexpr``); what those
rules cannot prove equal is reported as drift, saying so. With ``--dev-url``, the spec's objects
are created in an empty scratch database on that server and read back: every expression then has
the server's own spelling on both sides, and the parse trees compared are the server's.

The spec keeps its texts (DDL is still written from them); only canonical forms are replaced. An
object the scratch database refuses (a default calling a function the spec does not create, say)
keeps its parse-tree form, and the refusal is reported. The target database is never touched.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from auditor.canon import normalize_schema
from auditor.diff import check_name, diff_schemas
from auditor.dialects import Dialect
from auditor.model import (
    CheckConstraint, Column, Domain, ExclusionConstraint, Expr, Function, Index, Schema, Table, View)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

ENGINE = "engine"          # canonical forms from the server, in a scratch database
PARSE_TREE = "parse tree"  # canonical forms from the parser's tree (Postgres, no --dev-url)
TOKENS = "tokens"          # canonical forms from the engine's tokens (SQLite)


@dataclass(frozen=True)
class EngineCanonical:
    """The expected schema with the server's canonical forms, and what the server refused."""

    schema: Schema
    refused: tuple[str, ...] = ()


def mode_without_engine(dialect: Dialect) -> str:
    """How expressions are compared when no scratch database is used."""
    return PARSE_TREE if dialect.parse_tree_expressions else TOKENS


def engine_canonical(expected: Schema, dialect: Dialect, scratch: Connection) -> EngineCanonical:
    """``expected`` (canonical for ``dialect``) with every expression's canonical form made from
    the server's spelling of it: its objects are created in ``scratch``, an empty database, and read."""
    from auditor.plan import plan_changes  # the planner imports the differ; exact mode comes after both

    named = _with_check_names(expected)
    empty = Schema()
    statements = plan_changes(diff_schemas(named, empty, dialect=dialect), named, empty, dialect)
    refused: list[str] = []
    conn = scratch.execution_options(isolation_level="AUTOCOMMIT")
    if dialect.has_functions:  # each statement commits on its own: SET LOCAL in the plan would not hold
        conn.exec_driver_sql("SET check_function_bodies = off")
    for statement in statements:
        if statement.manual:
            continue
        try:
            conn.exec_driver_sql(statement.sql.replace("%", "%%"))
        except Exception as exc:  # noqa: BLE001 - any refusal: that object keeps its parse-tree form
            refused.append(f"{statement.summary}: {str(getattr(exc, 'orig', exc)).splitlines()[0]}")
    served = normalize_schema(dialect.reader(conn, _namespaces(named, dialect)), dialect)
    return EngineCanonical(_served_forms(expected, named, served), tuple(refused))


def _namespaces(schema: Schema, dialect: Dialect) -> tuple[str, ...]:
    names = {o.schema for o in (*schema.tables, *schema.views, *schema.functions, *schema.domains,
                                *schema.composite_types, *schema.range_types)}
    return tuple(sorted(n for n in names if n)) or ((dialect.default_schema,) if dialect.default_schema else ())


def _with_check_names(schema: Schema) -> Schema:
    """Unnamed checks named as the planner would name them, so that each is found again."""
    return schema.with_tables(tuple(
        replace(t, checks=tuple(c if c.name else replace(c, name=check_name(t, c.expression)) for c in t.checks))
        for t in schema.tables))


def _served(mine: Expr | None, theirs: Expr | None) -> Expr | None:
    """The author's text with the server's canonical form (where the server has the object)."""
    if mine is None or theirs is None:
        return mine
    return Expr(mine.text, theirs.canon, theirs.loose, theirs.proven)


def _served_forms(expected: Schema, named: Schema, served: Schema) -> Schema:
    by_key = served.table_map()
    tables = tuple(_table(t, n, by_key.get(t.key)) for t, n in zip(expected.tables, named.tables))
    views = {v.key: v for v in served.views}
    domains = {d.key: d for d in served.domains}
    functions = {f.key: f for f in served.functions}
    return replace(expected, tables=tables, views=tuple(_view(v, views.get(v.key)) for v in expected.views),
                   functions=tuple(_function(f, functions.get(f.key)) for f in expected.functions),
                   domains=tuple(_domain(d, domains.get(d.key)) for d in expected.domains))


def _domain(domain: Domain, served: Domain | None) -> Domain:
    """A domain's default and checks in the server's spelling (checks found by the name the planner gives them)."""
    if served is None:
        return domain
    from auditor.plan.builders.types import check_name_of

    checks = {c.name: c for c in served.checks}
    return replace(domain, default=_served(domain.default, served.default),
                   checks=tuple(_check(c, checks.get(check_name_of(domain, c))) for c in domain.checks))


def _table(table: Table, named: Table, served: Table | None) -> Table:
    if served is None:
        return table
    checks = {c.name: c for c in served.checks}
    exclusions = {x.name: x for x in served.exclusions}
    return replace(
        table,
        columns=tuple(_column(c, served.column(c.name)) for c in table.columns),
        indexes=tuple(_index(i, served.index(i.name)) for i in table.indexes),
        checks=tuple(_check(c, checks.get(n.name)) for c, n in zip(table.checks, named.checks)),
        exclusions=tuple(_exclusion(x, exclusions.get(x.name)) for x in table.exclusions),
        partition_by=_served(table.partition_by, served.partition_by),
        for_values=_served(table.for_values, served.for_values),
    )


def _column(column: Column, served: Column | None) -> Column:
    if served is None or (column.default is None and column.generated is None):
        return column
    return replace(column, default=_served(column.default, served.default),
                   generated=_served(column.generated, served.generated))


def _index(index: Index, served: Index | None) -> Index:
    if served is None or len(served.columns) != len(index.columns):
        return index
    return replace(index, columns=served.columns, elements=index.written, where=_served(index.where, served.where))


def _check(check: CheckConstraint, served: CheckConstraint | None) -> CheckConstraint:
    if served is None:
        return check
    return replace(check, expression=_served(check.expression, served.expression) or check.expression)


def _function(function: Function, served: Function | None) -> Function:
    """The function as the server made it, with the author's statement (DDL is made from it)."""
    return function if served is None else replace(served, sql=function.sql)


def _exclusion(exclusion: ExclusionConstraint, served: ExclusionConstraint | None) -> ExclusionConstraint:
    if served is None:
        return exclusion
    return replace(exclusion, definition=_served(exclusion.definition, served.definition))


def _view(view: View, served: View | None) -> View:
    if served is None:
        return view
    return replace(view, definition=_served(view.definition, served.definition) or view.definition)
