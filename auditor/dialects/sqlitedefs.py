"""SQLite's stored CREATE TABLE text split into column definitions, word for word.

A rebuild re-creates the columns it does not change from these: the declared type as written
(``INT`` stays ``INT``, which matters for a primary key: only ``INTEGER`` is the rowid's alias),
``DEFAULT NULL``, collations and constraints as they were. The scanner keeps every token's place
in the text, so that definitions and their clauses are slices of the original, never re-rendered;
quotes (``'..'``, ``".."``, backticks, ``[..]``), comments and parentheses are respected.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

_LEX_RE = re.compile(
    r"""(?P<ws>\s+|--[^\n]*|/\*.*?(?:\*/|\Z))
      |(?P<str>'(?:[^']|'')*')
      |(?P<qid>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
      |(?P<word>[A-Za-z_][A-Za-z0-9_$]*)
      |(?P<op>.)""",
    re.X | re.S,
)

# The words a column constraint starts with (after an optional CONSTRAINT name).
_CLAUSE_WORDS = frozenset({"constraint", "primary", "not", "null", "unique", "check", "default", "collate",
                           "references", "generated", "as"})
_TABLE_CONSTRAINT_WORDS = frozenset({"constraint", "primary", "unique", "check", "foreign"})
# What the column itself is (compared as the column's fields), as opposed to the constraints
# (keys, checks, references) a definition may carry inline.
ATTRIBUTE_CLAUSES = frozenset({"not", "null", "default", "collate", "generated"})


class _Tok(NamedTuple):
    kind: str
    word: str  # lower-cased for words, the text otherwise
    start: int
    end: int


@dataclass(frozen=True)
class Clause:
    """One column constraint: ``kind`` is the word it starts with after its CONSTRAINT name
    (``primary``, ``not``, ``null``, ``unique``, ``check``, ``default``, ``collate``,
    ``references``, ``generated``), ``text`` the clause as written. ``target`` is the table a
    ``references`` clause names (unquoted); ``body`` what a ``check`` holds in its parentheses."""

    kind: str
    text: str
    target: str | None = None
    body: str | None = None


@dataclass(frozen=True)
class ColumnDefinition:
    """A column's definition as written: ``name`` as SQLite reads it, ``text`` the whole
    definition, ``head`` its name and declared type, ``name_text`` the name as written."""

    name: str
    text: str
    head: str
    name_text: str
    clauses: tuple[Clause, ...]


def _tokens(sql: str) -> list[_Tok]:
    out = []
    for match in _LEX_RE.finditer(sql):
        kind = match.lastgroup or "op"
        if kind != "ws":
            text = match.group()
            out.append(_Tok(kind, text.lower() if kind == "word" else text, match.start(), match.end()))
    return out


def unquoted(text: str) -> str:
    """An identifier as SQLite reads it: without its quotes (``"a""b"`` is ``a"b``)."""
    if text[:1] in ('"', "`") and len(text) > 1:
        return text[1:-1].replace(text[0] * 2, text[0])
    if text[:1] == "[":
        return text[1:-1]
    return text


def _depths(tokens: list[_Tok]) -> list[int]:
    """Each token's parenthesis depth (an opening parenthesis counts as inside)."""
    out, depth = [], 0
    for tok in tokens:
        if tok.word == "(":
            depth += 1
        out.append(depth)
        if tok.word == ")":
            depth -= 1
    return out


def column_definitions(sql: str) -> dict[str, ColumnDefinition]:
    """The column definitions of a CREATE TABLE statement, keyed by lower-cased name (SQLite's
    names are case-insensitive); empty for ``CREATE TABLE ... AS SELECT``."""
    tokens = _tokens(sql)
    depths = _depths(tokens)
    opening = next((i for i, tok in enumerate(tokens) if tok.word == "("), None)
    if opening is None:
        return {}
    parts: list[list[_Tok]] = [[]]
    for tok, depth in zip(tokens[opening + 1:], depths[opening + 1:]):
        if depth == 1 and tok.word == ")":
            break  # the end of the column list
        if depth == 1 and tok.word == ",":
            parts.append([])
        else:
            parts[-1].append(tok)
    definitions = (_column(sql, part) for part in parts
                   if part and not (part[0].kind == "word" and part[0].word in _TABLE_CONSTRAINT_WORDS))
    return {d.name.lower(): d for d in definitions}


def _column(sql: str, part: list[_Tok]) -> ColumnDefinition:
    depths = _depths(part)
    starts = [i for i in range(1, len(part)) if depths[i] == 0 and _starts_clause(part, i)]
    bounds = list(zip(starts, [*starts[1:], len(part)]))
    head_end = part[starts[0] - 1].end if starts else part[-1].end
    clauses = tuple(_clause(sql, part[a:b]) for a, b in bounds)
    return ColumnDefinition(unquoted(part[0].word), sql[part[0].start:part[-1].end], sql[part[0].start:head_end],
                            sql[part[0].start:part[0].end], clauses)


def _starts_clause(part: list[_Tok], i: int) -> bool:
    """Whether token ``i`` of a column definition begins a new column constraint."""
    tok, prev = part[i], part[i - 1]
    if tok.kind != "word" or tok.word not in _CLAUSE_WORDS:
        return False
    if prev.word in ("constraint", "default") or (i > 1 and part[i - 2].word == "constraint"):
        return False  # the constraint's name, a default's value, the word after the name
    if tok.word == "null" and prev.word in ("not", "set") or tok.word == "default" and prev.word == "set":
        return False  # NOT NULL, ON DELETE SET NULL / SET DEFAULT
    if tok.word == "not" and i + 1 < len(part) and part[i + 1].word == "deferrable":
        return False  # a foreign key's NOT DEFERRABLE
    return not (tok.word == "as" and prev.word == "always")  # GENERATED ALWAYS AS


def _clause(sql: str, tokens: list[_Tok]) -> Clause:
    at = 2 if tokens[0].word == "constraint" and len(tokens) > 2 else 0
    kind = "generated" if tokens[at].word == "as" else tokens[at].word
    text = sql[tokens[0].start:tokens[-1].end]
    if kind == "references" and at + 1 < len(tokens):
        return Clause(kind, text, target=unquoted(tokens[at + 1].word))
    if kind == "check":
        depths = _depths(tokens)
        inner = [i for i in range(at + 1, len(tokens)) if depths[i] >= 1]
        if len(inner) >= 2:
            return Clause(kind, text, body=sql[tokens[inner[0]].end:tokens[inner[-1]].start])
    return Clause(kind, text)
