"""SQLite table kinds (WITHOUT ROWID, STRICT), rowid aliases, and rebuilds that keep what they do
not change, on real SQLite files through the CLI.

A snapshot of WITHOUT ROWID and STRICT tables audits its source clean; each mutation of a kind
(or a column of such a table) is exactly one item, ``apply`` heals it by a rebuild and a second
plan is empty. A rebuild that changes one column re-creates every other column word for word,
as ``sqlite_master`` shows by comparison. ``INT PRIMARY KEY`` and ``INTEGER PRIMARY KEY`` (the
rowid's alias) are told apart, and nowhere else are INT and INTEGER.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.dialects.sqlite import table_kind_bits
from conftest import LiveDb, run_cli

BASE_DDL = (
    "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL DEFAULT '',"
    " changed_at TEXT DEFAULT (datetime('now'))) WITHOUT ROWID",
    "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, payload BLOB, n INT DEFAULT 0) STRICT",
    "CREATE TABLE pairs (a INT, b TEXT, note TEXT, PRIMARY KEY (a, b)) STRICT, WITHOUT ROWID",
)
ROWS = (
    "INSERT INTO settings (name, value) VALUES ('theme', 'dark'), ('lang', 'en')",
    "INSERT INTO events (id, kind, payload, n) VALUES (1, 'start', x'00', 1), (7, 'stop', NULL, 2)",
    "INSERT INTO pairs VALUES (1, 'x', 'one'), (2, 'y', NULL)",
)
ROW_QUERIES = {
    "settings": "SELECT name, value FROM settings ORDER BY name",
    "events": "SELECT id, kind, payload, n FROM events ORDER BY id",
    "pairs": "SELECT a, b, note FROM pairs ORDER BY a",
}


def _copy_as(table: str, body: str, options: str) -> tuple[str, ...]:
    """SQLite's way to change a table's kind by hand: a copy under another definition."""
    return (f"CREATE TABLE {table}__new ({body}){options}", f"INSERT INTO {table}__new SELECT * FROM {table}",
            f"DROP TABLE {table}", f"ALTER TABLE {table}__new RENAME TO {table}")


def _json(*args: str) -> tuple[int, dict]:
    result = run_cli(*args, "--format", "json")
    assert result.code in (0, 1), result.out + result.err
    return result.code, json.loads(result.out)["databases"][0]


def _items(url: str, spec: str) -> list[tuple[str, str, str | None]]:
    _, report = _json("audit", "--db", url, "--spec", spec, "--strict")
    return [(i["kind"], i["table"], i["name"]) for i in report["drift"]]


def _assert_clean(url: str, spec: str) -> None:
    assert _items(url, spec) == []
    plan = run_cli("plan", "--db", url, "--spec", spec, "--strict")
    assert plan.code == 0 and "no changes" in plan.out, plan.out


def _snapshot(url: str, path: Path) -> str:
    result = run_cli("snapshot", "--db", url, "-o", str(path))
    assert result.code == 0, result.err
    return str(path)


@pytest.fixture
def kinds_db(sqlite_url: str) -> LiveDb:
    db = LiveDb(sqlite_url, "sqlite")
    db.execute(*BASE_DDL, *ROWS)
    return db


def test_snapshot_of_without_rowid_and_strict_tables_audits_clean(kinds_db: LiveDb, tmp_path: Path) -> None:
    spec = _snapshot(kinds_db.url, tmp_path / "spec.yaml")
    text = Path(spec).read_text()
    assert "  settings:\n    without_rowid: true\n" in text
    assert "  events:\n    strict: true\n" in text
    assert "  pairs:\n    without_rowid: true\n    strict: true\n" in text
    _assert_clean(kinds_db.url, spec)


@dataclass(frozen=True)
class Edit:
    """The snapshot with ``old`` (which occurs once) replaced by ``new``."""

    old: str
    new: str


# (case, SQL run on the live database or an Edit of the snapshot, the one item expected)
MUTATIONS = [
    ("without_rowid_dropped", _copy_as("settings", "name TEXT PRIMARY KEY, value TEXT NOT NULL DEFAULT '', "
                                                   "changed_at TEXT DEFAULT (datetime('now'))", ""),
     ("table_kind_mismatch", "settings", None)),
    ("strict_dropped", _copy_as("events", "id INTEGER PRIMARY KEY, kind TEXT NOT NULL, payload BLOB, "
                                          "n INT DEFAULT 0", ""),
     ("table_kind_mismatch", "events", None)),
    ("both_dropped", _copy_as("pairs", "a INT, b TEXT, note TEXT, PRIMARY KEY (a, b)", ""),
     ("table_kind_mismatch", "pairs", None)),
    ("strict_only_left", _copy_as("pairs", "a INT, b TEXT, note TEXT, PRIMARY KEY (a, b)", " STRICT"),
     ("table_kind_mismatch", "pairs", None)),
    # A column that SQLite cannot add in place (its default is an expression): a rebuild of a
    # WITHOUT ROWID table, which apply used to refuse.
    ("column_missing_without_rowid", ("ALTER TABLE settings DROP COLUMN changed_at",),
     ("missing_column", "settings", "changed_at")),
    ("spec_says_not_strict", Edit("  events:\n    strict: true\n", "  events:\n"),
     ("table_kind_mismatch", "events", None)),
    ("spec_says_without_rowid",
     Edit("  events:\n    strict: true\n", "  events:\n    strict: true\n    without_rowid: true\n"),
     ("table_kind_mismatch", "events", None)),
]


@pytest.mark.parametrize(("case", "mutation", "item"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_changed_kind_is_one_item_and_apply_heals_it(case: str, mutation: tuple[str, ...] | Edit,
                                                       item: tuple[str, str, str | None],
                                                       kinds_db: LiveDb, tmp_path: Path) -> None:
    spec = _snapshot(kinds_db.url, tmp_path / "spec.yaml")
    rows = {table: kinds_db.query(query) for table, query in ROW_QUERIES.items()}
    if isinstance(mutation, Edit):
        text = Path(spec).read_text()
        assert text.count(mutation.old) == 1
        Path(spec).write_text(text.replace(mutation.old, mutation.new))
    else:
        kinds_db.execute(*mutation)
    assert _items(kinds_db.url, spec) == [item]

    code, report = _json("apply", "--db", kinds_db.url, "--spec", spec, "--yes", "--allow-hazards", "all")
    assert code == 0, report
    _assert_clean(kinds_db.url, spec)
    assert {table: kinds_db.query(query) for table, query in ROW_QUERIES.items()} == rows


def test_the_kind_change_is_planned_as_a_rebuild_with_its_hazards(kinds_db: LiveDb, tmp_path: Path) -> None:
    spec = _snapshot(kinds_db.url, tmp_path / "spec.yaml")
    kinds_db.execute(*_copy_as("pairs", "a INT, b TEXT, note TEXT, PRIMARY KEY (a, b)", ""))
    plan = run_cli("plan", "--db", kinds_db.url, "--spec", spec)
    assert plan.code == 1
    assert ") STRICT, WITHOUT ROWID;\nINSERT INTO _auditor_rebuild_pairs (a, b, note) SELECT a, b, note FROM pairs" \
        in plan.out, plan.out
    assert "MAY_FAIL_ON_EXISTING_DATA" in plan.out and "BACKWARD_INCOMPATIBLE" in plan.out
    withheld = run_cli("apply", "--db", kinds_db.url, "--spec", spec, "--yes")
    assert withheld.code == 1 and _items(kinds_db.url, spec) == [("table_kind_mismatch", "pairs", None)]


# ---------------------------------------------------------------------------------------------
# A rebuild keeps the columns it does not change exactly as they were.

UNTOUCHED = [
    "id INT PRIMARY KEY",
    "x INT DEFAULT NULL",
    "y TEXT COLLATE NOCASE CHECK (y <> '')",
    'z "weird type"(10, 2)',
    "g AS (id * 2) STORED",
    "h INTEGER GENERATED ALWAYS AS (id + 1) VIRTUAL",
    '"a b" VARCHAR(20) NOT NULL DEFAULT \'q\'',
    "[c d] int constraint ck_cd check ([c d] > 0)",
    "r INTEGER REFERENCES parent (id) ON DELETE CASCADE",
    "u TEXT UNIQUE",
    "n numeric(10,2) default -1.5",
]


def _table_sql(url: str, table: str) -> str:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]


@pytest.mark.parametrize("options", ["", " WITHOUT ROWID"], ids=["rowid", "without_rowid"])
@pytest.mark.parametrize("definition", UNTOUCHED)
def test_a_rebuild_keeps_untouched_column_definitions_word_for_word(definition: str, options: str,
                                                                     sqlite_url: str, tmp_path: Path) -> None:
    db = LiveDb(sqlite_url, "sqlite")
    head = "" if definition.startswith("id ") else "id INT PRIMARY KEY, "
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)", "INSERT INTO parent VALUES (1)",
               f"CREATE TABLE t ({head}{definition}, w TEXT){options}",
               "INSERT INTO t (id, w) VALUES (5, '7')")
    before = _table_sql(sqlite_url, "t")
    rowids = "SELECT id, w FROM t" if options else "SELECT rowid, id, w FROM t"
    rows = db.query(rowids)
    spec = _snapshot(sqlite_url, tmp_path / "spec.yaml")
    text = Path(spec).read_text()
    assert text.count("      w: text\n") == 1
    Path(spec).write_text(text.replace("      w: text\n", "      w: integer\n"))
    assert _items(sqlite_url, spec) == [("type_mismatch", "t", "w")]

    code, report = _json("apply", "--db", sqlite_url, "--spec", spec, "--yes", "--allow-hazards", "all")
    assert code == 0, report
    after = _table_sql(sqlite_url, "t")
    assert after != before and "w INTEGER" in after
    for untouched in (head.rstrip(", "), definition):
        if untouched:
            assert untouched in after, after
    _assert_clean(sqlite_url, spec)
    assert db.query(rowids) == [(r[0], r[1], 7) if len(r) == 3 else (r[0], 7) for r in rows]  # INT stayed no alias


def test_a_dropped_inline_constraint_is_left_out_and_the_rest_kept(sqlite_url: str, tmp_path: Path) -> None:
    db = LiveDb(sqlite_url, "sqlite")
    db.execute("CREATE TABLE t (id INT PRIMARY KEY, y TEXT COLLATE NOCASE CHECK (y <> '') DEFAULT NULL UNIQUE)")
    spec = _snapshot(sqlite_url, tmp_path / "spec.yaml")
    text = Path(spec).read_text()
    Path(spec).write_text(text[:text.index("    checks:")])  # the spec drops the check
    assert _items(sqlite_url, spec)[0][0] == "extra_check"
    code, report = _json("apply", "--db", sqlite_url, "--spec", spec, "--yes", "--allow-hazards", "all",
                         "--allow-destructive")
    assert code == 0, report
    assert "y TEXT COLLATE NOCASE DEFAULT NULL UNIQUE" in _table_sql(sqlite_url, "t")
    _assert_clean(sqlite_url, spec)


# ---------------------------------------------------------------------------------------------
# INT PRIMARY KEY is not INTEGER PRIMARY KEY (the rowid's alias); INT is INTEGER elsewhere.

# (case, live column list, table options, the spec's columns of t, the items expected)
MISMATCH = [("type_mismatch", "t", "id")]
ALIASES = [
    ("integer pk, spec integer", "id INTEGER PRIMARY KEY, v TEXT", "", "id: {type: integer, primary_key: true}", []),
    ("int pk, spec int", "id INT PRIMARY KEY, v TEXT", "", "id: {type: int, primary_key: true}", []),
    ("table-level key", "id INTEGER, v TEXT, PRIMARY KEY (id)", "", "id: {type: integer, primary_key: true}", []),
    ("integer pk, spec int", "id INTEGER PRIMARY KEY, v TEXT", "", "id: {type: int, primary_key: true}", MISMATCH),
    ("int pk, spec integer", "id INT PRIMARY KEY, v TEXT", "", "id: {type: integer, primary_key: true}", MISMATCH),
    ("int4 pk, spec integer", "id INT4 PRIMARY KEY, v TEXT", "", "id: {type: integer, primary_key: true}", MISMATCH),
    ("ordinary column", "id INTEGER PRIMARY KEY, v INT", "", "id: {type: integer, primary_key: true}, v: integer", []),
    ("composite key", "id INT, v INT, PRIMARY KEY (id, v)", "", "id: {type: integer, primary_key: true}, "
                                                                 "v: {type: integer, primary_key: true}", []),
    ("without rowid: no alias", "id INT PRIMARY KEY, v TEXT", " WITHOUT ROWID",
     "id: {type: integer, primary_key: true}", []),
]


@pytest.mark.parametrize(("case", "ddl", "options", "columns", "expected"), ALIASES, ids=[a[0] for a in ALIASES])
def test_int_and_integer_primary_keys_are_told_apart(case: str, ddl: str, options: str, columns: str,
                                                     expected: list[tuple[str, str, str]],
                                                     sqlite_url: str, write_spec) -> None:
    db = LiveDb(sqlite_url, "sqlite")
    db.execute(f"CREATE TABLE t ({ddl}){options}", "INSERT INTO t (id, v) VALUES (5, '1')")
    v = "" if "v:" in columns else ", v: text"
    kind = "    without_rowid: true\n" if options else ""
    spec = write_spec(f"tables:\n  t:\n{kind}    columns: {{{columns}{v}}}\n")
    assert _items(sqlite_url, spec) == expected
    if not expected:
        return
    _, report = _json("audit", "--db", sqlite_url, "--spec", spec)
    assert "alias of the rowid" in report["drift"][0]["message"]
    code, applied = _json("apply", "--db", sqlite_url, "--spec", spec, "--yes", "--allow-hazards", "all",
                          "--allow-destructive")
    assert code == 0, applied
    _assert_clean(sqlite_url, spec)
    # A new row's id is its rowid only where the column is the alias; else the rowid counts on.
    db.execute("INSERT INTO t (id, v) VALUES (100, '2')")
    assert db.query("SELECT rowid FROM t WHERE id = 100") == [(100 if "type: integer" in columns else 6,)]


# ---------------------------------------------------------------------------------------------
# The CREATE text fallback (SQLite before 3.37) agrees with pragma_table_list.

KIND_TEXTS = [
    "CREATE TABLE k1 (a INTEGER PRIMARY KEY)",
    "CREATE TABLE k2 (a TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE k3 (a INT) STRICT",
    "CREATE TABLE k4 (a INT PRIMARY KEY, b ANY) STRICT, WITHOUT ROWID",
    "CREATE TABLE \"strict (x)\" (\"without rowid\" TEXT PRIMARY KEY, c TEXT DEFAULT 'STRICT') -- STRICT",
    "CREATE TABLE k6 (a TEXT PRIMARY KEY) /* strict */ without   rowid",
]


@pytest.mark.parametrize("ddl", KIND_TEXTS)
def test_kinds_read_from_the_create_text_match_the_pragma(ddl: str, sqlite_url: str) -> None:
    db = LiveDb(sqlite_url, "sqlite")
    db.execute(ddl)
    (sql, wr, strict), = db.query("SELECT m.sql, tl.wr, tl.strict FROM sqlite_master AS m JOIN pragma_table_list AS tl"
                                  " ON tl.name = m.name AND tl.schema = 'main' WHERE m.type = 'table'")
    assert table_kind_bits(sql) == wr + 2 * strict


def test_a_without_rowid_table_needs_a_primary_key(write_spec, sqlite_url: str) -> None:
    spec = write_spec("tables:\n  t:\n    without_rowid: true\n    columns: {a: text}\n")
    result = run_cli("audit", "--db", sqlite_url, "--spec", spec)
    assert result.code == 2 and result.out.strip() == ""
    assert result.err.strip().splitlines() == [
        f"{spec}:3:20: table t: a WITHOUT ROWID table needs a primary key (fix the spec and run again)"]


def test_a_strict_table_takes_only_strict_types(write_spec, sqlite_url: str) -> None:
    spec = write_spec("tables:\n  t:\n    strict: true\n    columns: {a: {type: INT, primary_key: true}, b: text,"
                      " c: varchar(20), d: any, e: {type: '', generated: a + 1}}\n")
    result = run_cli("audit", "--db", sqlite_url, "--spec", spec)
    assert result.code == 2 and result.out.strip() == ""
    takes = "and a STRICT table takes only INT, INTEGER, REAL, TEXT, BLOB, ANY"
    assert result.err.strip().splitlines() == [f"{spec}:3:13: table t: column c has type 'varchar(20)', {takes}",
                                               f"{spec}:3:13: table t: column e has type '', {takes} "
                                               "(fix the spec and run again)"]


def test_a_renamed_column_keeps_its_definition_under_the_new_name(sqlite_url: str, tmp_path: Path) -> None:
    db = LiveDb(sqlite_url, "sqlite")
    db.execute("CREATE TABLE t (id INT PRIMARY KEY, x INT DEFAULT NULL CHECK (x > 0), w TEXT)",
               "INSERT INTO t VALUES (1, 2, '3')")
    spec = _snapshot(sqlite_url, tmp_path / "spec.yaml")
    text = Path(spec).read_text()
    for old, new in (("      x: integer\n", "      x2: {type: integer, renamed_from: x}\n"),
                     ("      w: text\n", "      w: integer\n"), ("x > 0", "x2 > 0")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    Path(spec).write_text(text)
    assert sorted(_items(sqlite_url, spec)) == [("renamed_column", "t", "x2"), ("type_mismatch", "t", "w")]
    code, report = _json("apply", "--db", sqlite_url, "--spec", spec, "--yes", "--allow-hazards", "all",
                         "--allow-destructive")
    assert code == 0, report
    after = _table_sql(sqlite_url, "t")
    # The check names the old column: it is written from the spec, the rest of x's definition kept.
    assert "id INT PRIMARY KEY,\n  x2 INT DEFAULT NULL,\n  w INTEGER,\n" in after and "CHECK (x2 > 0)" in after, after
    assert db.query("SELECT id, x2, w FROM t") == [(1, 2, 3)]
    _assert_clean(sqlite_url, spec)


# ---------------------------------------------------------------------------------------------
# The same on real schemas: every table of each SQLite corpus rebuilt at once.

CORPUS = Path(__file__).parent / "corpus"
SQLITE_CORPUS = sorted(p.name for p in CORPUS.iterdir() if p.name.endswith("_sqlite"))


@pytest.mark.parametrize("folder", SQLITE_CORPUS)
def test_corpus_rebuilds_keep_every_column_definition(folder: str, sqlite_url: str, tmp_path: Path) -> None:
    import yaml

    from auditor.dialects.sqlitedefs import column_definitions
    from test_snapshot import load_sql

    load_sql(sqlite_url, CORPUS / folder / "schema.sql")
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        before = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    spec_path = Path(_snapshot(sqlite_url, tmp_path / "spec.yaml"))
    spec = yaml.safe_load(spec_path.read_text())
    for table in spec["tables"].values():  # a column SQLite cannot add in place: every table is rebuilt
        table["columns"]["zz_added"] = {"type": "text", "default": "(lower('X'))"}
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    code, report = _json("apply", "--db", sqlite_url, "--spec", str(spec_path), "--yes", "--allow-hazards", "all")
    assert code == 0, report
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        after = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    changed = {(name, d.text) for name in spec["tables"] for d in column_definitions(before[name]).values()
               if d.text not in after[name]}
    assert changed == set() and all("zz_added TEXT DEFAULT (lower('X'))" in after[name] for name in spec["tables"])
    _assert_clean(sqlite_url, str(spec_path))


# (id, the child table's DDL, its foreign key's (deferrable, initially_deferred) as read)
DEFERRAL_CASES = [
    ("column_deferred", "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)", (True, True)),
    ("column_immediate", "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT REFERENCES p (id) DEFERRABLE INITIALLY IMMEDIATE)", (True, False)),
    ("column_deferrable", "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT REFERENCES p (id) ON DELETE CASCADE DEFERRABLE)", (True, False)),
    ("column_not_deferrable", "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT REFERENCES p (id) NOT DEFERRABLE)", (False, False)),
    ("column_plain", "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT REFERENCES p (id))", (False, False)),
    ("table_deferred", "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)", (True, True)),
    ("table_named_deferred", 'CREATE TABLE c (id INTEGER PRIMARY KEY, "P id" INT, CONSTRAINT fk FOREIGN KEY ("P id") REFERENCES p (id) deferrable initially deferred)', (True, True)),
    ("in_a_string_only", "CREATE TABLE c (id INTEGER PRIMARY KEY, note TEXT DEFAULT 'DEFERRABLE', pid INT REFERENCES p (id))", (False, False)),
]


def _deferral(url: str) -> tuple[bool, bool]:
    from auditor.inspect import inspect_target
    from auditor.target import Target

    fk = inspect_target(Target("t", url), ("main",)).table("c").foreign_keys[0]
    return fk.deferrable, fk.initially_deferred


@pytest.mark.parametrize("ddl, deferral", [pytest.param(d, f, id=i) for i, d, f in DEFERRAL_CASES])
def test_a_foreign_keys_deferral_is_read_from_the_create_text_and_rebuilt(ddl: str, deferral: tuple[bool, bool],
                                                                          new_db, tmp_path: Path) -> None:
    """pragma_foreign_key_list has no deferral: it is read from the CREATE TABLE text, so that a
    snapshot keeps DEFERRABLE INITIALLY DEFERRED (a rebuild without it failed inserts that insert
    the child before its parent in one transaction)."""
    source, empty = new_db("sqlite"), new_db("sqlite")
    LiveDb(source, "sqlite").execute("CREATE TABLE p (id INTEGER PRIMARY KEY)", ddl)
    assert _deferral(source) == deferral
    spec = tmp_path / "spec.yaml"
    assert run_cli("snapshot", "--db", source, "-o", str(spec)).code == 0
    assert run_cli("apply", "--db", empty, "--spec", str(spec)).code == 0
    assert _deferral(empty) == deferral


def test_a_changed_deferral_is_drift_on_sqlite(sqlite_url: str, write_spec) -> None:
    LiveDb(sqlite_url, "sqlite").execute("CREATE TABLE p (id INTEGER PRIMARY KEY)", DEFERRAL_CASES[0][1])
    spec = write_spec("tables:\n  p: {columns: {id: {type: integer, primary_key: true}}}\n"
                      "  c: {columns: {id: {type: integer, primary_key: true}, pid: {type: int, references: p(id)}}}\n")
    drift = json.loads(run_cli("audit", "--db", sqlite_url, "--spec", spec, "--format", "json").out)["databases"][0]
    assert {d["kind"] for d in drift["drift"]} >= {"missing_foreign_key"}, drift
