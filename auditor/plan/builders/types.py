"""Builders for domains, composite types and exclusion constraints (Postgres).

Domains and composite types are made in ``create_types``, before the tables whose columns use
them, and dropped in ``drop_types``, after those tables and columns went (Postgres refuses to
drop a type a column still uses). What ALTER DOMAIN and ALTER TYPE cannot change in place (a
domain's base type or collation, the order of a composite type's attributes) is a manual step.
Exclusion constraints are added in ``add_constraints`` (guarded: Postgres has no ADD CONSTRAINT IF
NOT EXISTS) and dropped in ``drop_constraints``; a table the plan creates has them inline.
"""
from __future__ import annotations

import hashlib
import re

from auditor.canon import default_sql, render_type
from auditor.diff import DriftItem
from auditor.dialects import Dialect
from auditor.difftypes import exclusion_name, range_options
from auditor.model import Attribute, CheckConstraint, CompositeType, Domain, ExclusionConstraint, RangeType, Schema
from auditor.plan.builders.objects import create_schema
from auditor.plan.hazard_table import hazards_of
from auditor.plan.model import Context, Statement, drop_then_add, manual
from auditor.plan.sql import add_constraint, do_block, do_if, drop_constraint, literal, qualified_sql


_Type = Domain | CompositeType | RangeType


def _the(objects: tuple[_Type, ...], item: DriftItem) -> _Type:
    return next(o for o in objects if o.key == item.table_key)


def _create(item: DriftItem, obj: _Type, sql: str, kind: str, ctx: Context) -> list[Statement]:
    # No CREATE DOMAIN / TYPE IF NOT EXISTS: a second run meets duplicate_object and does nothing.
    block = do_block(f"BEGIN\n  {sql};\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND")
    return create_schema(item, obj.schema, ctx.dialect) + [Statement(block, item, _phase(obj, ctx.expected),
                                                                     hazards_of(kind))]


def _phase(obj: _Type, expected: Schema) -> str:
    """``create_types``, before the tables; but a type made of a table's or view's row type
    (``CREATE DOMAIN d AS projects``) is made once the tables are, after them."""
    from auditor.difftypes import used_types

    relations = {name for rel in (*expected.tables, *expected.views) for name in (rel.key, rel.name)}
    return "create_tables" if relations.intersection(used_types(obj)) else "create_types"


def types_made_after_tables(expected: Schema) -> set[str]:
    """The names (``name`` and ``schema.name``) of the spec's types made of a table's row type:
    what takes them (a function) waits for the tables too."""
    return {name for t in (*expected.domains, *expected.composite_types, *expected.range_types)
            if _phase(t, expected) == "create_tables" for name in (t.key, t.name)}


def check_name_of(domain: Domain, check: CheckConstraint) -> str:
    """A check's name, or a stable one for a check the spec left unnamed."""
    text = " ".join(check.expression.text.lower().split())
    return check.name or f"{domain.name}_check_{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def _type_sql(type_: str, collation: str | None, dialect: Dialect) -> str:
    return render_type(type_, dialect) + (f" COLLATE {dialect.quote_collation(collation)}" if collation else "")


def _calls_spec_function(text: str, expected: Schema) -> bool:
    """Whether an expression calls one of the spec's functions (made after the types)."""
    return any(re.search(rf"\b{re.escape(f.name)}\s*\(", text, re.I) for f in expected.functions)


def missing_domain(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE DOMAIN with its collation, default, NOT NULL and checks, once. A default or check
    that calls one of the spec's functions is added once the functions exist (types come first:
    functions may take the domain)."""
    domain, dialect = _the(ctx.expected.domains, item), ctx.dialect
    assert isinstance(domain, Domain)
    later_default = domain.default is not None and _calls_spec_function(domain.default.text, ctx.expected)
    later = [c for c in domain.checks if _calls_spec_function(c.expression.text, ctx.expected)]
    name = qualified_sql(domain, dialect)
    sql = f"CREATE DOMAIN {name} AS {_type_sql(domain.type, domain.collation, dialect)}"
    if domain.default is not None and not later_default:
        sql += f" DEFAULT {default_sql(domain.default, dialect)}"
    sql += "" if domain.nullable else " NOT NULL"
    sql += "".join(f" CONSTRAINT {dialect.quote(check_name_of(domain, c))} CHECK ({c.expression.text})"
                   for c in domain.checks if c not in later)
    out = _create(item, domain, sql, "create_domain", ctx)
    if later_default:
        assert domain.default is not None
        out.append(Statement(f"ALTER DOMAIN {name} SET DEFAULT {default_sql(domain.default, dialect)}", item,
                             "alter_columns", hazards_of("domain_default")))
    return out + [Statement(_guarded_check(domain, c, dialect, ""), item, "add_constraints",
                            hazards_of("add_domain_check")) for c in later]


def _drop(item: DriftItem, obj: _Type, ctx: Context) -> list[Statement]:
    """DROP DOMAIN or DROP TYPE, in ``drop_types``: once the columns and functions that used it are gone."""
    word, kind = ("DOMAIN", "drop_domain") if isinstance(obj, Domain) else \
        ("TYPE", "drop_composite_type" if isinstance(obj, CompositeType) else "drop_range_type")
    return [Statement(f"DROP {word} IF EXISTS {qualified_sql(obj, ctx.dialect)}", item, "drop_types",
                      hazards_of(kind))]


def extra_domain(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP DOMAIN."""
    return _drop(item, _the(ctx.actual.domains, item), ctx)


def domain_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """ALTER DOMAIN for the part the item names; a base type or collation change is manual."""
    want, have = _the(ctx.expected.domains, item), _the(ctx.actual.domains, item)
    assert isinstance(want, Domain) and isinstance(have, Domain)
    name, dialect = qualified_sql(want, ctx.dialect), ctx.dialect
    if item.name in ("type", "collation"):
        return [manual(item, "create_types", f"ALTER DOMAIN cannot change a domain's {item.name}: create a new "
                                             "domain and move the columns to it")]
    if item.name == "nullable":
        kind = "domain_drop_not_null" if want.nullable else "domain_set_not_null"
        sql = f"ALTER DOMAIN {name} {'DROP' if want.nullable else 'SET'} NOT NULL"
        return [Statement(sql, item, "alter_columns", hazards_of(kind))]
    if item.name == "default":
        sql = f"ALTER DOMAIN {name} " + (f"SET DEFAULT {default_sql(want.default, dialect)}"
                                         if want.default is not None else "DROP DEFAULT")
        return [Statement(sql, item, "alter_columns", hazards_of("domain_default"))]
    drop = [_drop_check(item, have, dialect)] if item.actual is not None else []
    add = _add_check(item, want, ctx) if item.expected is not None else []
    return drop_then_add(drop, add) if drop and add else drop + add


def _check_of(domain: Domain, text: str | None) -> CheckConstraint:
    return next(c for c in domain.checks if f"({c.expression.text})" == text)


def _drop_check(item: DriftItem, domain: Domain, dialect: Dialect) -> Statement:
    check = _check_of(domain, item.actual)
    name = dialect.quote(check_name_of(domain, check))
    sql = f"ALTER DOMAIN {qualified_sql(domain, dialect)} DROP CONSTRAINT IF EXISTS {name}"
    return Statement(sql, item, "drop_constraints", hazards_of("drop_domain_check"))


def _add_check(item: DriftItem, domain: Domain, ctx: Context) -> list[Statement]:
    """ADD CONSTRAINT ... NOT VALID (guarded), then VALIDATE in a transaction of its own, as a
    table's check is; where a composite type holds the domain, Postgres validates no values of it
    (it refuses while a column has that type), so that step is manual."""
    check, dialect = _check_of(domain, item.expected), ctx.dialect
    name, domain_sql = check_name_of(domain, check), qualified_sql(domain, dialect)
    add = _guarded_check(domain, check, dialect, " NOT VALID")
    validate = f"ALTER DOMAIN {domain_sql} VALIDATE CONSTRAINT {dialect.quote(name)}"
    holders = [c.name for c in ctx.expected.composite_types
               if any(a.type.split("[")[0].split(".")[-1].strip('"') == domain.name for a in c.attributes)]
    second = manual(item, "validate", f"the check is left NOT VALID: Postgres cannot validate domain {domain.name} "
                                      f"while composite type {holders[0]} holds it") if holders else \
        Statement(validate, item, "validate", hazards_of("validate_constraint"), own_transaction=True)
    return [Statement(add, item, "add_constraints", hazards_of("add_domain_check_not_valid")), second]


def _guarded_check(domain: Domain, check: CheckConstraint, dialect: Dialect, suffix: str) -> str:
    """ALTER DOMAIN ... ADD CONSTRAINT ... CHECK, in a DO block that skips it once it exists."""
    name, domain_sql = check_name_of(domain, check), qualified_sql(domain, dialect)
    absent = (f"NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = {literal(name)}"
              f" AND contypid = {literal(domain_sql)}::regtype)")
    return do_if(absent, [f"ALTER DOMAIN {domain_sql} ADD CONSTRAINT {dialect.quote(name)} "
                          f"CHECK ({check.expression.text}){suffix}"])


def _attribute_sql(attribute: Attribute, dialect: Dialect) -> str:
    return f"{dialect.quote(attribute.name)} {_type_sql(attribute.type, attribute.collation, dialect)}"


def missing_composite_type(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE TYPE ... AS (attributes), once."""
    composite, dialect = _the(ctx.expected.composite_types, item), ctx.dialect
    assert isinstance(composite, CompositeType)
    attributes = ", ".join(_attribute_sql(a, dialect) for a in composite.attributes)
    return _create(item, composite, f"CREATE TYPE {qualified_sql(composite, dialect)} AS ({attributes})",
                   "create_composite_type", ctx)


def extra_composite_type(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP TYPE."""
    return _drop(item, _the(ctx.actual.composite_types, item), ctx)


def composite_type_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """ADD ATTRIBUTE (at the end, guarded), DROP ATTRIBUTE or ALTER ATTRIBUTE ... TYPE; another
    order of attributes is manual."""
    want, dialect = _the(ctx.expected.composite_types, item), ctx.dialect
    assert isinstance(want, CompositeType)
    if item.name is None:
        return [manual(item, "create_types", "ALTER TYPE cannot reorder a composite type's attributes: create a "
                                             "new type and move its users to it")]
    type_sql = f"ALTER TYPE {qualified_sql(want, dialect)}"
    attribute = next((a for a in want.attributes if a.name == item.name), None)
    if attribute is None:
        sql = f"{type_sql} DROP ATTRIBUTE IF EXISTS {dialect.quote(item.name)}"
        return [Statement(sql, item, "create_types", hazards_of("drop_attribute"))]
    if item.actual is None:
        absent = (f"NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = (SELECT typrelid FROM pg_type WHERE oid = "
                  f"{literal(qualified_sql(want, dialect))}::regtype) AND attname = {literal(attribute.name)}"
                  " AND NOT attisdropped)")
        sql = do_if(absent, [f"{type_sql} ADD ATTRIBUTE {_attribute_sql(attribute, dialect)}"])
        return [Statement(sql, item, "create_types", hazards_of("add_attribute"))]
    # Postgres refuses it while a table's column has the type, and says which.
    sql = f"{type_sql} ALTER ATTRIBUTE {dialect.quote(attribute.name)} TYPE " \
          f"{_type_sql(attribute.type, attribute.collation, dialect)}"
    return [Statement(sql, item, "create_types", hazards_of("alter_attribute_type"))]


def missing_range_type(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE TYPE ... AS RANGE with its options, once."""
    range_type, dialect = _the(ctx.expected.range_types, item), ctx.dialect
    assert isinstance(range_type, RangeType)
    options = range_options(range_type)
    # A multirange type's name without a schema is the range type's own (the search path's, else).
    multirange = (range_type.multirange_type_name or "").split(".")
    spelled = {"subtype": render_type(range_type.subtype, dialect),
               "collation": dialect.quote_collation(range_type.collation or ""),
               "multirange_type_name": dialect.qualified(*(multirange if len(multirange) == 2
                                                           else [range_type.schema, multirange[0]]))}
    body = ", ".join(f"{key} = {spelled.get(key, value)}" for key, value in options.items())
    return _create(item, range_type, f"CREATE TYPE {qualified_sql(range_type, dialect)} AS RANGE ({body})",
                   "create_range_type", ctx)


def extra_range_type(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP TYPE (and its multirange type with it)."""
    return _drop(item, _the(ctx.actual.range_types, item), ctx)


def range_type_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """Manual: ALTER TYPE cannot change a range type's options."""
    return [manual(item, "create_types", "ALTER TYPE cannot change a range type's subtype or options: create a new "
                                         "type and move the columns to it")]


def _exclusion_of(ctx: Context, name: str | None, live: bool) -> ExclusionConstraint:
    table = ctx.have if live else ctx.want
    assert table is not None
    return next(x for x in table.exclusions if exclusion_name(table, x) == name)


def missing_exclusion(item: DriftItem, ctx: Context) -> list[Statement]:
    """ADD CONSTRAINT ... EXCLUDE, guarded: its index is built under an ACCESS EXCLUSIVE lock, and
    rows that conflict already make it fail."""
    assert ctx.want is not None
    exclusion = _exclusion_of(ctx, item.name, False)
    sql = add_constraint(ctx.want, exclusion_name(ctx.want, exclusion), exclusion.body, ctx.dialect)
    return [Statement(sql, item, "add_constraints", hazards_of("add_exclusion"))]


def extra_exclusion(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP CONSTRAINT IF EXISTS (and its index with it)."""
    assert ctx.have is not None and item.name is not None
    return [Statement(drop_constraint(ctx.have, item.name, ctx.dialect), item, "drop_constraints",
                      hazards_of("drop_exclusion"))]


def exclusion_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """The constraint dropped and added again as the spec has it."""
    return drop_then_add(extra_exclusion(item, ctx), missing_exclusion(item, ctx))

