"""Type names a spec may write, and the near misses of them that are typos.

``type: integr`` is a typo, not a type the database lacks: reported at load time as ``unknown
type 'integr' (did you mean 'integer'?)``. A name that is no near miss of a known one stays
accepted (SQLite apps declare ``LONGVARCHAR``; Postgres has extension types), and on Postgres the
connected server says whether it knows the type (``auditor.audit``). The names below are data:
Postgres' built-in types and their SQL spellings, SQLite's documented affinity examples, the
names other engines' apps carry into SQLite, and common extension types.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from auditor.canon import parse_type
from auditor.model import Schema, Table, display_name

POSTGRES_TYPES = frozenset("""
bigint bigserial bit boolean bool box bytea char character cidr circle date daterange datemultirange
decimal double float float4 float8 inet int int2 int4 int8 int4range int8range int4multirange
int8multirange integer interval json jsonb jsonpath line lseg macaddr macaddr8 money name numeric
numrange nummultirange oid path pg_lsn pg_snapshot point polygon real regclass regconfig regdictionary
regnamespace regoper regoperator regproc regprocedure regrole regtype serial serial2 serial4 serial8
smallint smallserial text time timetz timestamp timestamptz tsmultirange tsquery tsrange tstzmultirange
tstzrange tsvector txid_snapshot uuid varbit varchar xid xid8 xml record void trigger anyelement
""".split())
POSTGRES_PHRASES = frozenset({
    "double precision", "character varying", "bit varying", "timestamp with time zone",
    "timestamp without time zone", "time with time zone", "time without time zone",
})
# SQLite declares any name; these are its documentation's examples and what apps ported from
# other engines write (a typo of one of them is still a typo).
OTHER_ENGINE_TYPES = frozenset("""
blob clob datetime datetime2 datetimeoffset smalldatetime tinyint mediumint nvarchar nchar ntext
longtext mediumtext tinytext longblob mediumblob tinyblob year number varchar2 nvarchar2 nclob image
uniqueidentifier smallmoney binary varbinary rowversion string long longvarchar longvarbinary
unsigned boolean native varying enum set identity any
""".split())
EXTENSION_TYPES = frozenset("""
citext hstore ltree lquery ltxtquery geometry geography box2d box3d raster vector halfvec sparsevec
cube seg isbn isbn13 ismn issn ean13 upc
""".split())
KNOWN_TYPES = POSTGRES_TYPES | OTHER_ENGINE_TYPES | EXTENSION_TYPES


def base_name(text: str) -> str | None:
    """The type's name without arguments or array brackets, as the spec compares it (lower
    case but where quoted); None if the text is no type."""
    parts = parse_type(text)
    return parts.base if parts is not None else None


def is_known(name: str, user_types: Iterable[str] = ()) -> bool:
    """A built-in, other-engine or extension type name, or one of the spec's own types."""
    return name in KNOWN_TYPES or name in POSTGRES_PHRASES or name in set(user_types)


def near_miss(text: str, user_types: Iterable[str] = ()) -> str | None:
    """The known type ``text`` is a typo of (``integr`` -> ``integer``), or None: a known type,
    a qualified one (a schema's own), or a name too far from every known one."""
    return _near_miss(text, frozenset(user_types))


@lru_cache(maxsize=4096)  # a spec writes the same few types on thousands of columns
def _near_miss(text: str, user: frozenset[str]) -> str | None:
    name = base_name(text)
    if name is None or "." in name or '"' in text or is_known(name, user) or name.split(" ")[0] in KNOWN_TYPES:
        return None
    limit = 1 if len(name) <= 5 else 2
    best = min(((_distance(name, known), known) for known in sorted(KNOWN_TYPES | user)
                if known[:1] == name[:1] and len(known) >= 3), default=None)
    return best[1] if best is not None and best[0] <= limit else None


def _distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbours as one edit (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            row.append(cost)
        previous2, previous = previous, row
    return previous[-1]


def names_to_ask(tables: Iterable[Table], user_types: Iterable[str] = ()) -> dict[str, str]:
    """The column type names neither built into Postgres nor the spec's own (an extension's,
    another engine's, a typo), each with the first column it types (``table.column``): for the
    server to say whether it knows them."""
    user = set(user_types)
    out: dict[str, str] = {}
    for table in tables:
        for column in table.columns:
            name = _not_built_in(column.type)
            if name and name not in out and name.lower() not in user:
                out[name] = f"{display_name(table.schema, table.name)}.{column.name}"
    return out


@lru_cache(maxsize=4096)
def _not_built_in(text: str) -> str | None:
    """The type's name as the catalog has it, unless Postgres has it built in."""
    name = _unquoted(base_name(text) or "")
    if not name or name in POSTGRES_TYPES or name in POSTGRES_PHRASES or name.split(" ")[0] in POSTGRES_TYPES:
        return None
    return name


def user_type_names(schema: Schema) -> set[str]:
    """The names the spec's own types are written by: each enum, domain, composite and range
    type (and a range type's multirange), bare and schema-qualified, as the spec compares them."""
    named = (*schema.enums, *schema.domains, *schema.composite_types, *schema.range_types)
    names = {n.name for n in named} | {f"{n.schema}.{n.name}" for n in named if n.schema}
    names |= {r.multirange_type_name for r in schema.range_types if r.multirange_type_name}
    names |= {f"public.{n.name}" for n in named if not n.schema}  # as canonical types name them
    return {name.lower() for name in names}


_NAME_PART_RE = re.compile(r'"(?:[^"]|"")*"|[^."]+')


def _unquoted(name: str) -> str:
    """A name as the catalog has it: each quoted part unquoted, its doubled quotes single."""
    if '"' not in name:
        return name
    return ".".join(p[1:-1].replace('""', '"') if p.startswith('"') else p for p in _NAME_PART_RE.findall(name))
