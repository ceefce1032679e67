"""Triggers compared by meaning: one ``CREATE TRIGGER`` statement read into the canonical parts
``model.Trigger`` holds.

- Postgres: through the server's own parser (``pglast``, CreateTrigStmt, locations dropped):
  timing, events, ``UPDATE OF`` columns (in any order), ``FOR EACH ROW/STATEMENT``, ``WHEN`` (a
  canonical expression, as a check's), the function (qualified, ``public`` where the statement
  does not say) and its arguments, a constraint trigger's deferral and ``FROM`` table, and the
  ``REFERENCING`` transition tables. Keyword case, white space, ``EXECUTE PROCEDURE`` against
  ``EXECUTE FUNCTION`` and ``OR REPLACE`` never count.
- SQLite: by its tokens (``canon.tokenize``: keywords and unquoted names in any case, white space
  and comments dropped, literals exact): timing (``BEFORE`` where none is written), events,
  ``UPDATE OF`` columns, ``WHEN``, and the body between ``BEGIN`` and ``END``. ``TEMP``,
  ``IF NOT EXISTS``, ``FOR EACH ROW`` (SQLite has no other) and the spelling of the name never count.

A statement the parser refuses is compared as its text, white space and case aside, and says so.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

from auditor.canon import Token, canonical_expr, render_tokens, tokenize
from auditor.dialects import SQLITE, Dialect
from auditor.model import Expr, Trigger

Node = Any

_TIMINGS = {2: "BEFORE", 64: "INSTEAD OF"}  # pg_trigger's tgtype bits; none is AFTER
_EVENTS = ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE"), (32, "TRUNCATE"))
_COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})


class TriggerSyntax(ValueError):
    """Not one CREATE TRIGGER statement; ``offset`` is the 0-based character where the parser
    stopped, when it says."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


def _words(sql: str) -> list[Token]:
    return tokenize(sql, SQLITE)


def _header_end(tokens: list[Token]) -> int:
    """The index of the trigger's name: after CREATE [OR REPLACE] [CONSTRAINT] [TEMP] TRIGGER [IF NOT EXISTS]."""
    at = 0
    for optional in (("create",), ("or", "replace"), ("constraint",), ("temp",), ("temporary",), ("trigger",),
                     ("if", "not", "exists")):
        words = [t.text for t in tokens[at:at + len(optional)]]
        if words == list(optional):
            at += len(optional)
        elif optional in (("create",), ("trigger",)):
            raise TriggerSyntax("is not a CREATE TRIGGER statement")
    if at >= len(tokens):
        raise TriggerSyntax("names no trigger")
    return at


def _name(tokens: list[Token], at: int) -> tuple[str, int]:
    """A possibly qualified name at ``at`` (``schema.name``), and the index after it."""
    parts = [tokens[at]]
    while at + 2 < len(tokens) and tokens[at + 1] == Token("op", ".") and tokens[at + 2].kind in ("word", "qid"):
        parts.append(tokens[at + 2])
        at += 2
    return ".".join(t.text[1:-1].replace('""', '"') if t.kind == "qid" else t.text for t in parts), at + 1


def trigger_identity(sql: str) -> tuple[str, str]:
    """(trigger name, the table it is ON, as written: ``name`` or ``schema.name``) of a statement
    in Postgres or SQLite syntax. Raises TriggerSyntax."""
    tokens = _words(sql)
    name, after = _name(tokens, _header_end(tokens))
    on = next((i for i in range(after, len(tokens)) if tokens[i] == Token("word", "on")), None)
    if on is None or on + 1 >= len(tokens):
        raise TriggerSyntax("says no ON table")
    table, _ = _name(tokens, on + 1)
    if Token("word", "begin") not in tokens:  # Postgres syntax: its parser must take it
        _statement(sql)
    return name, table


def _statement(sql: str) -> Node:
    """The CreateTrigStmt of a Postgres statement. Raises TriggerSyntax."""
    from pglast import parser

    from auditor.dialects.pgparse import parse_sql_json

    try:
        statements = json.loads(parse_sql_json(sql)).get("stmts", [])
    except parser.ParseError as exc:
        offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        raise TriggerSyntax(str(exc.args[0]), offset) from None
    if len(statements) != 1 or "CreateTrigStmt" not in statements[0]["stmt"]:
        raise TriggerSyntax("is not one CREATE TRIGGER statement")
    return statements[0]["stmt"]["CreateTrigStmt"]


def canonical_trigger(trigger: Trigger, dialect: Dialect, columns: frozenset[str] = frozenset()) -> Trigger:
    """``trigger`` with every compared part read from its statement (``sql``), canonical; in a
    SQLite body, a double-quoted word naming none of its table's ``columns`` is the string it
    falls back to (``ALTER TABLE ... DROP COLUMN`` rewrites ``""`` there as ``''``)."""
    parts = _canonical_parts(trigger.sql, dialect.name, dialect.default_schema or "public", columns)
    if parts is None:  # not a statement the parser takes: compared as text, saying so
        text = " ".join(trigger.sql.lower().split())
        return replace(trigger, body=Expr(trigger.sql, text, proven=False))
    fields = {key: tuple(value) if isinstance(value, list) else value for key, value in parts.items()}
    for key in ("when", "body"):
        if fields.get(key) is not None:
            fields[key] = Expr(*fields[key])
    name = trigger.name.lower() if not dialect.has_schemas else trigger.name
    enabled = trigger.enabled if dialect.has_schemas else "origin"
    return replace(trigger, name=name, enabled=enabled, **fields)


@lru_cache(maxsize=1 << 12)
def _canonical_parts(sql: str, dialect: str, default_schema: str, columns: frozenset[str]) -> dict[str, Any] | None:
    try:
        return _sqlite_parts(sql, columns) if dialect == SQLITE.name else _postgres_parts(sql, default_schema)
    except (TriggerSyntax, StopIteration, IndexError):
        return None


# ---------------------------------------------------------------------------------------------
# Postgres


def _postgres_parts(sql: str, default_schema: str) -> dict[str, Any]:
    from auditor.dialects import pgexpr

    statement = _statement(sql)
    events = statement.get("events", 0)
    when = None
    if "whenClause" in statement:
        canon = pgexpr._serialized(pgexpr._neutral(pgexpr._normalize(statement["whenClause"])))
        when = (_when_text(sql), canon, pgexpr.loosened(canon))
    constrrel = statement.get("constrrel")
    return {
        "timing": _TIMINGS.get(statement.get("timing", 0), "AFTER"),
        "events": sorted(name for bit, name in _EVENTS if events & bit),
        "columns": sorted(_strings(statement.get("columns", []))),
        "level": "ROW" if statement.get("row") else "STATEMENT",
        "when": when,
        "function": _qualified(_strings(statement["funcname"]), default_schema),
        "arguments": _strings(statement.get("args", [])),
        "constraint": bool(statement.get("isconstraint")),
        "deferrable": bool(statement.get("deferrable")),
        "initially_deferred": bool(statement.get("initdeferred")),
        "from_table": _qualified([constrrel.get("schemaname") or default_schema, constrrel["relname"]],
                                 default_schema) if constrrel else None,
        "referencing": sorted(_transition(t["TriggerTransition"]) for t in statement.get("transitionRels", [])),
    }


def _strings(nodes: list[Node]) -> list[str]:
    return [str(node["String"]["sval"]) for node in nodes]


def _qualified(names: list[str], default_schema: str) -> str:
    return ".".join(names if len(names) > 1 else [default_schema, *names])


def _transition(node: Node) -> str:
    return f"{'NEW' if node.get('isNew') else 'OLD'} TABLE AS {node['name']}"


def _when_text(sql: str) -> str:
    """The WHEN condition as written: the text inside the parentheses after WHEN."""
    from pglast import parser

    tokens = [t for t in parser.scan(sql) if t.name not in _COMMENTS]
    at = next(i for i, t in enumerate(tokens) if t.name == "WHEN")
    depth, start = 0, tokens[at + 1].end + 1
    for token in tokens[at + 1:]:
        depth += {"ASCII_40": 1, "ASCII_41": -1}.get(token.name, 0)
        if depth == 0:
            return sql[start:token.start].strip()  # the scanner counts characters
    return sql[start:].strip()


# ---------------------------------------------------------------------------------------------
# SQLite


def _sqlite_parts(sql: str, table_columns: frozenset[str]) -> dict[str, Any]:
    tokens = _words(sql.strip().rstrip(";"))
    _, at = _name(tokens, _header_end(tokens))
    timing = "BEFORE"
    if tokens[at].text in ("before", "after"):
        timing, at = tokens[at].text.upper(), at + 1
    elif [t.text for t in tokens[at:at + 2]] == ["instead", "of"]:
        timing, at = "INSTEAD OF", at + 2
    event, at = tokens[at].text.upper(), at + 1
    on = next(i for i in range(at, len(tokens)) if tokens[i] == Token("word", "on"))
    of_columns = [t for t in tokens[at + 1:on] if t.kind != "op"] if tokens[at:at + 1] == [Token("word", "of")] else []
    _, at = _name(tokens, on + 1)
    if [t.text for t in tokens[at:at + 3]] == ["for", "each", "row"]:
        at += 3
    begin = next(i for i in range(at, len(tokens)) if tokens[i] == Token("word", "begin"))
    when = None
    if tokens[at:at + 1] == [Token("word", "when")]:
        text = render_tokens(tokens[at + 1:begin])
        expr = canonical_expr(text, SQLITE)
        when = (text, expr.canon if expr else text, None)
    end = len(tokens) - 1 if tokens[-1] == Token("word", "end") else len(tokens)
    body = render_tokens(tokens[begin + 1:end])
    # The same tokens, but a double-quoted word naming no column is a string (one token each way).
    read = tokenize(sql.strip().rstrip(";"), SQLITE, table_columns)
    canon = render_tokens(read[begin + 1:end]) if len(read) == len(tokens) else body
    return {"timing": timing, "events": [event], "columns": sorted(t.text for t in of_columns), "level": "ROW",
            "when": when, "body": (body, canon, None)}


# ---------------------------------------------------------------------------------------------
# Writing DDL from an author's text

_SQLITE_CREATE_RE = re.compile(r"^(\s*CREATE\s+(?:TEMP(?:ORARY)?\s+)?TRIGGER)\s+(?!IF\s+NOT\s+EXISTS\b)", re.I)


def if_not_exists_sql(sql: str) -> str:
    """A SQLite statement as written, as ``CREATE TRIGGER IF NOT EXISTS`` (the text otherwise untouched)."""
    return _SQLITE_CREATE_RE.sub(r"\1 IF NOT EXISTS ", sql.strip(), count=1).rstrip().rstrip(";")



def rehomed_sql(sql: str, quoted_schema: str, relations: frozenset[str], functions: frozenset[str]) -> str:
    """A Postgres statement as written, with ``quoted_schema.`` before its unqualified table (after
    ON), and before its unqualified ``FROM`` table and function where they are the spec's own
    (``relations``, ``functions``): a tenant's copy of it (the text otherwise untouched)."""
    from pglast import parser

    words = [t for t in parser.scan(sql) if t.name not in _COMMENTS]

    def name_at(i: int) -> str | None:
        """The unqualified name at word ``i``, lower-cased (None where it is qualified or absent)."""
        if i >= len(words) or (i + 1 < len(words) and words[i + 1].name == "ASCII_46"):
            return None
        return sql[words[i].start:words[i].end + 1].strip('"').lower()

    spots = []
    for i, word in enumerate(words):
        before = words[i - 1].name if i else ""
        if word.name == "ON" and not spots and name_at(i + 1):
            spots.append(words[i + 1].start)
        elif word.name == "FROM" and name_at(i + 1) in relations:
            spots.append(words[i + 1].start)
        elif word.name in ("FUNCTION", "PROCEDURE") and before == "EXECUTE" and name_at(i + 1) in functions:
            spots.append(words[i + 1].start)
    for at in sorted(spots, reverse=True):  # the scanner counts characters
        sql = f"{sql[:at]}{quoted_schema}.{sql[at:]}"
    return sql
