"""Postgres functions and procedures compared by meaning: one ``CREATE FUNCTION`` statement read
through the server's own parser (``pglast``) into the canonical parts ``model.Function`` holds.

The header: names qualified (``public`` by default), types canonical (``int``, ``int4`` and
``integer`` are one type; Postgres drops the length of an argument's type), options by meaning and
with the engine's defaults filled in (VOLATILE, CALLED ON NULL INPUT, SECURITY INVOKER, PARALLEL
UNSAFE, NOT LEAKPROOF), ``SET`` settings sorted; argument defaults as expressions.

The body, literal-safe (a change inside a string literal always counts; white space, comments,
the dollar-quote tag and the case of keywords and identifiers never do):

- ``BEGIN ATOMIC`` and ``RETURN`` bodies (the server keeps a parse tree and deparses it), and
  ``LANGUAGE sql`` bodies, by normalized parse tree (``pgexpr``): the parameters the server
  qualifies with the function's name and the columns it qualifies with their table are bare, the
  casts it writes out are undone, as for a view;
- PL/pgSQL by its PL/pgSQL parse tree (line numbers dropped), whose embedded SQL strings are
  compared by their tokens: comments and white space dropped, unquoted keywords and identifiers
  lower-cased, literals exact. (The tree leaves out which variable a bare ``RETURN x`` returns:
  the tokens of each RETURN statement are kept beside it.)
- other languages by their exact text.

A body the parser refuses is compared as exact text, and says so (``Expr.proven`` is False).
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import lru_cache
from typing import Any, Iterator

from auditor.dialects import pgexpr, pgmemo, pgparse
from auditor.model import Expr, Function

Node = Any

# Argument modes that make a function's identity (Postgres's proargtypes).
_INPUT_MODES = ("in", "inout", "variadic")
_MODES = {"FUNC_PARAM_DEFAULT": "in", "FUNC_PARAM_IN": "in", "FUNC_PARAM_OUT": "out", "FUNC_PARAM_INOUT": "inout",
          "FUNC_PARAM_VARIADIC": "variadic", "FUNC_PARAM_TABLE": "table"}
_COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})
_PLAIN_NAME_RE = re.compile(r"^[a-z_][a-z0-9_$]*$")


class FunctionSyntax(ValueError):
    """The text is not one CREATE FUNCTION or CREATE PROCEDURE statement; ``offset`` is the
    0-based character where the parser stopped, when it says."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


def parse_statement(sql: str) -> Node:
    """The CreateFunctionStmt of ``sql``. Raises FunctionSyntax."""
    return _parsed(sql)[1]


def _parsed(sql: str) -> tuple[str, Node]:
    """(the text the parser took, its CreateFunctionStmt): words that are keywords only in a newer
    Postgres than the one that wrote the text quoted (``pgparse``)."""
    from pglast import parser

    try:
        text, tree = pgparse.parsed_sql(sql)
    except parser.ParseError as exc:
        offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        raise FunctionSyntax(str(exc.args[0]), offset) from None
    statements = json.loads(tree).get("stmts", [])
    if len(statements) != 1:
        raise FunctionSyntax(f"holds {len(statements)} statements, not one CREATE FUNCTION or CREATE PROCEDURE")
    statement = statements[0]["stmt"]
    if "CreateFunctionStmt" not in statement:
        raise FunctionSyntax(f"is a {next(iter(statement)).removesuffix('Stmt')} statement, "
                             "not CREATE FUNCTION or CREATE PROCEDURE")
    return text, statement["CreateFunctionStmt"]


def identity(sql: str) -> tuple[str | None, str, tuple[str, ...], str]:
    """(schema or None, name, canonical input argument types, kind) of a statement. Raises
    FunctionSyntax."""
    statement = parse_statement(sql)
    schema, name = _name(statement)
    return schema, name, tuple(t for mode, _, t, _ in _parameters(statement) if mode in _INPUT_MODES), _kind(statement)


def canonical_function(function: Function, default_schema: str) -> Function:
    """``function`` with every compared part read from its statement (``sql``), canonical."""
    try:
        parts = json.loads(_canonical_parts(function.sql))
    except pgexpr.Unparsable:
        # A statement the parser refuses (a spec's was refused at loading): compared as text, by
        # the identity the catalog gave (``format_type`` of its argument types).
        return replace(function, schema=function.schema or default_schema,
                       arguments=tuple(map(argument_type_text, function.arguments)),
                       body=Expr(function.sql, function.sql, proven=False))
    body = parts.pop("body")
    parts.update(schema=parts["schema"] or default_schema, arguments=tuple(parts["arguments"]),
                 config=tuple(parts["config"]))
    return replace(function, **parts, body=Expr(body["text"], body["canon"], body.get("loose"), body["proven"]))


@lru_cache(maxsize=1 << 12)
def _canonical_parts(sql: str) -> str:
    try:
        return str(pgmemo.remembered("function", sql, None, lambda: _parts(sql)))
    except pgmemo.Refused as exc:
        raise pgexpr.Unparsable(str(exc)) from None


def _parts(sql: str) -> str:
    try:
        sql, statement = _parsed(sql)
    except FunctionSyntax as exc:
        raise pgexpr.Unparsable(str(exc)) from None
    schema, name = _name(statement)
    parameters = _parameters(statement)
    options = _options(statement)
    kind = _kind(statement)
    language = str(options.get("language", "sql"))
    body = _body(sql, statement, name, language, [p[1] for p in parameters if p[1]])
    return pgexpr._serialized({
        "schema": schema, "name": name, "kind": kind,
        "arguments": [t for mode, _, t, _ in parameters if mode in _INPUT_MODES],
        "parameters": pgexpr._serialized([p for p in parameters if p[0] != "table"]),
        "returns": None if kind == "procedure" else _returns(statement, parameters),
        "language": language,
        "volatility": str(options.get("volatility", "volatile")).upper(),
        "strict": bool(options.get("strict", False)),
        "security_definer": bool(options.get("security", False)),
        "config": sorted(options.get("set", [])),
        "parallel": str(options.get("parallel", "unsafe")).upper(),
        "leakproof": bool(options.get("leakproof", False)),
        "window": bool(options.get("window", False)),
        "atomic": "sql_body" in statement and '"relname"' in body["canon"],
        "body": body,
    })


def _kind(statement: Node) -> str:
    return "procedure" if statement.get("is_procedure") else "function"


def _name(statement: Node) -> tuple[str | None, str]:
    names = [n["String"]["sval"] for n in statement["funcname"]]
    return (names[-2] if len(names) > 1 else None), names[-1]


def argument_type(node: Node) -> str:
    """A TypeName as canonical text, without the length Postgres drops from argument and result
    types (``varchar(20)`` is ``varchar``), and without the default namespace."""
    if node.get("pct_type"):
        return ".".join(n["String"]["sval"] for n in node.get("names", [])) + "%type"
    return _without_length(pgexpr.type_name(node))


def argument_type_text(text: str) -> str:
    """A type as ``format_type`` writes it, canonical as ``_type`` makes a TypeName."""
    from auditor.canon import canonical_type
    from auditor.dialects import POSTGRESQL

    return _without_length(canonical_type(text, POSTGRESQL))


def _without_length(canonical: str) -> str:
    return re.sub(r"\([^()]*\)", "", canonical).removeprefix("public.")


def _parameters(statement: Node) -> list[tuple[str, str, str, str | None]]:
    """(mode, name, canonical type, canonical default) of each parameter, in order."""
    out = []
    for item in statement.get("parameters", []):
        param = item["FunctionParameter"]
        default = param.get("defexpr")
        canon = None if default is None else pgexpr.loosened(
            pgexpr._serialized(pgexpr._neutral(pgexpr._normalize(default))))
        out.append((_MODES.get(param.get("mode", ""), "in"), param.get("name", ""), argument_type(param["argType"]), canon))
    return out


def _returns(statement: Node, parameters: list[tuple[str, str, str, str | None]]) -> str:
    """The result type: ``table(a integer, b text)`` for RETURNS TABLE, ``setof t``, ``t``; with
    OUT arguments and no RETURNS, the one OUT argument's type or ``record``."""
    table = [f"{name} {type_}" for mode, name, type_, _ in parameters if mode == "table"]
    if table:
        return f"table({', '.join(table)})"
    node = statement.get("returnType")
    if node is None:
        outs = [type_ for mode, _, type_, _ in parameters if mode in ("out", "inout")]
        return outs[0] if len(outs) == 1 else "record"
    return ("setof " if node.get("setof") else "") + argument_type(node)


def _options(statement: Node) -> dict[str, Any]:
    """The options by name: strings lower-cased (language, volatility, parallel), flags, and the
    ``SET`` settings as ``name=value, value``."""
    out: dict[str, Any] = {}
    for item in statement.get("options", []):
        option = item["DefElem"]
        name, arg = option["defname"], option.get("arg", {})
        if name == "set":
            out.setdefault("set", []).append(_setting(arg["VariableSetStmt"]))
        elif "String" in arg:
            out[name] = arg["String"]["sval"].lower() if name != "as" else arg["String"]["sval"]
        elif "Boolean" in arg:
            out[name] = bool(arg["Boolean"].get("boolval", False))
    return out


def _setting(node: Node) -> str:
    if node.get("kind") == "VAR_SET_CURRENT":
        return f"{node['name']} FROM CURRENT"
    values = []
    for arg in node.get("args", []):
        const = arg.get("A_Const", {})
        value = next((v for v in const.values() if isinstance(v, dict)), {})
        values.append(str(next(iter(value.values()), "")))
    return f"{node['name'].lower()}={', '.join(values)}"


# ---------------------------------------------------------------------------------------------
# Bodies


def _as_strings(statement: Node) -> list[str]:
    for item in statement.get("options", []):
        option = item["DefElem"]
        if option["defname"] == "as":
            return [s["String"]["sval"] for s in option["arg"]["List"]["items"]]
    return []


def _body(sql: str, statement: Node, name: str, language: str, params: list[str]) -> dict[str, Any]:
    """The canonical body: {text, canon, loose, proven}."""
    strings = _as_strings(statement)
    text = strings[0] if len(strings) == 1 else "\n".join(strings)
    try:
        if "sql_body" in statement:
            canon = _sql_tree(statement["sql_body"], name, params)
            return {"text": sql, "canon": canon, "loose": pgexpr.loosened(canon), "proven": True}
        if language == "sql":
            canon = _sql_tree(pgexpr._parse(text), name, params)
            return {"text": text, "canon": canon, "loose": pgexpr.loosened(canon), "proven": True}
        if language == "plpgsql":
            return {"text": text, "canon": _plpgsql_tree(sql, text), "proven": True}
    except pgexpr.Unparsable:
        return {"text": text, "canon": text, "proven": False}
    return {"text": text, "canon": pgexpr._serialized(strings), "proven": True}


def _sql_tree(tree: Node, name: str, params: list[str]) -> str:
    """SQL statements (or a RETURN) as one canonical form: normalized as a view's query is, with
    ``fname.param`` (how the server writes a parameter) and the columns of a statement's one
    table written bare."""
    known = set(params)

    def bare(node: Node) -> Node:
        ref = pgexpr._column_ref(node)
        if ref is not None and len(ref) == 2 and ref[0] == name and ref[1] in known:
            return {"ColumnRef": {"fields": [{"String": {"sval": ref[1]}}]}}
        return pgexpr._mapped(node, bare)

    normalized = bare(pgexpr._normalize(tree))
    return pgexpr._serialized(pgexpr._neutral(_statements_unqualified(normalized)))


def _statements_unqualified(node: Node) -> Node:
    """Each statement of a body with its one table's qualifiers dropped (see ``_dml_unqualified``)."""
    if isinstance(node, dict) and "SelectStmt" in node:
        return pgexpr._unqualified_query(node)
    if isinstance(node, dict) and len(node) == 1 and next(iter(node)) in _DML:
        kind, inner = next(iter(node.items()))
        return {kind: _dml_unqualified(inner)}
    return pgexpr._mapped(node, _statements_unqualified)


_DML = ("UpdateStmt", "DeleteStmt", "InsertStmt")


def _dml_unqualified(statement: Node) -> Node:
    """An INSERT, UPDATE or DELETE of one table with the table's qualifiers dropped from the
    columns it names (the server writes ``items.id`` for ``id``)."""
    if statement.get("fromClause") or statement.get("usingClause"):
        return statement
    relation = statement.get("relation", {})
    relation = relation.get("RangeVar", relation)  # a statement's own relation is a bare RangeVar
    alias = relation.get("alias", {}).get("Alias", relation.get("alias", {})).get("aliasname") \
        if relation.get("alias") else None
    names = {n for n in (relation.get("relname"), alias) if n}
    bare = pgexpr._range_var(relation)["RangeVar"]  # as a RangeVar node is normalized

    def strip(node: Node) -> Node:
        ref = pgexpr._column_ref(node)
        if ref is not None and len(ref) > 1 and ref[-2] in names:
            return {"ColumnRef": {"fields": [{"String": {"sval": ref[-1]}}]}}
        if isinstance(node, dict) and "SelectStmt" in node:
            return node  # a subquery has tables of its own
        return pgexpr._mapped(node, strip)

    return {key: bare if key == "relation" else strip(value) for key, value in statement.items()}


def _plpgsql_tree(sql: str, body: str) -> str:
    from pglast import parser

    try:
        tree = json.loads(pgparse.parse_plpgsql_json(sql))
    except parser.ParseError as exc:
        raise pgexpr.Unparsable(str(exc)) from None
    return pgexpr._serialized({"tree": _plpgsql_normalized(tree), "returns": _return_statements(body)})


def _plpgsql_normalized(node: Node) -> Node:
    if isinstance(node, dict):
        expr = node.get("PLpgSQL_expr")
        if isinstance(expr, dict) and isinstance(expr.get("query"), str):
            return {"PLpgSQL_expr": {**expr, "query": tokens(expr["query"])}}
        return {key: _plpgsql_normalized(value) for key, value in node.items() if key != "lineno"}
    if isinstance(node, list):
        return [_plpgsql_normalized(item) for item in node]
    return node


def tokens(text: str) -> list[str]:
    """SQL text as its tokens: comments and white space gone, keywords and unquoted identifiers
    lower-cased (a quoted one that needs no quotes unquoted), everything else exact."""
    from pglast import parser

    out = []
    try:
        scanned = parser.scan(text)
    except parser.ParseError as exc:
        raise pgexpr.Unparsable(str(exc)) from None
    for token in scanned:
        if token.name in _COMMENTS:
            continue
        word = text[token.start:token.end + 1]  # the scanner counts characters
        if token.kind != "NO_KEYWORD" or (token.name == "IDENT" and not word.startswith('"')):
            word = word.lower()
        elif token.name == "IDENT" and _PLAIN_NAME_RE.match(word[1:-1]):
            word = word[1:-1]
        out.append(word)
    return out


def _return_statements(body: str) -> list[list[str]]:
    """The tokens of each RETURN statement of a PL/pgSQL body, up to its semicolon."""
    words = tokens(body)
    out, current = [], None
    for word in words:
        if current is None and word == "return":
            current = []
        elif current is not None:
            if word == ";":
                out.append(current)
                current = None
            else:
                current.append(word)
    return out


def dict_nodes(canon: str) -> Iterator[dict[str, Any]]:
    """Every object node of a canonical form (JSON), depth first; none where it is not JSON (a
    body compared as text)."""
    try:
        stack = [json.loads(canon)]
    except ValueError:
        return
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


# ---------------------------------------------------------------------------------------------
# Writing DDL from an author's text


def create_sql(sql: str, schema: str | None, quoted_schema: str) -> str:
    """The statement as written, as ``CREATE OR REPLACE`` (the author's text otherwise untouched),
    its name qualified with ``quoted_schema`` where it has none and ``schema`` is not the default
    one (a tenant's copy of an unqualified function)."""
    from pglast import parser

    words = [t for t in parser.scan(sql) if t.name not in _COMMENTS]
    kind_at = next(i for i, t in enumerate(words) if t.name in ("FUNCTION", "PROCEDURE"))
    name = words[kind_at + 1]
    qualified = kind_at + 2 < len(words) and words[kind_at + 2].name == "ASCII_46"  # "."
    if schema not in (None, "public") and not qualified:
        sql = f"{sql[:name.start]}{quoted_schema}.{sql[name.start:]}"  # the scanner counts characters
    return pgparse.or_replace_sql(sql)



def input_types_sql(function: Function) -> tuple[str, ...]:
    """The input argument types of a function as SQL that names them (``double precision``, not
    the canonical ``double``), deparsed from its statement: what DROP, GRANT and ALTER write. The
    canonical types where the statement does not parse."""
    import pglast
    from pglast.stream import RawStream

    try:
        statement = pglast.parse_sql(pgparse.parsed_sql(function.sql)[0])[0].stmt
    except Exception:  # noqa: BLE001 - any parser refusal: fall back to the identity's types
        return function.arguments
    modes = {"FUNC_PARAM_" + m.upper() for m in ("in", "inout", "variadic", "default")}
    return tuple(RawStream()(p.argType) for p in statement.parameters or ()
                 if p.mode.name in modes)
