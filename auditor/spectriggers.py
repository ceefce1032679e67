"""A table's ``triggers:``, ``policies:``, ``row_security:`` and ``force_row_security:`` keys::

    tables:
      jobs:
        row_security: true          # ALTER TABLE ... ENABLE ROW LEVEL SECURITY (default false)
        force_row_security: true    # FORCE ROW LEVEL SECURITY (default false)
        triggers:
          jobs_touch: CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION touch()
          jobs_audit:
            definition: CREATE TRIGGER jobs_audit AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION audit()
            enabled: disabled       # origin (default) | disabled | replica | always   (Postgres)
        policies:
          tenant_isolation:
            command: all            # all (default) | select | insert | update | delete
            permissive: true        # false: AS RESTRICTIVE
            roles: [app]            # default [public]
            using: tenant_id = current_setting('app.tenant')::int
            with_check: tenant_id = current_setting('app.tenant')::int

A trigger is its CREATE TRIGGER statement (Postgres or SQLite syntax), whose trigger name and
table must be the entry's; the parts are read from it by ``canon.normalize_schema``.
"""
from __future__ import annotations

import yaml

from auditor.model import Expr, Policy, Trigger
from auditor.yamlsrc import Problems, boolean, is_null, mapping_items, scalar, sql_scalar, string_list

TRIGGER_KEYS = ("definition", "enabled")
ENABLED = ("origin", "disabled", "replica", "always")
POLICY_KEYS = ("command", "permissive", "roles", "using", "with_check")
COMMANDS = ("all", "select", "insert", "update", "delete")


def read_triggers(table: str, node: yaml.Node, problems: Problems) -> list[Trigger]:
    """The triggers of a table's ``triggers:`` mapping (raw: their parts are read later)."""
    from auditor.dialects.triggers import TriggerSyntax, trigger_identity

    out = []
    for name, _, body in mapping_items(node, problems, f"table {table} triggers"):
        what = f"trigger {name} on {table}"
        fields = {"definition": body} if isinstance(body, yaml.ScalarNode) else \
            {k: v for k, _, v in mapping_items(body, problems, what, TRIGGER_KEYS)}
        if "definition" not in fields:
            if not _has_unknown_keys(body):  # else the unknown key (a misspelled definition?) says it
                problems.add(body, f"{what} needs a 'definition' (its CREATE TRIGGER statement)")
            continue
        sql = scalar(fields["definition"], problems, what)
        enabled = _enabled(fields.get("enabled"), problems, what)
        if sql is None or enabled is None:
            continue
        try:
            said_name, said_table = trigger_identity(sql)
        except TriggerSyntax as exc:
            from auditor.specfunctions import scalar_position

            line, column = scalar_position(fields["definition"], sql, exc.offset)
            problems.add_at(line, column, f"{what}: {exc}")
            continue
        if said_name.casefold() != name.casefold():
            problems.add(fields["definition"], f"{what}: the statement creates trigger {said_name}, not {name}")
        elif not _same_table(said_table, table):
            problems.add(fields["definition"], f"{what}: the statement is on table {said_table}, not {table}")
        else:
            out.append(Trigger(name, enabled=enabled, sql=sql.strip()))
    return out


def _has_unknown_keys(node: yaml.Node) -> bool:
    return isinstance(node, yaml.MappingNode) and any(getattr(k, "value", None) not in TRIGGER_KEYS for k, _ in node.value)


def _enabled(node: yaml.Node | None, problems: Problems, what: str) -> str | None:
    """``origin`` (also ``true``), ``disabled`` (also ``false``), ``replica`` or ``always``."""
    if node is None:
        return "origin"
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:bool":
        return "origin" if boolean(node, problems, what) else "disabled"
    text = (scalar(node, problems, f"{what} enabled") or "").strip().lower()
    if text not in ENABLED:
        problems.add(node, f"{what} enabled must be one of: {', '.join(ENABLED)}")
        return None
    return text


def _same_table(said: str, table: str) -> bool:
    """Whether ``ON said`` names the spec's table (``name`` or ``schema.name``; no schema is public).
    In any case: SQLite's names are (``ON collectionitems`` is table ``collectionItems``, as Zotero
    writes it), and on Postgres an unquoted name folds to lower case, which a spec table named in
    mixed case only matches quoted (a mismatch the server reports when the trigger is made)."""
    said_schema, _, said_name = said.casefold().rpartition(".")
    schema, _, name = table.casefold().rpartition(".")
    return said_name == name and (said_schema or "public") == (schema or "public")


def read_policies(table: str, node: yaml.Node, problems: Problems) -> list[Policy]:
    """The policies of a table's ``policies:`` mapping (expressions raw: canonical later)."""
    out = []
    for name, _, body in mapping_items(node, problems, f"table {table} policies"):
        what = f"policy {name} on {table}"
        fields = {} if is_null(body) else {k: v for k, _, v in mapping_items(body, problems, what, POLICY_KEYS)}
        command = _command(fields.get("command"), problems, what)
        permissive = boolean(fields["permissive"], problems, f"{what} permissive") if "permissive" in fields else True
        roles = tuple(sorted(string_list(fields["roles"], problems, f"{what} roles"))) if "roles" in fields \
            else ("public",)
        texts = {key: sql_scalar(fields[key], problems, f"{what} {key}") if key in fields else None
                 for key in ("using", "with_check")}
        for key, refused in (("using", "insert"), ("with_check", "select"), ("with_check", "delete")):
            if texts[key] and command == refused:
                problems.add(fields[key], f"{what}: {'an' if command in ('insert', 'update') else 'a'} {command} "
                                          f"policy takes no {key} (Postgres refuses it)")
        if command is not None and permissive is not None:
            out.append(Policy(name, command, permissive, roles,
                              *(Expr(t, t) if t else None for t in (texts["using"], texts["with_check"]))))
    return out


def _command(node: yaml.Node | None, problems: Problems, what: str) -> str | None:
    if node is None:
        return "all"
    text = (scalar(node, problems, f"{what} command") or "").strip().lower()
    if text not in COMMANDS:
        problems.add(node, f"{what} command must be one of: {', '.join(COMMANDS)}")
        return None
    return text


def json_schema_fields() -> dict[str, object]:
    """The table keys of this part, as JSON Schema properties."""
    text = {"type": "string"}
    trigger = {"oneOf": [{**text, "description": "its CREATE TRIGGER statement"},
                         {"type": "object", "properties": {"definition": text,
                                                           "enabled": {"type": ["string", "boolean"],
                                                                       "enum": [*ENABLED, True, False]}},
                          "required": ["definition"], "additionalProperties": False}]}
    policy = {"type": ["object", "null"], "additionalProperties": False,
              "properties": {"command": {"type": "string", "enum": list(COMMANDS)}, "permissive": {"type": "boolean"},
                             "roles": {"oneOf": [text, {"type": "array", "items": text, "minItems": 1}]},
                             "using": text, "with_check": text}}
    return {
        "row_security": {"type": "boolean", "description": "Postgres: ENABLE ROW LEVEL SECURITY"},
        "force_row_security": {"type": "boolean", "description": "Postgres: FORCE ROW LEVEL SECURITY"},
        "triggers": {"type": "object", "additionalProperties": trigger},
        "policies": {"type": "object", "additionalProperties": policy},
    }
