"""Snapshot: a canonical schema written back as a spec, in the short forms a person would use.

The output loads into the same model it was written from (the round-trip property the tests
check on both engines): auditing the source database against it is clean, and applying it to an
empty database rebuilds the same structure.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import yaml

from auditor.canon import normalize_sequence, serial_shorthand
from auditor.database import dialect_of, parse_url
from auditor.dialects import POSTGRESQL, SQLITE, Dialect
from auditor.dialects.unaudited import count_unaudited, counts_text
from auditor.diff import check_name, default_fk_name, fk_name, unique_name
from auditor.difftypes import exclusion_name, range_options
from auditor.errors import ConnectError
from auditor.inspect import read_live_schema, read_target, user_schemas
from auditor.model import (
    CheckConstraint,
    Column,
    CompositeType,
    Domain,
    ExclusionConstraint,
    ForeignKey,
    Grant,
    Index,
    Policy,
    Privileges,
    RangeType,
    Schema,
    Sequence,
    Table,
    UniqueConstraint,
    View,
)
from auditor.partitions import is_child, own_parts, parents_of
from auditor.sources import load_source
from auditor.target import DB, ExpectedSource, Target, VersionSource
from auditor.versioning import read_recorded


def snapshot_target(target: Target, schemas: tuple[str, ...] = ()) -> tuple[str, dict[str, int]]:
    """The spec of a live database (read-only): its named schemas, or every schema of its own
    (``inspect.user_schemas``), the version it records when ``target.version`` says how to read
    it, and its grants and owners when ``target.privileges``; and the count per kind of the
    objects it leaves out (``dialects.unaudited``: a database rebuilt from it lacks them), which
    its header also says."""
    dialect = dialect_of(parse_url(target.url))

    def read(conn: Any, d: Dialect) -> tuple[Schema, dict[str, int]]:
        names = schemas or user_schemas(conn, d)
        live = replace(read_live_schema(conn, d, names, bool(target.privileges)), schemas=names or None)
        left_out = count_unaudited(conn, d, names)
        if target.version is None:
            return live, left_out
        recorded = read_recorded(conn, d, target.version)
        if recorded.error:
            raise ConnectError(f"{target.name}: {recorded.error}", "check the --version-* options")
        return replace(live, version=recorded.text), left_out

    schema, left_out = read_target(target, read)
    header = f"Written by schema-auditor snapshot from {target.name} ({dialect.name})."
    if left_out:
        header += f"\nNot in it (schema-auditor does not model them): {counts_text(left_out)}."
    return write_spec(schema, dialect, header), left_out


def snapshot_source(source: ExpectedSource, version: VersionSource | None = None) -> str:
    """The spec of a reference database or of the schema a DDL file creates (in a scratch
    database: Postgres on ``source.dev_url`` when given, else in-memory SQLite)."""
    if source.kind == DB:
        dialect = dialect_of(parse_url(source.location))
    else:
        dialect = POSTGRESQL if source.dev_url else SQLITE
    header = f"Written by schema-auditor snapshot from {source.label} ({dialect.name})."
    schema = load_source(source, dialect, version)
    if version is not None and schema.version is None:
        raise ConnectError(f"{source.label}: no recorded version could be read",
                           "check the --version-* options and that the source fills its version table")
    return write_spec(schema, dialect, header)


def _extensions(schema: Schema, dialect: Dialect) -> list[object]:
    """Each extension's name; with its schema where that is not the default one (a bare name
    matches the extension in any schema)."""
    schemas = dict(schema.extension_schemas)
    return [name if schemas.get(name, dialect.default_schema) == dialect.default_schema
            else {"name": name, "schema": schemas[name]} for name in schema.extensions or ()]


def write_spec(schema: Schema, dialect: Dialect, header: str = "") -> str:
    """The spec (YAML text) describing ``schema``, a canonical schema of ``dialect``."""
    doc: dict[str, Any] = {}
    if schema.version is not None:
        doc["version"] = int(schema.version) if schema.version.isdigit() else schema.version
    if schema.schemas:
        doc["schemas"] = list(schema.schemas)
    if schema.extensions:
        doc["extensions"] = _extensions(schema, dialect)
    if schema.enums:
        doc["enums"] = {_key(e.schema, e.name, dialect): list(e.values) for e in schema.enums}
    if schema.range_types:
        doc["range_types"] = {_key(r.schema, r.name, dialect): _range(r) for r in schema.range_types}
    if schema.domains:
        doc["domains"] = {_key(d.schema, d.name, dialect): _domain(d) for d in schema.domains}
    if schema.composite_types:
        doc["composite_types"] = {_key(c.schema, c.name, dialect): _composite(c) for c in schema.composite_types}
    if schema.sequences:
        doc["sequences"] = {_key(s.schema, s.name, dialect): _sequence(s, dialect) for s in schema.sequences}
    if schema.views:
        doc["views"] = {_key(v.schema, v.name, dialect): _view(v) for v in schema.views}
    tables = schema.table_map()
    if schema.functions:
        doc["functions"] = [_Block(f.sql.strip() + "\n") for f in sorted(schema.functions, key=lambda f: f.key)]
    sequences = frozenset(s.key for s in schema.sequences)
    doc["tables"] = {_key(t.schema, t.name, dialect): _child(t, tables, dialect) if is_child(t)
                     else _table(t, dialect, sequences)
                     for t in schema.tables}
    if schema.privileges is not None:
        doc.update(privileges_doc(schema, schema.privileges, dialect))
    # Flow style for collections of scalars only: a column reads {type: text, nullable: false}.
    text = yaml.dump(doc, Dumper=_Dumper, default_flow_style=None, sort_keys=False, allow_unicode=True, width=120)
    return "".join(f"# {line}\n" for line in header.splitlines()) + text


def privileges_doc(schema: Schema, privileges: Privileges, dialect: Dialect) -> dict[str, Any]:
    """``privileges``, ``owner`` (the most common one), ``owners`` (the others, and the schemas')
    and ``grants``: GRANT statements for what the spec's objects and schemas hold beyond the
    defaults, REVOKE statements for defaults they lack."""
    from collections import Counter

    from auditor.specgrants import column_sequences, spec_objects

    objects = set(spec_objects(schema))
    managed = {("schema", name) for name in schema.schemas or ()}
    owners = {(o.kind, o.object): o.role for o in privileges.owners if (o.kind, o.object) in objects | managed}
    common = Counter(role for target, role in owners.items() if target in objects).most_common(1)
    owner = common[0][0] if common else None
    doc: dict[str, Any] = {"privileges": True, **({"owner": owner} if owner else {})}
    others = {f"{kind} {_owned_name(kind, key, schema, dialect)}": role for (kind, key), role in owners.items()
              if role != owner or kind == "schema"}
    if others:
        doc["owners"] = others
    sequences = {("sequence", key) for key in column_sequences(schema)}
    grants = [g for g in privileges.grants if (g.kind, g.object) in objects | managed | sequences
              and g.grantee != owners.get((g.kind, g.object))]
    statements = _grant_statements(grants, schema, dialect) + _revoked_defaults(privileges, grants, schema, dialect)
    if statements:
        doc["grants"] = _BlockList(statements)
    return doc


def _owned_name(kind: str, key: str, schema: Schema, dialect: Dialect) -> str:
    """An object as an ``owners:`` key names it after its kind (functions with SQL argument types)."""
    from auditor.plan.builders.grants import object_sql

    return object_sql(kind, key, (schema,), dialect)


def _grant_statements(grants: list[Grant], schema: Schema, dialect: Dialect) -> list[str]:
    """One GRANT per object, column set, role and grant option, its privileges together."""
    from auditor.dialects.pgprivileges import grant_sql

    grouped: dict[tuple[Any, ...], list[Grant]] = {}
    for g in grants:
        grouped.setdefault((g.kind, g.object, g.column, g.grantee, g.grantable), []).append(g)
    out = []
    for (kind, key, _, _, _), same in grouped.items():
        text = grant_sql(same[0], _owned_name(kind, key, schema, dialect), dialect)
        privileges = ", ".join(sorted(g.privilege for g in same))
        out.append(text.replace(f"GRANT {same[0].privilege}", f"GRANT {privileges}", 1))
    return out


def _revoked_defaults(privileges: Privileges, grants: list[Grant], schema: Schema, dialect: Dialect) -> list[str]:
    """REVOKE of what objects hold when made but these do not hold (PUBLIC's EXECUTE)."""
    from auditor.dialects.pgprivileges import grant_sql
    from auditor.specgrants import default_privileges

    held = {g.key for g in grants}
    return [grant_sql(g, _owned_name(g.kind, g.object, schema, dialect), dialect, revoke=True)
            for g in default_privileges(schema).defaults if g.key not in held]


class _Block(str):
    """A text written as a YAML block scalar (``|``): a function's statement, line for line."""


class _Dumper(yaml.SafeDumper):
    """The safe dumper, with block scalars for ``_Block`` texts (where YAML can hold them so:
    PyYAML falls back to a quoted string for, say, trailing spaces)."""


class _BlockMapping(dict):  # type: ignore[type-arg]
    """A mapping written in block style, one entry a line: a table's triggers (long statements)."""


class _BlockList(list):  # type: ignore[type-arg]
    """A list written in block style, one entry a line: GRANT statements."""


_Dumper.add_representer(_BlockList, lambda dumper, value: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", value, flow_style=False))
_Dumper.add_representer(_BlockMapping, lambda dumper, value: dumper.represent_mapping(
    "tag:yaml.org,2002:map", value.items(), flow_style=False))
_Dumper.add_representer(_Block, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", str(text),
                                                                               style="|"))


def _key(schema: str | None, name: str, dialect: Dialect) -> str:
    return _part(name) if schema in (None, dialect.default_schema) else f"{_part(schema)}.{_part(name)}"


def _part(name: str) -> str:
    """A key's part, double-quoted where a dot in it (or quotes around it) would be misread."""
    misread = "." in name or (name.startswith('"') and name.endswith('"') and len(name) > 1)
    return '"' + name.replace('"', '""') + '"' if misread else name


def _ref(table_key: str, dialect: Dialect) -> str:
    schema, _, name = table_key.rpartition(".")
    return _key(schema or None, name, dialect)


def _child(table: Table, tables: dict[str, Table], dialect: Dialect) -> dict[str, Any]:
    """A partition or inheritance child: its parents and bounds, and only what it has beyond what
    its parents give it (``partitions.with_parents_parts`` fills in the rest)."""
    parents = [tables[key] for key in parents_of(table) if key in tables]
    own = own_parts(table, parents) if len(parents) == len(parents_of(table)) else table
    body: dict[str, Any] = {}
    if table.partition_of:
        body["partition_of"] = _ref(table.partition_of, dialect)
    if table.inherits:
        body["inherits"] = [_ref(key, dialect) for key in table.inherits]
    if table.for_values:
        body["for_values"] = table.for_values.text
    body.update(_table(own, dialect))
    if not own.columns:
        body.pop("columns", None)
    return body


def _partitioning(table: Table, dialect: Dialect) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if table.partition_by:
        body["partition_by"] = table.partition_by.text
    if table.partitions:
        body["partitions"] = {"pattern": list(table.partitions)}
    return body


def _table(table: Table, dialect: Dialect, sequences: frozenset[str] = frozenset()) -> dict[str, Any]:
    pk = table.primary_key.columns if table.primary_key else ()
    names = {c.name for c in table.columns}  # a child's are its own only: its keys may name others
    single_uniques = {u.columns[0] for u in table.unique_constraints
                      if len(u.columns) == 1 and u.name in (None, unique_name(table, u.columns))
                      and u.shape == UniqueConstraint(u.columns).shape and u.columns[0] in names}
    column_fks = {fk.columns[0]: fk for fk in table.foreign_keys if _short_reference(table, fk)}
    body: dict[str, Any] = _partitioning(table, dialect)
    body.update({kind: True for kind in ("without_rowid", "strict") if getattr(table, kind)})  # SQLite table kinds
    if table.comment is not None:
        body["comment"] = table.comment
    short_pk = len(pk) == 1 and table.primary_key is not None and not table.primary_key.deferrable \
        and table.primary_key.name in (None, f"{table.name}_pkey") and pk[0] in names
    body["columns"] = {c.name: _column(c, table, short_pk and c.name in pk, c.name in single_uniques,
                                       column_fks.get(c.name), dialect, sequences)
                       for c in table.columns}
    key = table.primary_key
    named = key is not None and key.name not in (None, f"{table.name}_pkey")
    if key is not None and (named or key.deferrable):
        options = {"name": key.name if named else None, "deferrable": key.deferrable,
                   "initially_deferred": key.initially_deferred}
        body["primary_key"] = {"columns": list(pk), **{k: v for k, v in options.items() if v}}
    elif pk and not short_pk:
        body["primary_key"] = list(pk)
    uniques = [u for u in table.unique_constraints if not (len(u.columns) == 1 and u.columns[0] in single_uniques
                                                           and u.shape == UniqueConstraint(u.columns).shape)]
    if uniques:
        body["unique"] = {u.name or unique_name(table, u.columns): _unique(u) for u in uniques}
    if table.checks:
        body["checks"] = {c.name or check_name(table, c.expression): _check(c) for c in table.checks}
    if table.indexes:
        body["indexes"] = {i.name: _index(i, dialect) for i in table.indexes}
    if table.exclusions:
        body["exclusions"] = {x.name or exclusion_name(table, x): _exclusion(x) for x in table.exclusions}
    long_fks = [fk for fk in table.foreign_keys if not _short_reference(table, fk)]
    if long_fks:
        body["foreign_keys"] = {fk_name(table, fk): _foreign_key(fk, dialect) for fk in long_fks}
    return {**body, **_security(table)}


def _security(table: Table) -> dict[str, Any]:
    """Row-level security flags (when on), triggers (the statement; ``enabled`` only when not the
    default) and policies (their options only when not the default)."""
    body: dict[str, Any] = {flag: True for flag in ("row_security", "force_row_security") if getattr(table, flag)}
    if table.triggers:
        body["triggers"] = _BlockMapping({t.name: t.sql if t.enabled == "origin" else
                                          {"definition": t.sql, "enabled": t.enabled} for t in table.triggers})
    if table.policies:
        body["policies"] = {p.name: _policy(p) for p in table.policies}
    return body


def _policy(policy: Policy) -> dict[str, Any]:
    fields: dict[str, Any] = {"command": policy.command} if policy.command != "all" else {}
    fields.update({"permissive": False} if not policy.permissive else {})
    fields.update({"roles": list(policy.roles)} if policy.roles != ("public",) else {})
    fields.update({key: getattr(policy, key).text for key in ("using", "with_check") if getattr(policy, key)})
    return fields


def _short_reference(table: Table, fk: ForeignKey) -> bool:
    """Whether ``references: table.column`` on the column says all there is to say."""
    return len(fk.columns) == 1 and not fk.deferrable and fk.validated and table.column(fk.columns[0]) is not None \
        and fk.name in (None, default_fk_name(table, fk.columns))


def _column(col: Column, table: Table, is_pk: bool, is_unique: bool, fk: ForeignKey | None,
            dialect: Dialect, sequences: frozenset[str] = frozenset()) -> Any:
    serial = serial_shorthand(col, table, dialect, sequences)
    fields: dict[str, Any] = {"type": serial or col.type}
    if is_pk:
        fields["primary_key"] = True
    implied_not_null = is_pk or serial or col.identity in ("always", "by default")
    if not col.nullable and not implied_not_null:
        fields["nullable"] = False
    if col.default is not None and not serial:
        fields["default"] = col.default.text
    for attribute in ("identity", "generated", "collation", "comment"):
        if getattr(col, attribute) is not None:
            fields[attribute] = str(getattr(col, attribute))
    if is_unique:
        fields["unique"] = True
    if fk is not None:
        fields["references"] = f"{_ref(fk.ref_table, dialect)}.{fk.ref_columns[0]}"
        fields.update({k: v.lower() for k, v in (("on_delete", fk.on_delete), ("on_update", fk.on_update))
                       if v != "NO ACTION"})
    return fields["type"] if list(fields) == ["type"] and col.type else fields


def _index(index: Index, dialect: Dialect) -> dict[str, Any]:
    fields: dict[str, Any] = {"columns": list(index.written)}
    if index.unique:
        fields["unique"] = True
    if index.method and index.method != dialect.default_index_method:
        fields["method"] = index.method
    if index.include:
        fields["include"] = list(index.include)
    if index.where:
        fields["where"] = index.where.text
    if index.nulls_not_distinct:
        fields["nulls_not_distinct"] = True
    if index.comment is not None:
        fields["comment"] = index.comment
    return fields


def _unique(unique: UniqueConstraint) -> Any:
    """``[columns]``, or the long form where the constraint has options."""
    options = {"include": list(unique.include), "nulls_not_distinct": unique.nulls_not_distinct,
               "deferrable": unique.deferrable, "initially_deferred": unique.initially_deferred}
    options = {key: value for key, value in options.items() if value}
    return {"columns": list(unique.columns), **options} if options else list(unique.columns)


def _check(check: CheckConstraint) -> Any:
    """The expression, or the long form where the check is NO INHERIT or NOT VALID."""
    options = {**({"no_inherit": True} if check.no_inherit else {}), **({} if check.validated else {"validated": False})}
    return {"expression": check.expression.text, **options} if options else check.expression.text


def _foreign_key(fk: ForeignKey, dialect: Dialect) -> dict[str, Any]:
    fields: dict[str, Any] = {"columns": list(fk.columns),
                              "references": f"{_ref(fk.ref_table, dialect)}({', '.join(fk.ref_columns)})"}
    fields.update({k: v.lower() for k, v in (("on_delete", fk.on_delete), ("on_update", fk.on_update))
                   if v != "NO ACTION"})
    if fk.deferrable:
        fields["deferrable"] = True
    if fk.initially_deferred:
        fields["initially_deferred"] = True
    if not fk.validated:
        fields["validated"] = False
    return fields


def _view(view: View) -> Any:
    if not view.materialized:
        return view.definition.text
    entry: dict[str, Any] = {"definition": view.definition.text, "materialized": True}
    if view.indexes:
        entry["indexes"] = [index.sql.text for index in view.indexes]
    return entry


def _sequence(seq: Sequence, dialect: Dialect) -> dict[str, Any]:
    direction = 1 if seq.increment > 0 else -1  # the default bounds depend on it
    defaults = normalize_sequence(Sequence(seq.name, seq.schema, seq.data_type, increment=direction), dialect)
    fields: dict[str, Any] = {"type": seq.data_type} if seq.data_type != "bigint" else {}
    for attribute in ("start", "increment", "min_value", "max_value", "cycle"):
        if getattr(seq, attribute) != getattr(defaults, attribute):
            fields[attribute] = getattr(seq, attribute)
    if seq.owned_by:  # canonical schema.table.column; the default schema left out, as in table keys
        schema, table_column = seq.owned_by.split(".", 1)
        fields["owned_by"] = table_column if schema == dialect.default_schema else seq.owned_by
    return fields


def _domain(domain: Domain) -> dict[str, Any]:
    fields: dict[str, Any] = {"type": domain.type}
    if not domain.nullable:
        fields["nullable"] = False
    if domain.default is not None:
        fields["default"] = domain.default.text
    if domain.collation:
        fields["collation"] = domain.collation
    if domain.checks:
        fields["checks"] = {c.name: c.expression.text for c in domain.checks if c.name}
    return fields


def _composite(composite: CompositeType) -> dict[str, Any]:
    return {"attributes": {a.name: {"type": a.type, "collation": a.collation} if a.collation else a.type
                           for a in composite.attributes}}


def _exclusion(exclusion: ExclusionConstraint) -> dict[str, Any]:
    fields: dict[str, Any] = {"using": exclusion.using} if exclusion.using != "gist" else {}
    fields["elements"] = list(exclusion.elements)
    if exclusion.where:
        fields["where"] = exclusion.where
    if exclusion.deferrable:
        fields["deferrable"] = True
    if exclusion.initially_deferred:
        fields["initially_deferred"] = True
    return fields


def _range(range_type: RangeType) -> Any:
    """The subtype alone, or the options where any is not the default."""
    options = range_options(range_type)
    return options if len(options) > 1 else options["subtype"]
