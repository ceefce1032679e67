"""The spec's domains, composite types and exclusion constraints (Postgres)::

    domains:
      email:                       # name or schema.name
        type: citext
        nullable: false            # DOMAIN ... NOT NULL; default true
        default: "''"
        collation: C
        checks:
          email_has_at: VALUE ~ '@'
    range_types:
      floatrange: {subtype: float8, subtype_diff: float8mi}   # or just the subtype: uuidrange: uuid
    composite_types:
      address:
        attributes:                # in order
          street: text
          zip: {type: text, collation: C}
    tables:
      bookings:
        exclusions:
          bookings_no_overlap:
            using: gist            # the default
            elements: [room_id WITH =, during WITH &&]
            where: NOT cancelled
            deferrable: false
            initially_deferred: false

Problems are reported as the rest of the spec's are: ``file:line:column: message``; an exclusion
constraint the Postgres parser refuses, at its node.
"""
from __future__ import annotations

import re

import yaml

from auditor.model import (
    Attribute, CheckConstraint, CompositeType, Domain, Expr, ExclusionConstraint, RangeType, raw_expr)
from auditor.sqlscan import containment_problem
from auditor.yamlsrc import Problems, boolean, is_null, mapping_items, scalar, sql_scalar, sql_word, string_list

DOMAIN_KEYS = ("type", "nullable", "default", "collation", "checks")
COMPOSITE_KEYS = ("attributes",)
ATTRIBUTE_KEYS = ("type", "collation")
EXCLUSION_KEYS = ("using", "elements", "where", "deferrable", "initially_deferred")
RANGE_KEYS = ("subtype", "subtype_opclass", "collation", "canonical", "subtype_diff", "multirange_type_name")

_WITH_RE = re.compile(r"\s+WITH\s+", re.I)
_BARE_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _fields(node: yaml.Node, problems: Problems, what: str, keys: tuple[str, ...]) -> dict[str, yaml.Node]:
    return {k: v for k, _, v in mapping_items(node, problems, what, keys)}


def _flag(fields: dict[str, yaml.Node], key: str, problems: Problems, what: str, default: bool) -> bool:
    value = boolean(fields[key], problems, f"{what} {key}") if key in fields else None
    return default if value is None else value


def _text(fields: dict[str, yaml.Node], key: str, problems: Problems, what: str) -> str | None:
    return scalar(fields[key], problems, f"{what} {key}") if key in fields and not is_null(fields[key]) else None


def read_domains(node: yaml.Node, problems: Problems) -> list[Domain]:
    """The domains of a ``domains:`` mapping (raw: ``canon.normalize_schema`` canonicalizes them)."""
    from auditor.spec import _default, _split_key, _type

    out = []
    for key, key_node, body in mapping_items(node, problems, "domains"):
        what = f"domain {key}"
        fields = _fields(body, problems, what, DOMAIN_KEYS)
        if "type" not in fields:
            problems.add(key_node, f"{what} needs a 'type' (its base type, e.g. text)")
            continue
        base = _type(fields["type"], problems, what)
        default = _default(fields["default"], problems, what) if "default" in fields else None
        checks = _domain_checks(fields["checks"], problems, what) if "checks" in fields else []
        if base is None:
            continue
        schema, name = _split_key(key)
        out.append(Domain(name, schema, base, _flag(fields, "nullable", problems, what, True), raw_expr(default),
                          _text(fields, "collation", problems, what), tuple(checks)))
    return out


def _domain_checks(node: yaml.Node, problems: Problems, what: str) -> list[CheckConstraint]:
    """``name: expression`` (on ``VALUE``), or a list of expressions Postgres names itself."""
    entries = [(None, item) for item in node.value] if isinstance(node, yaml.SequenceNode) else \
        [(name, body) for name, _, body in mapping_items(node, problems, f"{what} checks")]
    out = []
    for name, body in entries:
        text = sql_scalar(body, problems, f"{what} check {name or ''}".rstrip())
        if text is not None and text.strip():
            out.append(CheckConstraint(Expr(text, text), name))
    return out


def read_composite_types(node: yaml.Node, problems: Problems) -> list[CompositeType]:
    """The composite types of a ``composite_types:`` mapping, their attributes in order."""
    from auditor.spec import _split_key, _type

    out = []
    for key, key_node, body in mapping_items(node, problems, "composite_types"):
        what = f"composite type {key}"
        fields = _fields(body, problems, what, COMPOSITE_KEYS)
        if "attributes" not in fields:
            problems.add(key_node, f"{what} needs 'attributes' (name: type, in order)")
            continue
        attributes = []
        for name, _, value in mapping_items(fields["attributes"], problems, f"{what} attributes"):
            owner = f"{what} attribute {name}"
            parts = {"type": value} if isinstance(value, yaml.ScalarNode) else \
                _fields(value, problems, owner, ATTRIBUTE_KEYS)
            if "type" not in parts:
                problems.add(value, f"{owner} needs a 'type'")
                continue
            type_ = _type(parts["type"], problems, owner)
            if type_ is not None:
                attributes.append(Attribute(name, type_, _text(parts, "collation", problems, owner)))
        schema, name = _split_key(key)
        out.append(CompositeType(name, schema, tuple(attributes)))
    return out


def read_range_types(node: yaml.Node, problems: Problems) -> list[RangeType]:
    """The range types of a ``range_types:`` mapping: ``name: subtype``, or ``{subtype: ..., and
    the options CREATE TYPE ... AS RANGE takes}``."""
    from auditor.spec import _split_key, _type

    out = []
    for key, key_node, body in mapping_items(node, problems, "range_types"):
        what = f"range type {key}"
        fields = {"subtype": body} if isinstance(body, yaml.ScalarNode) else _fields(body, problems, what, RANGE_KEYS)
        if "subtype" not in fields:
            problems.add(key_node, f"{what} needs a 'subtype' (e.g. uuid)")
            continue
        subtype = _type(fields["subtype"], problems, what)
        if subtype is not None:
            schema, name = _split_key(key)
            out.append(RangeType(name, schema, subtype, *(_text(fields, k, problems, what) for k in RANGE_KEYS[1:])))
    return out


_ColumnRef = tuple[str, tuple[str, ...], yaml.Node]  # as spec.py's: what names them, the columns, the node


def read_exclusions(what: str, node: yaml.Node, problems: Problems) -> tuple[list[ExclusionConstraint],
                                                                            list[_ColumnRef]]:
    """A table's ``exclusions:`` mapping, and the bare columns their elements name (for the
    table's check that its columns exist)."""
    from auditor.dialects import pgexpr, pgtypes

    out, refs = [], []
    for name, key_node, body in mapping_items(node, problems, f"{what} exclusions"):
        owner = f"{what} exclusion {name}"
        fields = _fields(body, problems, owner, EXCLUSION_KEYS)
        if "elements" not in fields:
            problems.add(key_node, f"{owner} needs 'elements' (e.g. [room_id WITH =, during WITH &&])")
            continue
        elements = tuple(e.strip() for e in string_list(fields["elements"], problems, f"{owner} elements"))
        uncontained = [(e, p) for e in elements if (p := containment_problem(e))]
        if uncontained:
            problems.add(fields["elements"], f"{owner}: element '{uncontained[0][0]}': {uncontained[0][1]}")
            continue
        lacking = [k for k, e in enumerate(elements) if not _WITH_RE.search(e)]
        if lacking:
            items = fields["elements"].value if isinstance(fields["elements"], yaml.SequenceNode) else []
            problems.add(items[lacking[0]] if lacking[0] < len(items) else fields["elements"],
                         f"{owner}: element '{elements[lacking[0]]}' needs 'WITH operator' (e.g. during WITH &&)")
            continue
        deferred = _flag(fields, "initially_deferred", problems, owner, False)
        using = sql_word(fields["using"], problems, f"{owner} using") if "using" in fields else None
        exclusion = ExclusionConstraint(elements, name, using or "gist",
                                        sql_scalar(fields["where"], problems, f"{owner} where")
                                        if "where" in fields and not is_null(fields["where"]) else None,
                                        _flag(fields, "deferrable", problems, owner, False) or deferred, deferred)
        try:
            pgtypes.canonical_exclusion(exclusion.body)
        except pgexpr.Unparsable as exc:
            problems.add(key_node, f"{owner}: {exc}")
            continue
        columns = tuple(head for e in elements if _BARE_NAME_RE.match(head := _WITH_RE.split(e)[0].strip()))
        refs.append((f"exclusion {name}", columns, fields["elements"]))
        out.append(exclusion)
    return out, refs
