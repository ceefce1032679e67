"""Pre-checks: queries counting the rows a new rule would reject. They run on both engines."""
from __future__ import annotations

import re

from auditor.dialects import Dialect
from auditor.dialects.pgnarrowing import Narrowing
from auditor.model import Expr, ForeignKey, Table, display_name
from auditor.plan.model import Precheck
from auditor.plan.sql import qualified_sql

_ORDER_WORDS = re.compile(r"\s+(?:asc|desc)?\s*(?:nulls\s+(?:first|last))?$")


def _count(table: Table, where: str, dialect: Dialect) -> str:
    return f"SELECT count(*) FROM {qualified_sql(table, dialect)} WHERE {where}"


def _label(table: Table) -> str:
    return display_name(table.schema, table.name)


def nulls_precheck(table: Table, column: str, dialect: Dialect) -> Precheck:
    """Rows with NULL in ``column`` (before SET NOT NULL)."""
    return Precheck(_count(table, f"{dialect.quote(column)} IS NULL", dialect),
                    f"{{count}} row(s) of {_label(table)} have NULL {column}")


def rows_precheck(table: Table, column: str, dialect: Dialect) -> Precheck:
    """A NOT NULL column without a default: every existing row would break it."""
    return Precheck(f"SELECT count(*) FROM {qualified_sql(table, dialect)}",
                    f"{{count}} row(s) of {_label(table)} would have NULL {column}")


def duplicates_precheck(table: Table, elements: tuple[str, ...], dialect: Dialect,
                        where: Expr | None = None, key: bool = False) -> Precheck:
    """Rows sharing a value of ``elements`` (as written; and, for a primary ``key``, rows with a
    NULL in it)."""
    names = {c.name for c in table.columns}
    exprs = [dialect.quote(e) if e in names else f"({_element_expression(e, dialect)})" for e in elements]
    filters = [f"{e} IS NOT NULL" for e in exprs] + ([f"({where.text})"] if where else [])
    groups = (f"SELECT count(*) AS n FROM {qualified_sql(table, dialect)} WHERE {' AND '.join(filters)} "
              f"GROUP BY {', '.join(exprs)} HAVING count(*) > 1")
    sql = f"SELECT coalesce(sum(n), 0) FROM ({groups}) AS repeated"
    label, listed = _label(table), ", ".join(elements)
    if key:
        nulls = _count(table, " OR ".join(f"{e} IS NULL" for e in exprs), dialect)
        return Precheck(f"SELECT ({sql}) + ({nulls})", f"{{count}} row(s) of {label} have a NULL or repeated ({listed})")
    return Precheck(sql, f"{{count}} row(s) of {label} repeat a value of ({listed})")


def _element_expression(element: str, dialect: Dialect) -> str:
    """An index element's expression, without its collation, operator class and order."""
    if dialect.parse_tree_expressions:
        from auditor.dialects import pgexpr

        expression = pgexpr.element_expression_sql(element)
        if expression is not None:
            return expression
    return _ORDER_WORDS.sub("", element)


def check_precheck(table: Table, expression: Expr, dialect: Dialect) -> Precheck:
    """Rows for which a CHECK expression is false."""
    return Precheck(_count(table, f"NOT ({expression.text})", dialect),
                    f"{{count}} row(s) of {_label(table)} break CHECK ({expression.text})")


def foreign_key_precheck(table: Table, fk: ForeignKey, dialect: Dialect) -> Precheck:
    """Rows whose (non-NULL) key matches no row of the referenced table."""
    schema, _, name = fk.ref_table.rpartition(".")
    parent = dialect.qualified(schema or None, name)
    child = [f"c.{dialect.quote(c)}" for c in fk.columns]
    match = " AND ".join(f"p.{dialect.quote(r)} = {c}" for r, c in zip(fk.ref_columns, child))
    where = " AND ".join(f"{c} IS NOT NULL" for c in child)
    sql = (f"SELECT count(*) FROM {qualified_sql(table, dialect)} AS c WHERE {where} "
           f"AND NOT EXISTS (SELECT 1 FROM {parent} AS p WHERE {match})")
    return Precheck(sql, f"{{count}} row(s) of {_label(table)} point to no row of "
                         f"{display_name(schema or None, name)}")


def narrowing_precheck(table: Table, column: str, change: tuple[str, str], loss: Narrowing,
                       dialect: Dialect) -> Precheck:
    """Rows whose value a type change from ``change[0]`` to ``change[1]`` would alter or fail on."""
    assert loss.changed is not None
    condition = loss.changed.replace("{column}", dialect.quote(column))
    return Precheck(_count(table, f"{dialect.quote(column)} IS NOT NULL AND ({condition})", dialect),
                    f"{{count}} row(s) of {_label(table)} would change or fail in {column} "
                    f"({change[0]} to {change[1]}: {loss.what})")
