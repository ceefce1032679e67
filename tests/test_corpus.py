"""Real schemas nobody here wrote (tests/corpus/, see its README): audited against their own
snapshot they are clean, and each mutation is reported as exactly the one item it is."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import LiveDb, run_cli
from test_snapshot import load_sql

CORPUS = Path(__file__).parent / "corpus"
FOLDERS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def _database(folder: str, request: pytest.FixtureRequest) -> tuple[LiveDb, list[str]]:
    """The folder's schema loaded into a fresh database, and ``--schema`` options naming every schema
    it has (a snapshot reads them all by default; the options serve the tests that pick one)."""
    engine = "postgresql" if folder.endswith("_postgres") else "sqlite"
    db = LiveDb(request.getfixturevalue("pg_url" if engine == "postgresql" else "sqlite_url"), engine)
    load_sql(db.url, CORPUS / folder / "schema.sql")
    schemas: list[str] = []
    if engine == "postgresql":
        for (name,) in db.query("SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' "
                                "AND nspname <> 'information_schema' ORDER BY 1"):
            schemas += ["--schema", str(name)]
    return db, schemas


def _drift(db: LiveDb, spec: Path) -> list[tuple[str, str, str | None]]:
    result = run_cli("audit", "--db", db.url, "--spec", str(spec), "--strict", "--format", "json")
    assert result.code in (0, 1), result.err
    return [(d["kind"], d["table"], d["name"]) for d in json.loads(result.out)["databases"][0]["drift"]]


@pytest.mark.parametrize("folder", FOLDERS)
def test_corpus_audits_clean_against_its_snapshot(folder: str, request: pytest.FixtureRequest,
                                                   tmp_path: Path) -> None:
    db, _ = _database(folder, request)
    spec = tmp_path / "spec.yaml"
    assert run_cli("snapshot", "--db", db.url, "-o", str(spec)).code == 0
    assert _drift(db, spec) == []


def _pick(db: LiveDb, schemas: list[str]):
    """A table and plain column to mutate: not in a key, index, check or view, not generated."""
    from auditor.target import Target
    from auditor.inspect import inspect_target

    live = inspect_target(Target("corpus", db.url), tuple(schemas[1::2]) or ("public",))
    views = " ".join(v.definition.text for v in live.views)
    if db.dialect == "sqlite":  # SQLite refuses to drop a column that a trigger names
        views += " ".join(str(sql) for (sql,) in db.query("SELECT sql FROM sqlite_master WHERE type = 'trigger'"))
    for table in sorted(live.tables, key=lambda t: t.key):
        used = {c for i in table.indexes for c in i.columns + i.include}
        used |= {c.name for c in table.columns for i in table.indexes
                 if c.name in " ".join(i.written + i.include) + (i.where.text if i.where else "")}
        used |= {c for u in table.unique_constraints for c in u.columns}
        used |= {c for fk in table.foreign_keys for c in fk.columns} | set(table.primary_key.columns if table.primary_key else ())
        checks = " ".join(c.expression.text for c in table.checks)
        for col in table.columns:
            plain = col.name.isidentifier() and col.name == col.name.lower()
            # SQLite can only add back a column that is nullable or has a constant default.
            re_addable = col.nullable or (col.default is not None and "(" not in col.default.text
                                          and "current" not in col.default.text.lower())
            if (plain and re_addable and col.name not in used and col.name not in checks and col.name not in views
                    and not col.generated and not col.identity):
                index = next((i for i in table.indexes if not i.unique), None)
                return live, table, col, index
    # Every column is in a key, an index, a check, a view or a trigger (syncthing): no column is
    # dropped, the other mutations still run, on a table with an index to drop.
    table = next(t for t in sorted(live.tables, key=lambda t: t.key) if any(not i.unique for i in t.indexes))
    return live, table, None, next(i for i in table.indexes if not i.unique)


@pytest.mark.parametrize("folder", FOLDERS)
def test_corpus_mutations_are_reported_exactly_and_healed(folder: str, request: pytest.FixtureRequest,
                                                          tmp_path: Path) -> None:
    db, schemas = _database(folder, request)
    spec = tmp_path / "spec.yaml"
    assert run_cli("snapshot", "--db", db.url, *schemas, "-o", str(spec)).code == 0
    _, table, col, index = _pick(db, schemas)
    from auditor.dialects import dialect_named

    dialect = dialect_named(db.dialect)
    qualified = dialect.qualified(table.schema, table.name)
    mutations = [f"ALTER TABLE {qualified} ADD COLUMN zz_extra_col INTEGER"]
    expected = {("extra_column", table.name, "zz_extra_col")}
    if col is not None:
        mutations.append(f"ALTER TABLE {qualified} DROP COLUMN {col.name}")
        expected.add(("missing_column", table.name, col.name))
    if index is not None:
        mutations.append(f"DROP INDEX {dialect.qualified(table.schema, index.name)}")
        expected.add(("missing_index", table.name, index.name))
    if db.dialect == "postgresql":
        dropped = col.name if col is not None else None
        other = next((c for c in table.columns if c.name != dropped and not c.identity and not c.generated
                      and c.type in ("text", "integer", "bigint", "boolean", "timestamp", "timestamptz")
                      and c.name.isidentifier() and c.name == c.name.lower()), None)
        if other is not None:
            mutations.append(f"ALTER TABLE {qualified} ALTER COLUMN {other.name} SET DEFAULT NULL"
                             if other.default else
                             f"ALTER TABLE {qualified} ALTER COLUMN {other.name} SET DEFAULT {_value(other.type)}")
            expected.add(("default_mismatch", table.name, other.name))
        for candidate in table.columns:  # a type change and a nullability change on other columns
            if candidate.name in (dropped, getattr(other, "name", None)) or not candidate.name.isidentifier() \
                    or candidate.name != candidate.name.lower() or candidate.generated or candidate.identity:
                continue
            if candidate.type.startswith("varchar") and ("type_mismatch", table.name, candidate.name) not in expected:
                mutations.append(f"ALTER TABLE {qualified} ALTER COLUMN {candidate.name} TYPE text")
                expected.add(("type_mismatch", table.name, candidate.name))
            elif not candidate.nullable and candidate.name not in (table.primary_key.columns if table.primary_key else ()) \
                    and not any(e[0] == "nullable_mismatch" for e in expected):
                mutations.append(f"ALTER TABLE {qualified} ALTER COLUMN {candidate.name} DROP NOT NULL")
                expected.add(("nullable_mismatch", table.name, candidate.name))
        fk = next(iter(table.foreign_keys), None)
        if fk is not None and fk.name:
            mutations.append(f"ALTER TABLE {qualified} DROP CONSTRAINT {dialect.quote(fk.name)}")
            expected.add(("missing_foreign_key", table.name, fk.name))
    db.execute(*mutations)
    assert set(_drift(db, spec)) == expected and len(_drift(db, spec)) == len(expected)

    applied = run_cli("apply", "--db", db.url, "--spec", str(spec), "--allow-hazards", "all", "--strict")
    assert applied.code == 0, applied.out + applied.err
    assert _drift(db, spec) == []
    assert run_cli("plan", "--db", db.url, "--spec", str(spec), "--strict").code == 0


def _value(type_: str) -> str:
    return {"text": "'x'", "boolean": "true", "timestamp": "now()", "timestamptz": "now()"}.get(type_, "7")


PARTITIONED = [f for f in FOLDERS if f.endswith("_postgres") and "PARTITION BY" in (CORPUS / f / "schema.sql").read_text()]


@pytest.mark.parametrize("folder", PARTITIONED)
def test_corpus_partition_mutations_are_reported_exactly_and_healed(folder: str, request: pytest.FixtureRequest,
                                                                    tmp_path: Path) -> None:
    """A partition detached, another dropped and a third given a default of its own (as many of
    these as the schema has partitions for): exactly those items, and ``apply`` makes the
    partitions again as the application made them."""
    db, _ = _database(folder, request)
    spec = tmp_path / "spec.yaml"
    assert run_cli("snapshot", "--db", db.url, "-o", str(spec)).code == 0
    rows = db.query("SELECT c.relname, p.relname, (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid "
                    " AND a.attnum > 0 AND NOT a.attisdropped AND NOT a.atthasdef AND a.attgenerated = '' "
                    " AND a.atttypid IN ('text'::regtype, 'integer'::regtype, 'bigint'::regtype) ORDER BY a.attnum LIMIT 1) "
                    "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
                    "WHERE c.relkind = 'r' AND p.relkind = 'p' AND c.relnamespace = 'public'::regnamespace "
                    "ORDER BY p.relname, c.relname")
    assert rows, f"{folder} has no partition in public"
    detached, parent, _ = rows[0]
    mutations, expected = [f"ALTER TABLE {parent} DETACH PARTITION {detached}"], [("partition_mismatch", detached, "partition_of")]
    if len(rows) > 1:
        mutations.append(f"DROP TABLE {rows[-1][0]}")
        expected.append(("missing_table", rows[-1][0], None))
    defaulted = next(((child, col) for child, _, col in rows[1:-1] if col), None)
    if defaulted:
        mutations.append(f"ALTER TABLE {defaulted[0]} ALTER COLUMN {defaulted[1]} SET DEFAULT 7")
        expected.append(("default_mismatch", *defaulted))
    db.execute(*mutations)
    assert sorted(_drift(db, spec)) == sorted(expected)

    applied = run_cli("apply", "--db", db.url, "--spec", str(spec), "--allow-hazards", "all", "--strict")
    assert applied.code == 0, applied.out + applied.err
    assert _drift(db, spec) == []
    assert run_cli("plan", "--db", db.url, "--spec", str(spec), "--strict").code == 0
