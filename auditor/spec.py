"""The declarative spec (YAML, format version 1) loaded into the schema model.

    version: 3
    ignore: [audit_log, "tmp_*"]
    tables:
      analysis_jobs:                       # "name" or "schema.name"
        columns:
          id: {type: integer, primary_key: true}
          tickers_json: text               # short form: the type alone, nullable
          user_id: {type: integer, references: users.id, on_delete: cascade}
        primary_key: [id]                  # alternative to the column flag, for composite keys
        indexes:
          idx_jobs_status: {columns: [status], unique: false, where: "status = 'running'"}
        foreign_keys:
          fk_jobs_user: {columns: [user_id], references: users(id), on_delete: cascade}

Loading checks the document's shape and reports every problem as ``file:line:column: message``.
The result is the raw model; ``canon.normalize_schema`` canonicalizes it for a dialect.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from auditor.canon import parse_type
from auditor.errors import SpecError
from auditor.model import Column, ForeignKey, Index, PrimaryKey, Schema, Table
from auditor.yamlsrc import (
    Problems, boolean, compose_file, did_you_mean, is_null, mapping_items, scalar, string_list)

TOP_KEYS = ("version", "ignore", "tables")
TABLE_KEYS = ("columns", "primary_key", "indexes", "foreign_keys")
COLUMN_KEYS = ("type", "nullable", "default", "primary_key", "references", "on_delete", "on_update")
INDEX_KEYS = ("columns", "unique", "where")
FOREIGN_KEY_KEYS = ("columns", "references", "on_delete", "on_update")
FK_ACTIONS = ("NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT")

# Bare words that are valid default expressions on their own; any other bare word is almost
# certainly a string whose SQL quotes YAML swallowed (default: 'pending').
_DEFAULT_KEYWORDS = frozenset({
    "null", "true", "false", "current_timestamp", "current_date", "current_time",
    "localtimestamp", "localtime", "current_user", "session_user", "user"})
_BARE_WORD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# (what names them, the column names, the node to point at)
_ColumnRef = tuple[str, tuple[str, ...], yaml.Node]
_REFERENCE_RE = re.compile(r"^\s*(?P<table>[^()\s]+?)\s*\((?P<columns>[^()]+)\)\s*$")


def load_spec(path: str | Path) -> Schema:
    """Load and check a spec file; raises SpecError listing every problem found."""
    problems = Problems(str(path))
    root = compose_file(Path(path), problems)
    schema = _schema(root, problems) if root is not None else None
    if problems.messages or schema is None:
        raise SpecError("\n".join(problems.messages) or f"{path}: no tables")
    return schema


def _schema(root: yaml.Node, problems: Problems) -> Schema | None:
    version: str | None = None
    ignore: list[str] = []
    tables: list[Table] = []
    for key, key_node, value in mapping_items(root, problems, "spec", TOP_KEYS):
        if key == "version":
            version = None if is_null(value) else scalar(value, problems, "version")
        elif key == "ignore":
            ignore = string_list(value, problems, "ignore", allow_empty=True)
        elif key == "tables":
            tables = [t for t in _tables(value, problems) if t is not None]
    if not isinstance(root, yaml.MappingNode):
        return None
    if not any(k.value == "tables" for k, _ in root.value):
        problems.add(root, "spec has no 'tables' mapping")
    return Schema(tables=tuple(tables), version=version, ignore=tuple(ignore))


def _tables(node: yaml.Node, problems: Problems) -> list[Table | None]:
    return [_table(name, key_node, body, problems)
            for name, key_node, body in mapping_items(node, problems, "tables")]


def _table(key: str, key_node: yaml.Node, body: yaml.Node, problems: Problems) -> Table | None:
    schema, _, name = key.rpartition(".")
    what = f"table {key}"
    columns: list[Column] = []
    declared: set[str] = set()  # every column named, including ones whose definition is broken
    pk_from_columns: list[str] = []
    pk_from_table: list[str] | None = None
    indexes: list[Index] = []
    fks: list[ForeignKey] = []
    refs: list[_ColumnRef] = []  # columns that keys and indexes name, checked once all are read
    for field_name, _, value in mapping_items(body, problems, what, TABLE_KEYS):
        if field_name == "columns":
            for col_name, _, col_body in mapping_items(value, problems, f"{what} columns"):
                declared.add(col_name)
                parsed = _column(key, col_name, col_body, problems)
                if parsed is not None:
                    column, in_pk, fk = parsed
                    columns.append(column)
                    pk_from_columns += [col_name] if in_pk else []
                    fks += [fk] if fk else []
        elif field_name == "primary_key":
            pk_from_table = string_list(value, problems, f"{what} primary_key")
            refs.append(("primary key", tuple(pk_from_table), value))
        elif field_name == "indexes":
            indexes = [i for i in _indexes(what, value, problems, refs) if i is not None]
        elif field_name == "foreign_keys":
            fks += [f for f in _foreign_keys(what, value, problems, refs) if f is not None]
    if not declared:
        problems.add(key_node, f"{what} has no columns")
        return None
    if pk_from_table is not None and pk_from_columns:
        problems.add(key_node, f"{what}: give the primary key either as 'primary_key: [...]' "
                               "or as 'primary_key: true' on columns, not both")
    _check_columns_exist(what, declared, refs, problems)
    if len(columns) < len(declared) or not columns:
        return None  # the broken columns were reported already
    pk_columns = pk_from_table if pk_from_table is not None else pk_from_columns
    return Table(
        name=name,
        schema=schema or None,
        columns=tuple(columns),
        primary_key=PrimaryKey(tuple(pk_columns)) if pk_columns else None,
        indexes=tuple(indexes),
        foreign_keys=tuple(fks),
    )


def _column(table: str, name: str, body: yaml.Node,
            problems: Problems) -> tuple[Column, bool, ForeignKey | None] | None:
    what = f"column {table}.{name}"
    if isinstance(body, yaml.ScalarNode) and not is_null(body):
        short_type = _type(body, problems, what)
        return (Column(name, short_type), False, None) if short_type else None
    fields = {k: v for k, _, v in mapping_items(body, problems, what, COLUMN_KEYS)}
    if "type" not in fields:
        problems.add(body, f"{what} needs a 'type'")
        return None
    column_type = _type(fields["type"], problems, what)
    nullable = boolean(fields["nullable"], problems, f"{what} nullable") if "nullable" in fields else True
    in_pk = bool(boolean(fields["primary_key"], problems, f"{what} primary_key")) if "primary_key" in fields else False
    default = _default(fields["default"], problems, what) if "default" in fields else None
    fk = None
    if "references" in fields:
        fk = _reference(what, fields["references"], (name,), fields, problems)
    elif "on_delete" in fields or "on_update" in fields:
        problems.add(body, f"{what}: on_delete/on_update need 'references'")
    if column_type is None:
        return None
    return Column(name, column_type, nullable is not False, default), in_pk, fk


def _type(node: yaml.Node, problems: Problems, what: str) -> str | None:
    text = scalar(node, problems, f"{what} type")
    if text is None:
        return None
    if not text.strip() or parse_type(text) is None:
        problems.add(node, f"{what}: '{text}' is not a column type (e.g. integer, text, varchar(20))")
        return None
    return text


def _default(node: yaml.Node, problems: Problems, what: str) -> str | None:
    if is_null(node):
        return None
    text = scalar(node, problems, f"{what} default")
    if text is None:
        return None
    if node.tag == "tag:yaml.org,2002:str" and _BARE_WORD_RE.match(text) and text.lower() not in _DEFAULT_KEYWORDS:
        problems.add(node, f"{what}: default {text} is not a SQL expression; "
                           f"write a string literal with SQL quotes: default: \"'{text}'\"")
        return None
    return text


def _indexes(what: str, node: yaml.Node, problems: Problems, refs: list[_ColumnRef]) -> list[Index | None]:
    out: list[Index | None] = []
    for name, _, body in mapping_items(node, problems, f"{what} indexes"):
        fields = {k: v for k, _, v in mapping_items(body, problems, f"index {name}", INDEX_KEYS)}
        if "columns" not in fields:
            problems.add(body, f"index {name} needs 'columns'")
            out.append(None)
            continue
        where = scalar(fields["where"], problems, f"index {name} where") if "where" in fields else None
        unique = boolean(fields["unique"], problems, f"index {name} unique") if "unique" in fields else False
        columns = string_list(fields["columns"], problems, f"index {name} columns")
        refs.append((f"index {name}", tuple(columns), fields["columns"]))
        out.append(Index(name, tuple(columns), bool(unique), where))
    return out


def _foreign_keys(what: str, node: yaml.Node, problems: Problems,
                  refs: list[_ColumnRef]) -> list[ForeignKey | None]:
    out: list[ForeignKey | None] = []
    for name, _, body in mapping_items(node, problems, f"{what} foreign_keys"):
        fields = {k: v for k, _, v in mapping_items(body, problems, f"foreign key {name}", FOREIGN_KEY_KEYS)}
        if "columns" not in fields or "references" not in fields:
            problems.add(body, f"foreign key {name} needs 'columns' and 'references'")
            out.append(None)
            continue
        columns = tuple(string_list(fields["columns"], problems, f"foreign key {name} columns"))
        refs.append((f"foreign key {name}", columns, fields["columns"]))
        fk = _reference(f"foreign key {name}", fields["references"], columns, fields, problems)
        out.append(ForeignKey(fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete, fk.on_update, name)
                   if fk else None)
    return out


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
    actions = [_action(fields.get(k), problems, f"{what} {k}") for k in ("on_delete", "on_update")]
    return ForeignKey(columns, ref_table, ref_columns, actions[0], actions[1])


def _action(node: yaml.Node | None, problems: Problems, what: str) -> str:
    if node is None:
        return "NO ACTION"
    text = " ".join((scalar(node, problems, what) or "").replace("_", " ").upper().split())
    if text not in FK_ACTIONS:
        problems.add(node, f"{what} must be one of: {', '.join(a.lower() for a in FK_ACTIONS)}")
        return "NO ACTION"
    return text


def _check_columns_exist(what: str, names: set[str], refs: list[_ColumnRef], problems: Problems) -> None:
    for owner, columns, node in refs:
        for col in columns:
            if _BARE_WORD_RE.match(col) and col not in names:
                problems.add(node, f"{what}: {owner} names column '{col}', which the table does not have"
                                   f"{did_you_mean(col, sorted(names), quiet=True)}")
