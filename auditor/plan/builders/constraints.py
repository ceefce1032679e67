"""Builders for keys and constraints: the primary key, unique and check constraints, foreign keys,
and the VALIDATE step of a constraint added NOT VALID."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from auditor.diff import DriftItem, check_name, fk_name, unique_name
from auditor.dialects import Dialect
from auditor.model import CheckConstraint, ForeignKey, Table, UniqueConstraint
from auditor.plan.hazard_table import hazards_of
from auditor.plan.model import Context, Precheck, Statement, drop_then_add
from auditor.plan.prechecks import check_precheck, duplicates_precheck, foreign_key_precheck
from auditor.plan.rebuild import placeholder
from auditor.plan.sql import (
    add_constraint, check_body, do_if, drop_constraint, primary_key_body, primary_key_differs, qualified_sql,
    references_sql, unique_body,
    validate_constraint)


def primary_key(item: DriftItem, ctx: Context) -> list[Statement]:
    """The key dropped and added again in one DO block, guarded by the key's current columns."""
    want, have, dialect = ctx.want, ctx.have, ctx.dialect
    assert want is not None and have is not None
    prechecks = (duplicates_precheck(want, want.primary_key.columns, dialect, key=True),) \
        if want.primary_key else ()
    if not dialect.alter_constraints:
        return placeholder(item, hazards_of("replace_primary_key"), prechecks)
    drop = drop_constraint(have, have.primary_key.name or f"{have.name}_pkey", dialect) if have.primary_key else None
    if not want.primary_key:
        assert drop is not None
        return [Statement(drop, item, "primary_keys", hazards_of("drop_primary_key"))]
    table = qualified_sql(want, dialect)
    name = want.primary_key.name or f"{want.name}_pkey"
    body = primary_key_body(want.primary_key, dialect)
    steps = ([drop] if drop else []) + [f"ALTER TABLE {table} ADD CONSTRAINT {dialect.quote(name)} {body}"]
    # Guarded by the key's current columns, so that running the block again changes nothing.
    condition = primary_key_differs(want, want.primary_key, dialect)
    hazards = hazards_of("replace_primary_key" if drop else "add_primary_key")
    return [Statement(do_if(condition, steps), item, "primary_keys", hazards, prechecks=prechecks)]


def _unique_of(table: Table | None, name: str | None) -> UniqueConstraint:
    assert table is not None
    return next(u for u in table.unique_constraints if (u.name or unique_name(table, u.columns)) == name)


def _check_of(table: Table | None, name: str | None) -> CheckConstraint:
    assert table is not None
    return next(c for c in table.checks if (c.name or check_name(table, c.expression)) == name)


def add_unique(item: DriftItem, ctx: Context) -> list[Statement]:
    """ADD CONSTRAINT ... UNIQUE, counting the repeated values first."""
    assert ctx.want is not None and item.name is not None
    unique = _unique_of(ctx.want, item.name)
    hazards = hazards_of("add_unique")
    prechecks = (duplicates_precheck(ctx.want, unique.columns, ctx.dialect),)
    if not ctx.dialect.alter_constraints:
        return placeholder(item, hazards, prechecks)
    sql = add_constraint(ctx.want, item.name, unique_body(unique, ctx.dialect), ctx.dialect)
    return [Statement(sql, item, "add_constraints", hazards, prechecks=prechecks)]


def _validated(item: DriftItem, kind: str, table: Table, name: str, body: str, precheck: Precheck,
               dialect: Dialect, validated: bool = True) -> list[Statement]:
    """A CHECK or foreign key (``kind``: its hazard table row) on a table with rows: added NOT VALID
    in the main transaction (a brief lock; new rows are checked from then on), then VALIDATEd in a
    transaction of its own, whose scan blocks neither reads nor writes. A constraint the spec keeps
    NOT VALID (``validated: false``) takes the first step only, and older rows need not pass."""
    add = Statement(add_constraint(table, name, f"{body} NOT VALID", dialect), item, "add_constraints",
                    hazards_of(kind), prechecks=(precheck,) if validated else ())
    if not validated:
        return [add]
    validate = validate_constraint(table, name, dialect)
    return [add, Statement(validate, item, "validate", hazards_of("validate_constraint"), own_transaction=True)]


def add_check(item: DriftItem, ctx: Context) -> list[Statement]:
    """ADD CONSTRAINT ... CHECK NOT VALID, then VALIDATE."""
    assert ctx.want is not None and item.name is not None
    check = _check_of(ctx.want, item.name)
    precheck = check_precheck(ctx.want, check.expression, ctx.dialect)
    if not ctx.dialect.alter_constraints:
        return placeholder(item, hazards_of("add_check_not_valid"), (precheck,))
    return _validated(item, "add_check_not_valid", ctx.want, item.name, check_body(check), precheck, ctx.dialect,
                      check.validated)


def drop_named_constraint(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP CONSTRAINT of a unique or check constraint."""
    hazards = hazards_of("drop_unique" if "unique" in item.kind else "drop_check")
    if not ctx.dialect.alter_constraints:
        return placeholder(item, hazards)
    assert ctx.have is not None and item.name is not None
    return [Statement(drop_constraint(ctx.have, item.name, ctx.dialect), item, "drop_constraints", hazards)]


def replace_constraint(add: Callable[[DriftItem, Context], list[Statement]]
                       ) -> Callable[[DriftItem, Context], list[Statement]]:
    """A builder that drops the constraint and adds it again with ``add``."""
    def build(item: DriftItem, ctx: Context) -> list[Statement]:
        return drop_then_add(drop_named_constraint(item, ctx), add(item, ctx))

    return build


def add_foreign_key(item: DriftItem, table: Table, fk: ForeignKey, dialect: Dialect) -> Statement:
    """A foreign key of a table this plan creates (it has no rows to check)."""
    sql = add_constraint(table, fk_name(table, fk), references_sql(fk, dialect), dialect)
    return Statement(sql, item, "add_foreign_keys", hazards_of("new_table_foreign_key"))


def missing_foreign_key(item: DriftItem, ctx: Context) -> list[Statement]:
    """ADD CONSTRAINT ... FOREIGN KEY NOT VALID, then VALIDATE."""
    table, dialect = ctx.want, ctx.dialect
    assert table is not None
    fk = next(f for f in table.foreign_keys if fk_name(table, f) == item.name)
    precheck = foreign_key_precheck(table, fk, dialect)
    if not dialect.alter_constraints:
        return placeholder(item, hazards_of("add_foreign_key_not_valid"), (precheck,))
    statements = _validated(item, "add_foreign_key_not_valid", table, fk_name(table, fk), references_sql(fk, dialect),
                            precheck, dialect, fk.validated)
    return [replace(s, phase="add_foreign_keys") if s.phase == "add_constraints" else s for s in statements]


def extra_foreign_key(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP CONSTRAINT of a foreign key."""
    table, dialect = ctx.have, ctx.dialect
    assert table is not None and item.name is not None
    hazards = hazards_of("drop_foreign_key")
    if not dialect.alter_constraints:
        return placeholder(item, hazards)
    return [Statement(drop_constraint(table, item.name, dialect), item, "drop_foreign_keys", hazards)]


def not_validated(item: DriftItem, ctx: Context) -> list[Statement]:
    """The second step of a NOT VALID constraint, which an interrupted apply never took."""
    table = ctx.have
    assert table is not None and item.name is not None
    check = next((c for c in table.checks if c.name == item.name), None)
    fk = next((f for f in table.foreign_keys if f.name == item.name), None)
    precheck = check_precheck(table, check.expression, ctx.dialect) if check else \
        foreign_key_precheck(table, fk, ctx.dialect)  # type: ignore[arg-type]
    sql = validate_constraint(table, item.name, ctx.dialect)
    return [Statement(sql, item, "validate", hazards_of("validate_constraint"), prechecks=(precheck,),
                      own_transaction=True)]


def foreign_key_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """The foreign key dropped and added again."""
    return drop_then_add(extra_foreign_key(item, ctx), missing_foreign_key(item, ctx))
