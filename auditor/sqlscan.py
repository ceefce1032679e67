"""Is a piece of the spec's SQL self-contained? One expression (or one statement) that cannot end
the DDL it is placed in.

A spec's defaults, checks, partial-index predicates, generated columns, partition bounds, policy
expressions and view definitions are SQL by design: the plan writes them into DDL as the author
wrote them. So ``default: "0); DROP TABLE accounts; --"`` would close the ``DEFAULT (`` around it
and add a statement of its own, which ``apply`` would run with no hazard flag at all. This scanner
is the gate: outside string literals and quoted names, a piece must not hold a ``;`` (a statement
may end with one), must never close a parenthesis or bracket it did not open and must close every
one it opened, and must close every literal and comment it opens.

It needs no engine because it trusts only what both engines (and their shells, psql and sqlite3,
which split scripts at ``;``) read alike: ``'...'`` strings and ``"..."`` names with doubled quotes,
``--`` and un-nested ``/* */`` comments. What one engine reads otherwise is scanned as plain text:
a dollar quote (SQLite has none), a backtick or bracket name (Postgres has none). And what the
engines read differently is refused: ``\'`` in a Postgres ``E''`` string (SQLite ends the string
there) and a nested ``/*`` (Postgres nests comments, SQLite does not). So a piece that passes
cannot reach past its place in the DDL, whichever engine runs it.
"""
from __future__ import annotations

_CLOSERS = {")": "(", "]": "["}


def containment_problem(text: str, statement: bool = False) -> str | None:
    """Why ``text`` could reach outside its place in DDL (one phrase), or None when it cannot.
    ``statement``: a whole statement (a view's SELECT), which may end with one ``;``."""
    opened: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            i, problem = _end_of_quoted(text, i, escapes=c == "'" and _e_prefix(text, i))
            if problem:
                return problem
        elif text.startswith("--", i):
            end = text.find("\n", i)
            if end < 0:
                return "it ends inside a -- comment (which would swallow the DDL after it)"
            i = end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                return "a /* comment is never closed"
            if "/*" in text[i + 2:end]:
                return "a /* comment holds another /* (Postgres nests them, SQLite does not)"
            i = end + 2
        elif c in "([":
            opened.append(c)
            i += 1
        elif c in _CLOSERS:
            if not opened or opened.pop() != _CLOSERS[c]:
                return f"it closes a {c} it did not open (which would end the DDL around it)"
            i += 1
        elif c == ";" and not (statement and not text[i + 1:].strip()):
            return "it holds a ; (one expression cannot end a statement and start another)"
        else:
            i += 1
    return f"a {opened[-1]} is never closed" if opened else None


def _e_prefix(text: str, i: int) -> bool:
    """Whether the literal at ``i`` is a Postgres escape string (``E'...'``), where backslashes escape."""
    return i > 0 and text[i - 1] in "eE" and (i == 1 or not (text[i - 2].isalnum() or text[i - 2] == "_"))


def _end_of_quoted(text: str, i: int, escapes: bool) -> tuple[int, str | None]:
    """(the index after the quote that closes the one at ``i``, None), doubled quotes and, in
    ``E''`` strings, backslash escapes staying inside; or (-1, why) when it is not closed alike."""
    quote, j = text[i], i + 1
    what = "string" if quote == "'" else "quoted name"
    while j < len(text):
        if escapes and text[j] == "\\":
            if text.startswith("'", j + 1):
                return -1, "a \\' in an E'' string (SQLite ends the string there; write '' for a quote)"
            j += 2
        elif text.startswith(quote * 2, j):
            j += 2
        elif text[j] == quote:
            return j + 1, None
        else:
            j += 1
    return -1, f"a {what} opened here is never closed"
