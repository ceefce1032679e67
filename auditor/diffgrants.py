"""The differ's part for grants and owners, compared when both sides have them (the spec asked,
so the inspector read them). A grant is keyed by object, column, privilege and role; one held
WITH GRANT OPTION where the spec has none is an extra grant (of the option), and the other way
round a missing one. The owner's own privileges are not compared: an owner holds every privilege
whatever the ACL says, until someone revokes them from it (which this tool does not model). Only
the objects the spec has are compared; the grants on the others go with them (``extra_table``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from auditor.model import Grant, Owner, Privileges

if TYPE_CHECKING:
    from auditor.diff import DriftItem

KINDS = {"missing_grant": "error", "extra_grant": "error", "owner_mismatch": "error"}


def diff_privileges(want: Privileges | None, have: Privileges | None) -> Iterator[DriftItem]:
    """extra_grant items (their REVOKEs go first), then missing_grant and owner_mismatch."""
    if want is None or have is None:
        return
    scope = set(want.objects)
    live_owner = {(o.kind, o.object): o.role for o in have.owners}
    wanted_owner = {(o.kind, o.object): o.role for o in want.owners}

    def owners(grant: Grant) -> set[str | None]:
        target = (grant.kind, grant.object)
        return {wanted_owner.get(target) or live_owner.get(target), live_owner.get(target)}

    made = scope - set(have.objects)  # what a plan makes holds the defaults once made
    live = (*have.grants, *(g for g in want.defaults if (g.kind, g.object) in made))
    wanted = {g.key: g for g in want.grants if g.grantee not in owners(g)}
    held = {g.key: g for g in live if (g.kind, g.object) in scope and g.grantee not in owners(g)}
    for key, grant in held.items():
        if key not in wanted or (grant.grantable and not wanted[key].grantable):
            yield _extra(grant, key in wanted)
    for key, grant in wanted.items():
        if key not in held or (grant.grantable and not held[key].grantable):
            yield _missing(grant, key in held)
    for (kind, key), role in wanted_owner.items():
        if live_owner.get((kind, key)) != role:
            yield _owner_item(Owner(kind, key, role), live_owner.get((kind, key)))


def grant_label(grant: Grant) -> str:
    """``SELECT to app``, ``UPDATE (status) to app``: how an item names a grant on its object."""
    column = f" ({grant.column})" if grant.column else ""
    return f"{grant.privilege}{column} to {_role(grant.grantee)}"


def _role(grantee: str) -> str:
    return "PUBLIC" if grantee == "public" else grantee  # no role can be named public


def describe_object(kind: str, key: str) -> str:
    """``table orders``, ``function app.f(integer)``, ``schema app``."""
    from auditor.model import display_name

    schema, name = split_key(kind, key)
    return f"{kind} {display_name(schema, name) if schema else name}"


def split_key(kind: str, key: str) -> tuple[str | None, str]:
    """(schema, name) of an object key (a schema's: (None, name))."""
    if kind == "schema":
        return None, key
    schema, _, name = key.partition(".")
    return schema, name


def _extra(grant: Grant, option_only: bool) -> DriftItem:
    what = f"{_role(grant.grantee)} holds {grant.privilege}" + (f" on column {grant.column} of" if grant.column else " on")
    said = " WITH GRANT OPTION, which the spec does not give" if option_only else ", which the spec does not grant"
    return _item("extra_grant", grant, None, "WITH GRANT OPTION" if option_only else "granted",
                 f"{what} {describe_object(grant.kind, grant.object)}{said}")


def _missing(grant: Grant, option_only: bool) -> DriftItem:
    what = f"{_role(grant.grantee)} lacks {grant.privilege}" + (f" on column {grant.column} of" if grant.column else " on")
    said = "'s GRANT OPTION, which the spec gives" if option_only else ", which the spec grants"
    expected = "WITH GRANT OPTION" if grant.grantable else "granted"
    return _item("missing_grant", grant, expected, "granted" if option_only else None,
                 f"{what} {describe_object(grant.kind, grant.object)}{said}".replace(" 's", "'s"))


def _item(kind: str, grant: Grant, expected: str | None, actual: str | None, message: str) -> DriftItem:
    from auditor.diff import DriftItem

    schema, name = split_key(grant.kind, grant.object)
    return DriftItem(kind, schema, name, grant_label(grant), expected, actual, message)


def _owner_item(owner: Owner, live: str | None) -> DriftItem:
    from auditor.diff import DriftItem

    schema, name = split_key(owner.kind, owner.object)
    where = f"is owned by {live}" if live else "is to be made (by the role that applies the plan)"
    return DriftItem("owner_mismatch", schema, name, "owner", owner.role, live,
                     f"{describe_object(owner.kind, owner.object)} {where}; the spec says {owner.role}")


def grant_of(item: DriftItem, *grants: tuple[Grant, ...]) -> Grant:
    """The grant an item of ``diff_privileges`` is about, found in the first of ``grants`` that
    has it (the spec's for a missing one; the live ones, then the defaults, for an extra one)."""
    for held in grants:
        found = _grants_index(held).get((item.table_key, item.name))
        if found is not None:
            return found
    raise KeyError(f"{item.table_key}: {item.name}")


def owner_of(item: DriftItem, privileges: Privileges) -> Owner:
    """The spec's Owner an owner_mismatch item is about."""
    return next(o for o in privileges.owners if o.object == item.table_key)


_INDEXES: dict[int, tuple[tuple[Grant, ...], dict[tuple[str, str | None], Grant]]] = {}


def _grants_index(grants: tuple[Grant, ...]) -> dict[tuple[str, str | None], Grant]:
    # By identity: a plan looks up every item in the same few values (hashing them is slower).
    held = _INDEXES.get(id(grants))
    if held is None or held[0] is not grants:
        if len(_INDEXES) > 8:
            _INDEXES.clear()
        held = _INDEXES[id(grants)] = (grants, {(g.object, grant_label(g)): g for g in grants})
    return held[1]
