"""Builders for grants and owners (Postgres): GRANT, REVOKE and ALTER ... OWNER TO, each
idempotent as the server runs it (granting a held privilege, revoking one not held, and giving an
object to its owner change nothing). They run once every object exists (``owners``, then
``grants``: a new owner takes the old one's privileges, so grants come after)."""
from __future__ import annotations

from auditor.diff import DriftItem
from auditor.diffgrants import grant_of, owner_of, split_key
from auditor.dialects import Dialect
from auditor.dialects.pgprivileges import grant_sql, owner_sql
from auditor.specgrants import table_sequences
from auditor.model import Owner, Schema
from auditor.plan.hazard_table import hazards_of
from auditor.plan.model import Context, Statement

_RELATIONS = ("table", "view", "materialized view", "sequence")


def object_sql(kind: str, key: str, schemas: tuple[Schema, ...], dialect: Dialect) -> str:
    """The object as GRANT and ALTER name it: quoted and qualified; a function with its argument
    types as SQL writes them (from its statement, in either schema)."""
    schema, name = split_key(kind, key)
    if kind == "schema":
        return dialect.quote(name)
    if kind in ("function", "procedure"):
        from auditor.plan.builders.functions import signature_sql

        function = next(f for s in schemas for f in s.functions if f.key == key)
        return signature_sql(function, dialect)
    return dialect.qualified(schema, name)


def missing_grant(item: DriftItem, ctx: Context) -> list[Statement]:
    """GRANT (WITH GRANT OPTION where the spec gives it)."""
    assert ctx.expected.privileges is not None
    grant = grant_of(item, ctx.expected.privileges.grants)
    target = object_sql(grant.kind, grant.object, (ctx.expected, ctx.actual), ctx.dialect)
    return [Statement(grant_sql(grant, target, ctx.dialect), item, "grants", hazards_of("grant"))]


def extra_grant(item: DriftItem, ctx: Context) -> list[Statement]:
    """REVOKE (just GRANT OPTION FOR, where the spec grants the privilege itself); of what an
    object this plan makes holds when made (PUBLIC's EXECUTE), without hazard: no one uses it yet."""
    assert ctx.actual.privileges is not None and ctx.expected.privileges is not None
    grant = grant_of(item, ctx.actual.privileges.grants, ctx.expected.privileges.defaults)
    target = object_sql(grant.kind, grant.object, (ctx.actual, ctx.expected), ctx.dialect)
    sql = grant_sql(grant, target, ctx.dialect, revoke=True, option_only=item.actual == "WITH GRANT OPTION")
    made = (grant.kind, grant.object) not in set(ctx.actual.privileges.objects)
    return [Statement(sql, item, "grants", hazards_of("revoke_from_new" if made else "revoke"))]


def owner_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """ALTER ... OWNER TO the spec's role, then the spec's grants to the old owner: Postgres hands
    the old owner's privileges to the new one, so what the spec grants the old owner is gone."""
    assert ctx.expected.privileges is not None
    owner = owner_of(item, ctx.expected.privileges)
    target = object_sql(owner.kind, owner.object, (ctx.expected, ctx.actual), ctx.dialect)
    locks = owner.kind in _RELATIONS and item.actual is not None
    moved = {(owner.kind, owner.object), *(("sequence", key) for key in _sequences_of(owner, ctx.expected))}
    regrants = [g for g in ctx.expected.privileges.grants
                if (g.kind, g.object) in moved and g.grantee == item.actual != owner.role]
    # The regrants carry the owner change's hazards: withheld with it, they are not run alone.
    hazards = hazards_of("alter_relation_owner" if locks else "alter_owner")
    return [Statement(owner_sql(owner, target, ctx.dialect), item, "owners", hazards),
            *(Statement(grant_sql(g, object_sql(g.kind, g.object, (ctx.expected, ctx.actual), ctx.dialect),
                                  ctx.dialect), item, "grants", hazards) for g in regrants)]


def _sequences_of(owner: Owner, expected: Schema) -> list[str]:
    """The sequences that may change owner with a table (its serial and identity columns'; a
    regrant on one that did not is a GRANT of a privilege held, which changes nothing)."""
    if owner.kind != "table":
        return []
    return [key for t in expected.tables if t.key == owner.object for key in table_sequences(t)]
