"""Postgres SQL compared by parse tree: the server's own parser (libpg_query, through ``pglast``).

An expression is parsed, its tree normalized, and the normalized tree, serialized, is its canonical
form. Parentheses vanish by construction; what else the server changes when it stores an
expression is undone here, each rule a small transform on one node kind:

- casts it adds: on text columns compared with text (``status::text``), on integer columns
  compared with numerics, on arrays of text (``ARRAY[...]::text[]``); a literal keeps its type
  (``'2024-01-01'::date`` is not ``'2024-01-01'::timestamptz``), and ``model.Expr`` matches a
  literal the author left untyped with the type the server wrote out for it;
- forms it rewrites: ``x IN (a, b)`` is ``x = ANY (ARRAY[a, b])``, ``x IN (a)`` is ``x = a``,
  ``BETWEEN`` is two comparisons, ``LIKE`` is ``~~``, ``SIMILAR TO`` is ``~``, ``now()`` is
  ``CURRENT_TIMESTAMP``, ``AT TIME ZONE`` is ``timezone()``, nested ANDs and ORs are flat;
- spelling: type synonyms (``int8``, ``bigint``), ``pg_catalog.`` prefixes, literal forms
  (``'2'::bigint`` and ``2::int8``, ``'1.50'::numeric`` and ``1.5::numeric``), array bounds
  Postgres ignores (``integer[][]``).

What is not undone keeps two expressions apart (a reported difference, never a missed one). A
default is read as the value it gives its column: a literal, bare or cast to the column's type, is
a literal of that type. Views are parsed as queries; a single-table query's column qualifiers and
the output names Postgres writes out (``t.id AS id``) are dropped.

Canonical forms are cached per text: a schema repeats the same defaults across its tables.
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Callable

from auditor.dialects import pgmemo, pgparse

Node = Any  # the JSON form of a libpg_query tree: dicts, lists and scalars

# Keys that say where a node was written, not what it means.
_POSITION_KEYS = frozenset({"location", "list_start", "list_end", "rexpr_list_start", "rexpr_list_end",
                            "stmt_location", "stmt_len"})
_TEXT_TYPES = frozenset({"text", "varchar", "char", "name", "bpchar", "character varying", "character"})
# A string literal of these types is the same string (char pads, so it is not among them).
_STRING_TYPES = frozenset({"text", "varchar", "name", "character varying"})
_INTEGER_TYPES = frozenset({"integer", "bigint", "smallint"})
_NUMERIC_TYPES = _INTEGER_TYPES | {"numeric", "real", "double"}
_TRUE = frozenset({"t", "true", "y", "yes", "on", "1"})
_FALSE = frozenset({"f", "false", "n", "no", "off", "0"})
# Functions that are other spellings of a SQL value function.
_VALUE_FUNCTIONS = {"now": "SVFOP_CURRENT_TIMESTAMP", "transaction_timestamp": "SVFOP_CURRENT_TIMESTAMP"}


class Unparsable(ValueError):
    """The text is not SQL the Postgres parser accepts in that place."""


def canonical_expr(text: str, column_type: str | None = None) -> str | None:
    """The canonical form of an expression (``column_type``: the canonical type of the column it is
    the default of); None for NULL. Raises Unparsable."""
    return _canonical_expr(text, column_type)


def _known(kind: str) -> Callable[[Callable[..., str | None]], Callable[..., str | None]]:
    """``fn(text, context=None)`` remembered in this process and across processes (``pgmemo``)."""

    def wrap(fn: Callable[..., str | None]) -> Callable[..., str | None]:
        @lru_cache(maxsize=1 << 16)
        def remembered(text: str, context: str | None = None) -> str | None:
            try:
                return pgmemo.remembered(kind, text, context, lambda: fn(text, context))
            except pgmemo.Refused as exc:
                raise Unparsable(str(exc)) from None

        return remembered

    return wrap


@_known("expr")
def _canonical_expr(text: str, column_type: str | None) -> str | None:
    tree = _normalize(_parse_expression(text))
    if column_type is not None:
        tree = _as_default(tree, column_type)
    return None if tree == _NULL else _serialized(_neutral(tree))


def canonical_query(text: str) -> str:
    """The canonical form of a view's query. Raises Unparsable."""
    return str(_canonical_query(text))


@_known("query")
def _canonical_query(text: str, _: None = None) -> str:
    statements = _parse(text.strip().rstrip(";"))
    if len(statements) != 1:
        raise Unparsable("a view is one query")
    query = _normalize(statements[0]["stmt"])
    return _serialized(_neutral(_unqualified_query(query)))


@lru_cache(maxsize=1 << 16)
def loosened(canon: str) -> str:
    """A canonical form without the types of its string literals (see ``model.Expr``): a literal
    the author left untyped takes whatever type the server resolves it to, and writes out."""
    if '"literal"' not in canon:
        return canon

    def loosen(node: Node) -> Node:
        if isinstance(node, dict) and "literal" in node:
            return {k: v for k, v in node.items() if k != "type"}
        return _mapped(node, loosen)

    return _serialized(loosen(json.loads(canon)))


def canonical_element(text: str) -> str:
    """The canonical form of an index element (expression or column, collation, operator class,
    order): the bare column name where it is a column in the default order. Raises Unparsable."""
    return str(_canonical_element(text))


@_known("element")
def _canonical_element(text: str, _: None = None) -> str:
    statement = _parse(f"CREATE INDEX _ ON _ ({text})")[0]["stmt"]
    params = statement["IndexStmt"]["indexParams"]
    if len(params) != 1:
        raise Unparsable("an index element is one column or expression")
    element = _normalize(params[0]["IndexElem"])
    expression = element.pop("expr", None)
    if expression is not None:
        ref = _column_ref(expression)
        if ref is not None and len(ref) == 1:
            element["name"] = ref[0]
        else:
            element["expr"] = expression
    _default_order(element)
    if set(element) == {"name"}:
        return str(element["name"])
    # Elements are compared as plain text: without the literal types the server writes out.
    return loosened(_serialized(_neutral(element)))


def parses(sql: str) -> bool:
    """Whether ``sql`` (statements) is accepted by the Postgres parser."""
    try:
        _parse(sql)
    except Unparsable:
        return False
    return True


def rename_columns(canon: str, renames: dict[str, str]) -> str:
    """A canonical form with the column names in ``renames`` (old -> new) replaced."""
    if not renames:
        return canon
    if not canon.startswith(("{", "[", '"')):
        return renames.get(canon, canon)  # an element that is a bare column name
    tree = json.loads(canon)

    def rename(node: Node) -> Node:
        if isinstance(node, dict) and "ColumnRef" in node:
            fields = node["ColumnRef"]["fields"]
            last = fields[-1].get("String", {}).get("sval") if isinstance(fields[-1], dict) else None
            if last in renames:
                return {"ColumnRef": {"fields": [*fields[:-1], {"String": {"sval": renames[last]}}]}}
        if isinstance(node, dict) and isinstance(node.get("name"), str) and node["name"] in renames \
                and set(node) <= {"name", "collation", "opclass", "ordering", "nulls_ordering"}:
            return {**node, "name": renames[node["name"]]}
        return _mapped(node, rename)

    return _serialized(rename(tree))


def _neutral(tree: Node) -> Node:
    """Literals, typed or not, in the one form ``model.Expr`` matches: ``{"literal": v}`` (with
    ``"kind"`` for numbers and booleans), and ``"type"`` where the literal has one."""
    if isinstance(tree, dict):
        literal = _literal(tree)
        if literal is not None:
            return literal
        cast = tree.get("TypeCast")
        if isinstance(cast, dict):
            literal = _literal(cast.get("arg"))
            if literal is not None:
                return {**literal, "type": cast["type"]}
    return _mapped(tree, _neutral)


def _literal(node: Node) -> Node | None:
    const = node.get("A_Const") if isinstance(node, dict) else None
    if not isinstance(const, dict) or const.get("isnull"):
        return None
    if "sval" in const:
        return {"literal": const["sval"]}
    if "ival" in const:
        return {"literal": str(const["ival"]), "kind": "number"}
    if "fval" in const:
        return {"literal": const["fval"], "kind": "number"}
    if "boolval" in const:
        return {"literal": str(const["boolval"]).lower(), "kind": "boolean"}
    return None


def is_simple_default(text: str) -> bool:
    """Whether a default can follow DEFAULT as it is (a literal, a cast literal, a function call);
    anything else needs parentheses (``DEFAULT (now() AT TIME ZONE 'utc')``)."""
    try:
        node = _parse_expression(text)
    except Unparsable:
        return False
    while "TypeCast" in node:
        node = node["TypeCast"]["arg"]
    kind = next(iter(node))
    if kind == "FuncCall":  # a call, not SQL syntax that parses into one (AT TIME ZONE, EXTRACT)
        return node[kind].get("funcformat") != "COERCE_SQL_SYNTAX"
    return kind in ("A_Const", "SQLValueFunction", "ColumnRef")


# ---------------------------------------------------------------------------------------------
# Parsing


def _parse(sql: str) -> list[Node]:
    from pglast import parser  # loaded on the first text no earlier process has met (pgmemo)

    try:
        return json.loads(pgparse.parse_sql_json(sql)).get("stmts", [])
    except parser.ParseError as exc:
        raise Unparsable(str(exc)) from None


def _parse_expression(text: str) -> Node:
    # A trailing comment would swallow anything after it: end it with a line break.
    statements = _parse(f"SELECT {text}\n")
    targets = statements[0]["stmt"]["SelectStmt"].get("targetList", []) if len(statements) == 1 else []
    select = statements[0]["stmt"]["SelectStmt"] if len(statements) == 1 else {}
    if len(targets) != 1 or set(select) - {"targetList", "limitOption", "op"}:
        raise Unparsable(f"not one expression: {text}")
    return targets[0]["ResTarget"]["val"]


def _serialized(tree: Node) -> str:
    return json.dumps(tree, sort_keys=True, separators=(",", ":"))


def _mapped(node: Node, fn: Callable[[Node], Node]) -> Node:
    """``node`` with ``fn`` applied to each child."""
    if isinstance(node, dict):
        return {key: fn(value) for key, value in node.items()}
    if isinstance(node, list):
        return [fn(value) for value in node]
    return node


# ---------------------------------------------------------------------------------------------
# Normalizing: bottom-up, one transform per node kind


def _normalize(node: Node) -> Node:
    if isinstance(node, list):
        return [_normalize(item) for item in node]
    if not isinstance(node, dict):
        return node
    body = {key: _normalize(value) for key, value in node.items() if key not in _POSITION_KEYS}
    if len(body) == 1:
        kind, inner = next(iter(body.items()))
        transform = _TRANSFORMS.get(kind)
        if transform is not None and isinstance(inner, dict):
            return transform(inner)
    return body


_NULL: Node = {"A_Const": {"isnull": True}}


def _const(node: Node) -> Node:
    """Literal forms: every number as its value (``1.50`` is ``1.5``, ``5000000000`` an integer)."""
    if node.get("isnull"):
        return _NULL
    if "ival" in node:
        return _number(str(node["ival"].get("ival", 0)))
    if "fval" in node:
        return _number(node["fval"].get("fval", "0"))
    if "boolval" in node:
        return {"A_Const": {"boolval": bool(node["boolval"].get("boolval", False))}}
    if "sval" in node:
        return {"A_Const": {"sval": node["sval"].get("sval", "")}}
    return {"A_Const": node}


def _number(text: str) -> Node:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return {"A_Const": {"fval": text}}
    if value == value.to_integral_value() and "e" not in text.lower() and "." not in text:
        return {"A_Const": {"ival": int(value)}}
    return {"A_Const": {"fval": format(value.normalize(), "f")}}


def _string(node: Node) -> str | None:
    """The value of a string literal node, else None."""
    const = node.get("A_Const") if isinstance(node, dict) else None
    return const.get("sval") if isinstance(const, dict) else None


def _is_number(node: Node) -> bool:
    const = node.get("A_Const") if isinstance(node, dict) else None
    return isinstance(const, dict) and ("ival" in const or "fval" in const)


def type_name(node: Node) -> str:
    """A TypeName node as canonical type text (``bigint``, ``varchar(20)``, ``integer[]``)."""
    from auditor.canon import canonical_type
    from auditor.dialects import POSTGRESQL

    names = [n.get("String", {}).get("sval", "") for n in node.get("names", [])]
    if len(names) > 1 and names[0] == "pg_catalog":
        names = names[1:]
    args = [str(m["A_Const"].get("ival", m["A_Const"].get("fval", m["A_Const"].get("sval", ""))))
            for m in node.get("typmods", []) if isinstance(m, dict) and "A_Const" in m]
    text = ".".join(_quoted_name(n) for n in names) + (f"({','.join(args)})" if args else "")
    # Postgres ignores array bounds and dimensions: integer[][] and integer[3] are integer[].
    return canonical_type(text, POSTGRESQL) + ("[]" if node.get("arrayBounds") else "")


def _quoted_name(name: str) -> str:
    return name if name.replace("_", "a").isalnum() and name == name.lower() else '"' + name.replace('"', '""') + '"'


def _type_cast(node: Node) -> Node:
    arg, type_ = node.get("arg"), type_name(node.get("typeName", {}))
    base = type_.split("(")[0]
    if arg == _NULL:
        return _NULL  # NULL::varchar is NULL
    text = _string(arg)
    if base in _TEXT_TYPES and (_column_ref(arg) is not None or _is_subscript(arg)):
        return arg  # the server casts text-like columns to text where it compares them
    inner = arg.get("TypeCast") if isinstance(arg, dict) else None
    if base in _TEXT_TYPES and isinstance(inner, dict) and _string(inner["arg"]) is not None \
            and inner["type"].split("(")[0] in _TEXT_TYPES:
        arg = inner["arg"]  # ''::character varying::text (a column's type changed under its default)
    if base in _NUMERIC_TYPES and isinstance(inner, dict) and inner["type"] in _INTEGER_TYPES \
            and _is_number(inner["arg"]):
        arg = inner["arg"]  # ('-1'::integer)::numeric: a negative literal, typed, then widened
    if base in ("regclass", "unknown") and text is not None:
        return arg  # nextval('seq') takes a regclass; the server writes the cast out
    if base.endswith("[]") and base[:-2] in _TEXT_TYPES and "A_ArrayExpr" in arg:
        return arg  # ARRAY['a'::varchar]::text[], as the server writes IN lists of varchar
    if base in _NUMERIC_TYPES and _column_ref(arg) is not None:
        return arg  # the server widens an integer column compared with a numeric one
    if base == "boolean" and text is not None and text.lower() in _TRUE | _FALSE:
        return {"A_Const": {"boolval": text.lower() in _TRUE}}
    if base in _NUMERIC_TYPES and text is not None and _number_or_none(text) is not None:
        arg = _number_or_none(text)  # '2'::bigint is 2::bigint, '1.50'::numeric is 1.5::numeric
    if base in _STRING_TYPES and _string(arg) is not None:
        type_ = "text"  # 'a'::character varying and 'a'::text are one string
    # A typed literal stays typed (2::numeric / 4 is not 2 / 4); model.Expr matches a literal
    # the other side left untyped.
    return {"TypeCast": {"arg": arg, "type": type_}}


def _number_or_none(text: str) -> Node | None:
    try:
        Decimal(text.strip())
    except InvalidOperation:
        return None
    return _number(text.strip())


def _is_integer(node: Node) -> bool:
    const = node.get("A_Const") if isinstance(node, dict) else None
    return isinstance(const, dict) and "ival" in const


def _column_ref(node: Node) -> list[str] | None:
    """The names of a column reference node, else None."""
    ref = node.get("ColumnRef") if isinstance(node, dict) else None
    if not isinstance(ref, dict):
        return None
    names = [f.get("String", {}).get("sval") for f in ref.get("fields", []) if isinstance(f, dict)]
    return names if all(isinstance(n, str) for n in names) else None


def _is_subscript(node: Node) -> bool:
    indirection = node.get("A_Indirection") if isinstance(node, dict) else None
    return isinstance(indirection, dict) and _column_ref(indirection.get("arg")) is not None


def _func_call(node: Node) -> Node:
    names = [n.get("String", {}).get("sval") for n in node.get("funcname", [])]
    if len(names) > 1 and names[0] == "pg_catalog":
        names = names[1:]
    body = {k: v for k, v in node.items() if k not in ("funcformat", "funcname")}
    if len(names) == 1 and names[0] in _VALUE_FUNCTIONS and not body.get("args"):
        return {"SQLValueFunction": {"op": _VALUE_FUNCTIONS[names[0]], "typmod": -1}}
    return {"FuncCall": {**body, "funcname": names}}


# LIKE is stored as ~~, ILIKE as ~~*, SIMILAR TO as ~ similar_to_escape(...): plain operators.
_OPERATOR_KINDS = {"AEXPR_LIKE": "AEXPR_OP", "AEXPR_ILIKE": "AEXPR_OP", "AEXPR_SIMILAR": "AEXPR_OP"}


def _a_expr(node: Node) -> Node:
    kind = node.get("kind")
    names = [n.get("String", {}).get("sval") for n in node.get("name", [])]
    if len(names) > 1 and names[0] == "pg_catalog":
        names = names[1:]
    node = {**node, "name": names, "kind": _OPERATOR_KINDS.get(kind, kind)}
    if kind == "AEXPR_IN":
        return _in_list(node, names)
    if kind == "AEXPR_OP" and _number_literal(node.get("lexpr")) and _number_literal(node.get("rexpr")):
        # Between two literals no operand is cast to the other's type: what each is counts
        # (1 / 3 is integer division, '1'::numeric / 3 is not), so untyped ones get their own.
        node = {**node, "lexpr": _natural_type(node["lexpr"]), "rexpr": _natural_type(node["rexpr"])}
    if kind in ("AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN"):
        low, high = node["rexpr"]["List"]["items"] if "List" in node["rexpr"] else node["rexpr"]
        inside = kind == "AEXPR_BETWEEN"
        ops = (">=", "<=") if inside else ("<", ">")
        parts = [_op(ops[0], node["lexpr"], low), _op(ops[1], node["lexpr"], high)]
        return _bool_expr({"boolop": "AND_EXPR" if inside else "OR_EXPR", "args": parts})
    return {"A_Expr": node}


def _number_literal(node: Node) -> bool:
    cast = node.get("TypeCast") if isinstance(node, dict) else None
    return _is_number(cast["arg"] if isinstance(cast, dict) else node)


def _natural_type(node: Node) -> Node:
    """A number literal with the type Postgres gives it when nothing else does."""
    if not _is_number(node):
        return node
    if not _is_integer(node):
        return {"TypeCast": {"arg": node, "type": "numeric"}}
    return {"TypeCast": {"arg": node, "type": "integer" if abs(node["A_Const"]["ival"]) < 2**31 else "bigint"}}


def _op(name: str, left: Node, right: Node) -> Node:
    return {"A_Expr": {"kind": "AEXPR_OP", "name": [name], "lexpr": left, "rexpr": right}}


def _in_list(node: Node, names: list[str]) -> Node:
    """``x IN (a, b)`` as the server stores it: ``x = ANY (ARRAY[a, b])``; ``x IN (a)`` as ``x = a``."""
    items = node["rexpr"]["List"]["items"] if "List" in node["rexpr"] else node["rexpr"]
    if not isinstance(items, list) or any(isinstance(i, dict) and "SubLink" in i for i in items):
        return {"A_Expr": node}
    if len(items) == 1:
        return _op(names[0], node["lexpr"], items[0])
    kind = "AEXPR_OP_ANY" if names == ["="] else "AEXPR_OP_ALL"
    return {"A_Expr": {"kind": kind, "name": names, "lexpr": node["lexpr"],
                       "rexpr": {"A_ArrayExpr": {"elements": items}}}}


def _bool_expr(node: Node) -> Node:
    """AND and OR chains flattened: ``(a AND b) AND c`` is ``a AND b AND c``."""
    op = node.get("boolop")
    args: list[Node] = []
    for arg in node.get("args", []):
        inner = arg.get("BoolExpr") if isinstance(arg, dict) else None
        if op != "NOT_EXPR" and isinstance(inner, dict) and inner.get("boolop") == op:
            args.extend(inner["args"])
        else:
            args.append(arg)
    return {"BoolExpr": {"boolop": op, "args": args}}


def _row_expr(node: Node) -> Node:
    return {"RowExpr": {k: v for k, v in node.items() if k != "row_format"}}


def _range_var(node: Node) -> Node:
    body = {k: v for k, v in node.items() if not (k == "inh" and v is True) and not (k == "relpersistence" and v == "p")}
    if body.get("schemaname") == "public":
        del body["schemaname"]  # the default namespace: the server writes what the search path needs
    return {"RangeVar": body}


_TRANSFORMS: dict[str, Callable[[Node], Node]] = {
    "A_Const": _const,
    "TypeCast": _type_cast,
    "FuncCall": _func_call,
    "A_Expr": _a_expr,
    "BoolExpr": _bool_expr,
    "RowExpr": _row_expr,
    "RangeVar": _range_var,
}


def _default_order(element: Node) -> None:
    """ASC and the NULLS placement that goes with the direction are the default: say nothing."""
    desc = element.get("ordering") == "SORTBY_DESC"
    nulls = element.get("nulls_ordering")
    if element.get("ordering") in ("SORTBY_ASC", "SORTBY_DEFAULT"):
        element.pop("ordering")
    if nulls in ("SORTBY_NULLS_DEFAULT", "SORTBY_NULLS_FIRST" if desc else "SORTBY_NULLS_LAST"):
        element.pop("nulls_ordering")
    for key in ("collation", "opclass"):
        names = [n.get("String", {}).get("sval") for n in element.get(key, [])]
        if len(names) > 1 and names[0] == "pg_catalog":
            names = names[1:]
        if names:
            element[key] = names
        else:
            element.pop(key, None)
    if not element.get("opclassopts"):
        element.pop("opclassopts", None)


# ---------------------------------------------------------------------------------------------
# Defaults and views


def _as_default(tree: Node, column_type: str) -> Node:
    """A default as the value it gives its column: a literal, bare or cast to the column's type
    (or, for numbers and text, to one of its family), is a literal of the column's type; a literal
    cast to another type stays so (``'2024-01-01'::timestamptz`` on a timestamp column)."""
    base = column_type.split("(")[0]
    cast = tree.get("TypeCast") if isinstance(tree, dict) else None
    if isinstance(cast, dict) and _is_literal(cast["arg"]) and _same_family(cast["type"].split("(")[0], base, cast["arg"]):
        tree = cast["arg"]
    if not _is_literal(tree):
        return tree
    text = _string(tree)
    if text is not None and base in _NUMERIC_TYPES and _number_or_none(text) is not None:
        tree = _number_or_none(text)
    elif text is not None and base == "boolean" and text.lower() in _TRUE | _FALSE:
        tree = {"A_Const": {"boolval": text.lower() in _TRUE}}
    # Text-like types hold a string literal alike: the default '' is one on varchar and text.
    return {"TypeCast": {"arg": tree, "type": "text" if base in _TEXT_TYPES else base}}


def _is_literal(node: Node) -> bool:
    const = node.get("A_Const") if isinstance(node, dict) else None
    return isinstance(const, dict) and not const.get("isnull")


def _same_family(cast: str, column: str, arg: Node) -> bool:
    """Whether a literal cast to ``cast`` and assigned to a ``column`` type is that column's literal."""
    if cast == column or (cast in _TEXT_TYPES and column in _TEXT_TYPES):
        return True
    # -1 on a bigint column is stored as '-1'::integer; 1.5::integer is 2, not 1.5.
    return cast in _NUMERIC_TYPES and column in _NUMERIC_TYPES and (cast not in _INTEGER_TYPES or _is_integer(arg))


def _unqualified_query(query: Node) -> Node:
    """A SELECT over one table, with the table's qualifiers and the implied output names dropped:
    Postgres writes ``SELECT t.id, lower(t.name) AS lower FROM t`` for ``SELECT id, lower(name) FROM t``."""
    select = query.get("SelectStmt") if isinstance(query, dict) else None
    if not isinstance(select, dict):
        return query
    names = _single_relation_names(select.get("fromClause", []))

    def strip(node: Node) -> Node:
        ref = _column_ref(node)
        if ref is not None and names and len(ref) > 1 and ref[-2] in names:
            return {"ColumnRef": {"fields": [{"String": {"sval": ref[-1]}}]}}
        if isinstance(node, dict) and "SelectStmt" in node and node is not query:
            return node  # a subquery has tables of its own
        return _mapped(node, strip)

    select = strip(select) if names else select
    select = _whole_rows_bare(select, _relation_names(select.get("fromClause", [])))
    targets = []
    for target in select.get("targetList", []):
        res = target.get("ResTarget", {})
        if res.get("name") is not None and res.get("name") == _output_name(res.get("val")):
            res = {k: v for k, v in res.items() if k != "name"}
        targets.append({"ResTarget": res})
    return {"SelectStmt": {**select, "targetList": targets}} if targets else {"SelectStmt": select}


def _whole_rows_bare(select: Node, names: set[str]) -> Node:
    """A function argument that is a FROM relation's whole row written ``t.*`` as the bare ``t``:
    Postgres writes ``f(accounts.*)`` for ``f(accounts)`` (PostgREST's computed columns)."""
    if not names:
        return select

    def bare(node: Node) -> Node:
        if isinstance(node, dict) and "SelectStmt" in node:
            return node  # a subquery has tables of its own
        if isinstance(node, dict) and "FuncCall" in node:
            call = node["FuncCall"]
            args = [_bare_whole_row(arg, names) for arg in call.get("args", [])]
            node = {"FuncCall": {**call, "args": args}} if "args" in call else node
        return _mapped(node, bare)

    return _mapped(select, bare)


def _bare_whole_row(arg: Node, names: set[str]) -> Node:
    fields = arg.get("ColumnRef", {}).get("fields", []) if isinstance(arg, dict) else []
    if len(fields) == 2 and "A_Star" in fields[1] and fields[0].get("String", {}).get("sval") in names:
        return {"ColumnRef": {"fields": [fields[0]]}}
    return arg


def _relation_names(from_clause: list[Node]) -> set[str]:
    """The names and aliases of the tables a FROM clause reads, joins included."""
    out: set[str] = set()
    for item in from_clause:
        if isinstance(item, dict) and "JoinExpr" in item:
            out |= _relation_names([item["JoinExpr"].get("larg"), item["JoinExpr"].get("rarg")])
        elif isinstance(item, dict) and "RangeVar" in item:
            out |= _single_relation_names([item])
    return out


def _single_relation_names(from_clause: list[Node]) -> set[str]:
    if len(from_clause) != 1 or "RangeVar" not in from_clause[0]:
        return set()
    rel = from_clause[0]["RangeVar"]
    alias = rel.get("alias", {}).get("Alias", rel.get("alias", {})).get("aliasname") if rel.get("alias") else None
    return {n for n in (rel.get("relname"), alias) if n}


def _output_name(node: Node) -> str | None:
    """The column name Postgres gives an unnamed output expression (FigureColname, in short)."""
    if not isinstance(node, dict):
        return None
    ref = _column_ref(node)
    if ref is not None:
        return ref[-1]
    if "FuncCall" in node:
        return node["FuncCall"]["funcname"][-1]
    if "TypeCast" in node:
        return _output_name(node["TypeCast"]["arg"]) or node["TypeCast"]["type"].split("(")[0]
    if "A_Indirection" in node:
        return _output_name(node["A_Indirection"]["arg"])
    if "CaseExpr" in node:
        return "case"
    return None


# ---------------------------------------------------------------------------------------------
# Writing DDL from an author's text


def element_sql(text: str) -> str:
    """An index element as CREATE INDEX takes it: the text as it is where it parses so, else with
    parentheses around its expression (``data ->> 'k' DESC`` is ``(data ->> 'k') DESC``)."""
    if parses(f"CREATE INDEX _ ON _ ({text})"):
        return text
    words = text.split(" ")
    for cut in range(len(words) - 1, 0, -1):  # the expression, then what follows it (opclass, order)
        candidate = f"({' '.join(words[:cut])}) {' '.join(words[cut:])}"
        if parses(f"CREATE INDEX _ ON _ ({candidate})"):
            return candidate
    return f"({text})"


def element_expression_sql(text: str) -> str | None:
    """The expression of an index element, without collation, operator class and order, as SQL
    (for queries such as a duplicate count); None where the element is a bare column."""
    from pglast import parse_sql
    from pglast.parser import ParseError
    from pglast.stream import RawStream

    try:
        element = parse_sql(f"CREATE INDEX _ ON _ ({element_sql(text)})")[0].stmt.indexParams[0]
    except ParseError:
        return None
    return None if element.expr is None else RawStream()(element.expr)


# ---------------------------------------------------------------------------------------------
# Partitioning: the key of a partitioned table, the bounds of a partition

def canonical_partition_key(text: str) -> str:
    """The canonical form of a partition key (``RANGE (created_at)``): its strategy and its
    elements, each a column name or a canonical expression. Raises Unparsable."""
    return str(_canonical_partition_key(text))


@_known("partition_key")
def _canonical_partition_key(text: str, _: None = None) -> str:
    statement = _parse(f"CREATE TABLE _ () PARTITION BY {text}")[0]["stmt"]["CreateStmt"]
    spec = statement["partspec"]
    elements = []
    for param in spec.get("partParams", []):
        element = _normalize(param["PartitionElem"])
        expression = element.pop("expr", None)
        ref = _column_ref(expression) if expression is not None else None
        if ref is not None and len(ref) == 1:
            element["name"] = ref[0]
        elif expression is not None:
            element["expr"] = expression
        elements.append(element)
    return loosened(_serialized(_neutral({"strategy": spec["strategy"], "elements": elements})))


def canonical_bounds(text: str) -> str:
    """The canonical form of a partition's bounds (what follows ``FOR VALUES``, or ``DEFAULT``):
    values compared as the literals they are, dates and timestamps by the instant they name
    (``'2024-01-01'`` is ``'2024-01-01 00:00:00+00'``). Raises Unparsable."""
    return str(_canonical_bounds(text))


@_known("bounds")
def _canonical_bounds(text: str, _: None = None) -> str:
    clause = "DEFAULT" if text.strip().upper() == "DEFAULT" else f"FOR VALUES {text}"
    statement = _parse(f"CREATE TABLE _ PARTITION OF _ {clause}")[0]["stmt"]["CreateStmt"]
    return _serialized(_bound_values(_neutral(_normalize(statement["partbound"]))))


def _bound_values(node: Node) -> Node:
    # The server casts each bound to the key's type and prints it back as a string literal
    # (FROM (5) may come back as FROM (5), a date as '2024-01-01'): only the value counts.
    if isinstance(node, dict) and "literal" in node:
        return {"literal": _instant(str(node["literal"]))}
    return _mapped(node, _bound_values)


def _instant(value: str) -> str:
    """A date or timestamp literal in one spelling, zoned ones in UTC (and a naive one taken as
    UTC: the server prints a timestamptz bound in the reading session's zone, and an author
    writes '2024-01-01'); other values as they are."""
    from datetime import datetime, timezone

    if not (len(value) >= 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit()):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return (moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment).isoformat(sep=" ")


def qualified_text(text: str, quoted: str, relations: frozenset[str], types: frozenset[str]) -> str:
    """The author's ``text`` with ``quoted.`` written before each relation of ``relations`` and
    type of ``types`` it names without a schema (a CTE of the same name excepted): the text a
    tenant's copy of a view or default is created from, so that it names the tenant's own tables
    whatever the search path. Where the parser refuses the text, it is returned as it is."""
    offsets = _unqualified_offsets(text, relations, types)
    if not offsets:
        return text
    raw, prefix = text.encode(), f"{quoted}.".encode()
    for offset in reversed(offsets):  # the parser's locations are byte offsets
        raw = raw[:offset] + prefix + raw[offset:]
    return raw.decode()


@lru_cache(maxsize=4096)
def _unqualified_offsets(text: str, relations: frozenset[str], types: frozenset[str]) -> tuple[int, ...]:
    from pglast import parser

    head = ""
    for head in ("", "SELECT "):  # a view's query, or an expression (a default)
        try:
            tree = json.loads(parser.parse_sql_json(head + text))
            break
        except parser.ParseError:
            continue
    else:
        return ()
    shift = len(head)
    ctes: set[str] = set()
    found: list[tuple[str, int]] = []  # (the relation's name, or "" for a type; its location)

    def visit(node: Node) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            cte = node.get("CommonTableExpr")
            if isinstance(cte, dict):
                ctes.add(cte.get("ctename", ""))
            var = node.get("RangeVar")
            if isinstance(var, dict) and "schemaname" not in var and var.get("relname") in relations:
                found.append((var["relname"], var.get("location", -1)))
            names = node.get("names") if "typemod" in node else None
            if isinstance(names, list) and len(names) == 1 and names[0].get("String", {}).get("sval") in types:
                found.append(("", node.get("location", -1)))
            for value in node.values():
                visit(value)

    visit(tree.get("stmts", []))
    return tuple(sorted({at - shift for name, at in found if at >= shift and name not in ctes}))


def rehomed(canon: str, schema: str, relations: frozenset[str], types: frozenset[str], quoted: str) -> str:
    """A canonical form with the relations and types it names unqualified, of those in
    ``relations`` and ``types``, placed in ``schema`` (``quoted``: its name as the server prints
    it before a type): a tenant's copy of a spec's view or default, as the server deparses it there."""

    def home(node: Node) -> Node:
        node = _mapped(node, home)
        if isinstance(node, dict):
            var = node.get("RangeVar")
            if isinstance(var, dict) and "schemaname" not in var and var.get("relname") in relations:
                node = {**node, "RangeVar": {**var, "schemaname": schema}}
            kind = node.get("type")
            if "literal" in node and isinstance(kind, str) and kind.split("[", 1)[0] in types:
                node = {**node, "type": f"{quoted}.{kind}"}
        return node

    return _serialized(home(json.loads(canon)))
