"""SQL compared by meaning, one line per case, per dialect: two spellings that mean the same are
equal (left as a person writes it, right as the engine stores it), and two that differ are not.

Postgres expressions are compared by parse tree (``auditor.dialects.pgexpr``); SQLite's by its own
tokens. Grow these tables with every false alarm and every missed drift found.
"""
from __future__ import annotations

import pytest

from auditor.canon import canonical_expr, canonical_view, tokenize
from auditor.dialects import POSTGRESQL, SQLITE

PG = POSTGRESQL

# (left, right, the column type where they are defaults, or None for checks and predicates)
PG_EQUAL = [
    ("2", "'2'::bigint", "bigint"),
    ("-1", "'-1'::integer", "bigint"),
    ("'1'::numeric", "1", "numeric"),
    ("1.50", "1.5", "numeric"),
    ("5000000000", "'5000000000'::bigint", "bigint"),
    ("'x'", "'x'::character varying", "varchar(10)"),
    ("'t'", "true", "boolean"),
    ("NULL::varchar", "NULL", "varchar"),
    ("'{}'", "'{}'::jsonb", "jsonb"),
    ("'{}'::integer[][]", "'{}'::integer[]", "integer[]"),
    ("array['a','b']", "ARRAY['a'::text, 'b'::text]", "text[]"),
    ("'3 days'", "'3 days'::interval", "interval"),
    ("now()", "CURRENT_TIMESTAMP", "timestamptz"),
    ("now() + '3 days'::interval", "(now() + '3 days'::interval)", "timestamptz"),
    ("current_timestamp at time zone 'utc'", "(CURRENT_TIMESTAMP AT TIME ZONE 'utc'::text)", "timestamp"),
    ("current_timestamp at time zone 'utc'", "timezone('utc'::text, CURRENT_TIMESTAMP)", "timestamp"),
    ("(1+2)*3", "((1 + 2) * 3)", "integer"),
    ("nextval('jobs_id_seq')", "nextval('jobs_id_seq'::regclass)", "integer"),
    ("'pending'", "'pending'::job_status", "job_status"),
    ("tags @> ARRAY['a']", "tags @> ARRAY['a'::text]", None),
    ("tags && ARRAY['a']", "(tags && ARRAY['a'::text])", None),
    ("data #>> '{a,b}' IS NOT NULL", "((data #>> '{a,b}'::text[]) IS NOT NULL)", None),
    ("(data ->> 'k')::int > 0", "((data ->> 'k'::text))::integer > 0", None),
    ("ip << '10.0.0.0/8'", "(ip << '10.0.0.0/8'::inet)", None),
    ("st !~ '^x'", "st::text !~ '^x'::text", None),
    ("st ~* 'y' AND st !~* 'z'", "((st)::text ~* 'y'::text) AND ((st)::text !~* 'z'::text)", None),
    ("st IN ('a', 'b')", "st::text = ANY (ARRAY['a'::character varying, 'b'::character varying]::text[])", None),
    ("st NOT IN ('a', 'b')", "(st)::text <> ALL ((ARRAY['a'::character varying, 'b'::character varying])::text[])", None),
    ("st IN ('q')", "st::text = 'q'::text", None),
    ("a = SOME (ARRAY[1, 2])", "a = ANY (ARRAY[1, 2])", None),
    ("a BETWEEN 1 AND 5", "a >= 1 AND a <= 5", None),
    ("a NOT BETWEEN 1 AND 5", "a < 1 OR a > 5", None),
    ("st LIKE 'a%' OR st IS NULL", "st::text ~~ 'a%'::text OR st IS NULL", None),
    ("st ILIKE 'a%'", "st::text ~~* 'a%'::text", None),
    ("price > 0", "price > 0::numeric", None),
    ("a > '1'::numeric", "a::numeric > '1'::numeric", None),
    ("(a > 0 AND b > 0) AND c > 0", "a > 0 AND b > 0 AND c > 0", None),
    ("NOT (a IS NULL)", "NOT a IS NULL", None),
    ("a != 1", "a <> 1", None),
    ("CASE WHEN a > 1 THEN 'x' ELSE 'y' END = 'x'",
     "CASE WHEN a > 1 THEN 'x'::text ELSE 'y'::text END = 'x'::text", None),
    ("created > now() - interval '7 days'", "created > (now() - '7 days'::interval)", None),
    ("lower(\"Name\") <> ''", "lower(\"Name\") <> ''::text", None),
    ("pg_catalog.lower(x) = 'a'", "lower(x) = 'a'", None),
    ("x = 'a' -- a comment", "x = 'a'", None),
    ("interval '3 days'", "'3 days'::interval", "interval"),
    ("now() + interval '3 days'", "(now() + '3 days'::interval)", "timestamptz"),
    ("CAST('1.5' AS numeric)", "1.5", "numeric"),
    ("E'a\\tb'", "'a\tb'::text", "text"),
    ("'x'::text", "'x'::character varying", "varchar(5)"),
    ("''::character varying", "(''::character varying)::text", "text"),
    ("s SIMILAR TO '[a-z]+'", "s::text ~ similar_to_escape('[a-z]+'::text)", None),
    ("b ^ 2", "b::double precision ^ 2::double precision", None),
    ("(data ->> 'n')::int > 0", "((data ->> 'n'::text))::integer > 0", None),
    ("x > date '2020-01-01'", "x > '2020-01-01'::date", None),
    ("a > 2 / 4", "a > (2 / 4)", None),
    ("a > '2'::bigint * 3", "(a > ('2'::bigint * 3))", None),
    ("total < -1", "total < ('-1'::integer)::numeric", None),
    ("total >= -1.5", "total >= '-1.5'::numeric", None),
]
PG_DIFFERENT = [
    ("'2'::bigint", "'3'::bigint", "bigint"),
    ("now() + '3 days'::interval", "now() + '4 days'::interval", "timestamptz"),
    ("'1.5'::integer", "1.5", "numeric"),
    ("'x'", "'y'", "text"),
    ("x > '2020-01-01'::date", "x > '2020-01-01'::timestamptz", None),
    ("a > 1", "a >= 1", None),
    ("a - b", "b - a", None),
    ("a OR b AND c", "(a OR b) AND c", None),
    ("x ~ 'a'", "x ~* 'a'", None),
    ("x !~ 'a'", "x ~ 'a'", None),
    ("x @> y", "x <@ y", None),
    ("d #>> '{a}'", "d #> '{a}'", None),
    ("a IN (1, 2)", "a IN (1, 3)", None),
    ("a IN (1, 2)", "a NOT IN (1, 2)", None),
    ("now()", "clock_timestamp()", "timestamptz"),
    ("current_timestamp(3)", "current_timestamp", "timestamptz"),
    ("'2'::bigint / 4", "'2'::numeric / 4", "numeric"),
    ("r >= 1 / 3", "r >= ('1'::numeric / 3::numeric)", None),
    ("'2024-01-01 00:00:00'::timestamp", "'2024-01-01 00:00:00'::timestamptz", "timestamp"),
    ("x = 'a'::text", "x = 'a'::date", None),
    ("s SIMILAR TO 'a'", "s LIKE 'a'", None),
    ("total < -1", "total < ('-2'::integer)::numeric", None),
    ("total < -1", "total < ('-1'::integer)::text", None),
]


@pytest.mark.parametrize(("left", "right", "column_type"), PG_EQUAL, ids=[c[0] for c in PG_EQUAL])
def test_postgres_spellings_that_mean_the_same_are_equal(left: str, right: str, column_type: str | None) -> None:
    a, b = canonical_expr(left, PG, column_type=column_type), canonical_expr(right, PG, column_type=column_type)
    assert a == b and hash(a) == hash(b)
    assert a is None or (a.text, b.text) == (left, right)  # the text each was written in is kept


@pytest.mark.parametrize(("left", "right", "column_type"), PG_DIFFERENT, ids=[c[0] for c in PG_DIFFERENT])
def test_postgres_expressions_that_differ_are_not_equal(left: str, right: str, column_type: str | None) -> None:
    assert canonical_expr(left, PG, column_type=column_type) != canonical_expr(right, PG, column_type=column_type)


def test_postgres_views_compare_as_parsed_queries() -> None:
    written = "SELECT (r[1])::text AS x1, (g AT TIME ZONE 'utc') AS g2, st, (s ->> 'a')::timestamptz AS t3 " \
              "FROM t WHERE st = 'a' AND a IN (1, 2)"
    stored = """ SELECT t.r[1] AS x1,
    (t.g AT TIME ZONE 'utc'::text) AS g2,
    t.st,
    (t.s ->> 'a'::text)::timestamp with time zone AS t3
   FROM t
  WHERE t.st::text = 'a'::text AND (t.a = ANY (ARRAY[1::bigint, 2::bigint]));"""
    assert canonical_view(written, PG) == canonical_view(stored, PG)
    assert canonical_view("SELECT a FROM t WHERE b > 1", PG) != canonical_view("SELECT a FROM t WHERE b > 2", PG)


PG_VIEWS_EQUAL = [
    # (id, as written, as the server stores it)
    ("whole_row_argument", "SELECT id, label(accounts) AS label FROM accounts",
     "SELECT accounts.id, label(accounts.*) AS label FROM accounts;"),
    ("whole_row_of_an_alias_in_a_join", "SELECT a.id, label(a) FROM accounts a JOIN owners o ON o.id = a.owner_id",
     "SELECT a.id, label(a.*) AS label FROM (accounts a JOIN owners o ON ((o.id = a.owner_id)));"),
]
PG_VIEWS_DIFFERENT = [
    ("star_is_not_a_whole_row", "SELECT accounts.* FROM accounts", "SELECT accounts FROM accounts"),
    ("another_relation", "SELECT label(a) FROM accounts a, b", "SELECT label(b.*) FROM accounts a, b"),
]


@pytest.mark.parametrize(("written", "stored"), [pytest.param(w, s, id=i) for i, w, s in PG_VIEWS_EQUAL])
def test_postgres_view_spellings_that_mean_the_same_are_equal(written: str, stored: str) -> None:
    assert canonical_view(written, PG) == canonical_view(stored, PG)


@pytest.mark.parametrize(("left", "right"), [pytest.param(a, b, id=i) for i, a, b in PG_VIEWS_DIFFERENT])
def test_postgres_views_that_differ_are_not_equal(left: str, right: str) -> None:
    assert canonical_view(left, PG) != canonical_view(right, PG)


def test_postgres_text_the_parser_refuses_is_compared_as_text_and_says_so() -> None:
    expr = canonical_expr("a b c", PG)
    assert expr is not None and not expr.proven
    assert expr == canonical_expr("A   b  c", PG)


# SQLite: every operator and literal form, lexed whole (a multi-character operator is one token).
SQLITE_TOKENS = [
    ("a || b", ["a", "||", "b"]),
    ("a -> '$.x'", ["a", "->", "'$.x'"]),
    ("a ->> '$.x'", ["a", "->>", "'$.x'"]),
    ("a*b/c%d", ["a", "*", "b", "/", "c", "%", "d"]),
    ("a+b-c", ["a", "+", "b", "-", "c"]),
    ("a&b|c", ["a", "&", "b", "|", "c"]),
    ("a<<2>>1", ["a", "<<", "2", ">>", "1"]),
    ("a<b<=c>d>=e", ["a", "<", "b", "<=", "c", ">", "d", ">=", "e"]),
    ("a=b==c", ["a", "=", "b", "=", "c"]),
    ("a!=b<>c", ["a", "<>", "b", "<>", "c"]),
    ("~a", ["~", "a"]),
    ("a<-1", ["a", "<", "-1"]),
    ("a IS NOT b", ["a", "is", "not", "b"]),
    ("a IS DISTINCT FROM b", ["a", "is", "distinct", "from", "b"]),
    ("a GLOB '[a-z]*' ESCAPE 'x'", ["a", "glob", "'[a-z]*'", "escape", "'x'"]),
    ("a COLLATE NOCASE", ["a", "collate", "nocase"]),
    ("1 + 1.5 + .5 + 1e3 + 1E-3", ["1", "+", "1.5", "+", ".5", "+", "1e3", "+", "1E-3"]),
    ("0x1F", ["31"]),
    ("'it''s'", ["'it''s'"]),
    ("x'ABcd'", ["x'ABCD'"]),
    ("X'abcd'", ["x'ABCD'"]),
    ("NULL TRUE FALSE CURRENT_TIME CURRENT_DATE CURRENT_TIMESTAMP",
     ["null", "true", "false", "current_time", "current_date", "current_timestamp"]),
    ('"Quoted Name" [br acket] `back tick`', ['"Quoted Name"', '"br acket"', '"back tick"']),
]

SQLITE_EQUAL = [
    ("datetime('now')", "(datetime('now'))"),
    ("a == 1", "a = 1"),
    ("a != 1", "(a <> 1)"),
    ("[a] > 1", '"a" > 1'),
    ("0x10", "16"),
    ("x'ab'", "X'AB'"),
    ("length(x) <= 10", "LENGTH(x)<=10"),
    ("a << 2", "a<<2"),
]
SQLITE_DIFFERENT = [
    ("a << 2", "a < 2"),
    ("a >> 2", "a > 2"),
    ("a || b", "a | b"),
    ("a -> 'x'", "a ->> 'x'"),
    ("'1'", "1"),
    ("x GLOB 'a*'", "x LIKE 'a*'"),
]


@pytest.mark.parametrize(("text", "tokens"), SQLITE_TOKENS, ids=[c[0] for c in SQLITE_TOKENS])
def test_sqlite_lexes_every_operator_and_literal_whole(text: str, tokens: list[str]) -> None:
    assert [t.text for t in tokenize(text, SQLITE)] == tokens


@pytest.mark.parametrize(("left", "right"), SQLITE_EQUAL, ids=[c[0] for c in SQLITE_EQUAL])
def test_sqlite_spellings_that_mean_the_same_are_equal(left: str, right: str) -> None:
    assert canonical_expr(left, SQLITE) == canonical_expr(right, SQLITE)


@pytest.mark.parametrize(("left", "right"), SQLITE_DIFFERENT, ids=[c[0] for c in SQLITE_DIFFERENT])
def test_sqlite_expressions_that_differ_are_not_equal(left: str, right: str) -> None:
    assert canonical_expr(left, SQLITE) != canonical_expr(right, SQLITE)
