"""Fuzz the edges (issue 17, point 7): hypothesis drives the CLI on both engines with names,
expressions and URLs from ``tests/strategies.py``.

1. A fuzzed spec (1-3 tables: hostile names, a default, checks, an index) against an empty
   database: the printed plan runs as written, ``apply`` exits 0, the audit is then clean and a
   second plan is empty.
2. Tables made by hand (the test's own quoting) in database A: ``snapshot`` A, ``apply`` that spec
   to an empty B; B audits clean against it, B's snapshot is A's, and A audits clean against B's.
3. A URL carrying a planted secret that cannot connect: every command exits 2 with one line on
   stderr, no traceback, and the secret in no spelling anywhere in the output.
4. A spec with one fuzzed mistake: exit 2, one line on stderr naming the spec, no traceback, and
   nothing created.

Known bugs the properties found are pinned by strict xfail tests of their minimal cases (and kept out
of the fuzzed data so that the properties test everything else): keywords the planner does not
quote (``UNQUOTED_KEYWORDS``), and SQLite's snapshot of double-quoted constraint names.

Each example resets the one database the ``db`` fixture gives (a new SQLite file; Postgres: every
table of ``public`` dropped), and writes its spec under a new name (the spec cache keys on files).
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import psycopg
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from auditor.redact import SECRETS
from auditor.spec import COLUMN_KEYS, _DEFAULT_KEYWORDS, load_spec
from conftest import LiveDb, run_cli
from strategies import (
    INT,
    KEYWORDS,
    PG_IDENTIFIER_BYTES,
    SecretUrl,
    TableDef,
    fold,
    identifiers,
    predicates,
    quote_identifier,
    schemas,
    secret_urls,
    spec_table_key,
    spellings,
    utf8_len,
)

FUZZ = settings(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
NO_CHANGES = "-- no changes: the database matches the spec"

# Keywords SQLAlchemy's identifier preparers do not list as reserved, which the planner once wrote
# bare as names (DDL that did not parse); the dialects now quote them. Fuzzed names include them,
# and test_keywords_are_quoted_as_names pins each.
UNQUOTED_KEYWORDS = {
    "postgresql": frozenset({"concurrently", "collation", "tablesample", "lateral", "system_user"}),
    "sqlite": frozenset({"returning", "nothing"}),
}
NAMES = schemas()


# ---------------------------------------------------------------------------------------------
# Helpers: the test's own SQL and YAML, and the database reset between examples


def reset(db: LiveDb) -> None:
    """An empty database again: a new SQLite file at the same path, or no table left in public."""
    if db.dialect == "sqlite":
        path = Path(make_url(db.url).database or "")
        for leftover in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")):
            leftover.unlink(missing_ok=True)
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA user_version = 0")
        conn.close()
        return
    run_script(db, "DO $$ DECLARE r record; BEGIN"
               " FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP"
               " EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', r.tablename); END LOOP; END $$")


def spec_document(tables: list[TableDef]) -> dict[str, object]:
    """The spec of ``tables`` as YAML data (every table key double-quoted: a dot is no schema)."""
    out: dict[str, object] = {}
    for table in tables:
        columns: dict[str, object] = {}
        for col in table.columns:
            body: dict[str, object] = {"type": col.type, "nullable": col.nullable}
            if col.default is not None:
                body["default"] = col.default
            if col.check is not None:
                body["check"] = col.check
            columns[col.name] = body
        entry: dict[str, object] = {"columns": columns}
        if table.primary_key is not None:
            entry["primary_key"] = [table.primary_key]
        if table.checks:
            entry["checks"] = dict(table.checks)
        entry["indexes"] = {name: {"columns": list(cols)} for name, cols in table.indexes}
        out[spec_table_key(table.name)] = entry
    return {"tables": out}


def write_yaml(tmp_path: Path, document: object) -> str:
    """A spec file under a name no earlier example used."""
    path = tmp_path / f"spec-{uuid.uuid4().hex[:10]}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def create_sql(table: TableDef, dialect: str) -> list[str]:
    """CREATE TABLE and CREATE INDEX for ``table``, quoted by the test itself."""
    parts = []
    for col in table.columns:
        line = f"{quote_identifier(col.name)} {col.type.upper()}"
        if not col.nullable or col.name == table.primary_key:
            line += " NOT NULL"
        if col.default is not None:
            line += f" DEFAULT ({col.default})" if dialect == "sqlite" else f" DEFAULT {col.default}"
        if col.check is not None:
            line += f" CHECK ({col.check})"
        parts.append(line)
    if table.primary_key is not None:
        parts.append(f"PRIMARY KEY ({quote_identifier(table.primary_key)})")
    parts += [f"CONSTRAINT {quote_identifier(name)} CHECK ({expr})" for name, expr in table.checks]
    name = quote_identifier(table.name)
    statements = [f"CREATE TABLE {name} (\n  " + ",\n  ".join(parts) + "\n)"]
    statements += [f"CREATE INDEX {quote_identifier(index)} ON {name} ({', '.join(map(quote_identifier, cols))})"
                   for index, cols in table.indexes]
    return statements


def run_script(db: LiveDb, script: str) -> None:
    """Run SQL text as a person would: sqlite3's executescript, or the whole text through psycopg
    in autocommit, without parameters (so that a ``%`` is no placeholder)."""
    if db.dialect == "sqlite":
        conn = sqlite3.connect(make_url(db.url).database or "")
        try:
            conn.executescript(script)
        finally:
            conn.close()
        return
    url = make_url(db.url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database,
                         autocommit=True) as conn:
        conn.execute(script.encode("utf-8"))


def table_names(db: LiveDb) -> set[str]:
    if db.dialect == "sqlite":
        return {n for (n,) in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {n for (n,) in db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def audit_clean(url: str, spec: str) -> None:
    """``audit`` exits 0 with no drift item, and ``plan`` has nothing to do."""
    audit = run_cli("audit", "--db", url, "--spec", spec, "--format", "json", "--strict")
    assert audit.code == 0, audit.out + audit.err + Path(spec).read_text()
    assert json.loads(audit.out)["databases"][0]["drift"] == []
    plan = run_cli("plan", "--db", url, "--spec", spec, "--strict")
    assert plan.code == 0 and NO_CHANGES in plan.out, plan.out + plan.err + Path(spec).read_text()


def one_line_error(result, *, mentions: str | None = None) -> None:
    """Exit 2, exactly one line on stderr, never a traceback."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.out + result.err, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].strip(), result.err
    if mentions is not None:
        assert mentions in lines[0], lines[0]


def snapshot_shape(text: str, dialect: str) -> object:
    """What a snapshot says apart from how the engine spells expressions (SQLite keeps a default's
    text as written, so ``DEFAULT ((0))`` and ``DEFAULT 0`` snapshot differently and mean the same:
    the audits in both directions check the meaning): every name, type, nullability, which columns
    have a default, the checks and the indexes.

    On SQLite the names of CHECK and UNIQUE constraints are left out: the SQLite reader takes a
    double-quoted constraint name for a string literal (a known bug, pinned by
    ``test_sqlite_snapshot_keeps_double_quoted_constraint_names`` below)."""
    data = yaml.safe_load(text) or {}
    out = {}
    for name, table in (data.get("tables") or {}).items():
        columns = {col: (body, True, False) if isinstance(body, str) else
                   (body["type"], body.get("nullable", True), "default" in body, body.get("primary_key", False))
                   for col, body in table["columns"].items()}
        checks = table.get("checks") or {}
        out[name] = {"columns": columns, "primary_key": table.get("primary_key"), "indexes": table.get("indexes"),
                     "checks": len(checks) if dialect == "sqlite" else sorted(checks)}
    return out


# ---------------------------------------------------------------------------------------------
# 1. Fuzzed spec → plan runs → apply → clean → empty plan


@settings(FUZZ, max_examples=40)
@given(tables=NAMES)
def test_a_fuzzed_spec_plans_sql_that_runs_and_heals_to_clean(db: LiveDb, tmp_path: Path,
                                                              tables: list[TableDef]) -> None:
    spec = write_yaml(tmp_path, spec_document(tables))
    loaded = load_spec(spec)  # the test's own YAML says what it means
    assert [(t.schema, t.name, [c.name for c in t.columns]) for t in loaded.tables] == \
        [(None, t.name, [c.name for c in t.columns]) for t in tables]

    # The printed plan, run as written, builds the spec.
    reset(db)
    plan = run_cli("plan", "--db", db.url, "--spec", spec)
    assert plan.code == 1, plan.out + plan.err
    run_script(db, plan.out)
    assert table_names(db) == {t.name for t in tables}
    audit_clean(db.url, spec)

    # apply does the same.
    reset(db)
    applied = run_cli("apply", "--db", db.url, "--spec", spec, "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert "verified: clean" in applied.out, applied.out
    assert table_names(db) == {t.name for t in tables}
    audit_clean(db.url, spec)


# ---------------------------------------------------------------------------------------------
# 2. Hand-made tables → snapshot → apply elsewhere → same schema


@pytest.fixture
def other_db(db: LiveDb, new_db) -> LiveDb:
    """A second empty database of the same engine."""
    return LiveDb(new_db(db.dialect), db.dialect)


@settings(FUZZ, max_examples=40)
@given(tables=NAMES)
def test_snapshot_then_apply_converges(db: LiveDb, other_db: LiveDb, tmp_path: Path, tables: list[TableDef]) -> None:
    reset(db)
    reset(other_db)
    run_script(db, ";\n".join(sql for table in tables for sql in create_sql(table, db.dialect)))
    assert table_names(db) == {t.name for t in tables}

    snap_a = run_cli("snapshot", "--db", db.url)
    assert snap_a.code == 0, snap_a.err
    spec_a = tmp_path / f"a-{uuid.uuid4().hex[:10]}.yaml"
    spec_a.write_text(snap_a.out, encoding="utf-8")
    assert {t.name for t in load_spec(spec_a).tables} == {t.name for t in tables}, snap_a.out
    audit_clean(db.url, str(spec_a))  # a database is clean against its own snapshot

    applied = run_cli("apply", "--db", other_db.url, "--spec", str(spec_a), "--yes")
    assert applied.code == 0, applied.out + applied.err + snap_a.out
    audit_clean(other_db.url, str(spec_a))

    snap_b = run_cli("snapshot", "--db", other_db.url)
    assert snap_b.code == 0, snap_b.err
    assert snapshot_shape(snap_b.out, db.dialect) == snapshot_shape(snap_a.out, db.dialect), \
        snap_a.out + snap_b.out
    spec_b = tmp_path / f"b-{uuid.uuid4().hex[:10]}.yaml"
    spec_b.write_text(snap_b.out, encoding="utf-8")
    audit_clean(db.url, str(spec_b))


@pytest.mark.parametrize("kind", ["CHECK (a > 0)", "UNIQUE (a)"])
@pytest.mark.parametrize("name", ["ck", "1_check", "Mixed Case"])
def test_sqlite_snapshot_keeps_double_quoted_constraint_names(sqlite_url: str, name: str, kind: str) -> None:
    """Found by ``test_snapshot_then_apply_converges[sqlite]``: a double-quoted CONSTRAINT name that
    names no column was read as a string, and a snapshot wrote the name 'ck', quotes and all."""
    db = LiveDb(sqlite_url, "sqlite")
    run_script(db, f"CREATE TABLE t (a INTEGER, CONSTRAINT {quote_identifier(name)} {kind})")
    snap = run_cli("snapshot", "--db", sqlite_url)
    assert snap.code == 0, snap.err
    table = yaml.safe_load(snap.out)["tables"]["t"]
    assert list(table["checks" if kind.startswith("CHECK") else "unique"]) == [name], snap.out


# Postgres 'CREATE TABLE public.t (a integer, CONSTRAINT concurrently CHECK (a > 0))' and SQLite
# 'CREATE INDEX IF NOT EXISTS returning ON t (a)' were syntax errors.
KEYWORD_CASES = [pytest.param(dialect, keyword, role, id=f"{dialect}-{keyword}-{role}")
                 for dialect, keywords in UNQUOTED_KEYWORDS.items() for keyword in sorted(keywords)
                 for role in ("table", "column", "check", "index")
                 if not (dialect == "postgresql" and role == "table")]  # a qualified name parses there


@pytest.mark.parametrize(("dialect", "keyword", "role"), KEYWORD_CASES)
def test_keywords_are_quoted_as_names(request: pytest.FixtureRequest, tmp_path: Path, dialect: str, keyword: str,
                                      role: str) -> None:
    """Found by ``test_snapshot_then_apply_converges`` (Postgres: a check named ``concurrently``;
    SQLite: an index named ``returning``): the minimal case, ``apply`` of a one-table spec to an
    empty database."""
    url = request.getfixturevalue("sqlite_url" if dialect == "sqlite" else "pg_url")
    column = keyword if role == "column" else "a"
    table: dict[str, object] = {"columns": {column: "integer"}}
    if role == "check":
        table["checks"] = {keyword: f"{quote_identifier(column)} > 0"}
    if role == "index":
        table["indexes"] = {keyword: {"columns": [column]}}
    spec = write_yaml(tmp_path, {"tables": {spec_table_key(keyword if role == "table" else "t"): table}})
    applied = run_cli("apply", "--db", url, "--spec", spec, "--yes")
    assert applied.code == 0, applied.err
    audit_clean(url, spec)


# ---------------------------------------------------------------------------------------------
# 3. No secret in any output


@pytest.fixture
def small_spec(tmp_path: Path) -> str:
    path = tmp_path / "small.yaml"
    path.write_text("tables:\n  jobs:\n    columns:\n      id: {type: integer, primary_key: true}\n")
    return str(path)


def secret_commands(url: str, spec: str, sqlite_url: str, tmp_path: Path) -> list[tuple[str, ...]]:
    """Every command, with the secret's URL where a database URL goes."""
    d = ("--db", url, "--spec", spec)
    config = tmp_path / f"config-{uuid.uuid4().hex[:8]}.yaml"  # the URL off the command line
    config.write_text(yaml.safe_dump({"spec": spec, "databases": {"fuzzed": {"url": url}}}), encoding="utf-8")
    c = ("--config", str(config))
    return [
        ("audit", *c), ("audit", *c, "--format", "json"), ("plan", *c), ("snapshot", *c, "--db", "fuzzed"),
        ("apply", *c, "--yes"),
        ("audit", *d), ("audit", *d, "--format", "json"), ("audit", *d, "--format", "markdown"),
        ("audit", *d, "--format", "html"), ("plan", *d), ("plan", *d, "--format", "json"),
        ("plan", *d, "--out", str(tmp_path / "plan.json")), ("apply", *d, "--yes"),
        ("apply", *d, "--yes", "--format", "json"), ("snapshot", "--db", url),
        ("audit", "--db", sqlite_url, "--expected-db", url),
        ("snapshot", "--expected-db", url),
    ]


@settings(FUZZ, max_examples=40)
@given(planted=secret_urls())
def test_no_secret_in_any_output(pg_available: bool, small_spec: str, sqlite_url: str, tmp_path: Path,
                                 planted: SecretUrl) -> None:
    if not pg_available:
        pytest.skip("Postgres is not reachable")
    SECRETS.clear()  # each example on its own: an earlier secret must not mask this one's output
    for args in secret_commands(planted.url, small_spec, sqlite_url, tmp_path):
        result = run_cli(*args)
        text = result.out + result.err
        for spelling in spellings(planted.secret):
            assert spelling not in text, f"{planted.route} secret {spelling!r} in {args[0]}:\n{text}"
        one_line_error(result)
        assert not (tmp_path / "plan.json").exists() or planted.secret not in (tmp_path / "plan.json").read_text()


# ---------------------------------------------------------------------------------------------
# 4. Bad input: one line, exit 2, nothing touched


def _typo(word: str) -> st.SearchStrategy[str]:
    """``word`` with one interior letter deleted: a near miss, never another type."""
    return st.integers(1, len(word) - 2).map(lambda i: word[:i] + word[i + 1:])


_BARE = st.from_regex(r"\A[a-z][a-z0-9_]{2,10}\Z", fullmatch=True).filter(
    lambda w: w not in _DEFAULT_KEYWORDS and w not in KEYWORDS)
_UNCONTAINED = st.sampled_from([");", "); DROP TABLE victims; --", ")", "(", " OR 'open", " /* open", "; SELECT 1"])


@st.composite
def broken_specs(draw: st.DrawFn, dialect: str) -> tuple[str, dict[str, object]]:
    """(what is wrong, a spec document) with exactly one mistake in an otherwise valid table."""
    table = draw(identifiers())
    column = draw(identifiers())
    good = {"type": INT, "nullable": True, "check": draw(predicates([(column, INT)]))}
    kinds = ["type typo", "bare default", "uncontained check", "uncontained default", "not a boolean",
             "unknown column key", "index of a missing column", "NUL in a name"]
    kinds += ["name too long"] if dialect == "postgresql" else ["no columns"]
    kind = draw(st.sampled_from(kinds))
    columns: dict[str, object] = {column: good}
    extra: dict[str, object] = {}
    if kind == "type typo":
        columns[column] = {**good, "type": draw(st.sampled_from(["integer", "boolean", "timestamp", "smallint"])
                                              .flatmap(_typo))}
    elif kind == "bare default":
        columns[column] = {**good, "default": draw(_BARE)}
    elif kind == "uncontained check":
        columns[column] = {**good, "check": good["check"] + draw(_UNCONTAINED)}
    elif kind == "uncontained default":
        columns[column] = {**good, "default": draw(st.integers(0, 9).map(str)) + draw(_UNCONTAINED)}
    elif kind == "not a boolean":
        not_yaml_bool = _BARE.filter(lambda w: w not in ("yes", "no", "on", "off", "y", "n"))
        columns[column] = {**good, "nullable": draw(not_yaml_bool)}
    elif kind == "unknown column key":
        columns[column] = {**good, draw(_BARE.filter(lambda w: w not in COLUMN_KEYS)): True}
    elif kind == "index of a missing column":
        missing = draw(_BARE.filter(lambda w: fold(w) != fold(column)))
        extra = {"indexes": {draw(_BARE.filter(lambda w: fold(w) != fold(table))): {"columns": [missing]}}}
    elif kind == "NUL in a name":
        at = draw(st.integers(0, len(column)))
        columns = {column[:at] + "\x00" + column[at:]: good}
    elif kind == "name too long":
        long = draw(st.text(st.sampled_from("aé表☕"), min_size=16, max_size=80).filter(
            lambda n: utf8_len(n) > PG_IDENTIFIER_BYTES))
        columns = {long: good}
    elif kind == "no columns":
        columns = {}
    return kind, {"tables": {spec_table_key(table): {"columns": columns, **extra}}}


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_bad_input_is_one_line_and_exit_2(db: LiveDb, tmp_path: Path, data: st.DataObject) -> None:
    kind, document = data.draw(broken_specs(db.dialect), label="broken spec")
    command = data.draw(st.sampled_from(["audit", "plan", "apply"]), label="command")
    spec = write_yaml(tmp_path, document)
    result = run_cli(command, "--db", db.url, "--spec", spec, *(["--yes"] if command == "apply" else []))
    one_line_error(result, mentions=spec)
    assert table_names(db) == set(), kind
