"""The corpus (tests/corpus/) rebuilt into a database that is really empty.

An earlier test asked for the ``pg_url``
fixture twice; pytest caches a fixture per test, so on Postgres its "empty" database is the source
database itself and the apply has nothing to do. Here the target is a second, fresh database: the
snapshot of each corpus schema is applied to it, the result audits clean against the snapshot, and
(Postgres) its pg_dump objects are the source's.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import require_command, run_cli
from test_corpus import CORPUS, FOLDERS
from test_snapshot import load_sql


def _schemas(url: str) -> list[str]:
    from conftest import LiveDb

    args: list[str] = []
    for (name,) in LiveDb(url, "postgresql").query(
            "SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1"):
        args += ["--schema", str(name)]
    return args


# Schemas whose snapshot cannot rebuild them yet, and why (README, "What it detects"): specs hold no
# range types, operators or other user-defined types (issue 15). Strict: once one rebuilds, the
# test fails until it is taken off this list.
CANNOT_REBUILD_YET = {
    "pagila_postgres": "an aggregate (group_concat), which a view calls, is not in the spec (counted as not "
                       "audited, and the snapshot says it leaves it out)",
    "plausible_postgres": "an UNLOGGED table is rebuilt logged (counted as not audited), and a check left NOT "
                          "VALID on purpose comes back validated",
    "icingadb_postgres": "an operator (~~) and 312 columns' SET STORAGE PLAIN are not in the spec (each counted "
                         "as not audited)",
    "postgrest_fixtures_postgres": "two views select from themselves (made by CREATE OR REPLACE over a first "
                                   "version): rebuilding one needs a stub with its column types first, as pg_dump "
                                   "writes, and the spec holds no view's columns",
    "danbooru_postgres": "an operator (~<<), an index's statistics target and its serials' sequence options "
                         "are not in the spec",
}


def _folders() -> list[object]:
    return [pytest.param(f, marks=pytest.mark.xfail(strict=True, reason=CANNOT_REBUILD_YET[f]))
            if f in CANNOT_REBUILD_YET else f for f in FOLDERS]


@pytest.mark.parametrize("folder", _folders())
def test_corpus_snapshot_rebuilds_a_really_empty_database(folder: str, new_db, tmp_path: Path) -> None:
    engine = "postgresql" if folder.endswith("_postgres") else "sqlite"
    source, empty = new_db(engine), new_db(engine)
    assert source != empty
    load_sql(source, CORPUS / folder / "schema.sql")
    schemas = _schemas(source) if engine == "postgresql" else []
    spec = tmp_path / "snapshot.yaml"
    snap = run_cli("snapshot", "--db", source, *schemas, "-o", str(spec))
    assert snap.code == 0, snap.err
    applied = run_cli("apply", "--db", empty, "--spec", str(spec), "--strict")
    assert applied.code == 0, f"apply exit {applied.code}: {(applied.err + applied.out).strip()[-3000:]}"
    audit = run_cli("audit", "--db", empty, "--spec", str(spec), "--strict", "--format", "json")
    assert audit.code in (0, 1), audit.err
    drift = [f"{d['kind']} {d['table']}.{d['name']}: {d['message']}" for d in json.loads(audit.out)["databases"][0]["drift"]]
    assert not drift, "\n".join(drift)
    if engine == "postgresql":
        require_command("pg_dump")
        from test_snapshot import pg_dump_covered

        want, got = pg_dump_covered(source), pg_dump_covered(empty)
        missing = [x for x in want if x not in got]
        extra = [x for x in got if x not in want]
        assert not missing and not extra, (f"{len(missing)} source-only object(s), {len(extra)} rebuilt-only:\n"
                                           + "\n".join(["- " + m for m in missing[:15]] + ["+ " + e for e in extra[:15]]))
