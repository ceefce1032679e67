"""Canonical forms: types and SQL expressions written by people and reported by engines.

A spec says ``varchar(20)`` and ``'pending'``; Postgres reports ``character varying(20)`` and
``'pending'::character varying``. Both sides pass through the same functions here, so that equal
meaning gives equal text. The transforms are small, pure and table-driven; when in doubt they keep
text apart (a reported difference) rather than merge it (a missed drift).
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache, wraps
from typing import Callable, Iterable, NamedTuple, TypeVar

from auditor.dialects import DIALECTS, Dialect
from auditor.model import (
    Attribute, CheckConstraint, Column, CompositeType, Domain, ExclusionConstraint, Expr, ForeignKey, Function,
    Index, Policy, PrimaryKey, RangeType, Schema, Sequence, Table, View, ViewIndex, interned_column, qualified_key)

R = TypeVar("R")
D = TypeVar("D")


def _memoized(fn: Callable[..., R]) -> Callable[..., R]:
    """``fn(text, dialect, *rest)``, remembered for the built-in dialects: a schema repeats the same
    types and defaults across its tables, and the live side is canonicalized on every audit."""
    cached = lru_cache(maxsize=1 << 16)(lambda text, name, *rest: fn(text, DIALECTS[name], *rest))

    @wraps(fn)
    def wrapper(text: str, dialect: Dialect, *rest: object) -> R:
        if DIALECTS.get(dialect.name) is dialect:
            return cached(text, dialect.name, *rest)
        return fn(text, dialect, *rest)

    return wrapper


# ---------------------------------------------------------------------------------------------
# Types

_TYPE_RE = re.compile(
    r"""^(?P<base>[a-z_"][a-z0-9_ ."$]*?)\s*
        (?:\((?P<args>[^()]*)\))?\s*
        (?P<tz>with(?:out)?\ time\ zone)?\s*
        (?P<array>(?:\[\d*\]\s*)*)$""",
    re.X,
)


class TypeParts(NamedTuple):
    """A type split into base name, arguments (``"10,2"``) and array dimensions."""

    base: str
    args: str | None
    dims: int


# A type named by (possibly quoted, possibly schema-qualified) identifiers: an enum or domain.
_NAME_PART = r'"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*'
_QUOTED_TYPE_RE = re.compile(rf'^(?P<base>(?:{_NAME_PART})(?:\s*\.\s*(?:{_NAME_PART}))?)\s*(?P<array>(?:\[\d*\]\s*)*)$')


def _type_name_part(part: str) -> str:
    """A quoted part stays quoted unless it is a plain lower-case name; an unquoted one folds."""
    if part.startswith('"'):
        name = part[1:-1].replace('""', '"')
        return name if _PLAIN_IDENTIFIER_RE.match(name) else part
    return part.lower()


def parse_type(text: str) -> TypeParts | None:
    """Split a type as written (any case and spacing) into its parts; None if it is not a type."""
    if '"' in text:
        match = _QUOTED_TYPE_RE.match(text.strip())
        if not match:
            return None
        base = ".".join(_type_name_part(p) for p in re.findall(_NAME_PART, match["base"]))
        return TypeParts(base, None, match["array"].count("["))
    raw = " ".join(text.strip().lower().split())
    match = _TYPE_RE.match(raw)
    if not match:
        return None
    base = match["base"].strip()
    if match["tz"]:
        base = f"{base} {match['tz']}"
    args = match["args"]
    if args is not None:
        args = ",".join(part.strip() for part in args.split(","))
    return TypeParts(base, args or None, match["array"].count("["))


@_memoized
def canonical_type(text: str, dialect: Dialect) -> str:
    """The canonical spelling of a type for ``dialect``; unknown text is returned lower-cased."""
    if not text.strip():
        return ""
    parts = parse_type(text)
    if parts is None:
        return " ".join(text.lower().split())
    base = dialect.type_synonyms.get(parts.base, parts.base)
    args = parts.args if parts.args is not None else dialect.implicit_type_args.get(base)
    if base == "numeric" and args and "," not in args and dialect.numeric_scale_defaults_to_zero:
        args += ",0"
    dims = min(parts.dims, 1) if dialect.array_dimensions_ignored else parts.dims
    return base + (f"({args})" if args else "") + "[]" * dims


def default_sql(expr: Expr, dialect: Dialect) -> str:
    """A default as DDL writes it after DEFAULT: the author's (or the engine's) text, in parentheses
    where the grammar wants them (``DEFAULT (datetime('now'))``, ``DEFAULT (now() AT TIME ZONE 'utc')``)."""
    text = expr.text
    if dialect.parse_tree_expressions:
        from auditor.dialects import pgexpr

        return text if pgexpr.is_simple_default(text) else f"({text})"
    tokens = tokenize(text, dialect)
    if tokens[:1] == [Token("op", "(")] and _matching_paren(tokens, 0) == len(tokens) - 1:
        return text
    signed = tokens[1:] if tokens[:1] in ([Token("op", "-")], [Token("op", "+")]) else tokens
    literal = len(signed) == 1 and (signed[0].kind in ("str", "num") or signed[0].text in _SQLITE_DEFAULT_WORDS)
    return text if literal else f"({text})"


# What SQLite takes after DEFAULT without parentheses, besides literals.
_SQLITE_DEFAULT_WORDS = frozenset({"null", "true", "false", "current_time", "current_date", "current_timestamp"})


def render_type(canonical: str, dialect: Dialect) -> str:
    """How ``dialect``'s DDL spells a canonical type."""
    parts = parse_type(canonical)
    if parts is None:
        return canonical
    spelled = dialect.type_spelling.get(parts.base, parts.base)
    text = spelled + (f"({parts.args})" if parts.args else "") + "[]" * parts.dims
    return text.upper() if dialect.uppercase_types and '"' not in text else text


# ---------------------------------------------------------------------------------------------
# Expressions (defaults, index predicates)


class Token(NamedTuple):
    """A lexical token: ``kind`` is one of str, num, word, qid, op."""

    kind: str
    text: str


_TOKEN_RE = re.compile(
    r"""(?P<ws>\s+|--[^\n]*|/\*.*?\*/)
      |(?P<str>[eEnNxXbB]?'(?:[^']|'')*')
      |(?P<qid>"(?:[^"]|"")*"|`[^`]*`)
      |(?P<num>0[xX][0-9A-Fa-f]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
      |(?P<word>[A-Za-z_][A-Za-z0-9_$]*)
      |(?P<op>::|->>|->|<<|>>|<=|>=|<>|!=|==|\|\||.)""",
    re.X | re.S,
)
# Postgres operators are runs of these characters (a run ends before a trailing + or -, unless it
# holds one of ~!@#%^&|`?): ``@>``, ``!~*``, ``#>>``, ``&&``, ``<<=``. Used where the parser refused
# the text and it is compared as tokens.
_PG_OPERATOR_RE = re.compile(r"[~!@#%^&|`?<>=+*/-]{2,}")
_PG_SPECIAL = frozenset("~!@#%^&|`?")


def _pg_operator_at(text: str, pos: int) -> str | None:
    match = _PG_OPERATOR_RE.match(text, pos)
    if not match:
        return None
    op = match.group()
    while len(op) > 1 and op[-1] in "+-" and not _PG_SPECIAL & set(op):
        op = op[:-1]
    return op if len(op) > 1 and not op.startswith(("--", "/*")) else None


_BRACKET_ID_RE = re.compile(r"\[[^\]]*\]")

# Words before "(" that make it a grouping parenthesis rather than a call or a list.
_OPERATOR_WORDS = frozenset(
    "and or not when then else case is like ilike between where distinct from on".split())
_BOOLEAN_JOINS = frozenset({"and", "or"})
_LITERAL_WORDS = frozenset({"null", "true", "false"})
_MULTIWORD_TYPES = (
    "character varying", "double precision", "bit varying",
    "timestamp without time zone", "timestamp with time zone",
    "time without time zone", "time with time zone",
)
# Casts Postgres adds around identifiers on its own when comparing text-like columns.
_TEXTISH_TYPES = frozenset({"text", "character varying", "varchar", "bpchar", "character", "char", "name"})
_NUMERIC_TYPES = frozenset({"integer", "int", "int4", "bigint", "int8", "smallint", "int2", "double",
                            "numeric", "decimal", "real", "double precision", "float8", "float4"})
_TRUE_TEXTS = frozenset({"'t'", "'true'", "'y'", "'yes'", "'on'", "'1'"})
_FALSE_TEXTS = frozenset({"'f'", "'false'", "'n'", "'no'", "'off'", "'0'"})
_FUNCTION_SYNONYMS = {"now": "current_timestamp"}
_NUMBER_RE = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_PLAIN_IDENTIFIER_RE = re.compile(r"^[a-z_][a-z0-9_$]*$")


def tokenize(text: str, dialect: Dialect, columns: frozenset[str] | None = None) -> list[Token]:
    """Split SQL text into tokens, dropping white space and comments; keywords and plain names
    lower-cased. Given the table's ``columns``, an engine that reads a double-quoted word naming
    no column as a string (SQLite) gets a string token for it."""
    tokens: list[Token] = []
    strings_unless = None
    if columns is not None and dialect.double_quoted_fallback:
        strings_unless = {c.lower() for c in columns}
    pos = 0
    while pos < len(text):
        bracket = _BRACKET_ID_RE.match(text, pos) if dialect.bracket_identifiers else None
        if bracket:
            tokens.append(_identifier(bracket.group()[1:-1], dialect))
            pos = bracket.end()
            continue
        operator = _pg_operator_at(text, pos) if dialect.parse_tree_expressions else None
        if operator:
            tokens.append(Token("op", {"!=": "<>"}.get(operator, operator)))
            pos += len(operator)
            continue
        match = _TOKEN_RE.match(text, pos)
        assert match is not None  # the last alternative matches any character
        pos = match.end()
        kind = match.lastgroup or "op"
        text_ = match.group()
        if kind == "qid" and strings_unless is not None and text_[0] == '"':
            name = text_[1:-1].replace('""', '"')
            if name.lower() not in strings_unless:
                tokens.append(Token("str", "'" + name.replace("'", "''") + "'"))
                continue
        if kind != "ws":
            tokens.append(_token(kind, text_, dialect))
    return _merge_negative_numbers(tokens)


def _token(kind: str, text: str, dialect: Dialect) -> Token:
    if kind == "word":
        return Token("word", text.lower())
    if kind == "qid":
        return _identifier(text[1:-1].replace('""', '"'), dialect)
    if kind == "op":
        return Token("op", {"!=": "<>", "==": "="}.get(text, text))
    if kind == "num" and text[:2] in ("0x", "0X"):
        return Token("num", str(int(text, 16)))  # 0x1F is 31
    if kind == "str" and text[0] in "xX":
        return Token("str", "x" + text[1:].upper())  # a blob's hex digits, in either case
    return Token(kind, text)


def _identifier(name: str, dialect: Dialect) -> Token:
    """A quoted identifier; one that needs no quotes is the same as the unquoted word."""
    if _PLAIN_IDENTIFIER_RE.match(name) and dialect.quote(name) == name:
        return Token("word", name)
    return Token("qid", '"' + name.replace('"', '""') + '"')


def _merge_negative_numbers(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for tok in tokens:
        prev = out[-1] if out else None
        before = out[-2] if len(out) > 1 else None
        unary = prev == Token("op", "-") and (before is None or before.kind == "op" and before.text != ")")
        if tok.kind == "num" and unary:
            out[-1] = Token("num", "-" + tok.text)
        else:
            out.append(tok)
    return out


def canonical_expr(text: str | None, dialect: Dialect, columns: frozenset[str] | None = None,
                   column_type: str | None = None) -> Expr | None:
    """An expression with its canonical form; None for no expression or a bare NULL.
    ``columns``: the table's column names, where the expression belongs to a table;
    ``column_type``: the canonical type of the column, where the expression is its default."""
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    if dialect.parse_tree_expressions:
        from auditor.dialects import pgexpr  # the parser loads only where an engine needs it

        try:
            canon = pgexpr.canonical_expr(text, column_type)
        except pgexpr.Unparsable:
            return _unproven(text, dialect, columns)
        return None if canon is None else Expr(text, canon, pgexpr.loosened(canon))
    canon = _canonical_expr(text, dialect, columns)
    if canon is not None and column_type is not None:
        canon = _literal_default(canon, column_type)
    return None if canon is None else Expr(text, canon)


def _unproven(text: str, dialect: Dialect, columns: frozenset[str] | None) -> Expr | None:
    """What the parser refused, compared as canonical text (white space, case, parentheses)."""
    canon = _canonical_expr(text, dialect, columns)
    return None if canon is None else Expr(text, canon, proven=False)


def canonical_partitioning(text: str | None, dialect: Dialect, bounds: bool) -> Expr | None:
    """A partition key (``bounds`` False) or a partition's bounds with its canonical form; the
    text, folded, where the parser refuses it."""
    if text is None or not text.strip():
        return None
    text = " ".join(text.split())
    from auditor.dialects import pgexpr  # only engines with partitions (Postgres) get here

    try:
        return Expr(text, pgexpr.canonical_bounds(text) if bounds else pgexpr.canonical_partition_key(text))
    except pgexpr.Unparsable:
        return Expr(text, text.lower(), proven=False)


def _normalize_view(view: View, dialect: Dialect) -> View:
    """A view with its namespace, canonical query and (materialized, Postgres) canonical indexes."""
    schema = _namespace(view.schema, dialect)
    indexes = tuple(sorted(map(canonical_view_index, view.indexes), key=lambda i: i.name)) \
        if view.materialized and dialect.parse_tree_expressions else ()  # Postgres: SQLite has none
    return replace(view, schema=schema, definition=canonical_view(view.definition.text, dialect), indexes=indexes)


def canonical_view_index(index: ViewIndex) -> ViewIndex:
    """A materialized view's index with its canonical form (its text where the parser refuses it,
    saying so)."""
    from auditor.dialects.pgviewindex import ViewIndexSyntax, canonical_view_index as canonical

    try:
        return ViewIndex(index.name, Expr(index.sql.text, canonical(index.sql.text)))
    except ViewIndexSyntax:
        return ViewIndex(index.name, Expr(index.sql.text, " ".join(index.sql.text.lower().split()), proven=False))


def canonical_view(text: str, dialect: Dialect) -> Expr:
    """A view's query with its canonical form."""
    text = text.strip()
    if dialect.parse_tree_expressions:
        from auditor.dialects import pgexpr

        try:
            canon = pgexpr.canonical_query(text)
            return Expr(text, canon, pgexpr.loosened(canon))
        except pgexpr.Unparsable:
            pass  # compared as text, below, and saying so
    canon = _canonical_expr(text.rstrip(";"), dialect, None) or ""
    return Expr(text, canon, proven=not dialect.parse_tree_expressions)


def renamed_expr(expr: Expr | None, renames: dict[str, str], dialect: Dialect) -> Expr | None:
    """An expression with the column names in ``renames`` (old -> new) replaced in its canonical
    form (the text stays as it was read: it is never rendered for the renamed side)."""
    if expr is None or not renames:
        return expr
    if dialect.parse_tree_expressions and expr.proven:
        from auditor.dialects import pgexpr

        canon = pgexpr.rename_columns(expr.canon, renames)
        return Expr(expr.text, canon, pgexpr.loosened(canon), expr.proven)
    return Expr(expr.text, rename_identifiers(expr.canon, renames, dialect) or expr.canon, None, expr.proven)


def renamed_element(element: str, renames: dict[str, str], dialect: Dialect) -> str:
    """A canonical index element with renamed columns (see ``renamed_expr``)."""
    if element in renames:
        return renames[element]
    if dialect.parse_tree_expressions and element.startswith("{"):
        from auditor.dialects import pgexpr

        return pgexpr.rename_columns(element, renames)
    return rename_identifiers(element, renames, dialect) or element


@_memoized
def _canonical_expr(text: str, dialect: Dialect, columns: frozenset[str] | None) -> str | None:
    tokens = tokenize(text, dialect, columns)
    tokens = _replace_function_synonyms(tokens)
    while True:
        simpler = _drop_redundant_parens(_drop_redundant_casts(_drop_redundant_parens(tokens)))
        simpler = _array_comparison_as_in(simpler)
        if simpler == tokens:
            break
        tokens = simpler
    if tokens == [Token("word", "null")]:
        return None
    return render_tokens(tokens)


# Postgres stores "x IN (a, b)" as "x = ANY (ARRAY[a, b])" and "x NOT IN (...)" as "x <> ALL (...)".
_ARRAY_COMPARISONS = {("=", "any"): [Token("word", "in")], ("<>", "all"): [Token("word", "not"), Token("word", "in")]}


def _array_comparison_as_in(tokens: list[Token]) -> list[Token]:
    for i in range(len(tokens) - 4):
        words = (tokens[i].text, tokens[i + 1].text)
        if (words in _ARRAY_COMPARISONS and tokens[i + 2] == Token("op", "(")
                and tokens[i + 3] == Token("word", "array") and tokens[i + 4] == Token("op", "[")):
            close = _matching_paren(tokens, i + 2)
            if tokens[close - 1] == Token("op", "]"):
                inner = tokens[i + 5:close - 1]
                replaced = _ARRAY_COMPARISONS[words] + [Token("op", "(")] + inner + [Token("op", ")")]
                return _array_comparison_as_in(tokens[:i] + replaced + tokens[close + 1:])
    return _single_in_as_comparison(tokens)


def _single_in_as_comparison(tokens: list[Token]) -> list[Token]:
    """``x IN ('a')`` is ``x = 'a'`` and ``x NOT IN ('a')`` is ``x <> 'a'``, as Postgres stores them."""
    for i in range(len(tokens) - 3):
        if tokens[i] == Token("word", "in") and tokens[i + 1] == Token("op", "(") and tokens[i + 3] == Token("op", ")"):
            negated = i > 0 and tokens[i - 1] == Token("word", "not")
            start = i - 1 if negated else i
            comparison = Token("op", "<>" if negated else "=")
            return _single_in_as_comparison(tokens[:start] + [comparison, tokens[i + 2]] + tokens[i + 4:])
    return tokens


def _replace_function_synonyms(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if (tok.kind == "word" and tok.text in _FUNCTION_SYNONYMS
                and tokens[i + 1:i + 3] == [Token("op", "("), Token("op", ")")]):
            out.append(Token("word", _FUNCTION_SYNONYMS[tok.text]))
            i += 3
            continue
        out.append(tok)
        i += 1
    return out


def _cast_type_end(tokens: list[Token], start: int) -> tuple[int, str]:
    """Where the type named at ``tokens[start]`` ends, and its (lower-case) name."""
    i = start
    words: list[str] = []
    while i < len(tokens) and tokens[i].kind in ("word", "qid"):
        candidate = " ".join(words + [tokens[i].text])
        if words and not any(t.startswith(candidate) for t in _MULTIWORD_TYPES):
            break
        words.append(tokens[i].text)
        i += 1
        if i + 1 < len(tokens) and tokens[i] == Token("op", ".") and tokens[i + 1].kind in ("word", "qid"):
            words.append("." + tokens[i + 1].text)
            i += 2
    if i < len(tokens) and tokens[i] == Token("op", "("):
        i = _matching_paren(tokens, i) + 1
    while i + 1 < len(tokens) and tokens[i] == Token("op", "[") and tokens[i + 1] == Token("op", "]"):
        i += 2
    return i, " ".join(words).replace(" .", ".")


def _drop_redundant_casts(tokens: list[Token]) -> list[Token]:
    """Drop ``::type`` after a literal, and text casts after a column name (Postgres adds both)."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == Token("op", "::") and out and i + 1 < len(tokens):
            end, type_name = _cast_type_end(tokens, i + 1)
            operand = out[-1]
            if _is_literal(operand):
                out[-1] = _literal_as(operand, type_name)
                i = end
                continue
            if operand.kind in ("word", "qid") or operand in (Token("op", ")"), Token("op", "]")):
                if type_name in _TEXTISH_TYPES:
                    i = end
                    continue
        out.append(tok)
        i += 1
    return out


def _is_literal(tok: Token) -> bool:
    return tok.kind in ("str", "num") or (tok.kind == "word" and tok.text in _LITERAL_WORDS)


def _literal_as(tok: Token, type_name: str) -> Token:
    """A literal as the cast would have made it: ``'0'::integer`` is 0, ``'t'::boolean`` is true."""
    if tok.kind != "str":
        return tok
    if type_name in _NUMERIC_TYPES and _NUMBER_RE.match(tok.text[1:-1]):
        return Token("num", tok.text[1:-1])
    if type_name in ("boolean", "bool"):
        lowered = tok.text.lower()
        if lowered in _TRUE_TEXTS:
            return Token("word", "true")
        if lowered in _FALSE_TEXTS:
            return Token("word", "false")
    return tok


def _matching_paren(tokens: list[Token], open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(tokens)):
        if tokens[i] == Token("op", "("):
            depth += 1
        elif tokens[i] == Token("op", ")"):
            depth -= 1
            if depth == 0:
                return i
    return len(tokens) - 1


def _is_grouping(tokens: list[Token], open_at: int) -> bool:
    """True for ``(`` that groups, False for the ``(`` of a call or list (``f(x)``, ``IN (..)``)."""
    if open_at == 0:
        return True
    prev = tokens[open_at - 1]
    return not (prev.kind in ("word", "qid") and prev.text not in _OPERATOR_WORDS)


def _top_level_words(tokens: Iterable[Token]) -> set[str]:
    depth = 0
    found: set[str] = set()
    for tok in tokens:
        if tok == Token("op", "("):
            depth += 1
        elif tok == Token("op", ")"):
            depth -= 1
        elif depth == 0 and tok.kind == "word":
            found.add(tok.text)
    return found


def _group_is_redundant(tokens: list[Token], start: int, end: int) -> bool:
    inner = tokens[start + 1:end]
    if len(inner) == 1 or (start == 0 and end == len(tokens) - 1):
        return True
    before = tokens[start - 1] if start > 0 else None
    after = tokens[end + 1] if end + 1 < len(tokens) else None
    joins = _top_level_words(inner) & _BOOLEAN_JOINS

    def is_boundary(tok: Token | None, paren: str, allowed: frozenset[str]) -> bool:
        return tok is None or tok == Token("op", paren) or (tok.kind == "word" and tok.text in allowed)

    # A group is only redundant where it binds no tighter than its neighbours: comparisons between
    # AND/OR, an AND-chain beside AND or OR, an OR-chain only beside OR.
    allowed = frozenset({"or"}) if "or" in joins else _BOOLEAN_JOINS
    return is_boundary(before, "(", allowed) and is_boundary(after, ")", allowed)


def _drop_redundant_parens(tokens: list[Token]) -> list[Token]:
    for start, tok in enumerate(tokens):
        if tok == Token("op", "(") and _is_grouping(tokens, start):
            end = _matching_paren(tokens, start)
            if end > start + 1 and _group_is_redundant(tokens, start, end):
                return _drop_redundant_parens(tokens[:start] + tokens[start + 1:end] + tokens[end + 1:])
    return tokens


# Keywords followed by a parenthesised list, spaced as people write them: "IN ('a', 'b')".
_SPACED_BEFORE_PAREN = frozenset({"in", "exists", "any", "all", "some", "values", "not", "and", "or"})
_NO_SPACE_BEFORE = frozenset({")", ",", ".", "::", "]", "["})
_NO_SPACE_AFTER = frozenset({"(", ".", "::", "["})


def render_tokens(tokens: list[Token]) -> str:
    """Tokens back to SQL text, spaced one way so that equal token lists give equal text."""
    parts: list[str] = []
    for i, tok in enumerate(tokens):
        if i:
            prev = tokens[i - 1]
            call = (tok == Token("op", "(") and not _is_grouping(tokens, i)
                    and prev.text not in _SPACED_BEFORE_PAREN)
            glued = (prev.kind == "op" and prev.text in _NO_SPACE_AFTER) or (
                tok.kind == "op" and tok.text in _NO_SPACE_BEFORE) or call
            if not glued:
                parts.append(" ")
        parts.append(tok.text)
    return "".join(parts)


def rename_identifiers(text: str | None, renames: dict[str, str], dialect: Dialect) -> str | None:
    """Canonical SQL text with the column names in ``renames`` (old -> new) replaced."""
    if not text or not renames:
        return text
    tokens = tokenize(text, dialect)
    old_names = {(_identifier(old, dialect).text): new for old, new in renames.items()}
    renamed = [_identifier(old_names[t.text], dialect) if t.kind in ("word", "qid") and t.text in old_names else t
               for t in tokens]
    return render_tokens(renamed)


def canonical_element(text: str, columns: frozenset[str], dialect: Dialect) -> str:
    """An index or key element: a column's bare name or a canonical expression, then its order.

    A name of one of the table's ``columns`` is taken as it is; a single (possibly quoted)
    identifier is unquoted; anything else is an expression. ``DESC`` and ``NULLS FIRST/LAST``
    follow, only where they differ from the default order (ASC NULLS LAST, DESC NULLS FIRST).
    """
    if text in columns:
        return text
    if dialect.parse_tree_expressions:
        from auditor.dialects import pgexpr

        try:
            return pgexpr.canonical_element(text)
        except pgexpr.Unparsable:
            pass
    return _canonical_element(text, dialect, columns)


@_memoized
def _canonical_element(text: str, dialect: Dialect, columns: frozenset[str]) -> str:
    """``canonical_element`` of a text that is not a bare column name."""
    tokens = tokenize(text, dialect, columns)
    tokens, order = _split_order(tokens)
    if len(tokens) == 1 and tokens[0].kind == "qid":
        element = tokens[0].text[1:-1].replace('""', '"')
    elif len(tokens) == 1 and tokens[0].kind == "word":
        element = tokens[0].text
    else:
        element = _canonical_expr(render_tokens(tokens), dialect, columns) or text
    return f"{element} {order}" if order else element


def _split_order(tokens: list[Token]) -> tuple[list[Token], str]:
    """An element's tokens without its trailing ASC/DESC and NULLS FIRST/LAST, and those words."""
    words = [t.text for t in tokens]
    nulls = None
    if len(words) > 2 and words[-2] == "nulls" and words[-1] in ("first", "last"):
        nulls, tokens, words = words[-1], tokens[:-2], words[:-2]
    desc = len(words) > 1 and words[-1] == "desc"
    if len(words) > 1 and words[-1] in ("asc", "desc"):
        tokens = tokens[:-1]
    default_nulls = "first" if desc else "last"
    order = ("desc" if desc else "") + (f" nulls {nulls}" if nulls and nulls != default_nulls else "")
    return tokens, order.strip()


# ---------------------------------------------------------------------------------------------
# Whole schemas


def normalize_schema(schema: Schema, dialect: Dialect) -> Schema:
    """Bring a spec or an inspected schema into the canonical form for ``dialect``."""
    extensions = schema.extensions
    if extensions is not None:
        extensions = tuple(sorted(set(extensions) - set(dialect.builtin_extensions)))
    extension_schemas = tuple(sorted(pair for pair in set(schema.extension_schemas)
                                     if pair[0] not in dialect.builtin_extensions)) if dialect.has_extensions else ()
    # What the engine does not have is not compared there: one spec serves SQLite and Postgres.
    normalized = replace(
        schema,
        tables=tuple(_normalize_table(t, dialect) for t in schema.tables),
        enums=tuple(replace(e, schema=_namespace(e.schema, dialect)) for e in schema.enums if dialect.has_enums),
        views=tuple(_normalize_view(v, dialect) for v in schema.views),
        sequences=tuple(normalize_sequence(q, dialect) for q in schema.sequences if dialect.has_sequences),
        extensions=extensions if dialect.has_extensions else None,
        extension_schemas=extension_schemas,
        functions=_functions(schema, dialect),
        domains=tuple(normalize_domain(d, dialect) for d in schema.domains if dialect.has_user_types),
        composite_types=tuple(normalize_composite(c, dialect) for c in schema.composite_types
                              if dialect.has_user_types),
        range_types=tuple(normalize_range(r, dialect) for r in schema.range_types if dialect.has_user_types),
        privileges=schema.privileges if dialect.has_privileges else None,
    )
    if dialect.parse_tree_expressions:
        from auditor.dialects import pgmemo

        pgmemo.save()  # the texts this schema brought, for the next process
    return normalized


def _functions(schema: Schema, dialect: Dialect) -> tuple[Function, ...]:
    """The functions, canonical (``dialects.pgfunctions``), by identity; none where the engine has none."""
    if not (dialect.has_functions and schema.functions):
        return ()
    from auditor.dialects.pgfunctions import canonical_function

    return tuple(sorted((canonical_function(f, dialect.default_schema or "public") for f in schema.functions),
                        key=lambda f: f.key))


def _namespace(schema: str | None, dialect: Dialect) -> str | None:
    return (schema or dialect.default_schema) if dialect.has_schemas else None


def _normalize_table(table: Table, dialect: Dialect) -> Table:
    names = frozenset(c.name for c in table.columns)
    schema = _namespace(table.schema, dialect)

    def elements(items: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(canonical_element(c, names, dialect) for c in items)

    pk = table.primary_key
    if pk is not None:
        deferrable = pk.deferrable and dialect.deferrable_keys
        pk = PrimaryKey(elements(pk.columns), pk.name, deferrable, deferrable and pk.initially_deferred)
    pk_columns = set(pk.columns) if pk else set()
    columns = tuple(_normalize_column(c, c.name in pk_columns, table, names, dialect) for c in table.columns)
    kinds = dialect.has_table_kinds
    return replace(
        table,
        schema=schema,
        columns=_with_rowid_alias_types(table, pk, columns, dialect),
        primary_key=pk,
        indexes=tuple(_normalize_index(i, names, dialect) for i in table.indexes),
        foreign_keys=tuple(_normalize_foreign_key(f, dialect) for f in table.foreign_keys),
        unique_constraints=tuple(_updated(u, columns=elements(u.columns), include=elements(u.include),
                                          deferrable=u.deferrable and dialect.deferrable_keys,
                                          initially_deferred=u.initially_deferred and dialect.deferrable_keys)
                                 for u in table.unique_constraints),
        checks=tuple(_normalize_check(c, names, dialect) for c in table.checks),
        exclusions=tuple(normalize_exclusion(x) for x in table.exclusions) if dialect.has_user_types else (),
        comment=(table.comment or None) if dialect.has_comments else None,
        **_partitioning(table, dialect),
        **_triggers_and_policies(table, names, dialect),
        **({} if kinds or not (table.without_rowid or table.strict) else {"without_rowid": False, "strict": False}),
    )


def _triggers_and_policies(table: Table, names: frozenset[str], dialect: Dialect) -> dict[str, object]:
    """A table's triggers and policies, canonical and by name, and its row-level security flags;
    no policies nor flags where the engine has no row-level security."""
    if not (table.triggers or table.policies or table.row_security or table.force_row_security):
        return {}  # the common case (replace() costs per keyword)
    from auditor.dialects.triggers import canonical_trigger

    rls = dialect.has_row_security
    columns = frozenset(c.name for c in table.columns)
    return {"triggers": tuple(sorted((canonical_trigger(t, dialect, columns) for t in table.triggers),
                                     key=lambda t: t.name)),
            "policies": tuple(sorted((_policy(p, names, dialect) for p in table.policies), key=lambda p: p.name))
            if rls else (),
            "row_security": table.row_security and rls, "force_row_security": table.force_row_security and rls}


def _policy(policy: Policy, names: frozenset[str], dialect: Dialect) -> Policy:
    return replace(policy, roles=tuple(sorted(set(policy.roles))),
                   using=_expression_of(policy.using, dialect, names),
                   with_check=_expression_of(policy.with_check, dialect, names))


def _with_rowid_alias_types(table: Table, pk: PrimaryKey | None, columns: tuple[Column, ...],
                            dialect: Dialect) -> tuple[Column, ...]:
    """The columns, with SQLite's one case where two spellings of a type differ: a rowid table's
    single-column primary key is an alias of the rowid only when declared exactly ``INTEGER``.
    ``INT PRIMARY KEY`` (or ``INT4``, ``int``) is an ordinary key column, so its type stays ``int``;
    everywhere else ``INT`` is ``INTEGER``."""
    if not (dialect.integer_pk_is_rowid and pk and len(pk.columns) == 1) or table.without_rowid:
        return columns
    name = pk.columns[0]
    if next((c.type for c in columns if c.name == name), None) != "integer":
        return columns
    raw = next((c.type for c in table.columns if c.name == name), None)
    if not raw or raw.strip().lower() == "integer":  # the common case, without parsing
        return columns
    parts = parse_type(raw)
    if parts is None or parts.base == "integer" or parts.args or parts.dims:
        return columns
    return tuple(replace(c, type="int") if c.name == name else c for c in columns)


def _partitioning(table: Table, dialect: Dialect) -> dict[str, object]:
    """A table's partition key, parent, bounds and inheritance parents, canonical (parents by
    table key); none where the engine has no partitions."""
    if not (table.partition_by or table.partition_of or table.for_values or table.inherits or table.partitions):
        return {}  # the common case: nothing to change (replace() costs per keyword)
    if not dialect.has_partitions:
        return {"partition_by": None, "partition_of": None, "for_values": None, "inherits": (), "partitions": ()}
    return {"partition_by": canonical_partitioning(table.partition_by and table.partition_by.text, dialect, False),
            "partition_of": table.partition_of and _table_key(table.partition_of, dialect),
            "for_values": canonical_partitioning(table.for_values and table.for_values.text, dialect, True),
            "inherits": tuple(_table_key(key, dialect) for key in table.inherits)}


def _table_key(key: str, dialect: Dialect) -> str:
    """A table named in a spec (``name`` or ``schema.name``) by its key in ``dialect``."""
    if dialect.has_schemas and "." not in key:
        return f"{dialect.default_schema}.{key}"
    return key.split(".", 1)[1] if not dialect.has_schemas and "." in key else key


def _normalize_index(index: Index, names: frozenset[str], dialect: Dialect) -> Index:
    # Elements as written stay beside their canonical forms: DDL is made from the written ones.
    written = index.written
    columns = tuple(canonical_element(e, names, dialect) for e in written)
    return _updated(index, columns=columns, elements=written if written != columns else (),
                    include=tuple(canonical_element(c, names, dialect) for c in index.include),
                    where=_expression_of(index.where, dialect, names),
                    method=(index.method or dialect.default_index_method or "").lower() or None,
                    nulls_not_distinct=index.nulls_not_distinct and dialect.nulls_not_distinct,
                    comment=index.comment if dialect.has_comments else None)


def _normalize_check(check: CheckConstraint, names: frozenset[str], dialect: Dialect) -> CheckConstraint:
    return _updated(check, expression=_check_expression(check.expression, dialect, names),
                    no_inherit=check.no_inherit and dialect.has_inheritance)


def _expression_of(expr: Expr | None, dialect: Dialect, names: frozenset[str] | None = None,
                   column_type: str | None = None) -> Expr | None:
    """A read expression made canonical (from its text: normalizing twice changes nothing)."""
    return None if expr is None else canonical_expr(expr.text, dialect, names, column_type)


def _updated(value: D, **changes: object) -> D:
    """``replace(value, **changes)``, or ``value`` itself when nothing changes: most of what an
    engine reports is canonical already, and ``replace`` costs more than the comparison."""
    if all(getattr(value, name) == new for name, new in changes.items()):
        return value
    return replace(value, **changes)


def _normalize_column(column: Column, in_primary_key: bool, table: Table, names: frozenset[str],
                      dialect: Dialect) -> Column:
    # Most columns depend on nothing but themselves, and repeat across tables and audits: those
    # are remembered. (A serial's default names its table; a generated column reads its siblings.)
    if column.generated is None and "serial" not in column.type.lower() and DIALECTS.get(dialect.name) is dialect:
        # Keyed by every field: a Column's equality leaves out comment and renamed_from.
        return _plain_column(column.name, column.type, column.nullable, column.default, column.identity,
                             column.generated, column.collation, column.comment, column.renamed_from,
                             in_primary_key, dialect.name)
    return _build_column(column, in_primary_key, table, names, dialect)


@lru_cache(maxsize=1 << 16)
def _plain_column(*fields_pk_and_dialect: object) -> Column:
    *fields, in_primary_key, dialect_name = fields_pk_and_dialect
    return _build_column(Column(*fields), bool(in_primary_key), Table(""), frozenset(),  # type: ignore[arg-type]
                         DIALECTS[str(dialect_name)])


def _build_column(column: Column, in_primary_key: bool, table: Table, names: frozenset[str],
                  dialect: Dialect) -> Column:
    type_ = canonical_type(column.type, dialect)
    default = _expression_of(column.default, dialect, None, type_)
    base = type_.split("(")[0]
    if base in dialect.serial_types:
        # serial is an integer whose default draws from the sequence Postgres names after it.
        type_ = dialect.serial_types[base]
        default = serial_default(table.name, column.name, _namespace(table.schema, dialect), dialect)
    collation = column.collation
    if collation is not None and dialect.collations_ignore_case:
        collation = collation.upper()
    identity = column.identity.lower() if column.identity else None
    identity = identity if identity in dialect.identities else None
    # Primary-key, identity and serial columns are NOT NULL on every engine we support (SQLite's
    # rowid alias reports notnull=0 while rejecting NULL in practice).
    not_null = in_primary_key or identity in ("always", "by default") or base in dialect.serial_types
    # Interned (every field, in Column's order): the spec's column and the live one it matches are
    # then one object, which the differ compares at a glance.
    return interned_column(
        column.name, type_, column.nullable and not not_null, default, identity,
        _expression_of(column.generated, dialect, names),
        _collation(collation, dialect),
        (column.comment or None) if dialect.has_comments else None,
        column.renamed_from,
    )


def _literal_default(default: str, type_: str) -> str:
    """A quoted literal default as its column's type reads it: ``'f'`` on a boolean is false."""
    if not (default.startswith("'") and default.endswith("'")) or "'" in default[1:-1]:
        return default
    return _literal_as(Token("str", default), type_.split("(")[0]).text


def serial_default(table: str, column: str, schema: str | None, dialect: Dialect) -> Expr | None:
    """The canonical default of a serial column: ``nextval`` of the sequence named after it,
    spelled as Postgres prints that regclass (quoted where needed, qualified outside public)."""
    sequence = dialect.qualified(schema if schema != dialect.default_schema else None, f"{table}_{column}_seq")
    return canonical_expr("nextval('" + sequence.replace("'", "''") + "')", dialect)


def serial_shorthand(col: Column, table: Table, dialect: Dialect,
                     sequences: frozenset[str] = frozenset()) -> str | None:
    """``serial`` (or bigserial, smallserial) when the column is exactly what that shorthand makes,
    and its sequence is not one of ``sequences`` (keys of sequences of their own: serial would
    make another, ``table_column_seq1``, beside it; pagila's are so)."""
    if col.default is None or col.default != serial_default(table.name, col.name, table.schema, dialect):
        return None
    if sequences and qualified_key(table.schema, f"{table.name}_{col.name}_seq") in sequences:
        return None
    return next((serial for serial, base in dialect.serial_types.items()
                 if base == col.type and serial in ("serial", "bigserial", "smallserial")), None)


_CHECK_WORDS = re.compile(r"^\s*check\s*\((?P<inner>.*)\)\s*(?:not\s+valid\s*)?$", re.I | re.S)


def _check_expression(expr: Expr, dialect: Dialect, columns: frozenset[str]) -> Expr:
    """A CHECK's expression, also where it was written with ``CHECK (...)`` around it."""
    match = _CHECK_WORDS.match(expr.text)
    text = match["inner"] if match else expr.text
    return canonical_expr(text, dialect, columns) or Expr(text, text, proven=False)


def normalize_sequence(sequence: Sequence, dialect: Dialect) -> Sequence:
    """A sequence with its namespace, type and bounds spelled out (the engine's defaults)."""
    data_type = canonical_type(sequence.data_type, dialect)
    ascending = sequence.increment > 0
    type_max = _INTEGER_MAX.get(data_type, _INTEGER_MAX["bigint"])
    schema = _namespace(sequence.schema, dialect)
    owner = sequence.owned_by
    if owner is not None and len(owner.split(".")) == 2:
        owner = f"{schema}.{owner}"  # a table in the sequence's schema
    return replace(
        sequence,
        schema=schema,
        owned_by=owner if dialect.has_sequences else None,
        data_type=data_type,
        min_value=sequence.min_value if sequence.min_value is not None else (1 if ascending else -type_max - 1),
        max_value=sequence.max_value if sequence.max_value is not None else (type_max if ascending else -1),
    )


_INTEGER_MAX = {"smallint": 2**15 - 1, "integer": 2**31 - 1, "bigint": 2**63 - 1}


def _normalize_foreign_key(fk: ForeignKey, dialect: Dialect) -> ForeignKey:
    return _updated(
        fk,
        ref_table=_table_key(fk.ref_table, dialect),
        on_delete=" ".join(fk.on_delete.upper().split()),
        on_update=" ".join(fk.on_update.upper().split()),
    )


# ---------------------------------------------------------------------------------------------
# Domains, composite types and exclusion constraints (Postgres)


def _collation(collation: str | None, dialect: Dialect) -> str | None:
    """A collation as compared: None where it is the default one."""
    return None if collation in dialect.default_collations else collation


def normalize_domain(domain: Domain, dialect: Dialect) -> Domain:
    """A domain with its namespace, canonical base type, default (as a value of that type) and
    checks (expressions on ``VALUE``)."""
    type_ = canonical_type(domain.type, dialect)
    return replace(domain, schema=_namespace(domain.schema, dialect), type=type_,
                   default=_expression_of(domain.default, dialect, None, type_),
                   collation=_collation(domain.collation, dialect),
                   checks=tuple(sorted((_normalize_check(c, frozenset({"value"}), dialect) for c in domain.checks),
                                       key=lambda c: c.name or "")))


def normalize_composite(composite: CompositeType, dialect: Dialect) -> CompositeType:
    """A composite type with its namespace and its attributes' canonical types and collations."""
    return replace(composite, schema=_namespace(composite.schema, dialect),
                   attributes=tuple(Attribute(a.name, canonical_type(a.type, dialect),
                                              _collation(a.collation, dialect)) for a in composite.attributes))


def normalize_exclusion(exclusion: ExclusionConstraint) -> ExclusionConstraint:
    """An exclusion constraint with its definition (without name and deferral) canonical: by parse
    tree (``dialects.pgtypes``), or its folded text where the parser refuses it."""
    from auditor.dialects import pgexpr, pgtypes

    text = replace(exclusion, deferrable=False, initially_deferred=False).body
    try:
        return replace(exclusion, definition=Expr(text, pgtypes.canonical_exclusion(text)))
    except pgexpr.Unparsable:
        return replace(exclusion, definition=Expr(text, " ".join(text.lower().split()), proven=False))


def default_multirange_name(name: str) -> str:
    """The name Postgres gives a range type's multirange type: ``range`` becomes ``multirange``,
    else ``_multirange`` is added."""
    at = name.find("range")
    return f"{name[:at]}multi{name[at:]}" if at >= 0 else f"{name}_multirange"


def _function_name(name: str | None) -> str | None:
    """A support function's name as compared: lower case where unquoted, without ``pg_catalog.``."""
    if name is None:
        return None
    name = name.strip() if '"' in name else name.strip().lower()
    return name.removeprefix("pg_catalog.")


def normalize_range(range_type: RangeType, dialect: Dialect) -> RangeType:
    """A range type with its namespace, canonical subtype and options (the multirange type's name
    spelled out, without its schema when it is the range type's own)."""
    schema = _namespace(range_type.schema, dialect)
    multirange = range_type.multirange_type_name or default_multirange_name(range_type.name)
    return replace(range_type, schema=schema, subtype=canonical_type(range_type.subtype, dialect),
                   subtype_opclass=range_type.subtype_opclass and range_type.subtype_opclass.lower(),
                   collation=_collation(range_type.collation, dialect),
                   canonical=_function_name(range_type.canonical), subtype_diff=_function_name(range_type.subtype_diff),
                   multirange_type_name=multirange.removeprefix(f"{schema}."))
