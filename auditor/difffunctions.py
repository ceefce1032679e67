"""The differ's part for functions and procedures: matched by identity (schema, name, input
argument types), one item per function, whose message names every part that differs."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from auditor.model import Function, display_name

if TYPE_CHECKING:
    from auditor.diff import DriftItem


def diff_functions(want: tuple[Function, ...], have: tuple[Function, ...]) -> Iterator[DriftItem]:
    """missing_function, function_mismatch and extra_function items (canonical functions)."""
    from auditor.diff import match_by_key

    missing, extra, both = match_by_key(want, have, lambda f: f.key)
    for f in in_dependency_order(missing):
        yield _item("missing_function", f, f.sql, None, f"{describe(f)} is missing")
    for f, live in both:
        if f != live:
            parts = differences(f, live)
            yield _item("function_mismatch", f, f.sql, live.sql,
                        f"{describe(f)} differs from the spec: {'; '.join(parts)}")
    for f in extra:
        yield _item("extra_function", f, None, f.sql, f"{describe(f)} is not in the spec")


def in_dependency_order(functions: list[Function]) -> list[Function]:
    """The functions, each after those of the list it calls where Postgres checks the call when the
    function is made: in a BEGIN ATOMIC or RETURN body, and in an argument's default. (Other
    bodies are checked when they run.) Otherwise, and within a cycle, in their order."""
    by_name: dict[str, list[Function]] = {}
    for f in functions:
        by_name.setdefault(f.name, []).append(f)
    out: list[Function] = []
    placed: set[str] = set()

    def place(f: Function, path: frozenset[str]) -> None:
        if f.key in placed or f.key in path:
            return
        for name in sorted(_calls_at_creation(f)):
            for callee in by_name.get(name, ()):
                if callee.key != f.key:
                    place(callee, path | {f.key})
        placed.add(f.key)
        out.append(f)

    for f in functions:
        place(f, frozenset())
    return out


def _calls_at_creation(function: Function) -> set[str]:
    """The names of the functions a function's atomic body and argument defaults call."""
    # (SQL bodies: a BEGIN ATOMIC or RETURN one is checked; ordering the others too costs nothing.)
    texts = [function.parameters] + ([function.body.canon] if function.language == "sql" else [])
    from auditor.dialects.pgfunctions import dict_nodes

    found: set[str] = set()
    for text in texts:
        for node in dict_nodes(text) if '"funcname"' in text else ():
            names = node.get("funcname")  # canonical: ["schema", "name"] (or String nodes)
            if isinstance(names, list) and names:
                last = names[-1]
                found.add(str(last.get("String", {}).get("sval", "")) if isinstance(last, dict) else str(last))
    return found


def describe(function: Function) -> str:
    """``function f(integer)``, ``procedure app.p(text)``: how messages name it."""
    return f"{function.kind} {display_name(function.schema, function.signature)}"


# (attribute, what messages call it, how a value reads) of the parts compared one by one.
_SAID = {
    "volatility": lambda v: str(v),
    "strict": lambda v: "STRICT" if v else "CALLED ON NULL INPUT",
    "security_definer": lambda v: "SECURITY DEFINER" if v else "SECURITY INVOKER",
    "parallel": lambda v: f"PARALLEL {v}",
    "leakproof": lambda v: "LEAKPROOF" if v else "NOT LEAKPROOF",
    "window": lambda v: "WINDOW" if v else "not WINDOW",
    "language": lambda v: f"LANGUAGE {v}",
    "returns": lambda v: f"RETURNS {v}",
    "config": lambda v: ", ".join(f"SET {s}" for s in v) or "no SET",
}


def differences(want: Function, have: Function) -> list[str]:
    """What differs, in words: ``body``, ``volatility IMMUTABLE, spec says STABLE``, ..."""
    out = []
    if want.kind != have.kind:
        out.append(f"it is a {have.kind}, spec says {want.kind}")
    if want.parameters != have.parameters:
        out.append("argument names, modes or defaults")
    for attribute, say in _SAID.items():
        spec_value, live_value = getattr(want, attribute), getattr(have, attribute)
        if spec_value != live_value:
            called = attribute.replace("_", " ") if attribute in ("volatility", "config") else ""
            out.append(f"{called + ' ' if called else ''}{say(live_value)}, spec says {say(spec_value)}".strip())
    if want.body != have.body:
        proven = want.body.proven and have.body.proven
        out.append("body" + ("" if proven else " (one side did not parse, so the texts were compared exactly)"))
    return out


def _item(kind: str, function: Function, expected: str | None, actual: str | None, message: str) -> DriftItem:
    from auditor.diff import DriftItem

    return DriftItem(kind, function.schema, function.signature, None, expected, actual, message)
