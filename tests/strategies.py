"""Hypothesis strategies for the edges (issue 17, point 7): hostile identifiers, CHECK and
DEFAULT expressions valid on both engines, small schemas made of them, and URLs carrying secrets.

Everything here is data: the SQL and YAML spellings of it are built by the tests with their own
quoting (never the product's), so that a quoting mistake in the product cannot hide in the test.
"""
from __future__ import annotations

import string
import urllib.parse
from dataclasses import dataclass, field

from hypothesis import strategies as st
from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

PG_IDENTIFIER_BYTES = 63
"""Postgres keeps this many bytes of a name (NAMEDATALEN - 1); longer ones it truncates."""

SQLITE_KEYWORDS = tuple("""abort action add after all alter always analyze and as asc attach autoincrement before
begin between by cascade case cast check collate column commit conflict constraint create cross current current_date
current_time current_timestamp database default deferrable deferred delete desc detach distinct do drop each else end
escape except exclude exclusive exists explain fail filter first following for foreign from full generated glob group
groups having if ignore immediate in index indexed initially inner insert instead intersect into is isnull join key
last left like limit match materialized natural no not nothing notnull null nulls of offset on or order others outer
over partition plan pragma preceding primary query raise range recursive references regexp reindex release rename
replace restrict returning right rollback row rows savepoint select set table temp temporary then ties to transaction
trigger unbounded union unique update using vacuum values view virtual when where window with without rowid""".split())
"""SQLite's keywords (https://sqlite.org/lang_keywords.html), and ``rowid``."""
PG_KEYWORDS = tuple(sorted(RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS))
KEYWORDS = tuple(sorted(set(SQLITE_KEYWORDS) | set(PG_KEYWORDS)))

_PLAIN = string.ascii_letters + string.digits + "_"
_HOSTILE = ('"', "'", ".", " ", "-", ";", "$", "(", ")", ",", "é", "Ü", "ñ", "ø", "表", "列", "名", "☕", "🚀", "👍🏽")


def utf8_len(text: str) -> int:
    """Bytes of ``text`` in UTF-8: what Postgres' 63-byte limit counts."""
    return len(text.encode("utf-8"))


def fit_bytes(text: str, limit: int = PG_IDENTIFIER_BYTES) -> str:
    """``text`` cut at a character boundary so that it holds at most ``limit`` UTF-8 bytes."""
    out = ""
    for char in text:
        if utf8_len(out + char) > limit:
            break
        out += char
    return out


def fold(name: str) -> str:
    """The key two names collide on: SQLite compares names case-insensitively (and Postgres
    does not, so this is the stricter of the two)."""
    return name.casefold()


def _acceptable(name: str) -> bool:
    return (bool(name.strip()) and "\x00" not in name and utf8_len(name) <= PG_IDENTIFIER_BYTES
            and not fold(name).startswith("sqlite_"))  # SQLite reserves these table and index names


def _mixed_case(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.upper(), word.capitalize(), word.swapcase(),
                            "".join(c.upper() if i % 2 else c for i, c in enumerate(word))])


def identifiers(exclude: frozenset[str] = frozenset()) -> st.SearchStrategy[str]:
    """Names for tables, columns, indexes and constraints: plain words, reserved words of either
    engine in mixed case, and names holding double and single quotes, dots, spaces, punctuation,
    accented letters, CJK and emoji (multi-byte, up to Postgres' 63-byte limit), leading and
    trailing spaces too. Never a NUL, never only spaces, never one of ``exclude`` (exact)."""
    plain = st.text(_PLAIN, min_size=1, max_size=12)
    keyword = st.sampled_from(KEYWORDS).flatmap(_mixed_case)
    hostile = st.lists(st.sampled_from(_PLAIN) | st.sampled_from(_HOSTILE), min_size=1, max_size=20).map("".join)
    decorated = st.tuples(keyword | plain, st.sampled_from(_HOSTILE), keyword | plain | hostile).map("".join)
    long = st.lists(st.sampled_from(_PLAIN[:10]) | st.sampled_from(_HOSTILE), min_size=20, max_size=70).map(
        lambda chars: fit_bytes("".join(chars)))
    return st.one_of(plain, keyword, hostile, decorated, long).filter(lambda n: _acceptable(n) and n not in exclude)


def distinct_identifiers(n_min: int, n_max: int, taken: frozenset[str] = frozenset(),
                         exclude: frozenset[str] = frozenset()) -> st.SearchStrategy[list[str]]:
    """``n_min`` to ``n_max`` identifiers (none in ``exclude``), distinct from each other and
    from ``taken`` after :func:`fold` (so that they are distinct on both engines)."""
    return st.lists(identifiers(exclude).filter(lambda n: fold(n) not in taken), min_size=n_min, max_size=n_max,
                    unique_by=fold)


# ---------------------------------------------------------------------------------------------
# SQL spellings (the test's own)


def quote_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier: the same rule on SQLite and Postgres."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """``text`` as a SQL string literal (standard: quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def spec_table_key(name: str) -> str:
    """A table's key in a spec: double-quoted, so that a dot in it is no schema separator."""
    return quote_identifier(name)


# ---------------------------------------------------------------------------------------------
# Expressions valid on both engines

INT, TEXT = "integer", "text"
_WORDS = ("it's", "a b", "", "x", "café ☕", "O'Reilly''s", 'say "hi"', "--", "/*", ";", "表")


def string_literals() -> st.SearchStrategy[str]:
    """SQL string literals, single quotes inside doubled (``'it''s'``)."""
    return (st.sampled_from(_WORDS) | st.text(st.sampled_from(_PLAIN + "' \"é表"), max_size=8)).map(quote_literal)


def integer_literals() -> st.SearchStrategy[str]:
    """Integer literals, negative ones too."""
    return st.integers(-1000, 100000).map(str)


def float_literals() -> st.SearchStrategy[str]:
    """Decimal literals such as ``1.5`` (no exponent, no NaN)."""
    return st.tuples(st.integers(0, 999), st.integers(0, 99)).map(lambda p: f"{p[0]}.{p[1]:02d}")


def _int_terms(column: str | None) -> st.SearchStrategy[str]:
    """Integer-valued terms: literals, the column, arithmetic of them, in parentheses."""
    atoms = integer_literals() | (st.just(quote_identifier(column)) if column else st.nothing())

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            inner.map(lambda e: f"({e})"))
    return st.recursive(atoms, extend, max_leaves=4)


def _comparison() -> st.SearchStrategy[str]:
    return st.sampled_from(["=", "<>", "!=", "<", "<=", ">", ">="])


def _int_predicates(column: str) -> st.SearchStrategy[str]:
    q = quote_identifier(column)
    return st.one_of(
        st.tuples(_int_terms(column), _comparison(), _int_terms(None)).map(" ".join),
        st.tuples(st.just(q), _comparison(), float_literals()).map(" ".join),
        st.tuples(st.integers(-1000, 1000), st.integers(-1000, 1000)).map(
            lambda t: f"{q} BETWEEN {min(t)} AND {max(t)}"),
        st.lists(integer_literals(), min_size=1, max_size=4).map(lambda v: f"{q} IN ({', '.join(v)})"),
        st.lists(integer_literals(), min_size=1, max_size=3).map(lambda v: f"{q} NOT IN ({', '.join(v)})"),
        st.just(f"{q} IS NOT NULL"),
    )


def _text_predicates(column: str) -> st.SearchStrategy[str]:
    q = quote_identifier(column)
    return st.one_of(
        st.tuples(st.sampled_from([f"length({q})", f"length(lower({q}))"]), _comparison(),
                  st.integers(0, 50).map(str)).map(" ".join),
        st.tuples(st.sampled_from([q, f"lower({q})"]), _comparison(), string_literals()).map(" ".join),
        st.lists(string_literals(), min_size=1, max_size=4).map(lambda v: f"{q} IN ({', '.join(v)})"),
        st.just(f"{q} IS NOT NULL"),
    )


def predicates(columns: list[tuple[str, str]]) -> st.SearchStrategy[str]:
    """A boolean expression over ``columns`` ((name, INT or TEXT) pairs), valid in a CHECK on
    both engines: comparisons with literals, BETWEEN, IN lists, length()/lower(), arithmetic,
    combined with AND/OR/NOT in nested parentheses."""
    atoms = st.sampled_from(columns).flatmap(lambda c: _int_predicates(c[0]) if c[1] == INT else _text_predicates(c[0]))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            inner.map(lambda e: f"NOT ({e})"),
            inner.map(lambda e: f"({e})"))
    return st.recursive(atoms, extend, max_leaves=4)


def defaults(column_type: str) -> st.SearchStrategy[str]:
    """A DEFAULT for a column of ``column_type`` valid on both engines: a literal, a negative
    number, or a parenthesized constant expression."""
    if column_type == INT:
        return st.one_of(integer_literals(),
                         _int_terms(None).map(lambda e: e if e.startswith("(") else f"({e})"))
    return st.one_of(string_literals(), string_literals().map(lambda s: f"lower({s})"),
                     string_literals().map(lambda s: f"({s})"))


# ---------------------------------------------------------------------------------------------
# Small schemas of those


@dataclass(frozen=True)
class ColumnDef:
    """One column of a fuzzed table."""

    name: str
    type: str  # INT or TEXT
    nullable: bool = True
    default: str | None = None
    check: str | None = None


@dataclass(frozen=True)
class TableDef:
    """One fuzzed table: columns, an optional primary key, named checks and indexes."""

    name: str
    columns: tuple[ColumnDef, ...]
    primary_key: str | None = None
    checks: tuple[tuple[str, str], ...] = ()
    indexes: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())


def _not_a_key_name(name: str) -> bool:
    """Postgres names a primary key's index ``<table>_pkey``: an index must not take it."""
    return not fold(name).endswith(("_pkey", "_key"))


@st.composite
def table_defs(draw: st.DrawFn, name: str, taken: frozenset[str],
               exclude: frozenset[str] = frozenset()) -> tuple[TableDef, frozenset[str]]:
    """A table called ``name`` with 1 to 4 columns (integer and text), a default and a check on a
    column, maybe a primary key, a named check and an index whose name is not in ``taken`` (the
    schema's relation names so far, folded); returns it and the names now taken."""
    names = draw(distinct_identifiers(1, 4, exclude=exclude))
    types = [draw(st.sampled_from([INT, TEXT])) for _ in names]
    typed = list(zip(names, types))
    columns = []
    for i, (col, typ) in enumerate(typed):
        columns.append(ColumnDef(
            col, typ, nullable=draw(st.booleans()),
            default=draw(defaults(typ)) if i == 0 or draw(st.booleans()) else None,
            check=draw(predicates([(col, typ)])) if i == 0 or draw(st.integers(0, 3)) == 0 else None))
    primary_key = draw(st.sampled_from([None, *names]))
    check_names = [n for n in draw(distinct_identifiers(0, 2, exclude=exclude))
                   if _not_a_key_name(n) and not fold(n).endswith("_check")]  # Postgres' own check names
    checks = tuple((n, draw(predicates(typed))) for n in check_names)
    index_names = draw(st.lists(identifiers(exclude).filter(lambda n: fold(n) not in taken and _not_a_key_name(n)),
                                min_size=1, max_size=2, unique_by=fold))
    indexes = tuple((n, tuple(draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))))
                    for n in index_names)
    return (TableDef(name, tuple(columns), primary_key, checks, indexes),
            taken | {fold(n) for n in index_names})


@st.composite
def schemas(draw: st.DrawFn, min_tables: int = 1, max_tables: int = 3,
            exclude: frozenset[str] = frozenset()) -> list[TableDef]:
    """1 to 3 tables with distinct fuzzed names (none in ``exclude``); every table and index
    name distinct from every other (folded: tables and indexes share one namespace on both
    engines)."""
    names = draw(distinct_identifiers(min_tables, max_tables, exclude=exclude)
                 .filter(lambda ns: all(map(_not_a_key_name, ns))))
    taken = frozenset(fold(n) for n in names) | frozenset(fold(n) + "_pkey" for n in names)
    tables = []
    for name in names:
        table, taken = draw(table_defs(name, taken, exclude))
        tables.append(table)
    return tables


# ---------------------------------------------------------------------------------------------
# Secrets and the URLs that carry them

_SECRET_CORE = string.ascii_letters + string.digits
URL_SPECIALS = ("@", ":", "/", "%", "#", "?", " ", "&", "=", "+", "'", '"', "\\", "é")


def secret_values() -> st.SearchStrategy[str]:
    """A high-entropy secret: 8 to 16 distinct letters and digits (never a word the output could
    hold by chance), with up to four URL-special characters (``@ : / % # ?``, space, ...) mixed in."""
    core = st.lists(st.sampled_from(_SECRET_CORE), min_size=8, max_size=16, unique=True).map("".join)

    @st.composite
    def build(draw: st.DrawFn) -> str:
        text = list(draw(core))
        for special in draw(st.lists(st.sampled_from(URL_SPECIALS), max_size=4)):
            text.insert(draw(st.integers(1, len(text) - 1)), special)  # inside: a strip cannot remove it
        return "".join(text)
    return build()


def distinct_secrets(n: int) -> st.SearchStrategy[list[str]]:
    """``n`` secrets, none a substring of another."""
    return st.lists(secret_values(), min_size=n, max_size=n, unique=True).filter(
        lambda ss: not any(a != b and a in b for a in ss for b in ss))


@dataclass(frozen=True)
class SecretUrl:
    """A database URL (or keyword DSN) with a planted secret, and the route it takes."""

    route: str
    url: str
    secret: str


UNREACHABLE = "127.0.0.1:1"  # nothing listens on port 1


def secret_urls(real_server: str = "127.0.0.1:5432") -> st.SearchStrategy[SecretUrl]:
    """A URL that fails to connect and carries a secret: the password in the userinfo
    (percent-encoded, as RFC 3986 wants), in a ``?password=`` query (quote_plus-encoded), or in a
    keyword DSN; aimed at a port nothing listens on, or at the real server with a database or a
    user that does not exist (its trust authentication never looks at the password)."""
    @st.composite
    def build(draw: st.DrawFn) -> SecretUrl:
        secret = draw(secret_values())
        scheme = draw(st.sampled_from(["postgresql", "postgresql+psycopg", "postgres"]))
        where = draw(st.sampled_from(["unreachable", "no such database", "no such user"]))
        host = UNREACHABLE if where == "unreachable" else real_server
        user = "nobody_" + draw(st.text(string.ascii_lowercase, min_size=4, max_size=8)) if where == "no such user" \
            else "postgres"
        database = ("missing_" + draw(st.text(string.ascii_lowercase, min_size=4, max_size=8))
                    if where == "no such database" else "postgres")
        route = draw(st.sampled_from(["userinfo", "query", "both", "dsn"]))
        if route == "dsn":
            hostname, port = host.split(":")
            quoted = "'" + secret.replace("\\", "\\\\").replace("'", "\\'") + "'"
            return SecretUrl(route, f"host={hostname} port={port} user={user} password={quoted} dbname={database}",
                             secret)
        encoded = urllib.parse.quote(secret, safe="")
        if route == "userinfo":
            return SecretUrl(route, f"{scheme}://{user}:{encoded}@{host}/{database}", secret)
        query = urllib.parse.urlencode({"password": secret, "connect_timeout": "5"})
        userinfo = f"{user}:{encoded}" if route == "both" else user
        return SecretUrl(route, f"{scheme}://{userinfo}@{host}/{database}?{query}", secret)
    return build()


def spellings(secret: str) -> set[str]:
    """Every spelling a secret could take in output: plain, percent-encoded (quote with and
    without '/' safe, quote_plus), JSON-escaped."""
    import json

    return {secret, urllib.parse.quote(secret), urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret),
            json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
