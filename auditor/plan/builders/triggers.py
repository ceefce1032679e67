"""Builders for triggers (Postgres and SQLite), row-level security and policies (Postgres), from
the spec's own text.

Order (see ``plan.model.PHASES``): triggers and policies that go are dropped first (they pin the
functions and columns they use); triggers are made once their tables and functions exist, then
row-level security is turned on and off, then policies are made. A table created by the plan gets
its triggers, row-level security and policies with it. Every statement can run twice: Postgres
triggers are made in a DO block that looks in ``pg_trigger`` first (or as ``CREATE OR REPLACE``),
policies in one that looks in ``pg_policy``; SQLite has ``IF [NOT] EXISTS``.
"""
from __future__ import annotations

from auditor.diff import DriftItem
from auditor.dialects import Dialect
from auditor.model import Policy, Table, Trigger
from auditor.plan.hazard_table import hazards_of
from auditor.plan.model import Context, Statement
from auditor.plan.sql import do_if, literal, qualified_sql

_ENABLE = {"origin": "ENABLE", "disabled": "DISABLE", "replica": "ENABLE REPLICA", "always": "ENABLE ALWAYS"}


def _trigger(table: Table | None, item: DriftItem) -> Trigger:
    assert table is not None
    return next(t for t in table.triggers if t.name == item.name)


def _policy(table: Table | None, item: DriftItem) -> Policy:
    assert table is not None
    return next(p for p in table.policies if p.name == item.name)


# ---------------------------------------------------------------------------------------------
# Triggers


def _exists(table: Table, name: str, catalog: str, column: str, relation: str, dialect: Dialect) -> str:
    return (f"EXISTS (SELECT 1 FROM {catalog} WHERE {column} = {literal(name)}"
            f" AND {relation} = {literal(qualified_sql(table, dialect))}::regclass)")


def drop_trigger_sql(table: Table, name: str, dialect: Dialect) -> str:
    """DROP TRIGGER IF EXISTS (Postgres names the table too)."""
    on = f" ON {qualified_sql(table, dialect)}" if dialect.has_schemas else ""
    return f"DROP TRIGGER IF EXISTS {dialect.quote(name)}{on}"


def create_trigger(item: DriftItem, table: Table, trigger: Trigger, dialect: Dialect,
                   replacing: bool = False) -> list[Statement]:
    """The spec's statement, made only where the trigger is not there yet (SQLite: IF NOT EXISTS;
    Postgres: a DO block that looks in pg_trigger), after a DROP when ``replacing``; then its
    enabled state where it is not the default. Postgres replaces a plain trigger in place
    (CREATE OR REPLACE TRIGGER); a constraint trigger, which cannot be, is dropped and made."""
    from auditor.dialects.pgparse import or_replace_sql
    from auditor.dialects.triggers import if_not_exists_sql

    hazards = hazards_of("replace_trigger" if replacing else "create_trigger")
    if not dialect.has_schemas:
        drop = [Statement(drop_trigger_sql(table, trigger.name, dialect), item, "create_triggers", hazards)]
        create = Statement(if_not_exists_sql(trigger.sql), item, "create_triggers", hazards)
        return (drop if replacing else []) + [create]
    if replacing and not trigger.constraint:
        out = [Statement(or_replace_sql(trigger.sql), item, "create_triggers", hazards)]
    else:
        drop = [Statement(drop_trigger_sql(table, trigger.name, dialect), item, "create_triggers", hazards)]
        absent = "NOT " + _exists(table, trigger.name, "pg_trigger", "tgname", "tgrelid", dialect)
        out = (drop if replacing else []) + [
            Statement(do_if(absent, [trigger.sql.strip().rstrip(";")]), item, "create_triggers", hazards)]
    if replacing or trigger.enabled != "origin":
        out.append(enable_trigger(item, table, trigger, dialect))
    return out


def enable_trigger(item: DriftItem, table: Table, trigger: Trigger, dialect: Dialect) -> Statement:
    """ALTER TABLE ... ENABLE / DISABLE / ENABLE REPLICA / ENABLE ALWAYS TRIGGER."""
    sql = f"ALTER TABLE {qualified_sql(table, dialect)} {_ENABLE[trigger.enabled]} TRIGGER {dialect.quote(trigger.name)}"
    return Statement(sql, item, "create_triggers", hazards_of("enable_trigger"))


def missing_trigger(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE TRIGGER from the spec's text, guarded."""
    assert ctx.want is not None
    return create_trigger(item, ctx.want, _trigger(ctx.want, item), ctx.dialect)


def trigger_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE OR REPLACE TRIGGER (Postgres, but for a constraint trigger), else DROP and CREATE."""
    assert ctx.want is not None
    return create_trigger(item, ctx.want, _trigger(ctx.want, item), ctx.dialect, replacing=True)


def trigger_enabled(item: DriftItem, ctx: Context) -> list[Statement]:
    """ALTER TABLE ... ENABLE / DISABLE [REPLICA | ALWAYS] TRIGGER, as the spec says."""
    assert ctx.want is not None
    return [enable_trigger(item, ctx.want, _trigger(ctx.want, item), ctx.dialect)]


def extra_trigger(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP TRIGGER IF EXISTS, before anything it uses changes."""
    assert ctx.have is not None
    return [Statement(drop_trigger_sql(ctx.have, item.name or "", ctx.dialect), item, "drop_triggers",
                      hazards_of("drop_trigger"))]


# ---------------------------------------------------------------------------------------------
# Row-level security


def row_security_sql(table: Table, flag: str, on: bool, dialect: Dialect) -> str:
    """ALTER TABLE ... ENABLE / DISABLE / FORCE / NO FORCE ROW LEVEL SECURITY."""
    words = ("ENABLE" if on else "DISABLE") if flag == "row_security" else ("FORCE" if on else "NO FORCE")
    return f"ALTER TABLE {qualified_sql(table, dialect)} {words} ROW LEVEL SECURITY"


def _row_security(item: DriftItem, table: Table, flag: str, dialect: Dialect, new: bool = False) -> Statement:
    """The flag as the spec has it. Turning it on for a table the spec gives no permissive policy
    hides every row from the roles it applies to (non-owners; the owner too when forced), unless
    the table is ``new``: made by this plan, it has no rows and no one reads it yet."""
    on = bool(getattr(table, flag))
    kind = "disable_row_security"
    if on:
        hides = not new and not any(p.permissive for p in table.policies)
        kind = "enable_row_security_no_policy" if hides else "enable_row_security"
    return Statement(row_security_sql(table, flag, on, dialect), item, "row_security", hazards_of(kind))


def row_security(item: DriftItem, ctx: Context) -> list[Statement]:
    """ENABLE / DISABLE / FORCE / NO FORCE ROW LEVEL SECURITY."""
    assert ctx.want is not None and item.name is not None
    return [_row_security(item, ctx.want, item.name, ctx.dialect)]


# ---------------------------------------------------------------------------------------------
# Policies


def _roles_sql(policy: Policy, dialect: Dialect) -> str:
    return ", ".join("PUBLIC" if role == "public" else dialect.quote(role) for role in policy.roles)


def create_policy_sql(table: Table, policy: Policy, dialect: Dialect) -> str:
    """CREATE POLICY from the spec's parts, inside a DO block that looks in pg_policy first."""
    text = f"CREATE POLICY {dialect.quote(policy.name)} ON {qualified_sql(table, dialect)}"
    text += "" if policy.permissive else " AS RESTRICTIVE"
    text += f" FOR {policy.command.upper()} TO {_roles_sql(policy, dialect)}"
    text += f" USING ({policy.using.text})" if policy.using else ""
    text += f" WITH CHECK ({policy.with_check.text})" if policy.with_check else ""
    absent = "NOT " + _exists(table, policy.name, "pg_policy", "polname", "polrelid", dialect)
    return do_if(absent, [text])


def drop_policy_sql(table: Table, name: str, dialect: Dialect) -> str:
    """DROP POLICY IF EXISTS ... ON the table."""
    return f"DROP POLICY IF EXISTS {dialect.quote(name)} ON {qualified_sql(table, dialect)}"


def missing_policy(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE POLICY, guarded."""
    assert ctx.want is not None
    return [Statement(create_policy_sql(ctx.want, _policy(ctx.want, item), ctx.dialect), item, "create_policies",
                      hazards_of("create_policy"))]


def policy_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """ALTER POLICY where only its roles or expressions change (and no expression goes), else
    DROP POLICY and CREATE POLICY, in one transaction."""
    assert ctx.want is not None and ctx.have is not None
    want, have, dialect = _policy(ctx.want, item), _policy(ctx.have, item), ctx.dialect
    hazards = hazards_of("replace_policy")
    in_place = (want.command, want.permissive) == (have.command, have.permissive) and \
        (want.using or not have.using) and (want.with_check or not have.with_check)
    if not in_place:
        return [Statement(drop_policy_sql(ctx.want, want.name, dialect), item, "create_policies", hazards),
                Statement(create_policy_sql(ctx.want, want, dialect), item, "create_policies", hazards)]
    text = f"ALTER POLICY {dialect.quote(want.name)} ON {qualified_sql(ctx.want, dialect)}"
    text += f" TO {_roles_sql(want, dialect)}" if want.roles != have.roles else ""
    text += f" USING ({want.using.text})" if want.using and want.using != have.using else ""
    text += f" WITH CHECK ({want.with_check.text})" if want.with_check and want.with_check != have.with_check else ""
    return [Statement(text, item, "create_policies", hazards)]


def extra_policy(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP POLICY IF EXISTS, first."""
    assert ctx.have is not None
    return [Statement(drop_policy_sql(ctx.have, item.name or "", ctx.dialect), item, "drop_policies",
                      hazards_of("drop_policy"))]


# ---------------------------------------------------------------------------------------------
# A table the plan creates


def with_new_table(item: DriftItem, table: Table, dialect: Dialect) -> list[Statement]:
    """A new table's triggers, row-level security and policies."""
    out = [s for t in table.triggers for s in create_trigger(item, table, t, dialect)]
    out += [_row_security(item, table, flag, dialect, new=True) for flag in ("row_security", "force_row_security")
            if getattr(table, flag)]
    return out + [Statement(create_policy_sql(table, p, dialect), item, "create_policies", hazards_of("create_policy"))
                  for p in table.policies]
