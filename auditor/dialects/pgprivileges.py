"""Grants and owners on Postgres: the privileges each kind of object has, the one catalog query
that reads who holds them (``aclexplode``, defaults from ``acldefault`` where an object's ACL is
NULL), and the GRANT, REVOKE and OWNER TO statements that change them."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from auditor.model import Grant, Owner, Privileges, qualified_key

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from auditor.dialects import Dialect

_TABLE = ("DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE")

# What ALL PRIVILEGES means per kind of object (Postgres 15), and so which privileges it takes.
ALL_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "table": _TABLE, "view": _TABLE, "materialized view": _TABLE,
    "sequence": ("SELECT", "UPDATE", "USAGE"),
    "function": ("EXECUTE",), "procedure": ("EXECUTE",),
    "schema": ("CREATE", "USAGE"),
}
COLUMN_PRIVILEGES = ("INSERT", "REFERENCES", "SELECT", "UPDATE")

# What PUBLIC holds on an object nobody has granted or revoked anything on (``acldefault``).
DEFAULT_PUBLIC: dict[str, tuple[str, ...]] = {"function": ("EXECUTE",), "procedure": ("EXECUTE",)}

# GRANT ... ON <word>, and ALTER <word> ... OWNER TO.
_GRANT_WORDS = {"table": "TABLE", "view": "TABLE", "materialized view": "TABLE", "sequence": "SEQUENCE",
                "function": "FUNCTION", "procedure": "PROCEDURE", "schema": "SCHEMA"}
_ALTER_WORDS = {"table": "TABLE", "view": "VIEW", "materialized view": "MATERIALIZED VIEW",
                "sequence": "SEQUENCE", "function": "FUNCTION", "procedure": "PROCEDURE", "schema": "SCHEMA"}

_RELATION_KIND = ("CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' "
                  "WHEN 'm' THEN 'materialized view' ELSE 'table' END")

# One row per (object, privilege, role other than the owner), and one row of NULL privilege for an
# object whose only privileges are its owner's: tables, views, sequences and their columns,
# functions and procedures (not an extension's) and the schemas read. Role 0 is PUBLIC.
PRIVILEGES_SQL = f"""
WITH acl AS (
  SELECT {_RELATION_KIND} AS kind, n.nspname, c.relname AS name, NULL::text[] AS args, NULL::name AS col,
         c.relowner AS owner,
         coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)) AS acl
  FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname = ANY(%(schemas)s)
  UNION ALL
  SELECT {_RELATION_KIND}, n.nspname, c.relname, NULL, a.attname, c.relowner, a.attacl
  FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
  WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
    AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = ANY(%(schemas)s)
  UNION ALL
  SELECT CASE WHEN p.prokind = 'p' THEN 'procedure' ELSE 'function' END, n.nspname, p.proname,
         ARRAY(SELECT format_type(t.oid, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS t(oid, i)
               ORDER BY t.i),
         NULL, p.proowner, coalesce(p.proacl, acldefault('f', p.proowner))
  FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
  WHERE p.prokind IN ('f', 'p', 'w') AND n.nspname = ANY(%(schemas)s)
    AND NOT EXISTS (SELECT 1 FROM pg_depend AS dep WHERE dep.classid = 'pg_proc'::regclass
                    AND dep.objid = p.oid AND dep.deptype IN ('e', 'i'))
  UNION ALL
  SELECT 'schema', n.nspname, n.nspname, NULL, NULL, n.nspowner, coalesce(n.nspacl, acldefault('n', n.nspowner))
  FROM pg_namespace AS n WHERE n.nspname = ANY(%(schemas)s)
)
SELECT acl.kind, acl.nspname, acl.name, acl.args, acl.col, pg_get_userbyid(acl.owner),
       CASE WHEN g.grantee = 0 THEN 'public' ELSE pg_get_userbyid(g.grantee) END, g.privilege_type, g.is_grantable
FROM acl LEFT JOIN LATERAL (SELECT * FROM aclexplode(acl.acl) AS x WHERE x.grantee <> acl.owner) AS g ON true
ORDER BY 1, 2, 3, 5, 7, 8"""

def object_key(kind: str, schema: str, name: str, arguments: Iterable[str] = ()) -> str:
    """The key a grant names its object by: ``schema.name``, ``schema.f(integer)``, or a
    schema's own name."""
    if kind == "schema":
        return name
    if kind in ("function", "procedure"):
        return qualified_key(schema, f"{name}({', '.join(arguments)})")
    return qualified_key(schema, name)


def read_privileges(conn: Connection, schemas: tuple[str, ...]) -> Privileges:
    """Every grant (the owners' own aside), every owner and every object of ``schemas``, and what
    each would hold when made (``Privileges.defaults``)."""
    from auditor.dialects.pgfunctions import argument_type_text

    grants: list[Grant] = []
    owners: dict[tuple[str, str], Owner] = {}
    for kind, nsp, name, args, column, owner, grantee, privilege, grantable in conn.exec_driver_sql(
            PRIVILEGES_SQL, {"schemas": list(schemas)}):
        key = object_key(kind, nsp, name, (argument_type_text(a) for a in args or ()))
        owners.setdefault((kind, key), Owner(kind, key, owner))
        if grantee is not None:
            grants.append(Grant(kind, key, privilege, grantee, column, bool(grantable)))
    defaults = tuple(Grant(kind, key, privilege, "public") for kind, key in owners
                     for privilege in DEFAULT_PUBLIC.get(kind, ()))
    return Privileges(tuple(grants), tuple(owners.values()), tuple(owners), defaults)


def role_sql(role: str, dialect: Dialect) -> str:
    """A role as GRANT and OWNER TO name it: ``PUBLIC`` for every role."""
    return "PUBLIC" if role == "public" else dialect.quote(role)


def grant_sql(grant: Grant, target: str, dialect: Dialect, revoke: bool = False, option_only: bool = False) -> str:
    """GRANT (or REVOKE) of one privilege on ``target`` (the object as SQL names it) to one role;
    ``option_only``: REVOKE just its GRANT OPTION."""
    privilege = grant.privilege + (f" ({dialect.quote(grant.column)})" if grant.column else "")
    on, role = f"ON {_GRANT_WORDS[grant.kind]} {target}", role_sql(grant.grantee, dialect)
    if revoke:
        return f"REVOKE {'GRANT OPTION FOR ' if option_only else ''}{privilege} {on} FROM {role}"
    return f"GRANT {privilege} {on} TO {role}" + (" WITH GRANT OPTION" if grant.grantable else "")


def owner_sql(owner: Owner, target: str, dialect: Dialect) -> str:
    """ALTER <kind> ... OWNER TO the owner's role."""
    return f"ALTER {_ALTER_WORDS[owner.kind]} {target} OWNER TO {dialect.quote(owner.role)}"
