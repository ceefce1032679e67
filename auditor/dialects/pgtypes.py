"""Postgres exclusion constraints by parse tree, and the engine's definitions split into the parts
a spec writes.

An exclusion constraint is compared as the ``Constraint`` node of ``ALTER TABLE _ ADD CONSTRAINT _
EXCLUDE USING m (elements) WHERE (pred)``, built from either side (the spec's parts, or the
definition ``pg_get_constraintdef`` prints), normalized as index elements and expressions are
(``pgexpr``): an element that is a bare column is its name, operators lose their ``pg_catalog.``
(``WITH =`` is ``WITH OPERATOR(pg_catalog.=)``), parentheses and the casts the server adds vanish.
Its name and deferral are compared on their own; storage parameters and tablespace are not compared
(as for indexes).
"""
from __future__ import annotations

from typing import Any

from auditor.dialects import pgexpr

Node = Any


@pgexpr._known("exclusion")
def _canonical_exclusion(text: str, _: None = None) -> str:
    statements = pgexpr._parse(f"ALTER TABLE _ ADD CONSTRAINT _ {text}")
    command = statements[0]["stmt"].get("AlterTableStmt", {}).get("cmds", [{}])[0] if len(statements) == 1 else {}
    constraint = command.get("AlterTableCmd", {}).get("def", {}).get("Constraint", {})
    if constraint.get("contype") != "CONSTR_EXCLUSION":
        raise pgexpr.Unparsable(f"not an exclusion constraint: {text}")
    node = pgexpr._normalize(constraint)
    for key in ("conname", "deferrable", "initdeferred", "options", "indexspace"):
        node.pop(key, None)
    node["exclusions"] = [_pair(pair) for pair in node.get("exclusions", [])]
    return pgexpr.loosened(pgexpr._serialized(pgexpr._neutral(node)))


def canonical_exclusion(text: str) -> str:
    """The canonical form of an exclusion constraint's definition (``EXCLUDE USING ...``, without
    its name). Raises ``pgexpr.Unparsable``."""
    return str(_canonical_exclusion(text))


def _pair(pair: Node) -> Node:
    """One ``element WITH operator``: the element as an index element is, the operator unqualified."""
    element, operator = pair["List"]["items"]
    element = element["IndexElem"]
    expression = element.pop("expr", None)
    if expression is not None:
        ref = pgexpr._column_ref(expression)
        if ref is not None and len(ref) == 1:
            element["name"] = ref[0]
        else:
            element["expr"] = expression
    pgexpr._default_order(element)
    names = [item["String"]["sval"] for item in operator["List"]["items"]]
    return {"element": element, "operator": names[-1] if names[:-1] in ([], ["pg_catalog"]) else ".".join(names)}


def exclusion_parts(definition: str) -> dict[str, Any]:
    """``using``, ``elements`` and ``where`` of a definition as ``pg_get_constraintdef`` prints it
    (``EXCLUDE USING gist (room_id WITH =, during WITH &&) WHERE ((NOT cancelled))``): slices of
    its own text, found by the parser's tokens (whose positions count characters)."""
    from pglast import parser

    tokens = list(parser.scan(definition))
    words = [t.name for t in tokens]
    start = words.index("USING") + 1 if "USING" in words else None
    using = definition[tokens[start].start:tokens[start].end + 1] if start is not None else "btree"
    open_at = words.index("ASCII_40")
    elements, depth, begin, close = [], 0, tokens[open_at].end + 1, len(tokens) - 1
    for k in range(open_at, len(tokens)):
        depth += {"ASCII_40": 1, "ASCII_41": -1}.get(words[k], 0)
        if (depth == 1 and words[k] == "ASCII_44") or depth == 0:
            elements.append(definition[begin:tokens[k].start].strip())
            begin = tokens[k].end + 1
        if depth == 0:
            close = k
            break
    where = None
    if "WHERE" in words[close:]:
        at = close + words[close:].index("WHERE") + 1
        end = next((k for k in range(at, len(tokens)) if words[k] in ("DEFERRABLE", "INITIALLY", "NOT")
                    and _depth(words, at, k) == 0), len(tokens))
        where = _unwrapped(definition[tokens[at].start:tokens[end - 1].end + 1])
    return {"using": using, "elements": tuple(elements), "where": where}


def _depth(words: list[str], start: int, end: int) -> int:
    return sum({"ASCII_40": 1, "ASCII_41": -1}.get(w, 0) for w in words[start:end])


def _unwrapped(text: str) -> str:
    """A predicate without the parentheses the server wraps it in (``((NOT cancelled))``)."""
    while text.startswith("(") and text.endswith(")") and _closes_at_end(text):
        text = text[1:-1].strip()
    return text


def _closes_at_end(text: str) -> bool:
    """Whether the parenthesis opening ``text`` is the one closing it (by the parser's tokens)."""
    from pglast import parser

    depth = 0
    tokens = list(parser.scan(text))
    for k, token in enumerate(tokens):
        depth += {"ASCII_40": 1, "ASCII_41": -1}.get(token.name, 0)
        if depth == 0:
            return k == len(tokens) - 1
    return False
