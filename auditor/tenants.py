"""Schema-per-tenant databases: one spec of unqualified tables, held by every schema a glob matches.

A SaaS database often keeps one schema per customer (``tenant_0001``, ``tenant_0002``, ...), each
with the same tables. The config says which schemas are tenants (``tenant_schemas: "tenant_*"``)
and the spec describes one tenant, its tables unqualified. An audit reads every matching schema
with one set of catalog queries, splits the live schema by namespace (``split_by_schema``) and
compares each tenant with the spec moved into that tenant's namespace (``rehomed``): the spec is
loaded and made canonical once, and moving it is a cheap copy of its tables with their schema,
the foreign keys and parents that name the spec's own tables, and the serial defaults (whose
sequence is named in the tenant's schema) changed.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from auditor.canon import serial_default
from auditor.dialects import Dialect
from auditor.model import Column, CompositeType, Domain, Expr, ForeignKey, RangeType, Schema, Table, Trigger


def tenant_spec_problem(spec: Schema) -> str | None:
    """Why a spec (as loaded, before canonical form) cannot describe one tenant, if it cannot:
    its tables must be unqualified, since each tenant's are in its own schema."""
    named = [o.key for o in (*spec.tables, *spec.enums, *spec.views, *spec.sequences, *spec.functions,
                             *_user_types(spec)) if o.schema]
    if named:
        return (f"a spec for tenant_schemas names its tables without a schema, but it has {named[0]}"
                + (f" (and {len(named) - 1} more)" if len(named) > 1 else ""))
    if spec.schemas:
        return "a spec for tenant_schemas cannot list 'schemas:' (each tenant is audited in its own schema)"
    return None


def matching_schemas(schemas: tuple[str, ...], glob: str) -> tuple[str, ...]:
    """The schemas whose names match the tenant glob (fnmatch, case-sensitive), sorted."""
    return tuple(sorted(s for s in schemas if fnmatchcase(s, glob)))


def split_by_schema(live: Schema, schemas: tuple[str, ...]) -> dict[str, Schema]:
    """The live schema as one schema per namespace in ``schemas`` (each with the database-wide
    extensions left out: they are compared once for the database)."""
    kinds = ("tables", "enums", "views", "sequences", "functions", *_USER_TYPE_KINDS)
    parts: dict[str, dict[str, list[object]]] = {s: {kind: [] for kind in kinds} for s in schemas}
    for kind in kinds:
        for obj in getattr(live, kind):
            if obj.schema in parts:
                parts[obj.schema][kind].append(obj)
    return {s: Schema(tables=tuple(p["tables"]), enums=tuple(p["enums"]),  # type: ignore[arg-type]
                      views=tuple(p["views"]), sequences=tuple(p["sequences"]),  # type: ignore[arg-type]
                      functions=tuple(p["functions"]), schemas=(s,),  # type: ignore[arg-type]
                      **{kind: tuple(p[kind]) for kind in _USER_TYPE_KINDS})  # type: ignore[arg-type]
            for s, p in parts.items()}


# Domains, composite and range types: each tenant has its own, and what is typed with them follows.
_USER_TYPE_KINDS = ("domains", "composite_types", "range_types")


def _user_types(spec: Schema) -> tuple[Domain | CompositeType | RangeType, ...]:
    return (*spec.domains, *spec.composite_types, *spec.range_types)


@dataclass(frozen=True)
class TenantTemplate:
    """A canonical tenant spec, prepared once to be moved into any number of tenant schemas."""

    spec: Schema
    keys: frozenset[str]  # its tables' keys, in the dialect's default schema
    relations: frozenset[str]  # the names of its tables and views (a view may select from them)
    enums: frozenset[str]  # and the names of its domains, composite and range types
    # Per table key, the columns that name the schema: serials (their default names a sequence
    # in it) and enum-typed columns (the type is the tenant's own).
    homed_columns: dict[str, frozenset[str]]


def tenant_template(spec: Schema, dialect: Dialect) -> TenantTemplate:
    """The canonical spec (its tables in the dialect's default schema) ready for ``rehomed``."""
    home = dialect.default_schema or ""
    enums = frozenset(e.name for e in (*spec.enums, *_user_types(spec)))

    def homed(table: Table, column: Column) -> bool:
        serial = column.default is not None and column.default == serial_default(table.name, column.name, home, dialect)
        return serial or _base_type(column.type) in enums

    columns = {t.key: frozenset(c.name for c in t.columns if homed(t, c)) for t in spec.tables}
    return TenantTemplate(spec, frozenset(t.key for t in spec.tables),
                          frozenset(o.name for o in (*spec.tables, *spec.views)), enums,
                          {k: v for k, v in columns.items() if v})


def rehomed(template: TenantTemplate, tenant: str, dialect: Dialect) -> Schema:
    """The tenant spec with everything in schema ``tenant``: its tables, enums, views and
    sequences, and what names the spec's own objects (foreign keys, partition and inheritance
    parents, serial sequences, enum types, the tables a view selects from). Extensions are the
    database's, compared once, not per tenant."""
    spec = template.spec
    home = _Home(template, tenant, dialect)

    def table(t: Table) -> Table:
        changes: dict[str, object] = {"schema": tenant}
        if t.foreign_keys:
            changes["foreign_keys"] = tuple(_fk(fk, home.key(fk.ref_table)) for fk in t.foreign_keys)
        if t.partition_of:
            changes["partition_of"] = home.key(t.partition_of)
        if t.inherits:
            changes["inherits"] = tuple(map(home.key, t.inherits))
        if t.triggers or t.policies:
            changes["triggers"] = tuple(map(home.trigger, t.triggers))
            changes["policies"] = tuple(replace(p, using=home.expr(p.using), with_check=home.expr(p.with_check))
                                        for p in t.policies)
        homed = template.homed_columns.get(t.key)
        if homed:
            changes["columns"] = tuple(home.column(t, c) if c.name in homed else c for c in t.columns)
        return replace(t, **changes)

    return replace(spec, tables=tuple(map(table, spec.tables)),
                   enums=tuple(replace(e, schema=tenant) for e in spec.enums),
                   views=tuple(replace(v, schema=tenant, definition=home.expr(v.definition) or v.definition)
                               for v in spec.views),
                   sequences=tuple(replace(s, schema=tenant, owned_by=_rehomed_owner(s.owned_by, s.schema, tenant))
                                   for s in spec.sequences),
                   functions=tuple(replace(f, schema=tenant) for f in spec.functions),
                   domains=tuple(replace(d, schema=tenant, type=home.type(d.type)) for d in spec.domains),
                   composite_types=tuple(replace(c, schema=tenant, attributes=tuple(
                       replace(a, type=home.type(a.type)) for a in c.attributes)) for c in spec.composite_types),
                   range_types=tuple(replace(r, schema=tenant, subtype=home.type(r.subtype)) for r in spec.range_types),
                   schemas=(tenant,), extensions=None)


@dataclass(frozen=True)
class _Home:
    """How the spec's names read in one tenant's schema."""

    template: TenantTemplate
    tenant: str
    dialect: Dialect

    def key(self, table_key: str) -> str:
        """A table key of the spec's, in the tenant; another table's as it is (a shared one)."""
        return f"{self.tenant}.{table_key.split('.', 1)[1]}" if table_key in self.template.keys else table_key

    def column(self, table: Table, column: Column) -> Column:
        """A serial or enum-typed column as the tenant's schema has it."""
        if _base_type(column.type) in self.template.enums:
            return replace(column, type=self.type(column.type), default=self.expr(column.default))
        return replace(column, default=serial_default(table.name, column.name, self.tenant, self.dialect))

    def trigger(self, trigger: Trigger) -> Trigger:
        """A trigger on the tenant's table, executing the tenant's copy of a spec function (and, a
        constraint trigger, FROM the tenant's copy of a spec table)."""
        from auditor.dialects.triggers import rehomed_sql

        default = f"{self.dialect.default_schema}."
        functions = frozenset(f.name for f in self.template.spec.functions)

        def own(name: str | None, names: frozenset[str]) -> str | None:
            bare = name[len(default):] if name and name.startswith(default) else None
            return f"{self.tenant}.{bare}" if bare in names else name

        return replace(trigger, function=own(trigger.function, functions) or "",
                       from_table=own(trigger.from_table, self.template.relations),
                       sql=rehomed_sql(trigger.sql, self.dialect.quote(self.tenant), self.template.relations, functions))

    def type(self, type_: str) -> str:
        """A type as the tenant's schema has it: one of the spec's own types qualified with it."""
        return f"{self.dialect.quote(self.tenant)}.{type_}" if _base_type(type_) in self.template.enums else type_

    def expr(self, expr: Expr | None) -> Expr | None:
        """An expression (a view's query, an enum default) naming the tenant's tables and types."""
        if expr is None or not (self.dialect.parse_tree_expressions and expr.proven):
            return expr
        from auditor.dialects import pgexpr  # engines with schemas parse their SQL (Postgres)

        quoted = self.dialect.quote(self.tenant)
        canon = pgexpr.rehomed(expr.canon, self.tenant, self.template.relations, self.template.enums, quoted)
        text = pgexpr.qualified_text(expr.text, quoted, self.template.relations, self.template.enums)
        return replace(expr, text=text, canon=canon, loose=pgexpr.loosened(canon))


def _base_type(type_: str) -> str:
    return type_.split("[", 1)[0]


def _rehomed_owner(owner: str | None, home: str | None, tenant: str) -> str | None:
    """A sequence's owning column (``schema.table.column``) in the tenant's copy of its table."""
    if owner is None or home is None or not owner.startswith(f"{home}."):
        return owner
    return f"{tenant}.{owner[len(home) + 1:]}"


def _fk(fk: ForeignKey, ref_table: str) -> ForeignKey:
    return fk if ref_table == fk.ref_table else replace(fk, ref_table=ref_table)


def database_wide(spec: Schema, live: Schema) -> tuple[Schema, Schema]:
    """(expected, actual) of what a tenant database holds once, not per tenant: its extensions.
    Both manage no schema, so that reading them again (after apply) reads no table."""
    return (Schema(extensions=spec.extensions, extension_schemas=spec.extension_schemas, schemas=(),
                   ignore=spec.ignore, version=spec.version),
            Schema(extensions=live.extensions, extension_schemas=live.extension_schemas, schemas=()))
