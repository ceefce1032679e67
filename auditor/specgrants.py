"""The spec's grants and owners (Postgres), compared only when asked::

    privileges: true            # implied by any of the keys below; false turns them off
    owner: app                  # owns every table, view, sequence and function of the spec
    owners:                     # exceptions, by kind and name
      schema app: app
      function app.add(integer, integer): admin
    grants:                     # GRANT and REVOKE statements, applied in order to the defaults
      - GRANT USAGE ON SCHEMA app TO readonly
      - GRANT SELECT ON ALL TABLES IN SCHEMA app TO readonly
      - GRANT SELECT, INSERT, UPDATE (status) ON app.jobs TO app
      - REVOKE EXECUTE ON FUNCTION app.add(integer, integer) FROM PUBLIC

The privileges expected on an object are those Postgres gives it when made (none but its owner's,
and PUBLIC's EXECUTE on a function) changed by the statements, in order, as the server would:
``ALL`` is every privilege of the kind, a REVOKE on a table takes the same privilege on its
columns too. A statement naming an object the spec does not have, a privilege the kind has not, or
a role by ``CURRENT_USER`` (which differs per connection) is a problem at its line and column.
Role names are the spec's: the config's ``roles:`` maps them to each environment's
(``roles_mapped``).
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, Iterator

import yaml

from auditor.dialects.pgprivileges import ALL_PRIVILEGES, COLUMN_PRIVILEGES, DEFAULT_PUBLIC, object_key
from auditor.model import PRIVILEGE_OBJECTS, Grant, Owner, Privileges, Schema, Table
from auditor.yamlsrc import Problems, boolean, mapping_items, scalar

KEYS = ("privileges", "owner", "owners", "grants")
DEFAULT_SCHEMA = "public"

_OBJECT_TYPES = {"OBJECT_TABLE": "table", "OBJECT_SEQUENCE": "sequence", "OBJECT_FUNCTION": "function",
                 "OBJECT_PROCEDURE": "procedure", "OBJECT_ROUTINE": "routine", "OBJECT_SCHEMA": "schema"}
# What ALL <kind> IN SCHEMA takes (ALL TABLES takes views too, not sequences).
_ALL_IN_SCHEMA = {"table": ("table", "view", "materialized view"), "sequence": ("sequence",),
                  "function": ("function",), "procedure": ("procedure",), "routine": ("function", "procedure")}
_RELATIONS = ("table", "view", "materialized view", "sequence")
_Target = tuple[str, str]  # (kind, key)


class _Refused(ValueError):
    """A statement the spec cannot take; the message says why."""


def read_privileges(fields: dict[str, yaml.Node], schema: Schema, problems: Problems) -> Privileges | None:
    """The spec's Privileges (grants with the spec's role names), or None when not asked for."""
    present = [key for key in KEYS if key in fields]
    if not present:
        return None
    if "privileges" in fields and not boolean(fields["privileges"], problems, "privileges"):
        return None
    objects = spec_objects(schema)
    grants = _apply_statements(fields.get("grants"), objects, column_sequences(schema), problems)
    owners = _owners(fields, objects, problems)
    named = {(g.kind, g.object) for g in grants.values()} | {(o.kind, o.object) for o in owners}
    scope = {**dict.fromkeys(objects), **dict.fromkeys(sorted(named - set(objects)))}
    return Privileges(tuple(grants.values()), tuple(owners), tuple(scope), tuple(_defaults(objects).values()))


def default_privileges(schema: Schema) -> Privileges:
    """What a schema's objects hold when no statement grants or revokes anything."""
    objects = spec_objects(schema)
    defaults = tuple(_defaults(objects).values())
    return Privileges(defaults, (), tuple(objects), defaults)


def spec_objects(schema: Schema) -> dict[_Target, tuple[str, ...]]:
    """(kind, key) of every table, view, sequence and function of a spec, with its columns."""
    out: dict[_Target, tuple[str, ...]] = {}
    for t in schema.tables:
        out[("table", object_key("table", t.schema or DEFAULT_SCHEMA, t.name))] = tuple(c.name for c in t.columns)
    for v in schema.views:
        kind = "materialized view" if v.materialized else "view"
        out[(kind, object_key(kind, v.schema or DEFAULT_SCHEMA, v.name))] = ()
    for s in schema.sequences:
        out[("sequence", object_key("sequence", s.schema or DEFAULT_SCHEMA, s.name))] = ()
    for f in schema.functions:
        out[(f.kind, object_key(f.kind, f.schema or DEFAULT_SCHEMA, f.name, f.arguments))] = ()
    return out


def column_sequences(schema: Schema) -> set[str]:
    """The keys of the sequences that serial and identity columns get (``table_column_seq``), and
    those that columns' defaults take ``nextval`` of: grants may name them, though the spec does
    not list them."""
    return {key for t in schema.tables for key in table_sequences(t)}


def table_sequences(table: Table) -> list[str]:
    """The keys of the sequences a table's columns use: its serial and identity columns' own (which
    change owner with the table), and those its defaults take ``nextval`` of."""
    home = table.schema or DEFAULT_SCHEMA
    out = []
    for c in table.columns:
        if c.identity or c.type.strip().lower() in _SERIAL_TYPES:
            out.append(object_key("sequence", home, f"{table.name}_{c.name}_seq"))
        named = _NEXTVAL_RE.search(c.default.text) if c.default else None
        if named:
            parts = [p.strip('"') for p in named.group(1).split(".")]
            out.append(object_key("sequence", parts[0] if len(parts) > 1 else home, parts[-1]))
    return out


_SERIAL_TYPES = ("serial", "bigserial", "smallserial", "serial4", "serial8", "serial2")
_NEXTVAL_RE = re.compile(r"nextval\('((?:[^']|'')+)'", re.IGNORECASE)


def _defaults(objects: dict[_Target, tuple[str, ...]]) -> dict[tuple[Any, ...], Grant]:
    """What PUBLIC holds on the objects before any statement."""
    grants = [Grant(kind, key, privilege, "public") for kind, key in objects
              for privilege in DEFAULT_PUBLIC.get(kind, ())]
    return {g.key: g for g in grants}


def _apply_statements(node: yaml.Node | None, objects: dict[_Target, tuple[str, ...]], sequences: set[str],
                      problems: Problems) -> dict[tuple[Any, ...], Grant]:
    grants = _defaults(objects)
    if node is None:
        return grants
    if not isinstance(node, yaml.SequenceNode):
        problems.add(node, "grants must be a list of GRANT and REVOKE statements")
        return grants
    for item in node.value:
        sql = scalar(item, problems, "grants entry")
        if sql is None:
            continue
        try:
            for statement, offset in _statements(sql):
                try:
                    _apply(statement, objects, sequences, grants)
                except _Refused as exc:
                    raise _Refused(exc.args[0], offset) from None
        except _Refused as exc:
            from auditor.specfunctions import scalar_position

            line, column = scalar_position(item, sql, exc.args[1] if len(exc.args) > 1 else None)
            if node.flow_style and not getattr(item, "style", None) and "syntax error" in exc.args[0]:
                problems.add(node, "grants: in a [...] list a comma ends the entry, and a GRANT of several "
                                   "privileges does not parse: write one '- GRANT ...' per line")
                return grants
            problems.add_at(line, column, f"grants entry {sql.strip().splitlines()[0][:60]!r}: {exc.args[0]}")
    return grants


def _statements(sql: str) -> Iterator[tuple[dict[str, Any], int]]:
    """The GrantStmt nodes of an entry (one or more statements), with where each starts."""
    from pglast import parser

    try:
        tree = json.loads(parser.parse_sql_json(sql))
    except parser.ParseError as exc:
        raise _Refused(str(exc.args[0]), exc.args[1] if len(exc.args) > 1 else None) from None
    for raw in tree.get("stmts", []):
        statement = raw["stmt"]
        offset = len(sql.encode()[:raw.get("stmt_location", 0)].decode(errors="ignore"))  # bytes to characters
        offset += len(sql[offset:]) - len(sql[offset:].lstrip())
        if "GrantStmt" not in statement:
            raise _Refused(f"is a {next(iter(statement)).removesuffix('Stmt')} statement, not GRANT or REVOKE on "
                           "an object (role membership and default privileges are not compared)", offset)
        yield statement["GrantStmt"], offset


def _apply(statement: dict[str, Any], objects: dict[_Target, tuple[str, ...]], sequences: set[str],
           grants: dict[tuple[Any, ...], Grant]) -> None:
    """One GRANT or REVOKE, applied to ``grants`` as the server would apply it."""
    if "grantor" in statement:
        raise _Refused("GRANTED BY is not compared; leave it out")
    roles = [_role(r["RoleSpec"]) for r in statement.get("grantees", [])]
    for kind, key in _targets(statement, objects, sequences):
        for privilege, column in _privileges(statement, kind, key, objects):
            for role in roles:
                _change(grants, Grant(kind, key, privilege, role, column, bool(statement.get("grant_option"))),
                        bool(statement.get("is_grant")))


def _change(grants: dict[tuple[Any, ...], Grant], grant: Grant, is_grant: bool) -> None:
    held = grants.get(grant.key)
    if is_grant:
        grants[grant.key] = replace(grant, grantable=grant.grantable or bool(held and held.grantable))
    elif grant.grantable:  # REVOKE GRANT OPTION FOR: the privilege stays
        if held:
            grants[grant.key] = replace(held, grantable=False)
    else:
        grants.pop(grant.key, None)
        if grant.column is None:  # a table's REVOKE takes the privilege on its columns too
            for key in [k for k in grants if k[:2] == grant.key[:2] and k[3:] == grant.key[3:]]:
                del grants[key]


def _role(spec: dict[str, Any]) -> str:
    if spec["roletype"] == "ROLESPEC_PUBLIC":
        return "public"
    if spec["roletype"] != "ROLESPEC_CSTRING":
        word = spec["roletype"].removeprefix("ROLESPEC_")
        raise _Refused(f"{word} names a different role on each connection; name the role (the config's roles: "
                       "maps it per environment)")
    return str(spec["rolename"])


def _targets(statement: dict[str, Any], objects: dict[_Target, tuple[str, ...]],
             sequences: set[str]) -> list[_Target]:
    said = _OBJECT_TYPES.get(statement["objtype"])
    if said is None:
        raise _Refused(f"privileges on {statement['objtype'].removeprefix('OBJECT_').lower()} objects are not "
                       "compared (tables, views, sequences, functions, procedures and schemas are)")
    if statement["targtype"] == "ACL_TARGET_ALL_IN_SCHEMA":
        names = [o["String"]["sval"] for o in statement["objects"]]
        kinds = _ALL_IN_SCHEMA[said]
        found = [t for t in objects if t[0] in kinds and t[1].split(".", 1)[0] in names]
        if said == "sequence":
            found += [("sequence", s) for s in sorted(sequences) if s.split(".", 1)[0] in names]
        return found
    return [_target(said, o, objects, sequences) for o in statement["objects"]]


def _target(said: str, node: dict[str, Any], objects: dict[_Target, tuple[str, ...]], sequences: set[str]) -> _Target:
    if said == "schema":
        return ("schema", node["String"]["sval"])
    if "RangeVar" in node:
        rel = node["RangeVar"]
        key = object_key("table", rel.get("schemaname") or DEFAULT_SCHEMA, rel["relname"])
        kinds = ("sequence",) if said == "sequence" else _RELATIONS
        found = [kind for kind in kinds if (kind, key) in objects] or \
            (["sequence"] if key in sequences else [])
        if not found:
            raise _Refused(f"names {'sequence' if said == 'sequence' else 'table'} {key}, which the spec does not have")
        return (found[0], key)
    return _routine(said, node["ObjectWithArgs"], objects)


def _routine(said: str, node: dict[str, Any], objects: dict[_Target, tuple[str, ...]]) -> _Target:
    from auditor.dialects.pgfunctions import argument_type

    names = [n["String"]["sval"] for n in node["objname"]]
    schema, name = (names[-2] if len(names) > 1 else DEFAULT_SCHEMA), names[-1]
    kinds = ("function", "procedure") if said == "routine" else (said,)
    if node.get("args_unspecified"):
        found = [t for t in objects if t[0] in kinds and t[1].startswith(f"{schema}.{name}(")]
        if len(found) != 1:
            raise _Refused(f"{said} {schema}.{name} is {'ambiguous' if found else 'not in the spec'}; "
                           "give its argument types")
        return found[0]
    key = object_key("function", schema, name, (argument_type(t["TypeName"]) for t in node.get("objargs", [])))
    found = [kind for kind in kinds if (kind, key) in objects]
    if not found:
        raise _Refused(f"names {said} {key}, which the spec does not have")
    return (found[0], key)


def _privileges(statement: dict[str, Any], kind: str, key: str,
                objects: dict[_Target, tuple[str, ...]]) -> list[tuple[str, str | None]]:
    """(privilege, column or None) of a statement on one object; ALL expanded for the kind."""
    out: list[tuple[str, str | None]] = []
    for node in statement.get("privileges") or [{"AccessPriv": {}}]:
        priv = node["AccessPriv"]
        columns = [c["String"]["sval"] for c in priv.get("cols", [])]
        name = str(priv.get("priv_name", "all")).upper()
        allowed = COLUMN_PRIVILEGES if columns else ALL_PRIVILEGES[kind]
        if columns and kind not in ("table", "view", "materialized view"):
            raise _Refused(f"a {kind} has no column privileges")
        known = objects.get((kind, key), ())
        unknown = [c for c in columns if known and c not in known]
        if unknown:
            raise _Refused(f"names column {unknown[0]}, which table {key} does not have")
        if name != "ALL" and name not in allowed:
            raise _Refused(f"{name} is not a privilege of a {kind}{' column' if columns else ''} "
                           f"({', '.join(allowed)})")
        for privilege in allowed if name == "ALL" else (name,):
            out += [(privilege, c) for c in columns] if columns else [(privilege, None)]
    return out


def _owners(fields: dict[str, yaml.Node], objects: dict[_Target, tuple[str, ...]], problems: Problems) -> list[Owner]:
    owners: dict[_Target, Owner] = {}
    if "owner" in fields:
        role = scalar(fields["owner"], problems, "owner")
        if role:
            owners = {t: Owner(t[0], t[1], role) for t in objects}
    if "owners" in fields:
        for said, key_node, value in mapping_items(fields["owners"], problems, "owners"):
            role = scalar(value, problems, f"owners {said}")
            target = _owned(said, key_node, objects, problems)
            if role and target:
                owners[target] = Owner(target[0], target[1], role)
    return list(owners.values())


def _owned(said: str, node: yaml.Node, objects: dict[_Target, tuple[str, ...]], problems: Problems) -> _Target | None:
    """The object an ``owners:`` key names (``table orders``, ``function f(integer)``, ``schema app``)."""
    kind = next((k for k in sorted(PRIVILEGE_OBJECTS, key=len, reverse=True) if said.lower().startswith(k + " ")), None)
    if kind is None:
        problems.add(node, f"owners: {said!r} must start with what it is ({', '.join(PRIVILEGE_OBJECTS)}), "
                           "e.g. 'table orders'")
        return None
    name = said[len(kind):].strip()
    word = "TABLE" if kind in _RELATIONS[:3] else kind.upper()
    try:
        statement = next(_statements(f"GRANT ALL ON {word} {name} TO public"))[0]
        target = _targets(statement, objects, set())[0]
    except (_Refused, StopIteration) as exc:
        problems.add(node, f"owners: {said!r}: {exc.args[0] if exc.args else 'not understood'}")
        return None
    if target[0] != kind and kind not in ("table",):
        problems.add(node, f"owners: {said!r} is a {target[0]} in the spec")
        return None
    return target


def roles_mapped(privileges: Privileges, roles: dict[str, str]) -> Privileges:
    """The privileges with each role the spec names replaced by this environment's (``roles:``)."""
    if not roles:
        return privileges
    return replace(privileges,
                   grants=tuple(replace(g, grantee=roles.get(g.grantee, g.grantee)) for g in privileges.grants),
                   owners=tuple(replace(o, role=roles.get(o.role, o.role)) for o in privileges.owners))


def json_schema_fields() -> dict[str, object]:
    """The JSON Schema of the top-level keys above."""
    text = {"type": "string"}
    return {
        "privileges": {"type": "boolean", "description": "compare grants and owners (Postgres)"},
        "owner": {**text, "description": "the role that owns every table, view, sequence and function"},
        "owners": {"type": "object", "additionalProperties": text,
                   "description": "kind and name (e.g. 'schema app', 'function f(integer)'): role"},
        "grants": {"type": "array", "items": text, "description": "GRANT and REVOKE statements, in order"},
    }
