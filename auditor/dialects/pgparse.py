"""pglast's parser, for SQL that an older Postgres server accepted or wrote itself.

pglast parses with the grammar of a newer Postgres than the servers it reads: a word that has
become a keyword since (``json``, a keyword from Postgres 16 on) stops it where the server took
the word as a plain name, as in a function ``f(json json DEFAULT '{}')`` that Postgres 15 creates
and ``pg_get_functiondef`` writes back. Where the parser stops at such a word (or right after
one), the word is quoted, in lower case, and the text parsed again, a few times at most. An
unquoted name means its lower-case spelling, so quoting it changes nothing the server meant, and
parse trees carry names without their quotes: the tree is the one the older grammar would give.
Reserved words are never quoted (the older server did not take them as names either).
"""
from __future__ import annotations

from typing import Callable

_NEWER_KEYWORDS = frozenset({"UNRESERVED_KEYWORD", "COL_NAME_KEYWORD", "TYPE_FUNC_NAME_KEYWORD"})
_RETRIES = 8


def parse_sql_json(sql: str) -> str:
    """``pglast.parser.parse_sql_json`` of ``sql``, with names the newer grammar calls keywords
    quoted where it stops at them. Raises ``pglast.parser.ParseError`` for text that still fails."""
    return parsed_sql(sql)[1]


def parsed_sql(sql: str) -> tuple[str, str]:
    """(the text the parser took, with such names quoted; its ``parse_sql_json``), for callers
    that parse the same text again (a PL/pgSQL body) or point into it."""
    from pglast import parser  # loaded on the first text no earlier process has met (pgmemo)

    return _parsed(parser.parse_sql_json, sql)


def parse_plpgsql_json(sql: str) -> str:
    """``pglast.parser.parse_plpgsql_json`` of a CREATE FUNCTION statement, as ``parse_sql_json``."""
    from pglast import parser

    return _parsed(parser.parse_plpgsql_json, sql)[1]


def _parsed(parse: Callable[[str], str], sql: str) -> tuple[str, str]:
    from pglast import parser

    text, first = sql, None
    for _ in range(_RETRIES):
        try:
            return text, parse(text)
        except parser.ParseError as exc:
            first = first or exc  # what is reported: where the author's own text stops
            retry = _requoted(parse, text, _offset(exc))
            if retry is None:
                raise first from None
            text = retry
    raise first  # type: ignore[misc]


def _offset(exc: Exception) -> int | None:
    """The character where the parser stopped, when it says."""
    return exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None


def _requoted(parse: Callable[[str], str], text: str, offset: int | None) -> str | None:
    """The text with the keyword the parser stopped at, or the one before it, quoted: the first of
    the two that lets the parser get further. None when neither is such a word."""
    from pglast import parser

    if offset is None:
        return None
    words = _words(text)
    at = next((i for i, (start, _, _) in enumerate(words) if start >= offset), len(words))
    for i in (at, at - 1):
        if 0 <= i < len(words) and words[i][2]:
            start, end, _ = words[i]
            candidate = f'{text[:start]}"{text[start:end].lower()}"{text[end:]}'
            try:
                parse(candidate)
                return candidate
            except parser.ParseError as exc:
                further = _offset(exc)
                if further is not None and further > offset + 2:
                    return candidate
    return None


def _words(text: str) -> list[tuple[int, int, bool]]:
    """Each token as (start, end) character offsets and whether it is an unquoted non-reserved
    keyword (one an older grammar may have taken as a name)."""
    from pglast import parser

    return [(token.start, token.end + 1,
             token.kind in _NEWER_KEYWORDS and text[token.start:token.end + 1].isalnum())
            for token in parser.scan(text)]


def or_replace_sql(sql: str) -> str:
    """A CREATE statement as written, as ``CREATE OR REPLACE`` (a function's or a trigger's; the
    author's text otherwise untouched, comments too)."""
    from pglast import parser

    words = [t for t in parser.scan(sql) if t.name not in ("SQL_COMMENT", "C_COMMENT")]
    if not (len(words) > 1 and words[1].name == "OR"):
        end = words[0].end + 1  # the scanner counts characters
        sql = f"{sql[:end]} OR REPLACE{sql[end:]}"
    return sql.strip().rstrip(";")
