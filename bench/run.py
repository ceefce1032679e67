"""The benchmark: schema-auditor side by side with Alembic and migra on a synthetic schema.

    .venv/bin/python bench/run.py [--tables 100,500,2000] [--repeat 5] [--quick] [--no-compare]

For each size it builds the synthetic schema (bench/synth.py) in Postgres (a reference database and
a drifted copy, named bench_*, dropped at the end) and in SQLite (the drifted copy), writes the
spec, and measures, alternating between the contenders on each repetition (medians reported):

- ours, whole process: ``schema-auditor audit`` wall time and peak RSS, with a cold spec cache
  and with the spec unchanged since the last run;
- ours, in process with the spec loaded (what ``serve`` pays per audit): inspect + diff, and the
  spec load on its own (full parse, and from the disk cache);
- Alembic ``compare_metadata`` (compare_type and compare_server_default on), comparison step only;
- migra between the reference and the drifted database, whole process (Postgres only);
- the floor: three bulk catalog queries through the bare driver.

Then a fleet of SQLite databases audited with ``--jobs 1`` and ``--jobs 4``. Alembic and migra
run from their own virtualenv (bench/.venv-compare, created on first use), never the project's.
Prints a table and writes bench/results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import psycopg
from sqlalchemy.engine import make_url
from synth import Synth

BENCH = Path(__file__).resolve().parent
COMPARE_VENV = BENCH / ".venv-compare"
COMPARE_PACKAGES = ("alembic", "migra", "schemainspect", "sqlbag", "psycopg2-binary", "sqlalchemy")
DEFAULT_PG = os.environ.get("AUDITOR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FLOOR_QUERIES = {
    "postgresql": (
        "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull "
        "FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid JOIN pg_namespace AS n "
        "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 "
        "AND NOT a.attisdropped",
        "SELECT i.indrelid, i.indexrelid, i.indkey, i.indisunique FROM pg_index AS i JOIN pg_class AS c "
        "ON c.oid = i.indrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
        "SELECT con.conrelid, con.conname, con.contype, con.conkey, con.confrelid, con.confkey "
        "FROM pg_constraint AS con JOIN pg_namespace AS n ON n.oid = con.connamespace WHERE n.nspname = 'public'",
    ),
    "sqlite": (
        "SELECT m.name, p.* FROM sqlite_master AS m JOIN pragma_table_xinfo(m.name) AS p WHERE m.type = 'table'",
        "SELECT m.name, il.name, ii.name FROM sqlite_master AS m JOIN pragma_index_list(m.name) AS il "
        "JOIN pragma_index_info(il.name) AS ii WHERE m.type = 'table'",
        "SELECT m.name, f.* FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table'",
    ),
}


@dataclass
class Samples:
    """Repeated measurements of one quantity."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        """Record one measurement."""
        self.values.append(value)

    @property
    def median(self) -> float | None:
        """The median, or None without measurements."""
        return statistics.median(self.values) if self.values else None


@dataclass
class Process:
    """What one child process took."""

    seconds: float
    peak_rss_mb: float
    code: int
    out: str


# Peak RSS comes from wait4 in a small launcher process, not in this one: a child's high-water
# mark starts at the size of the process it was forked from, and this one grows large.
_LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    json.dump({"seconds": seconds, "maxrss_kb": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status)}, out)
"""


def run_process(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Process:
    """Run a command; its wall time, peak RSS and exit code (measured by the launcher) and output."""
    with tempfile.TemporaryDirectory() as tmp:
        measured, output = Path(tmp) / "measured.json", Path(tmp) / "output"
        with output.open("wb") as out:
            subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, str(measured), *argv], stdout=out,
                           stderr=subprocess.STDOUT, env=env, cwd=cwd, check=False)
        text = output.read_bytes().decode(errors="replace")
        if not measured.exists():
            return Process(0.0, 0.0, -1, text)
        facts = json.loads(measured.read_text())
    return Process(facts["seconds"], facts["maxrss_kb"] / 1024, facts["code"], text)


# ---------------------------------------------------------------------------------------------
# Databases


class Postgres:
    """The bench_* databases this run creates, all dropped by ``drop_all``."""

    def __init__(self, admin_url: str) -> None:
        self.admin = make_url(admin_url).set(drivername="postgresql")
        self.created: list[str] = []
        self.tag = uuid.uuid4().hex[:6]

    def url(self, name: str, driver: str = "postgresql") -> str:
        """The URL of database ``name``."""
        return self.admin.set(drivername=driver, database=name).render_as_string(hide_password=False)

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url(self.admin.database or "postgres"), autocommit=True)

    def create(self, kind: str, synth: Synth, template: str | None = None) -> str:
        """A new database ``bench_KIND_N_TAG``: the reference schema, or a copy of ``template``."""
        name = f"bench_{kind}_{synth.tables}_{self.tag}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        statements = synth.drift_ddl() if template else synth.ddl("postgresql")
        with psycopg.connect(self.url(name)) as conn:
            for start in range(0, len(statements), 400):  # bounded locks per transaction
                conn.execute(";".join(statements[start:start + 400]))
                conn.commit()
        return name

    def drop_all(self) -> None:
        """Drop every database this run created."""
        with self._admin() as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


def create_sqlite(path: Path, synth: Synth, drifted: bool = True) -> Path:
    """A SQLite file holding the synthetic schema (drifted by default), made in one transaction."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript("BEGIN;\n" + ";\n".join(synth.ddl("sqlite", drifted)) + ";\nCOMMIT;")
    conn.close()
    return path


# ---------------------------------------------------------------------------------------------
# The contenders


def ours_process(db: str, spec: Path, cache: Path, cold: bool) -> Process:
    """``schema-auditor audit`` as a user runs it; ``cold``: with an empty spec cache."""
    if cold:
        shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "SCHEMA_AUDITOR_CACHE_DIR": str(cache)}
    return run_process([sys.executable, "-m", "auditor", "audit", "--db", db, "--spec", str(spec)], env)


def ours_in_process(db: str, spec: Path) -> dict[str, float]:
    """One audit in this process with the spec already loaded, split into its steps, plus the
    spec's load times (full parse; from the disk cache)."""
    from auditor import speccache
    from auditor.audit import expected_schema
    from auditor.database import dialect_of, parse_url
    from auditor.diff import diff_schemas
    from auditor.gcpause import paused_collection
    from auditor.inspect import inspect_target, schemas_to_read
    from auditor.spec import load_spec
    from auditor.target import Target

    times: dict[str, float] = {}
    with paused_collection():
        started = time.perf_counter()
        load_spec(spec)
        times["spec_parse"] = time.perf_counter() - started
        speccache.load_cached(spec)  # make sure the disk entry exists, then read it from disk
        speccache.forget_loaded()
        started = time.perf_counter()
        speccache.load_cached(spec)
        times["spec_from_cache"] = time.perf_counter() - started
        dialect = dialect_of(parse_url(db))
        expected = expected_schema(str(spec), dialect)
        target = Target("bench", db, str(spec))
        started = time.perf_counter()
        actual = inspect_target(target, schemas_to_read(expected, dialect))
        times["inspect"] = time.perf_counter() - started
        started = time.perf_counter()
        items = diff_schemas(expected, actual, dialect=dialect)
        times["diff"] = time.perf_counter() - started
    times["audit"] = times["inspect"] + times["diff"]
    times["drift_items"] = len(items)
    return times


def floor(engine: str, db: str) -> float:
    """The three bulk catalog queries alone, through the bare driver on an open connection."""
    queries = FLOOR_QUERIES[engine]
    conn = psycopg.connect(db) if engine == "postgresql" else sqlite3.connect(db)
    try:
        started = time.perf_counter()
        for query in queries:
            conn.execute(query).fetchall()
        return time.perf_counter() - started
    finally:
        conn.close()


def alembic(tables: int, url: str) -> float | str:
    """Alembic's comparison step (seconds), or why it could not run."""
    result = run_process([str(COMPARE_VENV / "bin" / "python"), str(BENCH / "compare_alembic.py"),
                          str(tables), url], cwd=BENCH)
    if result.code != 0:
        return result.out.strip().splitlines()[-1] if result.out.strip() else f"exit code {result.code}"
    return float(json.loads(result.out.strip().splitlines()[-1])["seconds"])


def migra(reference: str, drifted: str) -> Process:
    """migra between the two databases, the whole process (exit code 2: differences found)."""
    return run_process([str(COMPARE_VENV / "bin" / "migra"), "--unsafe", reference, drifted])


def ensure_compare_venv() -> str | None:
    """Create bench/.venv-compare with Alembic and migra once; None when ready, else why not."""
    marker = COMPARE_VENV / ".installed"
    if marker.exists():
        return None
    steps = [[sys.executable, "-m", "venv", str(COMPARE_VENV)],
             [str(COMPARE_VENV / "bin" / "python"), "-m", "pip", "install", "-q", *COMPARE_PACKAGES]]
    for step in steps:
        result = run_process(step)
        if result.code != 0:
            return f"{' '.join(step[:4])}... failed: {result.out.strip()[-500:]}"
    marker.touch()
    return None


# ---------------------------------------------------------------------------------------------
# The run


@dataclass
class SizeResult:
    """Every measurement at one table count."""

    tables: int
    samples: dict[str, Samples] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float) -> None:
        """Record one measurement of ``name``."""
        self.samples.setdefault(name, Samples()).add(value)

    def medians(self) -> dict[str, float | None]:
        """Each quantity's median."""
        return {name: s.median for name, s in sorted(self.samples.items())}


def bench_size(synth: Synth, pg: Postgres, work: Path, repeat: int, compare: bool) -> SizeResult:
    """Build the schemas of one size and measure everything, alternating, ``repeat`` times."""
    result = SizeResult(synth.tables)
    spec = work / f"spec_{synth.tables}.yaml"
    spec.write_text(synth.spec_yaml())
    reference = pg.create("ref", synth)
    drifted = pg.create("drift", synth, template=reference)
    urls = {"postgresql": pg.url(drifted), "sqlite": str(create_sqlite(work / f"drift_{synth.tables}.db", synth))}
    cache = work / "spec-cache"
    rounds: list[tuple[str, Callable[[], None]]] = []
    for engine, db in urls.items():
        def process(engine: str = engine, db: str = db) -> None:
            for cold in (True, False):
                run = ours_process(db, spec, cache, cold)
                if run.code != 1:
                    result.notes.append(f"{engine}: audit exited {run.code}: {run.out.strip()[-300:]}")
                label = "cold" if cold else "warm"
                result.add(f"{engine}.ours_process_{label}", run.seconds)
                result.add(f"{engine}.ours_rss_mb_{label}", run.peak_rss_mb)

        def in_process(engine: str = engine, db: str = db) -> None:
            for name, value in ours_in_process(db, spec).items():
                result.add(f"{engine}.ours_{name}", value)

        def bare(engine: str = engine, db: str = db) -> None:
            result.add(f"{engine}.floor", floor(engine, db))

        rounds += [(f"{engine} ours process", process), (f"{engine} ours in-process", in_process),
                   (f"{engine} floor", bare)]
        if compare:
            def alembic_step(engine: str = engine, db: str = db) -> None:
                url = (pg.url(drifted, "postgresql+psycopg2") if engine == "postgresql" else f"sqlite:///{db}")
                seconds = alembic(synth.tables, url)
                if isinstance(seconds, str):
                    result.notes.append(f"alembic ({engine}) failed: {seconds}")
                else:
                    result.add(f"{engine}.alembic_compare", seconds)

            rounds.append((f"{engine} alembic", alembic_step))
    if compare:
        def migra_step() -> None:
            run = migra(pg.url(reference, "postgresql+psycopg2"), pg.url(drifted, "postgresql+psycopg2"))
            if run.code not in (0, 2):
                result.notes.append(f"migra failed (exit {run.code}): {run.out.strip()[-300:]}")
            else:
                result.add("postgresql.migra_process", run.seconds)
                result.add("postgresql.migra_rss_mb", run.peak_rss_mb)

        rounds.append(("postgresql migra", migra_step))
    for rep in range(repeat):
        for label, step in rounds:
            print(f"  [{synth.tables} tables, round {rep + 1}/{repeat}] {label}", file=sys.stderr, flush=True)
            step()
    return result


def bench_fleet(databases: int, tables: int, work: Path, repeat: int) -> dict[str, object]:
    """``databases`` SQLite files of ``tables`` tables audited with --jobs 1 and --jobs 4."""
    synth = Synth(tables)
    folder = work / "fleet"
    folder.mkdir(exist_ok=True)
    spec = folder / "spec.yaml"
    spec.write_text(synth.spec_yaml())
    template = create_sqlite(folder / "template.sqlite", synth)
    lines = [f"spec: {spec}", "databases:"]
    for i in range(databases):
        shutil.copyfile(template, folder / f"db{i:04}.db")
        lines.append(f"  db{i:04}: {{url: 'sqlite:///{folder / f'db{i:04}.db'}'}}")
    config = folder / "fleet.yaml"
    config.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "SCHEMA_AUDITOR_CACHE_DIR": str(work / "spec-cache")}
    samples = {jobs: Samples() for jobs in (1, 4)}
    html, html_bytes = Samples(), 0
    notes = []
    for _ in range(repeat):
        for jobs in samples:
            run = run_process([sys.executable, "-m", "auditor", "audit", "--config", str(config), "--jobs",
                               str(jobs), "--format", "json"], env)
            if run.code != 1:
                notes.append(f"--jobs {jobs} exited {run.code}: {run.out.strip()[-300:]}")
            samples[jobs].add(run.seconds)
        # The static status page of the whole fleet: every database drifted, so each gets its fix plan.
        run = run_process([sys.executable, "-m", "auditor", "audit", "--config", str(config), "--jobs", "4",
                           "--format", "html"], env)
        if run.code != 1:
            notes.append(f"--format html exited {run.code}: {run.out.strip()[-300:]}")
        html.add(run.seconds)
        html_bytes = len(run.out)
    return {"databases": databases, "tables": tables, "jobs_1": samples[1].median, "jobs_4": samples[4].median,
            "html_report_jobs_4": html.median, "html_report_bytes": html_bytes,
            "runs": {f"jobs_{j}": s.values for j, s in samples.items()} | {"html_report_jobs_4": html.values},
            "notes": notes}


# ---------------------------------------------------------------------------------------------
# Output

ROWS = (
    ("ours, whole process, cold spec (s)", "ours_process_cold"),
    ("ours, whole process, spec unchanged (s)", "ours_process_warm"),
    ("ours, peak RSS, cold spec (MB)", "ours_rss_mb_cold"),
    ("ours, peak RSS, spec unchanged (MB)", "ours_rss_mb_warm"),
    ("ours, in process: audit, spec loaded (s)", "ours_audit"),
    ("  of which inspect (s)", "ours_inspect"),
    ("  of which diff (s)", "ours_diff"),
    ("ours, spec load: full parse (s)", "ours_spec_parse"),
    ("ours, spec load: from cache (s)", "ours_spec_from_cache"),
    ("floor: 3 bulk catalog queries (s)", "floor"),
    ("Alembic compare_metadata (s)", "alembic_compare"),
    ("migra, whole process (s)", "migra_process"),
    ("migra, peak RSS (MB)", "migra_rss_mb"),
)
RATIOS = (
    ("migra / ours whole process, cold", "migra_process", "ours_process_cold"),
    ("migra / ours whole process, unchanged", "migra_process", "ours_process_warm"),
    ("Alembic compare / ours whole process, cold", "alembic_compare", "ours_process_cold"),
    ("Alembic compare / ours whole process, unchanged", "alembic_compare", "ours_process_warm"),
    ("Alembic compare / ours in-process audit", "alembic_compare", "ours_audit"),
    ("ours in-process / floor", "ours_audit", "floor"),
)


def _cell(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(results: list[SizeResult]) -> str:
    """The results as a Markdown table (engines as column groups, sizes as columns)."""
    engines = ("postgresql", "sqlite")
    header = ["measure"] + [f"{'Postgres' if e == 'postgresql' else 'SQLite'} {r.tables}" for e in engines
                            for r in results]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    medians = [(e, r.medians()) for e in engines for r in results]
    for label, key in ROWS:
        cells = [_cell(m.get(f"{e}.{key}"), 0 if "rss" in key else 3) for e, m in medians]
        if any(c != "-" for c in cells):
            lines.append("| " + " | ".join([label] + cells) + " |")
    for label, top, bottom in RATIOS:
        cells = []
        for e, m in medians:
            a, b = m.get(f"{e}.{top}"), m.get(f"{e}.{bottom}")
            cells.append(f"{a / b:.1f}x" if a and b else "-")
        if any(c != "-" for c in cells):
            lines.append("| " + " | ".join([label] + cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="100,500,2000", help="table counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of every measurement (median kept)")
    parser.add_argument("--quick", action="store_true", help="one repetition and a small fleet")
    parser.add_argument("--no-compare", action="store_true", help="skip Alembic and migra (no extra virtualenv)")
    parser.add_argument("--fleet", type=int, default=200, help="SQLite databases in the fleet run (0: skip)")
    parser.add_argument("--fleet-tables", type=int, default=20, help="tables in each fleet database")
    parser.add_argument("--pg", default=DEFAULT_PG, help="Postgres admin URL (databases bench_* are made there)")
    parser.add_argument("--output", default=str(BENCH / "results.json"), help="where to write the results")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else max(1, min(args.repeat, 20))
    fleet = min(args.fleet, 20) if args.quick else args.fleet
    sizes = [int(n) for n in args.tables.split(",") if n.strip()]
    compare = not args.no_compare
    problems: list[str] = []
    if compare and (why := ensure_compare_venv()):
        problems.append(f"comparison virtualenv: {why}")
        compare = False
    load_before = os.getloadavg()
    pg = Postgres(args.pg)
    results: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="schema-auditor-bench-") as tmp:
        work = Path(tmp)
        os.environ["SCHEMA_AUDITOR_CACHE_DIR"] = str(work / "in-process-cache")  # never the user's own
        try:
            for n in sizes:
                results.append(bench_size(Synth(n), pg, work, repeat, compare))
                pg.drop_all()
            fleet_result = bench_fleet(fleet, args.fleet_tables, work, repeat) if fleet else None
        finally:
            pg.drop_all()
    document = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "repeat": repeat,
        "sizes": {str(r.tables): {"medians": r.medians(), "runs": {k: s.values for k, s in r.samples.items()},
                                  "notes": r.notes} for r in results},
        "fleet": fleet_result,
        "problems": problems,
        "table": table(results),
    }
    Path(args.output).write_text(json.dumps(document, indent=2) + "\n")
    print(document["table"])
    if fleet_result:
        print(f"\nfleet of {fleet_result['databases']} SQLite databases x {fleet_result['tables']} tables: "
              f"--jobs 1 {_cell(fleet_result['jobs_1'])} s, --jobs 4 {_cell(fleet_result['jobs_4'])} s; "
              f"static status page (--format html, --jobs 4) {_cell(fleet_result['html_report_jobs_4'])} s, "
              f"{fleet_result['html_report_bytes']} bytes")
    for note in problems + [n for r in results for n in r.notes]:
        print(f"note: {note}")
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
