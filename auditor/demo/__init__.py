"""The bundled demo: the tickers_json incident, replayed on a SQLite database.

``MIGRATIONS_AS_DEPLOYED`` are the migrations production ran; ``EDITED_V3`` is what someone later
added to the body of v3, which never ran because production already stood at version 3.
The same migrations build the incident's database on Postgres in the tests.
"""
from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path
from typing import Callable, Sequence, TextIO

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from auditor.errors import ConfigError

SPEC_RESOURCE = "analysis_jobs.yaml"

MIGRATIONS_AS_DEPLOYED: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL,"
        " created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE UNIQUE INDEX ux_users_email ON users (email)",
    ),
    2: (
        "CREATE TABLE analysis_jobs (id INTEGER PRIMARY KEY,"
        " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
        " status VARCHAR(20) NOT NULL DEFAULT 'pending',"
        " created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE INDEX idx_analysis_jobs_user ON analysis_jobs (user_id)",
    ),
    3: (
        "CREATE TABLE job_results (id INTEGER PRIMARY KEY,"
        " job_id INTEGER NOT NULL REFERENCES analysis_jobs (id) ON DELETE CASCADE,"
        " payload TEXT, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE INDEX idx_job_results_job ON job_results (job_id)",
        "CREATE UNIQUE INDEX ux_jobs_running ON analysis_jobs (status) WHERE status = 'running'",
    ),
}

# Added to migration_v3's body after v3 had run in production.
EDITED_V3: tuple[str, ...] = (
    "ALTER TABLE analysis_jobs ADD COLUMN tickers_json TEXT",
    "CREATE INDEX idx_analysis_jobs_tickers_status ON analysis_jobs (tickers_json, status)",
)

SAMPLE_ROWS = (
    "INSERT INTO users (id, email) VALUES (1, 'ana@example.com'), (2, 'bo@example.com')",
    "INSERT INTO analysis_jobs (id, user_id, status) VALUES (1, 1, 'done'), (2, 1, 'running'), (3, 2, 'pending')",
)


def spec_path() -> Path:
    """The bundled spec of the incident's app, as the edited v3 describes it."""
    return Path(str(resources.files(__package__).joinpath(SPEC_RESOURCE)))


def migrate(conn: Connection, migrations: dict[int, tuple[str, ...]]) -> int:
    """The incident's runner: apply each version above the recorded one; returns the version."""
    conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    current = conn.exec_driver_sql("SELECT max(version) FROM schema_version").scalar() or 0
    for version in sorted(migrations):
        if current >= version:
            continue  # the incident: an edited body of an already-run version never runs again
        for statement in migrations[version]:
            conn.exec_driver_sql(statement)
        conn.execute(text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": version})
        current = version
    return current


def build_incident_database(url: str) -> None:
    """A database as production had it: migrated to v3 before v3 was edited, with three jobs."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            migrate(conn, MIGRATIONS_AS_DEPLOYED)
            for statement in SAMPLE_ROWS:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def count_rows(url: str, table: str) -> int:
    """Rows in ``table`` (the demo shows that apply loses none)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() or 0)
    finally:
        engine.dispose()


def run_demo(directory: str | None, out: TextIO, run_command: Callable[[Sequence[str]], int]) -> int:
    """Replay the incident: audit (drift), plan, apply, audit (clean). 0 when it ends clean."""
    folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="schema-auditor-demo-"))
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"demo --dir {folder} is a file, not a folder", "name a folder to create or reuse")
    folder.mkdir(parents=True, exist_ok=True)
    db_file = folder / "production.db"
    db_file.unlink(missing_ok=True)
    url = f"sqlite:///{db_file}"
    build_incident_database(url)
    spec = str(spec_path())
    out.write("The incident: migration_v3 was edited after production had run it, adding\n"
              "analysis_jobs.tickers_json and an index. Production says version 3, but is it v3?\n"
              f"  database: {db_file}\n  spec:     {spec}\n")
    before = count_rows(url, "analysis_jobs")
    # The demo's apply record stays with the demo's database, not in the user's apply log.
    steps = (("audit",), ("plan",), ("apply", "--yes", "--apply-log", str(folder / "apply.log")), ("audit",))
    codes = []
    for step in steps:
        argv = [step[0], "--db", url, "--spec", spec, *step[1:]]
        out.write(f"\n$ schema-auditor {' '.join(argv)}\n")
        out.flush()
        codes.append(run_command(argv))
        out.write(f"(exit code {codes[-1]})\n")
    after = count_rows(url, "analysis_jobs")
    out.write(f"\nanalysis_jobs rows before apply: {before}, after: {after}\n")
    ok = codes == [1, 1, 0, 0] and before == after
    out.write("Demo finished: drift found, healed, verified clean.\n" if ok else "Demo did not end clean.\n")
    return 0 if ok else 1
