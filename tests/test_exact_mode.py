"""Exact mode (``--dev-url``): the server canonicalizes the spec's expressions in a scratch database,
so what the parse-tree rules cannot prove equal or different is compared in the server's own spelling."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import PG_ADMIN_URL, LiveDb, run_cli

DDL = ("CREATE TABLE t (id integer PRIMARY KEY, name text, at timestamptz, "
       "CONSTRAINT ck_at CHECK (at > '2020-01-01'::date))",
       "CREATE VIEW v AS SELECT * FROM t")
# Natural spelling: the view as written; the check's literal left for the server to type.
SPEC = """tables:
  t:
    columns: {id: {type: integer, primary_key: true}, name: text, at: timestamptz}
    checks: {ck_at: "at > '2020-01-01'"}
views:
  v: "SELECT * FROM t"
"""


def _audit(url: str, spec: str, *extra: str) -> dict:
    result = run_cli("audit", "--db", url, "--spec", spec, "--strict", "--format", "json", *extra)
    assert result.code in (0, 1), result.err
    return json.loads(result.out)["databases"][0]


def _scratch_databases() -> set[str]:
    return {str(name) for (name,) in LiveDb(PG_ADMIN_URL, "postgresql").query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'schema_auditor_scratch_%%'")}


def test_the_server_compares_what_the_parse_tree_cannot(pg_url: str, write_spec) -> None:
    db = LiveDb(pg_url, "postgresql")
    db.execute(*DDL)
    spec = write_spec(SPEC)
    by_tree = _audit(pg_url, spec)
    assert by_tree["expressions"] == "parse tree"
    # SELECT * is expanded by the server: the tree cannot know the columns, and says to use --dev-url.
    assert [(d["kind"], d["table"]) for d in by_tree["drift"]] == [("view_mismatch", "v")]
    assert "--dev-url" in by_tree["drift"][0]["message"]
    # The check's untyped literal is matched to the server's date literal by the tree; the server
    # types it as timestamptz, which is not the same check: exact mode sees it.
    before = _scratch_databases()
    exact = _audit(pg_url, spec, "--dev-url", PG_ADMIN_URL)
    assert exact["expressions"] == "engine"
    assert [(d["kind"], d["name"]) for d in exact["drift"]] == [("check_mismatch", "ck_at")]
    assert _scratch_databases() == before  # the scratch database is gone
    text = run_cli("audit", "--db", pg_url, "--spec", spec, "--dev-url", PG_ADMIN_URL)
    assert "expressions compared by the engine" in text.out


def test_exact_mode_is_clean_where_the_server_spells_both_sides_alike(pg_url: str, write_spec) -> None:
    db = LiveDb(pg_url, "postgresql")
    db.execute(DDL[0].replace("'2020-01-01'::date", "'2020-01-01'"), DDL[1])
    spec = write_spec(SPEC)
    assert _audit(pg_url, spec, "--dev-url", PG_ADMIN_URL)["drift"] == []
    # The second run reads the server's forms from the spec cache: no scratch database needed.
    assert _audit(pg_url, spec, "--dev-url", PG_ADMIN_URL)["drift"] == []
    # The audited database was only read.
    assert db.query("SELECT count(*) FROM pg_class WHERE relname LIKE '%%auditor%%'") == [(0,)]


def test_what_the_scratch_database_refuses_keeps_its_tree_form_and_is_reported(pg_url: str, write_spec) -> None:
    LiveDb(pg_url, "postgresql").execute(
        "CREATE FUNCTION app_now() RETURNS timestamptz LANGUAGE sql AS 'SELECT now()'",
        "CREATE TABLE j (id integer PRIMARY KEY, at timestamptz DEFAULT app_now())")
    spec = write_spec("tables:\n  j:\n    columns: {id: {type: integer, primary_key: true}, "
                      "at: {type: timestamptz, default: app_now()}}\n")
    exact = _audit(pg_url, spec, "--dev-url", PG_ADMIN_URL)
    assert [i["kind"] for i in exact["drift"]] == ["extra_function"] and exact["expressions"] == "engine"
    assert any("app_now" in r for r in exact["refused_by_scratch_database"])
    # With the function in the spec, the scratch database makes it first, and the table after it.
    with_function = write_spec("functions:\n  - CREATE FUNCTION app_now() RETURNS timestamptz LANGUAGE sql "
                               "AS 'SELECT now()'\n" + Path(spec).read_text(), "with_function.yaml")
    exact = _audit(pg_url, with_function, "--dev-url", PG_ADMIN_URL)
    assert exact["drift"] == [] and not exact.get("refused_by_scratch_database")


def test_function_bodies_compare_in_the_servers_spelling(pg_url: str, write_spec) -> None:
    """A BEGIN ATOMIC body the parse-tree rules cannot prove equal (the server expands ``*``) is
    clean in exact mode: both sides are the server's deparse."""
    LiveDb(pg_url, "postgresql").execute(
        "CREATE TABLE j (id integer PRIMARY KEY, note text)",
        "CREATE FUNCTION first_j() RETURNS SETOF j LANGUAGE sql BEGIN ATOMIC SELECT * FROM j ORDER BY id LIMIT 1; END")
    spec = write_spec("tables:\n  j:\n    columns: {id: {type: integer, primary_key: true}, note: text}\n"
                      "functions:\n  - CREATE FUNCTION first_j() RETURNS SETOF j LANGUAGE sql BEGIN ATOMIC "
                      "SELECT * FROM j ORDER BY id LIMIT 1; END\n")
    assert [i["kind"] for i in _audit(pg_url, spec)["drift"]] == ["function_mismatch"]
    assert _audit(pg_url, spec, "--dev-url", PG_ADMIN_URL)["drift"] == []
