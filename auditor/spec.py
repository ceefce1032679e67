"""The declarative spec (YAML, format version 1) loaded into the schema model.

    version: 3
    ignore: [audit_log, "tmp_*"]
    extensions: [pg_trgm]                  # Postgres: extensions that must be installed
    enums:
      job_status: [pending, running, done]
    sequences:
      invoice_number: {start: 1000}
    views:
      running_jobs: "SELECT id FROM analysis_jobs WHERE status = 'running'"
    tables:
      analysis_jobs:                       # "name" or "schema.name"
        renamed_from: jobs                 # plan ALTER TABLE jobs RENAME TO analysis_jobs
        comment: Jobs users submitted
        columns:
          id: {type: bigint, identity: always, primary_key: true}
          tickers_json: text               # short form: the type alone, nullable
          user_id: {type: integer, references: users.id, on_delete: cascade}
          code: {type: varchar(20), unique: true, check: "code <> ''", collation: C}
          total: {type: integer, generated: "price * qty"}
        primary_key: [id]                  # alternative to the column flag, for composite keys
        unique: {ux_jobs_user_code: [user_id, code]}
        checks: {ck_total: "total >= 0"}
        indexes:
          idx_jobs_status: {columns: [status, created_at desc], where: "status = 'running'"}
        foreign_keys:
          fk_jobs_user: {columns: [user_id], references: users(id), on_delete: cascade}

Loading checks the document's shape and reports every problem as ``file:line:column: message``.
The result is the raw model; ``canon.normalize_schema`` canonicalizes it for a dialect.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, TypeVar

import yaml

from auditor.canon import parse_type
from auditor.dialects import POSTGRESQL
from auditor.errors import SpecError
from auditor.specfunctions import read_functions
from auditor.spectypes import (
    ATTRIBUTE_KEYS, DOMAIN_KEYS, EXCLUSION_KEYS, RANGE_KEYS, read_composite_types, read_domains, read_exclusions,
    read_range_types)
from auditor.sqlscan import containment_problem
from auditor.typenames import base_name, near_miss, user_type_names
from auditor.specgrants import KEYS as GRANT_KEYS, json_schema_fields as grant_schema_fields, read_privileges
from auditor.spectriggers import json_schema_fields, read_policies, read_triggers
from auditor.model import (
    CheckConstraint, Column, Enum, ExclusionConstraint, ForeignKey, Index, PrimaryKey, Schema, Sequence, Table,
    Expr, UniqueConstraint, View, ViewIndex, raw_expr)
from auditor.yamlsrc import (
    Problems, boolean, compose_file, did_you_mean, integer, is_null, mapping_items, scalar, sql_scalar, sql_word,
    string_list)

TOP_KEYS = ("version", "schemas", "ignore", "extensions", "enums", "sequences", "views", "tables", "functions",
            "domains", "composite_types", "range_types", *GRANT_KEYS)
TABLE_KEYS = ("columns", "primary_key", "unique", "checks", "indexes", "foreign_keys", "comment", "renamed_from",
              "partition_by", "partition_of", "for_values", "inherits", "partitions", "without_rowid", "strict",
              "exclusions", "row_security", "force_row_security", "triggers", "policies")
PARTITIONS_KEYS = ("pattern",)
COLUMN_KEYS = ("type", "nullable", "default", "primary_key", "unique", "check", "references", "on_delete",
               "on_update", "identity", "generated", "collation", "comment", "renamed_from")
INDEX_KEYS = ("columns", "unique", "where", "method", "include", "nulls_not_distinct", "comment")
PRIMARY_KEY_KEYS = ("columns", "name", "deferrable", "initially_deferred")
UNIQUE_KEYS = ("columns", "include", "nulls_not_distinct", "deferrable", "initially_deferred")
CHECK_KEYS = ("expression", "no_inherit", "validated")
FOREIGN_KEY_KEYS = ("columns", "references", "on_delete", "on_update", "deferrable", "initially_deferred",
                    "validated")
VIEW_KEYS = ("definition", "materialized", "indexes")
SEQUENCE_KEYS = ("type", "start", "increment", "min_value", "max_value", "cycle", "owned_by")
FK_ACTIONS = ("NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT")
IDENTITIES = ("always", "by default", "autoincrement")

# Bare words that are valid default expressions on their own; any other bare word is almost
# certainly a string whose SQL quotes YAML swallowed (default: 'pending').
_DEFAULT_KEYWORDS = frozenset({
    "null", "true", "false", "current_timestamp", "current_date", "current_time",
    "localtimestamp", "localtime", "current_user", "session_user", "user"})
_BARE_WORD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# (what names them, the column names, the node to point at)
_ColumnRef = tuple[str, tuple[str, ...], yaml.Node]
_REFERENCE_RE = re.compile(r"^\s*(?P<table>[^()\s]+?)\s*\((?P<columns>[^()]+)\)\s*$")
T = TypeVar("T")


def load_spec(path: str | Path, data: bytes | None = None) -> Schema:
    """Load and check a spec file (or ``data``, its bytes already read); raises SpecError listing
    every problem found."""
    problems = Problems(str(path))
    root = compose_file(Path(path), problems, data)
    schema = _schema(root, problems) if root is not None else None
    if problems.messages or schema is None:
        raise SpecError(_listed(problems.messages) or f"{path}: no tables")
    return schema


EXTENSION_KEYS = ("name", "schema")


def _extensions(node: yaml.Node, problems: Problems) -> list[tuple[str, str | None]]:
    """``extensions:``: names (installed in any schema), or ``{name: N, schema: S}`` (in S)."""
    if not isinstance(node, yaml.SequenceNode):
        return [(name, None) for name in string_list(node, problems, "extensions", True)]
    found: list[tuple[str, str | None]] = []
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            name = scalar(item, problems, "extensions")
            found += [(name, None)] if name is not None else []
            continue
        fields = {key: value for key, _, value in mapping_items(item, problems, "extension", EXTENSION_KEYS)}
        if "name" not in fields:
            problems.add(item, "an extension needs a 'name'")
            continue
        name = scalar(fields["name"], problems, "extension name")
        schema = scalar(fields["schema"], problems, "extension schema") if "schema" in fields else None
        found += [(name, schema)] if name is not None else []
    return found


MAX_LISTED_PROBLEMS = 20


def _listed(messages: list[str]) -> str:
    """The first ``MAX_LISTED_PROBLEMS`` problems, one a line (each once: an alias repeats its
    node's), and how many more there are."""
    messages = list(dict.fromkeys(messages))
    more = len(messages) - MAX_LISTED_PROBLEMS
    shown = messages[:MAX_LISTED_PROBLEMS] + ([f"... and {more} more problems"] if more > 0 else [])
    return "\n".join(shown)


def _optional(fields: dict[str, yaml.Node], key: str, read: Callable[[yaml.Node], T | None], default: T) -> T:
    """``read(fields[key])`` when the key is there and readable, else ``default``."""
    if key not in fields:
        return default
    value = read(fields[key])
    return default if value is None else value


def _schema(root: yaml.Node, problems: Problems) -> Schema | None:
    keys = [k.value for k, _ in root.value if isinstance(k, yaml.ScalarNode)] \
        if isinstance(root, yaml.MappingNode) else []
    if keys and not any(k in TOP_KEYS or did_you_mean(str(k), TOP_KEYS, quiet=True) for k in keys):
        # Another kind of file (/etc/passwd, say): one line, not one per key, and no key echoed. A
        # spec with a misspelt key ('tabels') still hears which key and what it should be.
        problems.add(root, f"not a schema-auditor spec: none of its {len(root.value)} top-level keys is a spec "
                           "key (a spec has 'tables'; see schema/spec.schema.json)")
        return None
    fields = {key: value for key, _, value in mapping_items(root, problems, "spec", TOP_KEYS)}
    if not isinstance(root, yaml.MappingNode):
        return None
    if "tables" not in fields:
        problems.add(root, "spec has no 'tables' mapping")
    tables = [t for name, key_node, body in mapping_items(fields.get("tables", root), problems, "tables")
              if (t := _table(name, key_node, body, problems)) is not None] if "tables" in fields else []
    version = fields.get("version")
    extensions = _extensions(fields["extensions"], problems) if "extensions" in fields else None
    schema = Schema(
        tables=tuple(tables),
        version=None if version is None or is_null(version) else scalar(version, problems, "version"),
        ignore=tuple(_optional(fields, "ignore", lambda n: string_list(n, problems, "ignore", True), [])),
        enums=tuple(_enums(fields["enums"], problems)) if "enums" in fields else (),
        views=tuple(_views(fields["views"], problems)) if "views" in fields else (),
        sequences=tuple(_sequences(fields["sequences"], problems)) if "sequences" in fields else (),
        extensions=tuple(name for name, _ in extensions) if extensions is not None else None,
        extension_schemas=tuple((name, nsp) for name, nsp in extensions or () if nsp is not None),
        schemas=tuple(string_list(fields["schemas"], problems, "schemas", True)) if "schemas" in fields else None,
        functions=tuple(read_functions(fields["functions"], problems)) if "functions" in fields else (),
        domains=tuple(read_domains(fields["domains"], problems)) if "domains" in fields else (),
        composite_types=tuple(read_composite_types(fields["composite_types"], problems))
        if "composite_types" in fields else (),
        range_types=tuple(read_range_types(fields["range_types"], problems)) if "range_types" in fields else (),
    )
    if "tables" in fields:
        _type_typos(fields["tables"], user_type_names(schema), problems)
    return replace(schema, privileges=read_privileges(fields, schema, problems))


def _type_typos(tables: yaml.Node, user_types: set[str], problems: Problems) -> None:
    """``unknown type 'integr' (did you mean 'integer'?)`` at each column type that is a near miss
    of a known type or of one of the spec's own (read once every part of the spec is)."""
    for table_key, table in _pairs(tables):
        columns = dict(_pairs(table)).get("columns")
        for column_key, column in _pairs(columns):
            node = dict(_pairs(column)).get("type") if isinstance(column, yaml.MappingNode) else column
            if isinstance(node, yaml.ScalarNode) and (meant := near_miss(str(node.value), user_types)):
                name = base_name(str(node.value))
                problems.add(node, f"column {table_key}.{column_key}: unknown type '{name}' (did you mean '{meant}'?)")


def _pairs(node: yaml.Node | None) -> list[tuple[str, yaml.Node]]:
    """A mapping's (key, value) pairs as written, nothing for anything else (already reported)."""
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(k.value), v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


# ``schema.name`` where a part holding a dot is double-quoted (``test."application/vnd.geo+json"``).
_QUOTED_KEY_RE = re.compile(r'^(?:(?P<schema>"(?:[^"]|"")*"|[^."]+)\.)?(?P<name>"(?:[^"]|"")*"|[^".]+)$')


def _split_key(key: str) -> tuple[str | None, str]:
    match = _QUOTED_KEY_RE.match(key) if '"' in key else None
    if match:
        schema, name = (part[1:-1].replace('""', '"') if part and part.startswith('"') else part
                        for part in (match["schema"], match["name"]))
        return schema or None, name  # type: ignore[return-value]
    schema, _, name = key.rpartition(".")
    return schema or None, name


def _enums(node: yaml.Node, problems: Problems) -> list[Enum]:
    out = []
    for key, _, body in mapping_items(node, problems, "enums"):
        schema, name = _split_key(key)
        values = string_list(body, problems, f"enum {key} values")
        if len(set(values)) != len(values):
            problems.add(body, f"enum {key} lists a value twice")
        out.append(Enum(name, schema, tuple(values)))
    return out


def _views(node: yaml.Node, problems: Problems) -> list[View]:
    out = []
    for key, _, body in mapping_items(node, problems, "views"):
        schema, name = _split_key(key)
        if isinstance(body, yaml.ScalarNode):
            definition, materialized = sql_scalar(body, problems, f"view {key}", statement=True), False
            indexes: tuple[ViewIndex, ...] = ()
        else:
            fields = {k: v for k, _, v in mapping_items(body, problems, f"view {key}", VIEW_KEYS)}
            if "definition" not in fields:
                problems.add(body, f"view {key} needs a 'definition' (its SELECT)")
                continue
            definition = sql_scalar(fields["definition"], problems, f"view {key} definition", statement=True)
            materialized = bool(_optional(fields, "materialized",
                                          lambda n: boolean(n, problems, f"view {key} materialized"), False))
            indexes = _view_indexes(fields["indexes"], key, name, schema, materialized, problems) \
                if "indexes" in fields else ()
        if definition:
            out.append(View(name, schema, Expr(definition, definition), materialized, indexes))
    return out


def _view_indexes(node: yaml.Node, key: str, name: str, schema: str | None, materialized: bool,
                  problems: Problems) -> tuple[ViewIndex, ...]:
    """A materialized view's ``indexes``: CREATE INDEX statements on it, each named."""
    from auditor.dialects.pgviewindex import ViewIndexSyntax, parse_view_index

    if not materialized:
        problems.add(node, f"view {key}: only a materialized view has indexes (add 'materialized: true')")
        return ()
    if not isinstance(node, yaml.SequenceNode):
        problems.add(node, f"view {key} indexes must be a list of CREATE INDEX statements")
        return ()
    found: list[ViewIndex] = []
    for item in node.value:
        sql = sql_scalar(item, problems, f"view {key} index", statement=True)
        if sql is None:
            continue
        try:
            parsed = parse_view_index(sql)
        except ViewIndexSyntax as exc:
            problems.add(item, f"view {key} index: {exc}")
            continue
        if parsed.relation != name or parsed.schema not in (None, schema or "public"):
            problems.add(item, f"view {key} index {parsed.name} is on {parsed.relation}, not on the view")
            continue
        found.append(ViewIndex(parsed.name, Expr(sql, sql)))
    return tuple(found)


def _owner(node: yaml.Node, key: str, problems: Problems) -> str | None:
    """``owned_by: table.column`` (or ``schema.table.column``)."""
    text = scalar(node, problems, f"sequence {key} owned_by")
    if text is not None and not 2 <= len(text.split(".")) <= 3:
        problems.add(node, f"sequence {key} owned_by: '{text}' is not table.column (or schema.table.column)")
        return None
    return text


def _sequences(node: yaml.Node, problems: Problems) -> list[Sequence]:
    out = []
    for key, _, body in mapping_items(node, problems, "sequences"):
        schema, name = _split_key(key)
        fields = {} if is_null(body) else {
            k: v for k, _, v in mapping_items(body, problems, f"sequence {key}", SEQUENCE_KEYS)}

        def number(field: str, default: int | None) -> int | None:
            return _optional(fields, field, lambda n: integer(n, problems, f"sequence {key} {field}"), default)

        out.append(Sequence(
            name, schema,
            data_type=_optional(fields, "type", lambda n: scalar(n, problems, f"sequence {key} type"), "bigint"),
            start=number("start", 1) or 1, increment=number("increment", 1) or 1,
            min_value=number("min_value", None), max_value=number("max_value", None),
            cycle=bool(_optional(fields, "cycle", lambda n: boolean(n, problems, f"sequence {key} cycle"), False)),
            owned_by=_owner(fields["owned_by"], key, problems) if "owned_by" in fields else None,
        ))
    return out


class _TableParts:
    """What one table's entries add up to while they are read."""

    def __init__(self) -> None:
        self.columns: list[Column] = []
        self.declared: set[str] = set()  # every column named, including ones whose definition is broken
        self.pk_from_columns: list[str] = []
        self.pk_from_table: list[str] | None = None
        self.pk_options: tuple[str | None, bool, bool] = (None, False, False)  # name, deferrable, deferred
        self.indexes: list[Index] = []
        self.fks: list[ForeignKey] = []
        self.uniques: list[UniqueConstraint] = []
        self.checks: list[CheckConstraint] = []
        self.exclusions: list[ExclusionConstraint] = []
        self.refs: list[_ColumnRef] = []  # columns that keys and indexes name, checked once all are read


def _table(key: str, key_node: yaml.Node, body: yaml.Node, problems: Problems) -> Table | None:
    schema, name = _split_key(key)
    what = f"table {key}"
    parts = _TableParts()
    fields = {k: v for k, _, v in mapping_items(body, problems, what, TABLE_KEYS)}
    if "columns" in fields:
        for col_name, _, col_body in mapping_items(fields["columns"], problems, f"{what} columns"):
            parts.declared.add(col_name)
            _column(key, col_name, col_body, parts, problems)
    if "primary_key" in fields:
        parts.pk_options = _primary_key(what, fields["primary_key"], parts, problems)
    if "unique" in fields:
        _unique_constraints(what, fields["unique"], parts, problems)
    if "checks" in fields:
        _checks(what, fields["checks"], parts, problems)
    if "indexes" in fields:
        _indexes(what, fields["indexes"], parts, problems)
    if "foreign_keys" in fields:
        _foreign_keys(what, fields["foreign_keys"], parts, problems)
    if "exclusions" in fields:
        exclusions, refs = read_exclusions(what, fields["exclusions"], problems)
        parts.exclusions += exclusions
        parts.refs += refs
    partitioning = _partitioning(what, key_node, fields, problems)
    # A table without columns (Postgres has them) says so: ``columns: {}``; a table that gives no
    # columns at all is more likely a mistake.
    if "columns" not in fields and not (partitioning.get("partition_of") or partitioning.get("inherits")):
        problems.add(key_node, f"{what} has no columns (a table without any is written 'columns: {{}}')")
        return None
    if parts.pk_from_table is not None and parts.pk_from_columns:
        problems.add(key_node, f"{what}: give the primary key either as 'primary_key: [...]' "
                               "or as 'primary_key: true' on columns, not both")
    if not (partitioning.get("partition_of") or partitioning.get("inherits")):  # else the parents have more
        _check_columns_exist(what, parts.declared, parts.refs, problems)
    _check_expressions_contained(what, parts.declared, parts.refs, problems)
    if len(parts.columns) < len(parts.declared):
        return None  # the broken columns were reported already
    pk_columns = parts.pk_from_table if parts.pk_from_table is not None else parts.pk_from_columns
    kinds = _table_kinds(what, fields, parts.columns, bool(pk_columns), problems)
    return Table(
        name=name,
        schema=schema,
        columns=tuple(parts.columns),
        primary_key=PrimaryKey(tuple(pk_columns), *parts.pk_options) if pk_columns else None,
        indexes=tuple(parts.indexes),
        foreign_keys=tuple(parts.fks),
        unique_constraints=tuple(parts.uniques),
        checks=tuple(parts.checks),
        exclusions=tuple(parts.exclusions),
        comment=_optional(fields, "comment", lambda n: scalar(n, problems, f"{what} comment"), None),
        renamed_from=_optional(fields, "renamed_from", lambda n: scalar(n, problems, f"{what} renamed_from"), None),
        **partitioning,
        **kinds,
        **_security(key, fields, problems),
    )


def _security(what: str, fields: dict[str, yaml.Node], problems: Problems) -> dict[str, Any]:
    """A table's triggers, policies and row-level security flags (``spectriggers``)."""
    out: dict[str, Any] = {flag: bool(_optional(fields, flag, lambda n: boolean(n, problems, f"table {what} {flag}"),
                                                False)) for flag in ("row_security", "force_row_security")}
    if "triggers" in fields:
        out["triggers"] = tuple(read_triggers(what, fields["triggers"], problems))
    if "policies" in fields:
        out["policies"] = tuple(read_policies(what, fields["policies"], problems))
    return out


# The types a STRICT table's columns may have (SQLite refuses the table otherwise).
STRICT_TYPES = ("int", "integer", "real", "text", "blob", "any")


def _table_kinds(what: str, fields: dict[str, yaml.Node], columns: list[Column], has_key: bool,
                 problems: Problems) -> dict[str, bool]:
    """``without_rowid: true`` (the table needs a primary key) and ``strict: true`` (its columns
    need one of the types STRICT takes), SQLite's table kinds."""
    kinds = {kind: bool(_optional(fields, kind, lambda n: boolean(n, problems, f"{what} {kind}"), False))
             for kind in ("without_rowid", "strict")}
    if kinds["without_rowid"] and not has_key:
        problems.add(fields["without_rowid"], f"{what}: a WITHOUT ROWID table needs a primary key")
    for col in columns if kinds["strict"] else ():
        parts = parse_type(col.type) if col.type.strip() else None
        if parts is None or parts.base not in STRICT_TYPES or parts.args or parts.dims:
            problems.add(fields["strict"], f"{what}: column {col.name} has type '{col.type}', and a STRICT table "
                                           f"takes only {', '.join(t.upper() for t in STRICT_TYPES)}")
    return kinds


def _partitioning(what: str, key_node: yaml.Node, fields: dict[str, yaml.Node], problems: Problems) -> dict[str, Any]:
    """``partition_by: range (col)``; ``partition_of: parent`` with ``for_values: FROM (..) TO (..)``
    (or ``DEFAULT``); ``inherits: [parents]``; ``partitions: {pattern: glob}``: the children
    someone else creates, expected by name."""
    def text(key: str) -> str | None:
        return _optional(fields, key, lambda n: scalar(n, problems, f"{what} {key}"), None)

    def sql(key: str) -> str | None:
        return _optional(fields, key, lambda n: sql_scalar(n, problems, f"{what} {key}"), None)

    out: dict[str, Any] = {"partition_by": raw_expr(sql("partition_by")), "partition_of": text("partition_of"),
                           "for_values": raw_expr(sql("for_values"))}
    if bool(out["partition_of"]) != bool(out["for_values"]):
        problems.add(key_node, f"{what}: a partition needs both 'partition_of' (its parent) and 'for_values' "
                               "(its bounds, e.g. FROM ('2024-01-01') TO ('2025-01-01'), or DEFAULT)")
    out["inherits"] = tuple(_optional(fields, "inherits", lambda n: string_list(n, problems, f"{what} inherits"), []))
    if "partitions" in fields:
        body = {k: v for k, _, v in mapping_items(fields["partitions"], problems, f"{what} partitions",
                                                  PARTITIONS_KEYS)}
        if "pattern" not in body:
            problems.add(fields["partitions"], f"{what}: partitions needs a 'pattern' (e.g. events_p*)")
        else:
            out["partitions"] = tuple(string_list(body["pattern"], problems, f"{what} partitions pattern"))
    return out


def _column(table: str, name: str, body: yaml.Node, parts: _TableParts, problems: Problems) -> None:
    what = f"column {table}.{name}"
    if isinstance(body, yaml.ScalarNode) and not is_null(body):
        short_type = _type(body, problems, what)
        if short_type:
            parts.columns.append(Column(name, short_type))
        return
    fields = {k: v for k, _, v in mapping_items(body, problems, what, COLUMN_KEYS)}
    if "type" not in fields:
        problems.add(body, f"{what} needs a 'type'")
        return
    column_type = _type(fields["type"], problems, what)

    def flag(key: str, default: bool) -> bool:
        return bool(_optional(fields, key, lambda n: boolean(n, problems, f"{what} {key}"), default))

    def text(key: str) -> str | None:
        return _optional(fields, key, lambda n: None if is_null(n) else scalar(n, problems, f"{what} {key}"), None)

    def sql(key: str) -> str | None:
        return _optional(fields, key, lambda n: None if is_null(n) else sql_scalar(n, problems, f"{what} {key}"), None)

    if "references" in fields:
        fk = _reference(what, fields["references"], (name,), fields, problems)
        parts.fks += [fk] if fk else []
    elif "on_delete" in fields or "on_update" in fields:
        problems.add(body, f"{what}: on_delete/on_update need 'references'")
    parts.pk_from_columns += [name] if flag("primary_key", False) else []
    parts.uniques += [UniqueConstraint((name,))] if flag("unique", False) else []
    parts.checks += [CheckConstraint(Expr(check, check))] if (check := sql("check")) else []
    identity = text("identity")
    if identity is not None and identity.lower() not in IDENTITIES:
        problems.add(fields["identity"], f"{what} identity must be one of: {', '.join(IDENTITIES)}")
    default = _default(fields["default"], problems, what) if "default" in fields else None
    serial = column_type is not None and column_type.strip().lower() in POSTGRESQL.serial_types
    for conflict, present in (("generated", "generated" in fields), ("identity", identity is not None),
                              (f"type {column_type}", serial)):
        if present and "default" in fields:
            problems.add(fields["default"], f"{what}: a {conflict} column takes no default")
    if "generated" in fields and identity is not None:
        problems.add(fields["generated"], f"{what}: a column is generated or an identity, not both")
    if column_type is not None:
        parts.columns.append(Column(
            name, column_type, flag("nullable", True), raw_expr(default),
            identity=identity.lower() if identity else None, generated=raw_expr(sql("generated")),
            collation=text("collation"), comment=text("comment"), renamed_from=text("renamed_from")))


def _type(node: yaml.Node, problems: Problems, what: str) -> str | None:
    text = scalar(node, problems, f"{what} type")
    if text is None:
        return None
    if not text.strip() and node.style in ("'", '"'):
        return text  # '' is SQLite's column without a declared type
    if not text.strip() or parse_type(text) is None:
        problems.add(node, f"{what}: '{text}' is not a column type (e.g. integer, text, varchar(20))")
        return None
    return text


def _default(node: yaml.Node, problems: Problems, what: str) -> str | None:
    if is_null(node):
        return None
    text = sql_scalar(node, problems, f"{what} default")
    if text is None:
        return None
    if node.tag == "tag:yaml.org,2002:str" and _BARE_WORD_RE.match(text) and text.lower() not in _DEFAULT_KEYWORDS:
        problems.add(node, f"{what}: default {text} is not a SQL expression; "
                           f"write a string literal with SQL quotes: default: \"'{text}'\"")
        return None
    return text


def _named_or_listed(node: yaml.Node, problems: Problems, what: str) -> list[tuple[str | None, yaml.Node]]:
    """Entries given as ``{name: value}`` or as an unnamed list ``[value, ...]``."""
    if isinstance(node, yaml.SequenceNode):
        return [(None, item) for item in node.value]
    return [(name, body) for name, _, body in mapping_items(node, problems, what)]


def _primary_key(what: str, node: yaml.Node, parts: _TableParts, problems: Problems) -> tuple[str | None, bool, bool]:
    """``[columns]``, or ``{columns: [...], name: ..., deferrable: true, initially_deferred: true}``;
    the columns go to ``parts``, the rest is returned."""
    fields = {k: v for k, _, v in mapping_items(node, problems, f"{what} primary_key", PRIMARY_KEY_KEYS)} \
        if isinstance(node, yaml.MappingNode) else {"columns": node}
    if "columns" not in fields:
        problems.add(node, f"{what}: primary_key needs 'columns'")
        return None, False, False
    parts.pk_from_table = string_list(fields["columns"], problems, f"{what} primary_key")
    parts.refs.append(("primary key", tuple(parts.pk_from_table), fields["columns"]))

    def flag(key: str) -> bool:
        return bool(_optional(fields, key, lambda n: boolean(n, problems, f"{what} primary_key {key}"), False))

    name = _optional(fields, "name", lambda n: scalar(n, problems, f"{what} primary_key name"), None)
    return name, flag("deferrable"), flag("initially_deferred")


def _unique_constraints(what: str, node: yaml.Node, parts: _TableParts, problems: Problems) -> None:
    """``name: [columns]``, or ``name: {columns: [...], include: [...], nulls_not_distinct: true,
    deferrable: true, initially_deferred: true}``."""
    for name, body in _named_or_listed(node, problems, f"{what} unique"):
        owner = f"unique constraint {name or ''}".rstrip()
        fields = {k: v for k, _, v in mapping_items(body, problems, f"{what} {owner}", UNIQUE_KEYS)} \
            if isinstance(body, yaml.MappingNode) else {"columns": body}
        if "columns" not in fields:
            problems.add(body, f"{what}: {owner} needs 'columns'")
            continue
        columns = tuple(string_list(fields["columns"], problems, f"{what} {owner}"))
        include = tuple(_optional(fields, "include", lambda n: string_list(n, problems, f"{owner} include"), []))

        def flag(key: str) -> bool:
            return bool(_optional(fields, key, lambda n: boolean(n, problems, f"{what} {owner} {key}"), False))

        parts.refs.append((owner, columns + include, fields["columns"]))
        parts.uniques.append(UniqueConstraint(columns, name, include, flag("nulls_not_distinct"), flag("deferrable"),
                                              flag("initially_deferred")))


def _checks(what: str, node: yaml.Node, parts: _TableParts, problems: Problems) -> None:
    """``name: expression``, or ``name: {expression: ..., no_inherit: true, validated: false}``."""
    for name, body in _named_or_listed(node, problems, f"{what} checks"):
        owner = f"{what} check {name or ''}".rstrip()
        fields = {k: v for k, _, v in mapping_items(body, problems, owner, CHECK_KEYS)} \
            if isinstance(body, yaml.MappingNode) else {"expression": body}
        if "expression" not in fields:
            problems.add(body, f"{owner} needs an 'expression'")
            continue
        expression = sql_scalar(fields["expression"], problems, owner)
        no_inherit = bool(_optional(fields, "no_inherit", lambda n: boolean(n, problems, f"{owner} no_inherit"), False))
        validated = bool(_optional(fields, "validated", lambda n: boolean(n, problems, f"{owner} validated"), True))
        if expression:
            parts.checks.append(CheckConstraint(Expr(expression, expression), name, validated, no_inherit))


def _indexes(what: str, node: yaml.Node, parts: _TableParts, problems: Problems) -> None:
    for name, _, body in mapping_items(node, problems, f"{what} indexes"):
        fields = {k: v for k, _, v in mapping_items(body, problems, f"index {name}", INDEX_KEYS)}
        if "columns" not in fields:
            problems.add(body, f"index {name} needs 'columns'")
            continue
        columns = tuple(string_list(fields["columns"], problems, f"index {name} columns"))
        include = tuple(_optional(fields, "include", lambda n: string_list(n, problems, f"index {name} include"), []))
        parts.refs.append((f"index {name}", columns + include, fields["columns"]))
        parts.indexes.append(Index(
            name, columns,
            unique=bool(_optional(fields, "unique", lambda n: boolean(n, problems, f"index {name} unique"), False)),
            where=raw_expr(_optional(fields, "where", lambda n: sql_scalar(n, problems, f"index {name} where"), None)),
            method=_optional(fields, "method", lambda n: sql_word(n, problems, f"index {name} method"), None),
            include=include,
            nulls_not_distinct=bool(_optional(fields, "nulls_not_distinct",
                                              lambda n: boolean(n, problems, f"index {name} nulls_not_distinct"), False)),
            comment=_optional(fields, "comment", lambda n: scalar(n, problems, f"index {name} comment"), None),
        ))


def _foreign_keys(what: str, node: yaml.Node, parts: _TableParts, problems: Problems) -> None:
    for name, _, body in mapping_items(node, problems, f"{what} foreign_keys"):
        fields = {k: v for k, _, v in mapping_items(body, problems, f"foreign key {name}", FOREIGN_KEY_KEYS)}
        if "columns" not in fields or "references" not in fields:
            problems.add(body, f"foreign key {name} needs 'columns' and 'references'")
            continue
        columns = tuple(string_list(fields["columns"], problems, f"foreign key {name} columns"))
        parts.refs.append((f"foreign key {name}", columns, fields["columns"]))
        fk = _reference(f"foreign key {name}", fields["references"], columns, fields, problems)
        if fk:
            validated = _optional(fields, "validated", lambda n: boolean(n, problems, f"foreign key {name} validated"),
                                  True)
            parts.fks.append(ForeignKey(fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete, fk.on_update,
                                        name, fk.deferrable, fk.initially_deferred, bool(validated)))


def _reference(what: str, node: yaml.Node, columns: tuple[str, ...],
               fields: dict[str, yaml.Node], problems: Problems) -> ForeignKey | None:
    """``users.id``, ``users(id)``, ``app.users(id)`` or ``users(a, b)`` as a foreign key."""
    text = scalar(node, problems, f"{what} references")
    if text is None:
        return None
    match = _REFERENCE_RE.match(text)
    if match:
        ref_table, ref_columns = match["table"], tuple(c.strip() for c in match["columns"].split(","))
    elif "." in text and len(columns) == 1:
        ref_table, ref_column = text.strip().rsplit(".", 1)
        ref_columns = (ref_column,)
    else:
        problems.add(node, f"{what}: references '{text}' should read table.column or table(col, ...)")
        return None
    if len(ref_columns) != len(columns):
        problems.add(node, f"{what}: {len(columns)} column(s) cannot reference {len(ref_columns)}")
        return None
    on_delete, on_update = (_action(fields.get(k), problems, f"{what} {k}") for k in ("on_delete", "on_update"))

    def flag(key: str) -> bool:
        return bool(_optional(fields, key, lambda n: boolean(n, problems, f"{what} {key}"), False))

    deferred = flag("initially_deferred")
    return ForeignKey(columns, ref_table, ref_columns, on_delete, on_update,
                      deferrable=flag("deferrable") or deferred, initially_deferred=deferred)


def _action(node: yaml.Node | None, problems: Problems, what: str) -> str:
    if node is None:
        return "NO ACTION"
    text = " ".join((scalar(node, problems, what) or "").replace("_", " ").upper().split())
    if text not in FK_ACTIONS:
        problems.add(node, f"{what} must be one of: {', '.join(a.lower() for a in FK_ACTIONS)}")
        return "NO ACTION"
    return text


def _check_expressions_contained(what: str, names: set[str], refs: list[_ColumnRef], problems: Problems) -> None:
    """An element that is not a column's name is written into DDL as an expression: it must be one."""
    for owner, columns, node in refs:
        for col in columns:
            if col not in names and (problem := containment_problem(col)):
                problems.add(node, f"{what}: {owner} element '{col}': {problem}")


def _check_columns_exist(what: str, names: set[str], refs: list[_ColumnRef], problems: Problems) -> None:
    for owner, columns, node in refs:
        for col in columns:
            if _BARE_WORD_RE.match(col) and col not in names:
                problems.add(node, f"{what}: {owner} names column '{col}', which the table does not have"
                                   f"{did_you_mean(col, sorted(names), quiet=True)}")


# ---------------------------------------------------------------------------------------------
# The format as a JSON Schema (schema/spec.schema.json), built from the same key lists the
# loader checks, so that editors can validate and complete specs.

def json_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of spec format version 1."""
    text = {"type": "string"}
    flag = {"type": "boolean"}
    names = {"type": "array", "items": text, "minItems": 1}
    sql = {"type": ["string", "number", "boolean", "null"], "description": "a SQL expression, as in DDL"}
    action = {"type": "string", "enum": sorted({a.lower() for a in FK_ACTIONS} | {a.lower().replace(" ", "_")
                                                                               for a in FK_ACTIONS})}

    def strict(properties: dict[str, object], required: tuple[str, ...] = ()) -> dict[str, object]:
        return {"type": "object", "properties": properties, "required": list(required),
                "additionalProperties": False}

    def keyed(value: object) -> dict[str, object]:
        return {"type": "object", "additionalProperties": value}

    column_fields = {"type": text, "nullable": flag, "default": sql, "primary_key": flag, "unique": flag,
                     "check": text, "references": text, "on_delete": action, "on_update": action,
                     "identity": {"type": "string", "enum": list(IDENTITIES)}, "generated": text,
                     "collation": text, "comment": text, "renamed_from": text}
    index_fields = {"columns": names, "unique": flag, "where": text, "method": text, "include": names,
                    "nulls_not_distinct": flag, "comment": text}
    unique_fields = {"columns": names, "include": names, "nulls_not_distinct": flag, "deferrable": flag,
                     "initially_deferred": flag}
    check_fields = {"expression": text, "no_inherit": flag, "validated": flag}
    unique = {"oneOf": [names, strict(unique_fields, ("columns",))]}
    primary_key_fields = {"columns": names, "name": text, "deferrable": flag, "initially_deferred": flag}
    check = {"oneOf": [text, strict(check_fields, ("expression",))]}
    fk_fields = {"columns": names, "references": text, "on_delete": action, "on_update": action,
                 "deferrable": flag, "initially_deferred": flag, "validated": flag}
    exclusion_fields = {"using": text, "elements": {**names, "description": "element WITH operator, in order"},
                        "where": text, "deferrable": flag, "initially_deferred": flag}
    table_fields = {
        "columns": keyed({"oneOf": [text, strict(column_fields, ("type",))]}),
        "primary_key": {"oneOf": [names, strict(primary_key_fields, ("columns",))]},
        "unique": {"oneOf": [keyed(unique), {"type": "array", "items": unique}]},
        "checks": {"oneOf": [keyed(check), {"type": "array", "items": check}]},
        "indexes": keyed(strict(index_fields, ("columns",))),
        "foreign_keys": keyed(strict(fk_fields, ("columns", "references"))),
        "comment": text,
        "renamed_from": text,
        "partition_by": {"type": "string", "description": "the partition key, e.g. range (created_at)"},
        "partition_of": {"type": "string", "description": "the parent of this partition"},
        "for_values": {"type": "string", "description": "the partition's bounds: FROM (..) TO (..), IN (..), "
                                                        "WITH (MODULUS n, REMAINDER r), or DEFAULT"},
        "inherits": {"oneOf": [text, names]},
        "partitions": strict({"pattern": {"oneOf": [text, names]}}, ("pattern",)),
        "without_rowid": {**flag, "description": "SQLite: a WITHOUT ROWID table"},
        "strict": {**flag, "description": "SQLite: a STRICT table"},
        "exclusions": keyed(strict(exclusion_fields, ("elements",))),
        **json_schema_fields(),
    }
    integer = {"type": "integer"}
    sequence_fields = {"type": text, "start": integer, "increment": integer, "min_value": integer,
                       "max_value": integer, "cycle": flag,
                       "owned_by": {"type": "string", "description": "table.column (or schema.table.column)"}}
    domain_fields = {"type": text, "nullable": flag, "default": sql, "collation": text,
                     "checks": {"oneOf": [keyed(text), {"type": "array", "items": text}],
                                "description": "name: expression on VALUE"}}
    attribute_fields = {"type": text, "collation": text}
    range_fields = {key: text for key in RANGE_KEYS}
    top = {
        "version": {"type": ["string", "integer", "number"]},
        "schemas": {"type": "array", "items": text, "description": "the schemas the spec manages"},
        "ignore": {"type": "array", "items": text},
        "extensions": {"type": "array", "items": {"oneOf": [text, strict({"name": text, "schema": text}, ("name",))]},
                       "description": "a name (installed in any schema), or name and schema"},
        "enums": keyed(names),
        "sequences": keyed({"oneOf": [{"type": "null"}, strict(sequence_fields)]}),
        "views": keyed({"oneOf": [text, strict({"definition": text, "materialized": flag,
                                                "indexes": {"type": "array", "items": text,
                                                            "description": "CREATE INDEX statements"}},
                                               ("definition",))]}),
        # A partition or an inheritance child may leave its columns to its parents.
        "tables": keyed({**strict(table_fields), "anyOf": [{"required": [key]}
                                                           for key in ("columns", "partition_of", "inherits")]}),
        "functions": {"type": "array", "items": {"type": "string", "description": "one CREATE FUNCTION or "
                                                                               "CREATE PROCEDURE statement"}},
        "domains": keyed(strict(domain_fields, ("type",))),
        "composite_types": keyed(strict({"attributes": keyed({"oneOf": [text, strict(attribute_fields, ("type",))]})},
                                        ("attributes",))),
        "range_types": keyed({"oneOf": [text, strict(range_fields, ("subtype",))]}),
        **grant_schema_fields(),
    }
    assert set(top) == set(TOP_KEYS) and set(table_fields) == set(TABLE_KEYS)
    assert set(column_fields) == set(COLUMN_KEYS) and set(index_fields) == set(INDEX_KEYS)
    assert set(fk_fields) == set(FOREIGN_KEY_KEYS) and set(sequence_fields) == set(SEQUENCE_KEYS)
    assert set(unique_fields) == set(UNIQUE_KEYS) and set(check_fields) == set(CHECK_KEYS)
    assert set(primary_key_fields) == set(PRIMARY_KEY_KEYS)
    assert set(domain_fields) == set(DOMAIN_KEYS) and set(attribute_fields) == set(ATTRIBUTE_KEYS)
    assert set(exclusion_fields) == set(EXCLUSION_KEYS)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "schema-auditor spec, format version 1",
            **strict(top, ("tables",))}
