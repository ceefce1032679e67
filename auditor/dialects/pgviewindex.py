"""Indexes on materialized views (Postgres), kept as their ``CREATE INDEX`` statements.

A spec gives a materialized view's indexes as the statements a migration wrote (``REFRESH
MATERIALIZED VIEW CONCURRENTLY`` needs a unique one); a live database's are what
``pg_get_indexdef`` prints. Both are read by Postgres' own parser (pglast) and compared by
meaning: the index's name, what it is on, method (``btree`` by default), uniqueness, each
element's canonical form (as for a table's index elements), ``INCLUDE``, ``WHERE`` and storage
parameters; ``IF NOT EXISTS``, ``CONCURRENTLY``, white space and case never count. The plan
writes the author's statement, never this form.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


class ViewIndexSyntax(ValueError):
    """The text is not one CREATE INDEX statement the Postgres parser accepts."""


@dataclass(frozen=True)
class ParsedIndex:
    """What a view index statement says of itself: its name, the relation it is on, UNIQUE."""

    name: str
    schema: str | None
    relation: str
    unique: bool


def _index_stmt(sql: str) -> Any:
    import pglast

    try:
        statements = pglast.parse_sql(sql)
    except pglast.parser.ParseError as exc:
        raise ViewIndexSyntax(str(exc.args[0])) from None
    if len(statements) != 1 or type(statements[0].stmt).__name__ != "IndexStmt":
        raise ViewIndexSyntax("is not one CREATE INDEX statement")
    stmt = statements[0].stmt
    if not stmt.idxname:
        raise ViewIndexSyntax("an index on a view needs a name (CREATE INDEX name ON ...)")
    return stmt


def parse_view_index(sql: str) -> ParsedIndex:
    """The index name and relation of a CREATE INDEX statement. Raises ViewIndexSyntax."""
    stmt = _index_stmt(sql)
    return ParsedIndex(stmt.idxname, stmt.relation.schemaname, stmt.relation.relname, bool(stmt.unique))


@lru_cache(maxsize=1 << 12)
def canonical_view_index(sql: str) -> str:
    """The canonical form of an index statement on a materialized view. Raises ViewIndexSyntax."""
    from pglast.stream import RawStream

    from auditor.dialects.pgexpr import Unparsable, canonical_element, canonical_expr

    stmt = _index_stmt(sql)

    def deparse(node: Any) -> str:
        return str(RawStream()(node))  # a stream per node: one keeps what it wrote before

    try:
        elements = [canonical_element(deparse(e)) for e in stmt.indexParams or ()]
        where = canonical_expr(deparse(stmt.whereClause)) if stmt.whereClause is not None else None
    except Unparsable as exc:
        raise ViewIndexSyntax(str(exc)) from None
    return json.dumps({
        # The relation without its schema: an index is in its view's schema, and a tenant's copy
        # of the view is in the tenant's.
        "name": stmt.idxname, "on": stmt.relation.relname,
        "method": (stmt.accessMethod or "btree").lower(), "unique": bool(stmt.unique),
        "nulls_not_distinct": bool(getattr(stmt, "nulls_not_distinct", False)), "elements": elements,
        "include": [deparse(e) for e in stmt.indexIncludingParams or ()], "where": where,
        "with": sorted(deparse(o) for o in stmt.options or ()),
    }, sort_keys=True)


_CREATE_INDEX_RE = re.compile(r"^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+)(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?", re.I)


def if_not_exists(sql: str) -> str:
    """The author's statement as ``CREATE [UNIQUE] INDEX IF NOT EXISTS``, without CONCURRENTLY
    (which cannot run in the plan's transaction); otherwise untouched."""
    return _CREATE_INDEX_RE.sub(r"\1IF NOT EXISTS ", sql.strip().rstrip(";"), count=1)
