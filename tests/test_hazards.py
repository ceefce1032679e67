"""Hazards, pre-checks, reviewed plans and SQLite table rebuilds, on the real engines.

What an operator at 3 a.m. relies on: a plan says what each statement risks; apply runs only what
is allowed and lists the rest; rows that would make a statement fail are counted and refuse it
before anything changes; a reviewed plan runs exactly as reviewed, or not at all; and SQLite's
rebuild keeps every row, index, trigger and foreign key.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import LiveDb, run_cli

SPEC = """\
version: 1
tables:
  users:
    columns:
      id: {type: integer, primary_key: true}
      email: {type: varchar(255), nullable: false}
      nickname: varchar(40)
    indexes:
      idx_users_email: {columns: [email]}
  orders:
    columns:
      id: {type: integer, primary_key: true}
      user_id: {type: integer, nullable: false, references: users.id}
      total: {type: integer, nullable: false, default: 0}
"""

BASE_SQL = (
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL, nickname VARCHAR(40))",
    "CREATE INDEX idx_users_email ON users (email)",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), "
    "total INTEGER NOT NULL DEFAULT 0)",
    "INSERT INTO users VALUES (1, 'a@example.com', 'a'), (2, 'b@example.com', NULL), (3, 'c@example.com', 'c')",
    "INSERT INTO orders VALUES (1, 1, 10), (2, 1, 20), (3, 3, 30)",
)


def build(db: LiveDb, *extra: str) -> None:
    db.execute(*BASE_SQL, *extra)


def cli(db: LiveDb, spec: str, command: str, *args: str):
    return run_cli(command, "--db", db.url, "--spec", spec, *args)


def plan_statements(db: LiveDb, spec: str, *args: str) -> list[dict]:
    result = cli(db, spec, "plan", "--format", "json", *args)
    assert result.code in (0, 1), result.err
    return json.loads(result.out)["databases"][0]["statements"]


def apply_json(db: LiveDb, spec: str, *args: str) -> tuple[int, dict]:
    result = cli(db, spec, "apply", "--yes", "--format", "json", *args)
    assert result.code in (0, 1), result.err
    return result.code, json.loads(result.out)["databases"][0]


def kinds(items: list[dict]) -> list[tuple[str, str]]:
    return sorted((i["kind"], i["name"] or i["table"]) for i in items)


# ---------------------------------------------------------------------------------------------
# Hazards: named per statement, and gates on apply


def test_plan_names_each_statements_hazards_in_text_and_json(db: LiveDb, write_spec) -> None:
    build(db, "ALTER TABLE users ADD COLUMN legacy TEXT")
    spec = write_spec(SPEC.replace("nickname: varchar(40)", "nickname: varchar(40)\n      bio: text"))
    by_sql = {s["sql"].split(" ADD COLUMN ")[-1].split(" DROP COLUMN ")[-1]: s["hazards"]
              for s in plan_statements(db, spec)}
    assert by_sql.get("bio TEXT", by_sql.get("IF NOT EXISTS bio text")) == []
    dropped = [hazards for sql, hazards in by_sql.items() if "legacy" in sql]
    assert dropped == [["DELETES_DATA", "BACKWARD_INCOMPATIBLE"]]
    text = cli(db, spec, "plan").out
    assert "-- extra_column users.legacy [hazards: DELETES_DATA, BACKWARD_INCOMPATIBLE]" in text


def test_safe_statements_run_and_hazardous_ones_wait_for_their_flags(db: LiveDb, write_spec) -> None:
    build(db, "ALTER TABLE users ADD COLUMN legacy TEXT")
    spec = write_spec(SPEC.replace("nickname: varchar(40)", "nickname: varchar(40)\n      bio: text"))
    code, applied = apply_json(db, spec, "--strict")
    assert code == 1  # the withheld drop leaves a warning, which --strict fails on
    assert kinds(applied["remaining"]) == [("extra_column", "legacy")]
    (withheld,) = applied["withheld"]
    assert withheld["reason"] == "needs --allow-hazards DELETES_DATA,BACKWARD_INCOMPATIBLE"
    code, applied = apply_json(db, spec, "--strict", "--allow-destructive")
    assert (code, applied["remaining"], applied["withheld"]) == (0, [], [])


def test_allow_hazards_takes_exactly_the_named_ones(db: LiveDb, write_spec) -> None:
    build(db, "UPDATE users SET nickname = email")
    spec = write_spec(SPEC.replace("nickname: varchar(40)", "nickname: {type: varchar(40), nullable: false}"))
    # SET NOT NULL scans under an exclusive lock and may fail: both hazards must be allowed.
    code, applied = apply_json(db, spec, "--allow-hazards", "MAY_FAIL_ON_EXISTING_DATA")
    assert code == 1 and applied["executed"] == []
    allowed = "MAY_FAIL_ON_EXISTING_DATA,ACQUIRES_ACCESS_EXCLUSIVE_LOCK" + (
        ",TABLE_REWRITE" if db.dialect == "sqlite" else "")  # SQLite rebuilds the table for it
    code, applied = apply_json(db, spec, "--allow-hazards", allowed.lower())
    assert (code, applied["remaining"]) == (0, [])


def test_an_unknown_hazard_name_is_one_line_and_exit_2(sqlite_url: str, write_spec) -> None:
    result = run_cli("apply", "--db", sqlite_url, "--spec", write_spec(SPEC), "--allow-hazards", "DELETE_DATA")
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1 and "unknown hazard DELETE_DATA" in result.err


# ---------------------------------------------------------------------------------------------
# Pre-checks: the rows that would break a new rule, counted before anything runs


PRECHECKS = [
    pytest.param("nickname: varchar(40)", "nickname: {type: varchar(40), nullable: false}",
                 "1 row(s) of users have NULL nickname", id="set_not_null"),
    pytest.param("nickname: varchar(40)", "nickname: {type: varchar(40), unique: true}",
                 "2 row(s) of users repeat a value of (nickname)", id="unique"),
    pytest.param("total: {type: integer, nullable: false, default: 0}",
                 'total: {type: integer, nullable: false, default: 0, check: "total > 15"}',
                 "1 row(s) of orders break CHECK (total > 15)", id="check"),
]


@pytest.mark.parametrize(("old", "new", "finding"), PRECHECKS)
def test_plan_counts_violating_rows_and_apply_refuses_before_changing_anything(
        db: LiveDb, write_spec, old: str, new: str, finding: str) -> None:
    build(db, "UPDATE users SET nickname = 'a' WHERE id = 3")
    spec = write_spec(SPEC.replace(old, new).replace("      email:", "      bio: text\n      email:", 1))
    assert f"-- precheck: {finding}" in cli(db, spec, "plan").out
    checked = [p for s in plan_statements(db, spec) for p in s.get("prechecks", [])]
    assert [p["finding"] for p in checked] == [finding]
    before = _audit_items(db, spec)
    result = cli(db, spec, "apply", "--yes", "--allow-hazards", "all")
    assert result.code == 2
    assert finding in result.err and "refused" in result.err
    # The safe part of the plan (the new bio column) was not run either: nothing changed.
    assert _audit_items(db, spec) == before


def test_a_clean_precheck_lets_the_statement_run(db: LiveDb, write_spec) -> None:
    build(db)
    spec = write_spec(SPEC.replace("total: {type: integer, nullable: false, default: 0}",
                                   'total: {type: integer, nullable: false, default: 0, check: "total > 0"}'))
    assert "-- precheck: 0 row(s) of orders break CHECK (total > 0)" in cli(db, spec, "plan").out
    code, applied = apply_json(db, spec, "--allow-hazards", "all")
    assert (code, applied["remaining"]) == (0, [])


# ---------------------------------------------------------------------------------------------
# Postgres: CHECK and FK added NOT VALID, then validated; indexes CONCURRENTLY


def test_postgres_adds_checks_not_valid_then_validates_outside_the_transaction(pg_url: str, write_spec) -> None:
    db = LiveDb(pg_url, "postgresql")
    build(db)
    spec = write_spec(SPEC.replace("total: {type: integer, nullable: false, default: 0}",
                                   'total: {type: integer, nullable: false, default: 0, check: "total >= 0"}'))
    statements = plan_statements(db, spec)
    assert [("NOT VALID" in s["sql"], s.get("own_transaction", False)) for s in statements] == \
        [(True, False), (False, True)]
    assert "VALIDATE CONSTRAINT" in statements[1]["sql"]
    code, applied = apply_json(db, spec, "--allow-hazards", "MAY_FAIL_ON_EXISTING_DATA")
    assert (code, applied["remaining"]) == (0, [])
    assert db.query("SELECT convalidated FROM pg_constraint WHERE conrelid = 'orders'::regclass "
                    "AND contype = 'c'") == [(True,)]


def test_concurrent_indexes_build_without_a_write_lock_and_replace_an_invalid_one(pg_url: str, write_spec) -> None:
    db = LiveDb(pg_url, "postgresql")
    build(db, "DROP INDEX idx_users_email")
    spec = write_spec(SPEC)
    (plain,) = plan_statements(db, spec, "--no-concurrent-indexes")
    assert plain["hazards"] == ["ACQUIRES_SHARE_LOCK", "INDEX_BUILD"] and "CONCURRENTLY" not in plain["sql"]
    (concurrent,) = plan_statements(db, spec)  # the default, on a table that holds rows
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS" in concurrent["sql"]
    assert concurrent["hazards"] == ["INDEX_BUILD"]  # allowed without a flag
    code, applied = apply_json(db, spec)
    assert (code, applied["remaining"]) == (0, [])

    # What a failed CREATE INDEX CONCURRENTLY leaves: an index that exists but no query uses.
    db.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'idx_users_email'::regclass")
    audit = json.loads(cli(db, spec, "audit", "--format", "json").out)["databases"][0]["drift"]
    assert [(i["kind"], "INVALID" in i["message"]) for i in audit] == [("index_mismatch", True)]
    code, applied = apply_json(db, spec, "--allow-destructive")
    assert (code, applied["remaining"]) == (0, [])
    assert db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_users_email'::regclass") == [(True,)]


# ---------------------------------------------------------------------------------------------
# Reviewed plans


def test_a_reviewed_plan_runs_exactly_as_reviewed(db: LiveDb, write_spec, tmp_path: Path) -> None:
    build(db)
    spec = write_spec(SPEC.replace("nickname: varchar(40)", "nickname: varchar(40)\n      bio: text"))
    plan_file = str(tmp_path / "plan.json")
    assert cli(db, spec, "plan", "--out", plan_file).code == 1
    # The spec grows after the review: apply --plan still runs only what was reviewed.
    spec = write_spec(SPEC.replace("nickname: varchar(40)", "nickname: varchar(40)\n      bio: text\n      age: integer"))
    code, applied = apply_json(db, spec, "--plan", plan_file)
    assert code == 1
    assert [s["fixes"]["name"] for s in applied["executed"]] == ["bio"]
    assert kinds(applied["remaining"]) == [("missing_column", "age")]


def test_a_stale_reviewed_plan_is_refused(db: LiveDb, write_spec, tmp_path: Path) -> None:
    build(db)
    spec = write_spec(SPEC.replace("nickname: varchar(40)", "nickname: varchar(40)\n      bio: text"))
    plan_file = str(tmp_path / "plan.json")
    cli(db, spec, "plan", "--out", plan_file)
    db.execute("CREATE INDEX idx_orders_total ON orders (total)")  # someone changed the schema since
    result = cli(db, spec, "apply", "--yes", "--plan", plan_file)
    assert result.code == 2
    assert "the schema changed since the plan was made" in result.err
    assert len(result.err.strip().splitlines()) == 1
    code, items = _audit_items(db, spec)
    assert (code, items) == (1, [("extra_index", "idx_orders_total"), ("missing_column", "bio")])


def test_a_file_that_is_not_a_plan_is_one_line_and_exit_2(sqlite_url: str, write_spec, tmp_path: Path) -> None:
    bogus = tmp_path / "plan.json"
    bogus.write_text('{"hello": 1}')
    result = run_cli("apply", "--db", sqlite_url, "--spec", write_spec(SPEC), "--plan", str(bogus), "--yes")
    assert result.code == 2 and "not a plan written by schema-auditor plan --out" in result.err


def _audit_items(db: LiveDb, spec: str) -> tuple[int, list[tuple[str, str]]]:
    result = cli(db, spec, "audit", "--format", "json", "--strict")
    return result.code, kinds(json.loads(result.out)["databases"][0]["drift"])


# ---------------------------------------------------------------------------------------------
# SQLite table rebuild


REBUILD_SQL = (
    "CREATE TABLE audit_trail (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER, note TEXT)",
    "CREATE TRIGGER users_touched AFTER UPDATE ON users BEGIN "
    "INSERT INTO audit_trail (user_id, note) VALUES (NEW.id, 'updated'); END",
    "CREATE TABLE tickets (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), score TEXT)",
    "INSERT INTO tickets VALUES (1, 2, '7'), (2, 3, '9')",
    "CREATE VIEW user_emails AS SELECT id, email FROM users",
)
REBUILD_SPEC = SPEC.replace("      idx_users_email: {columns: [email]}\n", f"""\
      idx_users_email: {{columns: [email]}}
    triggers:
      users_touched: "{REBUILD_SQL[1]}"
""") + """\
  audit_trail:
    columns:
      id: {type: integer, primary_key: true, identity: autoincrement}
      user_id: integer
      note: text
  tickets:
    columns:
      id: {type: integer, primary_key: true}
      user_id: {type: integer, references: users.id}
      score: text
views:
  user_emails: "SELECT id, email FROM users"
"""


def test_sqlite_rebuild_changes_type_and_nullability_keeping_rows_indexes_triggers_and_keys(
        sqlite_url: str, write_spec) -> None:
    db = LiveDb(sqlite_url, "sqlite")
    build(db, *REBUILD_SQL, "DELETE FROM audit_trail")
    spec = write_spec(REBUILD_SPEC.replace("nickname: varchar(40)", "nickname: {type: text, nullable: false, "
                                                                    "default: \"'anon'\"}"))
    db.execute("UPDATE users SET nickname = 'b' WHERE id = 2")
    rows = db.query("SELECT rowid, id, email, nickname FROM users ORDER BY id")
    statements = plan_statements(db, spec)
    assert [s["sql"].splitlines()[0] for s in statements] == \
        ["-- rebuild users, fixing: type_mismatch nickname, nullable_mismatch nickname, default_mismatch nickname"]
    assert statements[0]["hazards"] == ["ACQUIRES_ACCESS_EXCLUSIVE_LOCK", "TABLE_REWRITE", "MAY_FAIL_ON_EXISTING_DATA"]
    code, applied = apply_json(db, spec)
    assert code == 1 and applied["executed"] == []  # TABLE_REWRITE needs allowing
    code, applied = apply_json(db, spec, "--allow-hazards", "ACQUIRES_ACCESS_EXCLUSIVE_LOCK,TABLE_REWRITE,"
                                                            "MAY_FAIL_ON_EXISTING_DATA")
    assert (code, applied["remaining"]) == (0, [])
    assert _audit_items(db, spec) == (0, [])

    assert db.query("SELECT rowid, id, email, nickname FROM users ORDER BY id") == rows
    assert db.query("SELECT name FROM sqlite_master WHERE tbl_name = 'users' ORDER BY name") == \
        [("idx_users_email",), ("users",), ("users_touched",)]
    assert db.query("PRAGMA foreign_key_check") == []
    assert db.query("SELECT count(*) FROM orders JOIN users ON users.id = orders.user_id") == [(3,)]
    assert db.query("SELECT * FROM user_emails ORDER BY id")[0] == (1, "a@example.com")
    db.execute("UPDATE users SET email = 'z@example.com' WHERE id = 1")  # the trigger still fires
    assert db.query("SELECT user_id, note FROM audit_trail ORDER BY id") == [(2, "updated"), (1, "updated")]
    assert db.query("PRAGMA integrity_check") == [("ok",)]


def test_sqlite_rebuild_that_would_orphan_rows_is_refused_and_changes_nothing(sqlite_url: str, write_spec) -> None:
    db = LiveDb(sqlite_url, "sqlite")
    unkeyed = tuple(sql.replace(" REFERENCES users (id)", "") for sql in REBUILD_SQL)
    build(db, *unkeyed, "INSERT INTO tickets VALUES (3, 99, '1')")  # user 99 does not exist
    spec = write_spec(REBUILD_SPEC)
    before = db.query("SELECT sql FROM sqlite_master ORDER BY name")
    finding = "1 row(s) of tickets point to no row of users"
    assert f"-- precheck: {finding}" in cli(db, spec, "plan").out
    result = cli(db, spec, "apply", "--yes", "--allow-hazards", "all")
    assert result.code == 2 and finding in result.err
    assert db.query("SELECT sql FROM sqlite_master ORDER BY name") == before
    db.execute("DELETE FROM tickets WHERE user_id = 99")
    code, applied = apply_json(db, spec, "--allow-hazards", "all")
    assert (code, applied["remaining"]) == (0, [])
    assert db.query("SELECT count(*) FROM tickets") == [(2,)]


def test_a_plan_file_never_holds_the_password(pg_url: str, write_spec, tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(pg_url).set(password="s3cretpw").render_as_string(hide_password=False)
    db = LiveDb(url, "postgresql")
    build(db)
    plan_file = tmp_path / "plan.json"
    spec = write_spec(SPEC.replace("nickname: varchar(40)", "nickname: varchar(40)\n      bio: text"))
    assert cli(db, spec, "plan", "--out", str(plan_file)).code == 1
    text = plan_file.read_text()
    assert "s3cretpw" not in text and ":***@" in text
