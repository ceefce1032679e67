"""Structural properties the speed rests on (the speed itself is measured by bench/run.py):
what a run imports, and the spec cache: used, keyed by content, safe when broken or unwritable."""
from __future__ import annotations

import dataclasses
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor import speccache
from auditor.demo import build_incident_database, spec_path
from auditor.errors import SpecError
from auditor.fleet import PROCESS_POOL_MIN_TARGETS
from auditor.model import Column, Expr, interned_column, raw_expr
from auditor.spec import load_spec

SPEC = """\
version: 1
tables:
  jobs:
    columns:
      id: {type: bigint, primary_key: true}
      status: {type: varchar(20), nullable: false, default: "'new'"}
    indexes:
      ix_jobs_status: {columns: [status]}
"""


REPO = Path(__file__).resolve().parent.parent

@pytest.fixture(autouse=True)
def _nothing_loaded_yet() -> None:
    speccache.forget_loaded()


def _imports_after(*argv: str, cwd: Path) -> set[str]:
    """The top-level modules imported by a CLI run in a fresh interpreter."""
    code = ("import sys\nfrom auditor.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print('\\n' + ' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=cwd,
                          timeout=60, check=False)
    return set(done.stdout.strip().splitlines()[-1].split())


def test_help_and_sqlite_runs_do_not_import_psycopg(tmp_path: Path) -> None:
    assert "psycopg" not in _imports_after("--help", cwd=tmp_path)
    db = tmp_path / "jobs.db"
    build_incident_database(f"sqlite:///{db}")
    modules = _imports_after("audit", "--db", str(db), "--spec", str(spec_path()), cwd=tmp_path)
    assert "auditor" in modules and "sqlalchemy" in modules
    assert "psycopg" not in modules and "prometheus_client" not in modules and "pglast" not in modules


def test_a_second_postgres_audit_does_not_load_the_parser(tmp_path: Path, pg_url: str, monkeypatch) -> None:
    """Canonical forms of the texts one audit met are remembered (auditor.dialects.pgmemo): the
    next process compares the same database without loading pglast, and finds the same drift."""
    monkeypatch.setenv(speccache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    build_incident_database(pg_url)
    args = ("audit", "--db", pg_url, "--spec", str(spec_path()), "--format", "json")
    first = _imports_after(*args, cwd=tmp_path)
    assert "pglast" in first and list((tmp_path / "cache").glob("pgexpr-*.json"))
    assert "pglast" not in _imports_after(*args, cwd=tmp_path)
    for memo in (tmp_path / "cache").glob("pgexpr-*.json"):
        memo.write_text("{not json")  # a damaged memo is ignored: the parser runs again
    assert "pglast" in _imports_after(*args, cwd=tmp_path)


def test_the_disk_cache_is_used_and_keyed_by_content(tmp_path: Path, write_spec, monkeypatch) -> None:
    monkeypatch.setenv(speccache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    path = write_spec(SPEC)
    key, schema = speccache.load_cached(path)
    assert (tmp_path / "cache" / f"{key}.json").exists()
    speccache.forget_loaded()
    calls = []
    monkeypatch.setattr(speccache, "load_spec", lambda *a: calls.append(a) or load_spec(*a))
    assert speccache.load_cached(path) == (key, schema)  # from disk: the loader did not run
    assert calls == []
    Path(path).write_text(SPEC.replace("varchar(20)", "varchar(30)"))  # same size class, new content
    new_key, changed = speccache.load_cached(path)
    assert new_key != key and len(calls) == 1
    assert changed.tables[0].columns[1].type == "varchar(30)"
    assert changed == load_spec(path)


def test_a_cached_spec_equals_a_loaded_one_in_every_field(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(speccache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme[readme.index("## Spec format"):]  # the example that uses every part of the format
    example = tmp_path / "readme.yaml"
    example.write_text(section[section.index("```yaml\n") + 8:section.index("```", section.index("```yaml") + 7)])
    speccache.load_cached(example)
    speccache.forget_loaded()
    monkeypatch.setattr(speccache, "load_spec", lambda *a: pytest.fail("the disk entry was not used"))
    cached = speccache.load_cached(example)[1]
    assert repr(cached) == repr(load_spec(example))  # repr: the fields equality leaves out too


@pytest.mark.parametrize("damage", ["truncate", "flip", "foreign", "garbage"])
def test_a_damaged_entry_is_ignored(tmp_path: Path, write_spec, monkeypatch, damage: str) -> None:
    monkeypatch.setenv(speccache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    path = write_spec(SPEC)
    key, schema = speccache.load_cached(path)
    speccache.forget_loaded()
    entry = tmp_path / "cache" / f"{key}.json"
    data = entry.read_bytes()
    header, _, body = data.partition(b"\n")
    entry.write_bytes({
        "truncate": data[:len(data) // 2],
        "flip": header + b"\n" + body.replace(b"varchar(20)", b"varchar(99)"),
        "foreign": json.dumps({**json.loads(header), "format": 999}).encode() + b"\n" + body,
        "garbage": b"\x80\x00 not json",
    }[damage])
    assert speccache.load_cached(path) == (key, schema)


def test_an_unwritable_cache_dir_is_skipped(tmp_path: Path, write_spec, monkeypatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv(speccache.CACHE_DIR_ENV, str(blocker / "cache"))
    path = write_spec(SPEC)
    assert speccache.load_cached(path)[1] == load_spec(path)
    monkeypatch.setenv(speccache.CACHE_DIR_ENV, "")  # turned off
    assert speccache.cache_dir() is None


def test_a_bad_spec_is_never_cached_and_keeps_its_line_numbers(tmp_path: Path, write_spec, monkeypatch) -> None:
    monkeypatch.setenv(speccache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    path = write_spec(SPEC.replace("nullable: false", "nullable: maybe"))
    for _ in range(2):
        with pytest.raises(SpecError) as raised:
            speccache.load_cached(path)
        assert f"{path}:6:" in str(raised.value)
    assert not list((tmp_path / "cache").glob("*.json"))


def test_concurrent_writers_leave_one_whole_entry(tmp_path: Path, write_spec) -> None:
    path = write_spec(SPEC)
    code = ("import sys; from auditor import speccache\n"
            "for _ in range(20):\n    speccache.forget_loaded(); speccache._write_entry(speccache.cache_dir(), "
            "'k', speccache.load_cached(sys.argv[1])[1])")
    env = {**os.environ, speccache.CACHE_DIR_ENV: str(tmp_path / "cache")}
    writers = [subprocess.Popen([sys.executable, "-c", code, path], env=env) for _ in range(4)]
    assert [w.wait(timeout=60) for w in writers] == [0, 0, 0, 0]
    assert speccache._read_entry(tmp_path / "cache", "k") == load_spec(path)
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith(".tmp-")] == []


# Run in a fresh interpreter: a process with other threads running audits with threads instead
# (it must not fork), and a test session has had threads of its own.
FLEET_IN_WORKERS = """\
import json, multiprocessing, os, sys
from auditor.target import Target
from auditor.demo import spec_path
from auditor.fleet import audit_fleet
targets = [Target(f"d{i}", f"sqlite:///{path}", str(spec_path())) for i, path in enumerate(sys.argv[1:])]
workers = []  # the worker processes alive as each result comes back
results = audit_fleet(targets, jobs=2, timeout=60,
                      on_done=lambda _: workers.append(sorted(p.pid for p in multiprocessing.active_children())))
print(json.dumps({"me": os.getpid(), "workers": workers,
                  "results": [[r.target.name, r.error, len(r.drift), r.dialect.name] for r in results]}))
"""


def test_a_large_fleet_runs_in_worker_processes(tmp_path: Path) -> None:
    paths = []
    for i in range(PROCESS_POOL_MIN_TARGETS):
        paths.append(str(tmp_path / f"d{i}.db"))
        build_incident_database(f"sqlite:///{paths[-1]}")
    done = subprocess.run([sys.executable, "-c", FLEET_IN_WORKERS, *paths], capture_output=True, text=True,
                          timeout=120, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert len(run["workers"]) == len(paths)
    assert all(len(alive) == 2 and run["me"] not in alive for alive in run["workers"]), \
        "audited by two worker processes, not by threads of the auditing process"
    assert run["results"] == [[f"d{i}", None, 2, "sqlite"] for i in range(len(paths))]


def test_an_interned_column_has_every_field_of_column() -> None:
    """Readers, canon and the spec cache build columns through ``interned_column``: a field added to
    Column and not to it would be lost on the way."""
    fields = [f.name for f in dataclasses.fields(Column)]
    assert [p.rstrip("_") for p in inspect.signature(interned_column).parameters] == fields
    every = Column("a", "text", False, raw_expr("'x'"), "always", raw_expr("upper(b)"), "C", "note", "old_a")
    values = [getattr(every, name) for name in fields]
    assert interned_column(*values) is interned_column(*values)
    assert repr(interned_column(*values)) == repr(every)


def test_interning_keeps_the_texts_of_equal_expressions_apart() -> None:
    """Equal canonical defaults written two ways are equal columns, yet each keeps its own text:
    the planner writes the spec's text, never the other side's."""
    spec = interned_column("at", "timestamptz", True, Expr("now()", "c"), None, None, None, None, None)
    live = interned_column("at", "timestamptz", True, Expr("CURRENT_TIMESTAMP", "c"), None, None, None, None, None)
    assert spec == live and spec is not live
    assert (spec.default.text, live.default.text) == ("now()", "CURRENT_TIMESTAMP")
