"""The differ's part for domains, composite types and exclusion constraints (Postgres).

Domains and composite types are matched by key; a domain gives one item per part that differs
(``type``, ``nullable``, ``default``, ``collation``, ``check NAME``), a composite type one per
attribute that is missing, extra or changed (or one saying the order differs, which only a new
type can fix). Exclusion constraints are matched by shape, then by name, as checks are.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from auditor.model import (
    Attribute, CheckConstraint, CompositeType, Domain, ExclusionConstraint, RangeType, Schema, Table, display_name)

if TYPE_CHECKING:
    from auditor.diff import DriftItem


def _item(kind: str, obj: Domain | CompositeType | RangeType | Table, name: str | None, expected: str | None,
          actual: str | None, message: str) -> DriftItem:
    from auditor.diff import DriftItem

    return DriftItem(kind, obj.schema, obj.name, name, expected, actual, message)


_UserType = Domain | CompositeType | RangeType
_MISSING = frozenset({"missing_domain", "missing_composite_type", "missing_range_type"})
_EXTRA = frozenset({"extra_domain", "extra_composite_type", "extra_range_type"})


def diff_user_types(expected: Schema, actual: Schema) -> list[DriftItem]:
    """The items of range types, domains and composite types: the missing ones first, in the order
    they can be made (each after the types it is made of: a domain over a composite type, a
    composite type with a domain's attribute), the extra ones last, in the order they can be dropped."""
    items = [*diff_range_types(expected.range_types, actual.range_types),
             *diff_domains(expected.domains, actual.domains),
             *diff_composite_types(expected.composite_types, actual.composite_types)]
    made = creation_order((*expected.range_types, *expected.domains, *expected.composite_types))
    dropped = creation_order((*actual.range_types, *actual.domains, *actual.composite_types))
    return sorted((i for i in items if i.kind in _MISSING), key=lambda i: made.get(i.table_key, 0)) + \
        [i for i in items if i.kind not in _MISSING | _EXTRA] + \
        sorted((i for i in items if i.kind in _EXTRA), key=lambda i: -dropped.get(i.table_key, 0))


def used_types(obj: _UserType) -> tuple[str, ...]:
    """The type names a user type is made of, as written (arrays as their element type)."""
    if isinstance(obj, Domain):
        used: tuple[str, ...] = (obj.type,)
    elif isinstance(obj, CompositeType):
        used = tuple(a.type for a in obj.attributes)
    else:
        used = (obj.subtype,)
    return tuple(t.split("[", 1)[0].strip() for t in used)


def creation_order(types: tuple[_UserType, ...]) -> dict[str, int]:
    """A rank per type key such that each type comes after the types it uses (a cycle, which
    Postgres refuses anyway, keeps the order given)."""
    by_name = {name: t.key for t in types for name in {t.key, t.name} if name}
    uses = {t.key: [by_name[n] for n in used_types(t) if n in by_name and by_name[n] != t.key] for t in types}
    order: dict[str, int] = {}

    def visit(key: str, path: frozenset[str]) -> None:
        if key in order or key in path:
            return
        for used in uses.get(key, []):
            visit(used, path | {key})
        order[key] = len(order)

    for t in types:
        visit(t.key, frozenset())
    return order


def describe_domain(domain: Domain) -> str:
    """``text NOT NULL DEFAULT '' COLLATE "C" CHECK (...)``, the way CREATE DOMAIN reads."""
    text = domain.type + (f' COLLATE "{domain.collation}"' if domain.collation else "")
    text += f" DEFAULT {domain.default.text}" if domain.default is not None else ""
    text += "" if domain.nullable else " NOT NULL"
    return text + "".join(f" CHECK ({c.expression.text})" for c in domain.checks)


def describe_composite(composite: CompositeType) -> str:
    """``(street text, zip text COLLATE "C")``."""
    return "(" + ", ".join(describe_attribute(a) for a in composite.attributes) + ")"


def describe_attribute(attribute: Attribute) -> str:
    """``zip text COLLATE "C"``."""
    return f"{attribute.name} {attribute.type}" + (f' COLLATE "{attribute.collation}"' if attribute.collation else "")


def diff_domains(want: tuple[Domain, ...], have: tuple[Domain, ...]) -> Iterator[DriftItem]:
    """missing_domain, domain_mismatch (one per part) and extra_domain items."""
    from auditor.diff import match_by_key

    missing, extra, both = match_by_key(want, have, lambda d: d.key)
    for d in missing:
        yield _item("missing_domain", d, None, describe_domain(d), None, f"domain {_label(d)} is missing")
    for d, live in both:
        if d != live:
            yield from _domain_parts(d, live)
    for d in extra:
        yield _item("extra_domain", d, None, None, describe_domain(d), f"domain {_label(d)} is not in the spec")


def _shown(value: object) -> str:
    return "(none)" if value is None else str(value)


def _domain_parts(want: Domain, have: Domain) -> Iterator[DriftItem]:
    label = _label(want)
    if want.type != have.type:
        yield _item("domain_mismatch", want, "type", want.type, have.type,
                    f"domain {label} has base type {have.type}, spec says {want.type}")
    if want.nullable != have.nullable:
        said = {True: "nullable", False: "NOT NULL"}
        yield _item("domain_mismatch", want, "nullable", said[want.nullable], said[have.nullable],
                    f"domain {label} is {said[have.nullable]}, spec says {said[want.nullable]}")
    for part in ("default", "collation"):
        spec_value, live_value = getattr(want, part), getattr(have, part)
        if spec_value != live_value:
            yield _item("domain_mismatch", want, part, _text(spec_value), _text(live_value),
                        f"domain {label} has {part} {_shown(live_value)}, spec says {_shown(spec_value)}")
    yield from _domain_checks(want, have)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _domain_checks(want: Domain, have: Domain) -> Iterator[DriftItem]:
    from auditor.diff import match_by_shape

    missing, extra, changed = match_by_shape(want.checks, have.checks, lambda c: c.shape, lambda c: c.name)
    label = _label(want)
    for c in missing:
        yield _item("domain_mismatch", want, _check_part(c), _check(c), None,
                    f"domain {label} lacks check {_named(c)}{_check(c)}")
    for c, live in changed:
        yield _item("domain_mismatch", want, _check_part(c), _check(c), _check(live),
                    f"check {c.name} of domain {label} is {_check(live)}, spec says {_check(c)}")
    for c in extra:
        yield _item("domain_mismatch", want, _check_part(c), None, _check(c),
                    f"domain {label} has check {_named(c)}{_check(c)}, which the spec does not")


def _check_part(check: CheckConstraint) -> str:
    return f"check {check.name}" if check.name else "check"


def _check(check: CheckConstraint) -> str:
    return f"({check.expression.text})"


def _named(check: CheckConstraint) -> str:
    return f"{check.name} " if check.name else ""


def diff_composite_types(want: tuple[CompositeType, ...], have: tuple[CompositeType, ...]) -> Iterator[DriftItem]:
    """missing_composite_type, composite_type_mismatch (one per attribute) and extra_composite_type items."""
    from auditor.diff import match_by_key

    missing, extra, both = match_by_key(want, have, lambda c: c.key)
    for c in missing:
        yield _item("missing_composite_type", c, None, describe_composite(c), None,
                    f"composite type {_label(c)} is missing")
    for c, live in both:
        if c != live:
            yield from _attributes(c, live)
    for c in extra:
        yield _item("extra_composite_type", c, None, None, describe_composite(c),
                    f"composite type {_label(c)} is not in the spec")


def in_place(want: CompositeType, have: CompositeType) -> bool:
    """Whether ALTER TYPE can make ``have`` into ``want``: the attributes both have are in the
    same order, and the new ones come after all of them (ADD ATTRIBUTE adds at the end)."""
    names = {a.name for a in have.attributes}
    kept = [a.name for a in want.attributes if a.name in names]
    spec_names = {a.name for a in want.attributes}
    return kept == [a.name for a in have.attributes if a.name in spec_names] and \
        [a.name for a in want.attributes[:len(kept)]] == kept


def _attributes(want: CompositeType, have: CompositeType) -> Iterator[DriftItem]:
    label = _label(want)
    if not in_place(want, have):
        yield _item("composite_type_mismatch", want, None, describe_composite(want), describe_composite(have),
                    f"composite type {label} is {describe_composite(have)}, spec says {describe_composite(want)} "
                    "(attributes in another order)")
        return
    live = {a.name: a for a in have.attributes}
    spec_names = {a.name for a in want.attributes}
    for a in want.attributes:
        if a.name not in live:
            yield _item("composite_type_mismatch", want, a.name, describe_attribute(a), None,
                        f"composite type {label} lacks attribute {describe_attribute(a)}")
        elif a != live[a.name]:
            now = describe_attribute(live[a.name])
            yield _item("composite_type_mismatch", want, a.name, describe_attribute(a), now,
                        f"attribute {a.name} of composite type {label} is {now}, spec says {describe_attribute(a)}")
    for a in have.attributes:
        if a.name not in spec_names:
            yield _item("composite_type_mismatch", want, a.name, None, describe_attribute(a),
                        f"composite type {label} has attribute {describe_attribute(a)}, which the spec does not")


def describe_range(range_type: RangeType) -> str:
    """``(subtype = uuid, subtype_diff = f, ...)``: the options CREATE TYPE ... AS RANGE takes."""
    options = [f"{key} = {value}" for key, value in range_options(range_type).items()]
    return "(" + ", ".join(options) + ")"


def range_options(range_type: RangeType) -> dict[str, str]:
    """The range type's options that are given (its multirange type's name where not the default)."""
    from auditor.canon import default_multirange_name

    options = {key: getattr(range_type, key) for key in ("subtype", "subtype_opclass", "collation", "canonical",
                                                         "subtype_diff", "multirange_type_name")}
    if options["multirange_type_name"] == default_multirange_name(range_type.name):
        options["multirange_type_name"] = None
    return {key: value for key, value in options.items() if value is not None}


def diff_range_types(want: tuple[RangeType, ...], have: tuple[RangeType, ...]) -> Iterator[DriftItem]:
    """missing_range_type, range_type_mismatch and extra_range_type items."""
    from auditor.diff import match_by_key

    missing, extra, both = match_by_key(want, have, lambda r: r.key)
    for r in missing:
        yield _item("missing_range_type", r, None, describe_range(r), None, f"range type {_label(r)} is missing")
    for r, live in both:
        if r != live:
            yield _item("range_type_mismatch", r, None, describe_range(r), describe_range(live),
                        f"range type {_label(r)} is {describe_range(live)}, spec says {describe_range(r)}")
    for r in extra:
        yield _item("extra_range_type", r, None, None, describe_range(r), f"range type {_label(r)} is not in the spec")


def describe_exclusion(exclusion: ExclusionConstraint) -> str:
    """``EXCLUDE USING gist (room_id WITH =, during WITH &&) WHERE (...) [DEFERRABLE ...]``."""
    return exclusion.body


def exclusion_name(table: Table, exclusion: ExclusionConstraint) -> str:
    """The constraint's name, or Postgres's default one (``table_col_excl``)."""
    return exclusion.name or f"{table.name}_excl"


def diff_exclusions(want: Table, have: Table) -> Iterator[DriftItem]:
    """missing_exclusion, exclusion_mismatch and extra_exclusion items of one table."""
    from auditor.diff import _proof, match_by_shape

    missing, extra, changed = match_by_shape(want.exclusions, have.exclusions, lambda x: x.shape, lambda x: x.name)
    label = _label(want)
    for x in missing:
        yield _item("missing_exclusion", want, exclusion_name(want, x), describe_exclusion(x), None,
                    f"exclusion constraint {exclusion_name(want, x)} on {label} is missing")
    for x, live in changed:
        proof = _proof(x.definition, live.definition) if x.definition != live.definition else ""
        yield _item("exclusion_mismatch", want, x.name, describe_exclusion(x), describe_exclusion(live),
                    f"exclusion constraint {x.name} on {label} is {describe_exclusion(live)}, "
                    f"spec says {describe_exclusion(x)}{proof}")
    for x in extra:
        yield _item("extra_exclusion", want, exclusion_name(have, x), None, describe_exclusion(x),
                    f"exclusion constraint {exclusion_name(have, x)} on {label} is not in the spec")


def _label(obj: Domain | CompositeType | RangeType | Table) -> str:
    return display_name(obj.schema, obj.name)
