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
from auditor.model import Column, ForeignKey, Schema, Table


def tenant_spec_problem(spec: Schema) -> str | None:
    """Why a spec (as loaded, before canonical form) cannot describe one tenant, if it cannot:
    its tables must be unqualified, since each tenant's are in its own schema."""
    named = [o.key for o in (*spec.tables, *spec.enums, *spec.views, *spec.sequences) if o.schema]
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
    parts: dict[str, dict[str, list[object]]] = {s: {"tables": [], "enums": [], "views": [], "sequences": []}
                                                 for s in schemas}
    for kind in ("tables", "enums", "views", "sequences"):
        for obj in getattr(live, kind):
            if obj.schema in parts:
                parts[obj.schema][kind].append(obj)
    return {s: Schema(tables=tuple(p["tables"]), enums=tuple(p["enums"]),  # type: ignore[arg-type]
                      views=tuple(p["views"]), sequences=tuple(p["sequences"]),  # type: ignore[arg-type]
                      schemas=(s,))
            for s, p in parts.items()}


@dataclass(frozen=True)
class TenantTemplate:
    """A canonical tenant spec, prepared once to be moved into any number of tenant schemas."""

    spec: Schema
    home: str
    keys: frozenset[str]
    # Per table key, the names of its serial columns (their default names a sequence in the schema).
    serials: dict[str, frozenset[str]]


def tenant_template(spec: Schema, dialect: Dialect) -> TenantTemplate:
    """The canonical spec (its tables in the dialect's default schema) ready for ``rehomed``."""
    home = dialect.default_schema or ""
    serials = {t.key: frozenset(c.name for c in t.columns
                                if c.default is not None and c.default == serial_default(t.name, c.name, home, dialect))
               for t in spec.tables}
    return TenantTemplate(spec, home, frozenset(t.key for t in spec.tables),
                          {k: v for k, v in serials.items() if v})


def rehomed(template: TenantTemplate, tenant: str, dialect: Dialect) -> Schema:
    """The tenant spec with everything in schema ``tenant``: its tables, enums, views and
    sequences, and what names the spec's own tables (foreign keys, partition parents,
    inheritance parents). Extensions are the database's, compared once, not per tenant."""
    spec = template.spec

    def key(table_key: str) -> str:
        return f"{tenant}.{table_key.split('.', 1)[1]}" if table_key in template.keys else table_key

    def table(t: Table) -> Table:
        changes: dict[str, object] = {"schema": tenant}
        if t.foreign_keys:
            changes["foreign_keys"] = tuple(_fk(fk, key(fk.ref_table)) for fk in t.foreign_keys)
        if t.partition_of:
            changes["partition_of"] = key(t.partition_of)
        if t.inherits:
            changes["inherits"] = tuple(map(key, t.inherits))
        serial = template.serials.get(t.key)
        if serial:
            changes["columns"] = tuple(_serial(c, t.name, tenant, dialect) if c.name in serial else c
                                       for c in t.columns)
        return replace(t, **changes)

    return replace(spec, tables=tuple(map(table, spec.tables)),
                   enums=tuple(replace(e, schema=tenant) for e in spec.enums),
                   views=tuple(replace(v, schema=tenant) for v in spec.views),
                   sequences=tuple(replace(s, schema=tenant) for s in spec.sequences),
                   schemas=(tenant,), extensions=None)


def _fk(fk: ForeignKey, ref_table: str) -> ForeignKey:
    return fk if ref_table == fk.ref_table else replace(fk, ref_table=ref_table)


def _serial(column: Column, table: str, tenant: str, dialect: Dialect) -> Column:
    return replace(column, default=serial_default(table, column.name, tenant, dialect))


def database_wide(spec: Schema, live: Schema) -> tuple[Schema, Schema]:
    """(expected, actual) of what a tenant database holds once, not per tenant: its extensions.
    Both manage no schema, so that reading them again (after apply) reads no table."""
    return (Schema(extensions=spec.extensions, schemas=(), ignore=spec.ignore, version=spec.version),
            Schema(extensions=live.extensions, schemas=()))
