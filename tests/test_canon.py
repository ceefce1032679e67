"""Canonical forms, table-driven: one line per case, per dialect.

The pure tables pin what ``canon`` makes of a spelling. The engine matrix creates each natural
spelling in the real engine and asserts that what the engine reports canonicalizes to the same
text as what a person would write in the spec: the zero-false-positive property.
"""
from __future__ import annotations

import pytest

from auditor.canon import canonical_expr, canonical_type, render_type
from auditor.dialects import POSTGRESQL, SQLITE, dialect_named
from auditor.inspect import inspect_target
from auditor.target import Target
from conftest import LiveDb

# (dialect, written, canonical)
TYPES = [
    ("postgresql", "int", "integer"),
    ("postgresql", "INT4", "integer"),
    ("postgresql", "integer", "integer"),
    ("postgresql", "int8", "bigint"),
    ("postgresql", "character varying(20)", "varchar(20)"),
    ("postgresql", "VARCHAR( 20 )", "varchar(20)"),
    ("postgresql", "character varying", "varchar"),
    ("postgresql", "timestamp without time zone", "timestamp"),
    ("postgresql", "timestamp with time zone", "timestamptz"),
    ("postgresql", "timestamp(3) with time zone", "timestamptz(3)"),
    ("postgresql", "bool", "boolean"),
    ("postgresql", "double precision", "double"),
    ("postgresql", "float8", "double"),
    ("postgresql", "float4", "real"),
    ("postgresql", "decimal(10, 2)", "numeric(10,2)"),
    ("postgresql", "numeric(10)", "numeric(10,0)"),
    ("postgresql", "char", "char(1)"),
    ("postgresql", "character(3)", "char(3)"),
    ("postgresql", "integer[]", "integer[]"),
    ("postgresql", "text[][]", "text[]"),  # Postgres keeps no dimensions
    ("sqlite", "text[][]", "text[][]"),
    ("postgresql", "jsonb", "jsonb"),
    ("sqlite", "INTEGER", "integer"),
    ("sqlite", "INT", "integer"),
    ("sqlite", "VARCHAR(20)", "varchar(20)"),
    ("sqlite", "numeric(10)", "numeric(10)"),
    ("sqlite", "DATETIME", "datetime"),
    ("sqlite", "UNSIGNED BIG INT", "unsigned big int"),
    ("sqlite", "", ""),
]

# (dialect, written, canonical)
EXPRESSIONS = [
    ("postgresql", "'pending'::character varying", "'pending'"),
    ("postgresql", "'pending'", "'pending'"),
    ("postgresql", "CURRENT_TIMESTAMP", "current_timestamp"),
    ("postgresql", "now()", "current_timestamp"),
    ("postgresql", "'0'::integer", "0"),
    ("postgresql", "'-1'::integer", "-1"),
    ("postgresql", "-1", "-1"),
    ("postgresql", "'t'::boolean", "true"),
    ("postgresql", "TRUE", "true"),
    ("postgresql", "NULL", None),
    ("postgresql", "NULL::character varying", None),
    ("postgresql", "nextval('jobs_id_seq'::regclass)", "nextval('jobs_id_seq')"),
    ("postgresql", "((status)::text = 'running'::text)", "status = 'running'"),
    ("postgresql", "status = 'running'", "status = 'running'"),
    ("postgresql", "((a > 0) AND (b IS NOT NULL))", "a > 0 and b is not null"),
    ("postgresql", "((a > 0) OR (b = 1)) AND c", "(a > 0 or b = 1) and c"),
    ("postgresql", "a OR (b AND c)", "a or b and c"),
    ("postgresql", "NOT (a AND b)", "not (a and b)"),
    ("postgresql", "(x + 1) * 2", "(x + 1) * 2"),
    ("postgresql", "x - 1", "x - 1"),
    ("postgresql", "lower(\"Name\")", "lower(\"Name\")"),
    ("postgresql", "\"status\" != 'x'", "status <> 'x'"),
    ("postgresql", "status IN ('a', 'b')", "status in ('a', 'b')"),
    ("sqlite", "CURRENT_TIMESTAMP", "current_timestamp"),
    ("sqlite", "'pending'", "'pending'"),
    ("sqlite", "[status] == 'running'", "status = 'running'"),
    ("sqlite", "(0)", "0"),
    ("sqlite", "`a` > 1", "a > 1"),
]


@pytest.mark.parametrize(("dialect", "written", "canonical"), TYPES)
def test_canonical_type(dialect: str, written: str, canonical: str) -> None:
    assert canonical_type(written, dialect_named(dialect)) == canonical


@pytest.mark.parametrize(("dialect", "written", "canonical"), EXPRESSIONS)
def test_canonical_expression(dialect: str, written: str, canonical: str | None) -> None:
    d = dialect_named(dialect)
    got = canonical_expr(written, d)
    assert (got is None) if canonical is None else (got == canonical_expr(canonical, d))


@pytest.mark.parametrize(("dialect", "canonical", "spelled"), [
    ("postgresql", "double", "double precision"),
    ("postgresql", "varchar(20)", "varchar(20)"),
    ("postgresql", "timestamptz", "timestamptz"),
    ("sqlite", "varchar(20)", "VARCHAR(20)"),
    ("sqlite", "double", "DOUBLE"),
])
def test_render_type_round_trips(dialect: str, canonical: str, spelled: str) -> None:
    d = dialect_named(dialect)
    assert render_type(canonical, d) == spelled
    assert canonical_type(spelled, d) == canonical


# (dialect, natural DDL type and default as a person writes it in CREATE TABLE, spec type, spec default)
ENGINE_MATRIX = [
    ("postgresql", "INT DEFAULT 0", "integer", "0"),
    ("postgresql", "INTEGER DEFAULT -1", "int4", "-1"),
    ("postgresql", "VARCHAR(20) DEFAULT 'pending'", "varchar(20)", "'pending'"),
    ("postgresql", "CHARACTER VARYING(20) DEFAULT 'x'", "varchar(20)", "'x'"),
    ("postgresql", "TEXT DEFAULT 'it''s'", "text", "'it''s'"),
    ("postgresql", "TIMESTAMP DEFAULT CURRENT_TIMESTAMP", "timestamp", "CURRENT_TIMESTAMP"),
    ("postgresql", "TIMESTAMPTZ DEFAULT now()", "timestamp with time zone", "CURRENT_TIMESTAMP"),
    ("postgresql", "TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP", "timestamptz", "now()"),
    ("postgresql", "BOOLEAN DEFAULT true", "bool", "true"),
    ("postgresql", "BOOL DEFAULT 'f'", "boolean", "false"),
    ("postgresql", "NUMERIC(10,2) DEFAULT 0", "numeric(10, 2)", "0"),
    ("postgresql", "DECIMAL(12) DEFAULT 1.5", "numeric(12)", "1.5"),
    ("postgresql", "DOUBLE PRECISION", "float8", None),
    ("postgresql", "REAL", "float4", None),
    ("postgresql", "BIGINT DEFAULT 42", "int8", "42"),
    ("postgresql", "JSONB DEFAULT '{}'", "jsonb", "'{}'"),
    ("postgresql", "JSON", "json", None),
    ("postgresql", "DATE DEFAULT CURRENT_DATE", "date", "CURRENT_DATE"),
    ("postgresql", "UUID", "uuid", None),
    ("postgresql", "CHAR(2) DEFAULT 'US'", "character(2)", "'US'"),
    ("postgresql", "TEXT[]", "text[]", None),
    ("postgresql", "INTEGER[][] DEFAULT '{}'", "integer[][]", "'{}'::integer[][]"),
    ("postgresql", "VARCHAR(5) DEFAULT NULL", "varchar(5)", None),
    ("sqlite", "INTEGER DEFAULT 0", "integer", "0"),
    ("sqlite", "INT DEFAULT -1", "integer", "-1"),
    ("sqlite", "VARCHAR(20) DEFAULT 'pending'", "varchar(20)", "'pending'"),
    ("sqlite", "TEXT DEFAULT 'it''s'", "text", "'it''s'"),
    ("sqlite", "TIMESTAMP DEFAULT CURRENT_TIMESTAMP", "timestamp", "CURRENT_TIMESTAMP"),
    ("sqlite", "BOOLEAN DEFAULT FALSE", "boolean", "false"),
    ("sqlite", "NUMERIC(10,2) DEFAULT 0", "numeric(10, 2)", "0"),
    ("sqlite", "REAL DEFAULT 1.5", "real", "1.5"),
    ("sqlite", "DOUBLE PRECISION", "double", None),
    ("sqlite", "BLOB", "blob", None),
    ("sqlite", "TEXT DEFAULT (NULL)", "text", None),
]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_engine_reports_what_a_person_writes(engine: str, request: pytest.FixtureRequest) -> None:
    """One table holding every case of the engine; each column compared on its own."""
    url = request.getfixturevalue("sqlite_url" if engine == "sqlite" else "pg_url")
    cases = [c for c in ENGINE_MATRIX if c[0] == engine]
    columns = ", ".join(f"c{i} {ddl}" for i, (_, ddl, _, _) in enumerate(cases))
    LiveDb(url, engine).execute(f"CREATE TABLE matrix ({columns})")
    dialect = dialect_named(engine)
    live = inspect_target(Target("t", url), ("public",)).table_map()
    table = live["public.matrix" if engine == "postgresql" else "matrix"]
    mismatches = []
    for i, (_, ddl, spec_type, spec_default) in enumerate(cases):
        col = table.column(f"c{i}")
        assert col is not None
        type_ = canonical_type(spec_type, dialect)
        want = (type_, canonical_expr(spec_default, dialect, None, type_))
        if (col.type, col.default) != want:
            mismatches.append(f"{ddl!r}: engine gives {(col.type, col.default)}, spec gives {want}")
    assert not mismatches, "\n".join(mismatches)


def test_dialects_quote_reserved_and_mixed_case_names() -> None:
    assert POSTGRESQL.quote("order") == '"order"'
    assert POSTGRESQL.quote("Mixed") == '"Mixed"'
    assert POSTGRESQL.quote("plain") == "plain"
    assert SQLITE.qualified("app", "t") == "t"
    assert POSTGRESQL.qualified("app", "t") == "app.t"
