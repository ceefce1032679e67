"""The spec's ``functions:`` key: a list of CREATE FUNCTION and CREATE PROCEDURE statements, each
as a migration writes it (a block scalar)::

    functions:
      - |
        CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          NEW.updated_at := now();
          RETURN NEW;
        END $$
      - CREATE FUNCTION app.add(a integer, b integer = 1) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a + b

An entry that is not one such statement, or that the parser refuses, is a problem reported at the
line and column where the parser stopped; two entries with one identity (schema, name, input
argument types) are one too.
"""
from __future__ import annotations

import yaml

from auditor.model import Function, qualified_key
from auditor.yamlsrc import Problems, scalar


def read_functions(node: yaml.Node, problems: Problems) -> list[Function]:
    """The functions of a ``functions:`` list (raw: ``canon.normalize_schema`` reads their parts)."""
    from auditor.dialects import pgfunctions

    if not isinstance(node, yaml.SequenceNode):
        problems.add(node, "functions must be a list of CREATE FUNCTION or CREATE PROCEDURE statements")
        return []
    out: list[Function] = []
    seen: dict[str, yaml.Node] = {}
    for item in node.value:
        sql = scalar(item, problems, "functions entry")
        if sql is None:
            continue
        try:
            schema, name, arguments, kind = pgfunctions.identity(sql)
        except pgfunctions.FunctionSyntax as exc:
            line, column = scalar_position(item, sql, exc.offset)
            problems.add_at(line, column, f"functions entry {_first_line(sql)!r}: {exc}")
            continue
        function = Function(name, schema, arguments, kind, sql=sql.strip())
        key = qualified_key(schema or "public", function.signature)
        if key in seen:
            problems.add(item, f"{kind} {function.signature} is given twice (line {seen[key].start_mark.line + 1})")
            continue
        seen[key] = item
        out.append(function)
    return out


def _first_line(sql: str) -> str:
    line = sql.strip().splitlines()[0] if sql.strip() else ""
    return line if len(line) <= 60 else line[:57] + "..."


def scalar_position(node: yaml.Node, sql: str, offset: int | None) -> tuple[int, int]:
    """The 0-based file line and column of character ``offset`` of a scalar's text (the scalar's
    start where the parser gave no offset)."""
    mark = node.start_mark
    if offset is None:
        return mark.line, mark.column
    before = sql[:offset]
    row, column = before.count("\n"), offset - (before.rfind("\n") + 1)
    if node.style in ("|", ">"):
        # A block scalar's text starts on the next line, its lines indented alike.
        return mark.line + 1 + row, _block_indent(node) + column
    quote = 1 if node.style in ("'", '"') else 0
    return mark.line + row, (mark.column + quote if row == 0 else 0) + column


def _block_indent(node: yaml.Node) -> int:
    """The indentation of a block scalar's lines: read from the source where the parser kept it,
    else the usual one (under the ``|``, two past the item's dash)."""
    buffer = getattr(node.start_mark, "buffer", None)
    if buffer:
        lines = buffer.splitlines()
        for line in lines[node.start_mark.line + 1:]:
            if line.strip():
                return len(line) - len(line.lstrip(" "))
    return node.start_mark.column
